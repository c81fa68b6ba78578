/**
 * Parameter changes as a user makes them: from the main thread, at seeded random times, while the
 * stage runs live. For every registered stage (iterated from the registry), hundreds of changes
 * (about one in six hostile: NaN, out of range, an unknown option) reach the processor over its
 * port while its output is read through an AnalyserNode every 20 ms. Messages reach the processor
 * between two process() calls, so a quantum never sees half a change; that each quantum's output
 * equals a render with one of the two parameter sets is checked per call in Node by `stagebench
 * validate` (param-automation, docs/validation.md).
 */
import { useSyncExternalStore } from 'react';
import type { Meta, StoryObj } from '@storybook/react-vite';
import { STAGES } from '../dsp-stages/registry.ts';
import { defaultParams } from '../dsp-stages/params.ts';
import type { StageDescriptor } from '../dsp-stages/types.ts';
import { mulberry32 } from '../dsp-stages/signals.ts';
import { StagebenchRuntime } from '../worklet/host.ts';
import { colors, fonts, numeric } from '../components/theme.ts';
import { ResultsBoard } from './support/conformance/board.ts';
import { randomParamChanges } from '../dsp-stages/conformance/params.ts';
import { finish, startRuntime } from './support/switching.ts';
import { sleep } from './support/assertions.ts';

const BOARD = new ResultsBoard();

/** Changes per stage, and the longest gap between two, ms (a gap of 0: several in one task). */
const CHANGES = 300;
const MAX_GAP_MS = 8;
/** How often the output is read, ms (the analyser holds the last 2048 samples: 43 ms at 48 kHz). */
const READ_EVERY_MS = 20;

const cell = { padding: '2px 8px', borderBottom: `1px solid ${colors.grid}`, verticalAlign: 'top' as const, textAlign: 'left' as const };

function LiveParametersReport() {
  const state = useSyncExternalStore(BOARD.subscribe, BOARD.getState);
  return (
    <article style={{ font: `13px ${fonts.ui}`, color: colors.text, maxWidth: 1240 }} aria-labelledby="live-parameters">
      <h2 id="live-parameters" style={{ fontSize: 17, margin: '4px 0' }}>
        Parameters changed live, from the main thread
      </h2>
      <p style={{ margin: '4px 0 8px', color: colors.muted, maxWidth: 1000 }}>
        Per stage: {CHANGES} seeded random parameter changes sent with setParam at random times (0 to {MAX_GAP_MS} ms apart) while it runs,
        then its defaults; its output read every {READ_EVERY_MS} ms through an AnalyserNode. Asserted: no sample NaN or infinite, no stage
        error, no wasm allocation or memory growth, the stage still on wasm.
      </p>
      <p role="status" data-testid="live-parameters-status" style={{ margin: '4px 0', fontWeight: 600 }}>
        {state.status || (state.rows.length === 0 ? 'waiting for the play function' : 'done')}
      </p>
      <table style={{ borderCollapse: 'collapse', width: '100%', ...numeric, fontSize: 12 }}>
        <caption style={{ textAlign: 'left', font: `12px ${fonts.ui}`, color: colors.muted, padding: '2px 0' }}>One row per check</caption>
        <thead>
          <tr style={{ background: colors.panel }}>
            {['Stage', 'Check', 'Figure', 'Verdict'].map((h) => (
              <th scope="col" key={h} style={cell}>
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {state.rows.map((r, i) => (
            <tr key={i}>
              <td style={cell}>{r.stage}</td>
              <td style={{ ...cell, fontFamily: fonts.ui }}>{r.check}</td>
              <td style={cell}>{r.figure}</td>
              <td style={{ ...cell, fontWeight: 700, color: r.verdict === 'fail' ? colors.danger : colors.ok }}>
                {r.verdict === 'fail' ? 'FAIL' : 'pass'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </article>
  );
}

const meta = {
  title: 'Validation/Live parameters',
  component: LiveParametersReport,
  tags: ['!autodocs'],
} satisfies Meta<typeof LiveParametersReport>;

export default meta;
type Story = StoryObj<typeof meta>;

/** Non-finite samples in the analyser's latest window, and its peak. */
function readOutput(analyser: AnalyserNode, buf: Float32Array<ArrayBuffer>): { nonFinite: number; peak: number } {
  analyser.getFloatTimeDomainData(buf);
  let nonFinite = 0;
  let peak = 0;
  for (const x of buf) {
    if (!Number.isFinite(x)) nonFinite++;
    else peak = Math.max(peak, Math.abs(x));
  }
  return { nonFinite, peak };
}

async function changeLive(runtime: StagebenchRuntime, stage: StageDescriptor, seed: number): Promise<void> {
  await runtime.setStage(stage.id, defaultParams(stage.params));
  const analyser = await runtime.outputAnalyser();
  const buf = new Float32Array(analyser.fftSize);
  const before = runtime.telemetry();
  const changes = randomParamChanges(stage.params, { count: CHANGES, seed, groups: CHANGES, firstFrame: 0, spacing: 128 });
  const rand = mulberry32(seed ^ 0x5eed);
  let reads = 0;
  let nonFinite = 0;
  let peak = 0;
  let lastRead = performance.now();
  const read = () => {
    const r = readOutput(analyser, buf);
    reads++;
    nonFinite += r.nonFinite;
    peak = Math.max(peak, r.peak);
    lastRead = performance.now();
  };
  const t0 = performance.now();
  for (const c of changes) {
    runtime.setParam(c.name, c.value);
    const gap = rand() < 0.2 ? 0 : rand() * MAX_GAP_MS;
    if (gap > 0) await sleep(gap);
    if (performance.now() - lastRead >= READ_EVERY_MS) read();
  }
  const sentMs = performance.now() - t0;
  for (const [name, value] of Object.entries(defaultParams(stage.params))) runtime.setParam(name, value);
  // the defaults take effect, the analyser's window fills with output made after them, and the processor republishes its figures
  for (let i = 0; i < 6; i++) {
    await sleep(200);
    read();
  }
  const after = runtime.telemetry();
  BOARD.add(stage.id, {
    check: `${changes.length} changes sent live`,
    figure: `over ${sentMs.toFixed(0)} ms; output read ${reads} times, peak ${peak.toFixed(3)}`,
    ok: changes.length === CHANGES && reads > 10,
  });
  BOARD.add(stage.id, {
    check: 'no NaN or infinite output sample',
    figure: `${nonFinite} of ${reads * buf.length} read`,
    ok: nonFinite === 0,
  });
  BOARD.add(stage.id, {
    check: 'no stage error',
    figure: `${after.stageErrors - before.stageErrors}`,
    ok: after.stageErrors === before.stageErrors,
  });
  BOARD.add(stage.id, {
    check: 'no wasm allocation, no memory growth',
    figure: `${after.wasmAllocCount - before.wasmAllocCount} allocations, ${after.wasmMemoryBytes - before.wasmMemoryBytes} bytes`,
    ok: after.wasmAllocCount === before.wasmAllocCount && after.wasmMemoryBytes === before.wasmMemoryBytes,
  });
  BOARD.add(stage.id, { check: 'still on wasm', figure: runtime.state.wasmStatus, ok: runtime.state.wasmStatus === 'active' });
}

/** Every registered stage, its parameters changed live from the main thread. */
export const ChangedWhileRunning: Story = {
  name: 'Changed while running',
  play: async ({ step }) => {
    BOARD.clear();
    const runtime = StagebenchRuntime.get();
    await startRuntime(runtime);
    let seed = 7000;
    for (const stage of Object.values(STAGES)) {
      const s = seed++;
      await step(`${stage.title} (${stage.id}): ${CHANGES} changes live`, async () => {
        BOARD.status(`running: ${stage.id}`);
        await changeLive(runtime, stage, s);
      });
    }
    BOARD.status('');
    await finish(BOARD, step);
  },
};
