/**
 * The render-quantum check in the browser: every registered stage (iterated from the registry, so
 * a new stage is covered without touching this file) in quanta of 64, 128, 256, 441 and 1024
 * frames (renderSizeHint). Per size: each stage rendered offline in an OfflineAudioContext of that
 * size and judged against its reference run in quanta of the same size (the same function as the
 * Node test, stories/support/conformance/quantum-checks.ts), then one live AudioContext of that
 * size for its quanta per second. The `quantum` arg picks one size (0: all): a shared link with
 * `args=quantum:441` reproduces that size alone.
 */
import { useSyncExternalStore } from 'react';
import type { Meta, StoryObj } from '@storybook/react-vite';
import { NEEDS_RENDER_SIZE_HINT, chromiumOnly } from './support/engines.ts';
import { STAGES } from '../dsp-stages/registry.ts';
import { RENDER_QUANTUM_SIZES, type StageDescriptor } from '../dsp-stages/types.ts';
import { renderOffline } from '../worklet/offline-render.ts';
import { createStageNode } from '../worklet/stage-node.ts';
import { contextQuantumFrames, renderSizeOptions } from '../worklet/quantum.ts';
import { Ctl, Tim } from '../worklet/layout.ts';
import type { ToProcessor } from '../worklet/protocol.ts';
import { alertBox, colors, fonts, numeric } from '../components/theme.ts';
import { reportMeasurement } from './support/report.ts';
import { finish } from './support/switching.ts';
import { ResultsBoard, type Check } from './support/conformance/board.ts';
import { formatFigure as fmt } from '../dsp-stages/conformance/numbers.ts';
import { conformanceOf, conformanceParams } from './support/conformance/promises.ts';
import { TONE_HZ } from '../dsp-stages/conformance/signals.ts';
import { RENDER_QUANTUM_CHECK, quantumInput, renderQuantumChecks } from './support/conformance/quantum-checks.ts';

const board = new ResultsBoard();

/** Offline sample rate. */
const RATE = 48_000;
/** Seconds each live context runs. */
const LIVE_SECONDS = 0.8;
/** How far the live quanta per wall-clock second may stray from sampleRate / size. */
const LIVE_TOLERANCE = 0.1;

const cell = { padding: '2px 8px', borderBottom: `1px solid ${colors.grid}`, verticalAlign: 'top' as const, textAlign: 'left' as const };
const verdictColor = { pass: colors.ok, fail: colors.danger, note: colors.warn } as const;

function RenderQuantumReport({ quantum }: { quantum: number }) {
  const state = useSyncExternalStore(board.subscribe, board.getState);
  const failed = state.rows.filter((r) => r.verdict === 'fail');
  const sizes = quantum ? [quantum] : RENDER_QUANTUM_SIZES;
  return (
    <article style={{ font: `13px ${fonts.ui}`, color: colors.text, maxWidth: 1240 }} aria-labelledby="render-quantum-title">
      <h2 id="render-quantum-title" style={{ fontSize: 17, margin: '4px 0' }}>
        Render quantum: {sizes.join(', ')} frames
      </h2>
      <p style={{ margin: '4px 0 8px', color: colors.muted, maxWidth: 1000 }}>
        The {RENDER_QUANTUM_CHECK} check. Each stage rendered offline at {RATE} Hz in an OfflineAudioContext made with renderSizeHint: the
        context reports the size, the processor ran every quantum at that length without a stage error, the output and figures equal the
        stage&apos;s TypeScript reference run in quanta of the same size (the tolerance of its conformance promise, 0: bit for bit), no NaN
        out. Then one live AudioContext of that size for {LIVE_SECONDS} s (the first registered stage, an oscillator in): quanta per second
        of performance.now() within {100 * LIVE_TOLERANCE} % of sampleRate / size (the audio clock&apos;s and the worklet&apos;s own EMA
        beside it).
      </p>
      <p role="status" data-testid="render-quantum-status" style={{ margin: '4px 0', fontWeight: 600 }}>
        {state.status || (state.rows.length === 0 ? 'waiting for the play function' : 'done')} · {state.rows.length} checks, {failed.length}{' '}
        failed
      </p>
      {failed.length > 0 && (
        <div role="alert" style={{ ...alertBox, maxWidth: 1000 }}>
          <strong>Failed checks</strong>
          <ul style={{ margin: '2px 0 0', paddingLeft: 18 }}>
            {failed.map((r, i) => (
              <li key={i}>
                {r.stage} / {r.check}: {r.figure}
              </li>
            ))}
          </ul>
        </div>
      )}
      <table style={{ borderCollapse: 'collapse', width: '100%', ...numeric, fontSize: 12 }} data-testid="render-quantum-table">
        <caption style={{ textAlign: 'left', font: `12px ${fonts.ui}`, color: colors.muted, padding: '2px 0' }}>
          One row per check; a note is measured and shown, not asserted
        </caption>
        <thead>
          <tr style={{ background: colors.panel }}>
            {['Stage', 'Case', 'Figure', 'Verdict'].map((h) => (
              <th key={h} scope="col" style={cell}>
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {state.rows.map((r, i) => (
            <tr key={i}>
              <td style={{ ...cell, whiteSpace: 'nowrap' }}>{r.stage}</td>
              <td style={{ ...cell, fontFamily: fonts.ui }}>{r.check}</td>
              <td style={cell}>{r.figure}</td>
              <td style={{ ...cell, color: verdictColor[r.verdict], fontWeight: 700 }}>{r.verdict === 'fail' ? 'FAIL' : r.verdict}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </article>
  );
}

const meta = {
  title: 'Validation/Render quantum',
  component: RenderQuantumReport,
  tags: ['!autodocs'],
  argTypes: {
    quantum: { control: 'select', options: [0, ...RENDER_QUANTUM_SIZES], description: 'Frames per render quantum (0: every size in turn)' },
  },
  args: { quantum: 0 },
} satisfies Meta<typeof RenderQuantumReport>;

export default meta;
type Story = StoryObj<typeof meta>;

const stages = (): StageDescriptor[] => Object.values(STAGES);

function addAll(stageId: string, checks: readonly Check[]): void {
  for (const c of checks) board.add(stageId, c);
}

/** Runs one part; a throw is a failed row, and the next part runs. */
async function guarded(stageId: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    board.add(stageId, { check: 'ran to the end', figure: `threw: ${(err as Error).message}`, ok: false });
  }
}

/** Every stage rendered offline in quanta of `quantum` frames, judged by the render-quantum check. */
async function offlineRenders(quantum: number): Promise<void> {
  for (const stage of stages()) {
    await guarded(stage.id, async () => {
      board.status(`${stage.id}: offline render in ${quantum}-frame quanta`);
      const { spec } = conformanceOf(stage.id);
      const params = conformanceParams(stage);
      const src = quantumInput(spec, RATE, quantum);
      const t0 = performance.now();
      const r = await renderOffline({
        stage: stage.id,
        params,
        input: src.input,
        sampleRate: RATE,
        quantumFrames: quantum,
        ...(src.input2 ? { input2: src.input2 } : {}),
      });
      const ms = performance.now() - t0;
      const tag = `${quantum}-frame quanta`;
      board.add(stage.id, {
        check: `${tag}: OfflineAudioContext renderQuantumSize, wasm active`,
        figure: `${r.quantumFrames} frames; ${src.input.length} frames (${src.label}) in ${fmt(ms, 3)} ms on ${r.status === 'active' ? 'wasm' : `the reference: ${r.reason}`}`,
        ok: r.quantumFrames === quantum && r.status === 'active',
      });
      const t = r.telemetry;
      addAll(
        stage.id,
        renderQuantumChecks(stage, spec, params, RATE, quantum, src, {
          output: stage.hasAudioOutput ? r.output : null,
          figures: r.figures,
          quantumCount: t ? t.quantumCount : null,
          quantumFrames: t ? t.quantumFrames : null,
          stageErrors: t ? t.stageErrors : 0,
        }),
      );
      reportMeasurement({
        name: `${stage.id} offline render, ${tag}`,
        value: ms,
        unit: `ms (${src.input.length} frames)`,
        source: 'performance.now()',
      });
    });
  }
}

/** One live AudioContext of `quantum`-frame quanta: the size it reports, and the quanta it renders per second. */
async function live(quantum: number): Promise<void> {
  const stage = stages()[0]!;
  const tag = `${quantum}-frame quanta, live`;
  board.status(`live context in ${quantum}-frame quanta`);
  const ctx = new AudioContext({ latencyHint: 'interactive', ...renderSizeOptions(quantum) });
  try {
    const reported = contextQuantumFrames(ctx);
    board.add('live', {
      check: `${tag}: AudioContext renderQuantumSize`,
      figure: `${reported} frames at ${ctx.sampleRate} Hz`,
      ok: reported === quantum,
    });
    const node = await createStageNode(ctx, { stage: stage.id, params: conformanceParams(stage) });
    const osc = new OscillatorNode(ctx, { frequency: TONE_HZ });
    osc.connect(node.node).connect(ctx.destination);
    osc.start();
    await ctx.resume();
    const views = node.views;
    if (!views) {
      board.add('live', { check: `${tag}: telemetry`, figure: 'none (not cross-origin isolated)', ok: false });
      return;
    }
    // count from the first rendered quantum on
    const started = performance.now();
    while (Atomics.load(views.control, Ctl.quantumCount) === 0 && performance.now() - started < 2000)
      await new Promise((resolve) => setTimeout(resolve, 10));
    const q0 = Atomics.load(views.control, Ctl.quantumCount);
    const w0 = performance.now();
    const a0 = ctx.currentTime;
    await new Promise((resolve) => setTimeout(resolve, LIVE_SECONDS * 1000));
    const q1 = Atomics.load(views.control, Ctl.quantumCount);
    const w1 = performance.now();
    const a1 = ctx.currentTime;
    const frames = views.timing[Tim.quantumFrames]!;
    const errors = Atomics.load(views.control, Ctl.stageErrors);
    board.add('live', {
      check: `${tag}: processor given ${quantum}-frame quanta, no stage error`,
      figure: `last quantum ${frames} frames, ${q1} quanta, ${errors} stage errors (${stage.id})`,
      ok: frames === quantum && q1 > q0 && errors === 0,
    });
    const expected = ctx.sampleRate / quantum;
    const wallQps = ((q1 - q0) * 1000) / (w1 - w0);
    const audioQps = (q1 - q0) / (a1 - a0);
    board.add('live', {
      check: `${tag}: quanta/s within ${100 * LIVE_TOLERANCE} % of sampleRate / ${quantum} = ${fmt(expected, 4)}`,
      figure:
        `${fmt(wallQps, 4)} by performance.now() over ${fmt((w1 - w0) / 1000, 3)} s (${q1 - q0} quanta); ` +
        `${fmt(audioQps, 4)} by currentTime; worklet EMA ${fmt(views.timing[Tim.quantaPerSecEma]!, 4)}`,
      ok: Math.abs(wallQps / expected - 1) <= LIVE_TOLERANCE,
    });
    reportMeasurement({
      name: `quanta/s, ${tag}`,
      value: wallQps,
      unit: `per s (expected ${fmt(expected, 4)})`,
      source: 'performance.now()',
    });
    osc.stop();
    node.node.port.postMessage({ type: 'release' } satisfies ToProcessor);
  } finally {
    await ctx.close();
  }
}

/** Every stage at each render quantum: exact values offline against its reference, and the size live. */
export const EverySize: Story = {
  name: 'Every size',
  tags: ['chromium-only'],
  parameters: chromiumOnly(NEEDS_RENDER_SIZE_HINT),
  play: async ({ args, step }) => {
    board.clear();
    const sizes = args.quantum ? [args.quantum] : RENDER_QUANTUM_SIZES;
    for (const quantum of sizes) {
      await step(`${quantum}-frame quanta: every stage offline, then live`, async () => {
        await offlineRenders(quantum);
        await guarded('live', () => live(quantum));
      });
    }
    await finish(board, step);
  },
};
