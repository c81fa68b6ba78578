/**
 * The conformance suite: every registered stage (iterated from the registry, so a new stage is
 * covered without touching this file) through four kinds of abuse, one story each, a step per
 * stage. Each story shows its results as a table (stage, case, figure, verdict) and fails at the
 * end with every failed row, after running all of them.
 */
import { useSyncExternalStore } from 'react';
import type { Meta, StoryObj } from '@storybook/react-vite';
import { STAGES } from '../dsp-stages/registry.ts';
import { clampParam, defaultParams, formatClampNote, resolveParams } from '../dsp-stages/params.ts';
import type { NumberParam, ParamValues, StageDescriptor } from '../dsp-stages/types.ts';
import { RENDER_QUANTUM_FRAMES, timingBudgetAt } from '../dsp-stages/types.ts';
import { chromiumOnly, NEEDS_OFFLINE_SUSPEND } from './support/engines.ts';
import { StagebenchRuntime } from '../worklet/host.ts';
import { renderOffline, type OfflineRenderOptions, type OfflineRender } from '../worklet/offline-render.ts';
import { alertBox, colors, fonts, numeric } from '../components/theme.ts';
import { describeAttempts, heapAfterGc, timeKernelWithin, withAudioSuspended } from './support/assertions.ts';
import { reportMeasurement } from './support/report.ts';
import { SINGLE_QUANTA } from './support/checks.ts';
import { addHeapGrowth, finish, startRuntime, switchRound } from './support/switching.ts';
import { ResultsBoard, type BoardState, type Check, type Verdict } from './support/conformance/board.ts';
import {
  CONFORMANCE_RATES,
  compareSamples,
  deadlineUs,
  formatFigure as fmt,
  nonFiniteCount,
  peakAbs,
  timesGain,
} from '../dsp-stages/conformance/numbers.ts';
import type { StageConformance } from '../dsp-stages/conformance-types.ts';
import { conformanceOf, conformanceParams, counterFigures } from './support/conformance/promises.ts';
import {
  HOSTILE_KINDS,
  HOSTILE_LAYOUT,
  RECOVERY_TAIL,
  TONE_HZ,
  cleanSignal,
  hostileDuring,
  hostileSequence,
  silenceDuring,
  rateInput,
  type HostileKind,
} from '../dsp-stages/conformance/signals.ts';
import { runKernel } from './support/conformance/kernel-run.ts';
import {
  EQ_IMPULSE_FRAMES,
  checkBitExact,
  checkEqDesign,
  checkFiguresAgainstReference,
  checkOutputAgainstReference,
  checkShiftDelay,
  checkTonePeak,
} from './support/conformance/rate-checks.ts';
import { checkHostileOutput, checkRecovery } from '../dsp-stages/conformance/hostile-checks.ts';
import {
  checkClamp,
  checkSpec,
  clampedChanges,
  parameterProbes,
  probeSweep,
  randomParamChanges,
  resetChanges,
} from '../dsp-stages/conformance/params.ts';

type Suite = 'rates' | 'hostile' | 'parameters' | 'switching';

const BOARDS: Record<Suite, ResultsBoard> = {
  rates: new ResultsBoard(),
  hostile: new ResultsBoard(),
  parameters: new ResultsBoard(),
  switching: new ResultsBoard(),
};

const SUITES: Record<Suite, { title: string; intro: string; notesTitle?: string }> = {
  rates: {
    title: 'Sample rates',
    intro:
      `Each stage rendered offline (OfflineAudioContext, the worklet and the wasm) at ${CONFORMANCE_RATES.join(', ')} Hz: ` +
      'its output and figures against its TypeScript reference run over the same input in this page, its own property ' +
      '(ring copy and gain bit for bit, FFT peak at the tone, EQ impulse response vs its design, shift vs the true delay, ' +
      'decode passthrough + spectrum), then its kernel timed in the worker (runtime.measureKernel at that rate): p99 of ' +
      "batch means and of single quanta, in one measurement, against the stage's budgets (the same microseconds at " +
      "every rate: a kernel's cost per quantum does not depend on it; the share of the deadline 128 / rate is shown); " +
      'no wasm allocation.',
  },
  hostile: {
    title: 'Hostile input',
    intro:
      `NaN (every 7th sample), +Inf and -Inf (one sample per quantum), subnormals (±1e-40) and a full-scale square wave, ` +
      `offline at 48 kHz: in turn in one render, ${HOSTILE_LAYOUT.length} frames each with ${HOSTILE_LAYOUT.gap} clean frames ` +
      'after each, and, for a stage that publishes figures, each to the end of its own render (the figures while the ' +
      'input is hostile). Each stage keeps its promise (the "promise" rows), reports no stage error, and the last ' +
      '8192 samples before each next segment, and the figures at the end, equal those of the same render without them ' +
      '(counters excepted: each reads 0 on the clean render and counts what it promises, NaN/Inf quanta or frames).',
  },
  parameters: {
    title: 'Parameters',
    intro:
      'Every numeric parameter at its min and max, below min, above max and NaN: clampParam keeps, clamps or falls back ' +
      'with a note (listed below). An offline render per probe, every numeric parameter given that raw value at once ' +
      '(the worklet clamps them as it creates the stage), runs on wasm without NaN out and with finite figures. One more ' +
      'render sends, through setParam, each parameter alone at each probe in turn (its output checked while it holds), ' +
      'then 1,000 seeded random changes (about one in six hostile: NaN, out of range, an unknown option), ' +
      'then every parameter back to its default: its tail and figures equal those of a fresh stage at its defaults.',
    notesTitle: 'Clamped values (the notes clampParam gave)',
  },
  switching: {
    title: 'Stage switching',
    intro:
      '100 switches in this page across every stage, alternating its defaults and its largest settings, on the live ' +
      'runtime: the wasm heap holds the same live bytes for the same stage and settings every time, linear memory does ' +
      'not grow in the second 50, one AudioWorkletNode, at most one timing worker, no pool workers started, and the ' +
      "JS heap after GC grows less than the stages' heap budget over the second 50; then 150 offline renders of 1 s in a " +
      'row all run on wasm (a finished render releases its instance) and leave the JS heap within 8 MB (their buffers go with the results).',
  },
};

const verdictStyle: Record<Verdict, { color: string; label: string }> = {
  pass: { color: colors.ok, label: 'pass' },
  fail: { color: colors.danger, label: 'FAIL' },
  note: { color: colors.warn, label: 'note' },
};

function summary(state: BoardState): string {
  const count = (v: Verdict) => state.rows.filter((r) => r.verdict === v).length;
  return `${state.rows.length} checks: ${count('pass')} passed, ${count('fail')} failed, ${count('note')} notes`;
}

const cell = { padding: '2px 8px', borderBottom: `1px solid ${colors.grid}`, verticalAlign: 'top' as const, textAlign: 'left' as const };

function ConformanceReport({ suite }: { suite: Suite }) {
  const board = BOARDS[suite];
  const state = useSyncExternalStore(board.subscribe, board.getState);
  const info = SUITES[suite];
  const failed = state.rows.filter((r) => r.verdict === 'fail');
  return (
    <article style={{ font: `13px ${fonts.ui}`, color: colors.text, maxWidth: 1240 }} aria-labelledby={`conformance-${suite}`}>
      <h2 id={`conformance-${suite}`} style={{ fontSize: 17, margin: '4px 0' }}>
        Conformance: {info.title}
      </h2>
      <p style={{ margin: '4px 0 8px', color: colors.muted, maxWidth: 1000 }}>{info.intro}</p>
      <p role="status" data-testid="conformance-status" style={{ margin: '4px 0', fontWeight: 600 }}>
        {state.status || (state.rows.length === 0 ? 'waiting for the play function' : 'done')} · {summary(state)}
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
      {info.notesTitle && (
        <section aria-labelledby={`conformance-${suite}-notes`}>
          <h3 id={`conformance-${suite}-notes`} style={{ fontSize: 14, margin: '8px 0 4px' }}>
            {info.notesTitle}
          </h3>
          {state.notes.length === 0 ? (
            <p style={{ color: colors.muted, margin: 0 }}>none yet</p>
          ) : (
            <ul data-testid="conformance-notes" style={{ margin: '0 0 8px', paddingLeft: 18, ...numeric, fontSize: 12 }}>
              {state.notes.map((n, i) => (
                <li key={i}>{n}</li>
              ))}
            </ul>
          )}
        </section>
      )}
      <table style={{ borderCollapse: 'collapse', width: '100%', ...numeric, fontSize: 12 }} data-testid="conformance-table">
        <caption style={{ textAlign: 'left', font: `12px ${fonts.ui}`, color: colors.muted, padding: '2px 0' }}>
          {info.title}: one row per check; a note is measured and shown, not asserted
        </caption>
        <thead>
          <tr style={{ background: colors.panel }}>
            <th scope="col" style={cell}>
              Stage
            </th>
            <th scope="col" style={cell}>
              Case
            </th>
            <th scope="col" style={cell}>
              Figure
            </th>
            <th scope="col" style={cell}>
              Verdict
            </th>
          </tr>
        </thead>
        <tbody>
          {state.rows.map((r, i) => (
            <tr key={i}>
              <td style={{ ...cell, whiteSpace: 'nowrap' }}>{r.stage}</td>
              <td style={{ ...cell, fontFamily: fonts.ui }}>{r.check}</td>
              <td style={cell}>{r.figure}</td>
              <td style={{ ...cell, color: verdictStyle[r.verdict].color, fontWeight: 700 }}>{verdictStyle[r.verdict].label}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </article>
  );
}

const meta = {
  title: 'Validation/Conformance',
  component: ConformanceReport,
  tags: ['!autodocs'],
  // which suite a story runs is fixed by the story, not a control
  argTypes: { suite: { control: false, table: { disable: true } } },
  parameters: {
    docs: {
      description: {
        component:
          'Tries to break every registered stage: four sample rates, hostile input, parameters at and beyond their ' +
          'ranges (and 1,000 random changes), and 100 stage switches. Each stage states the promises checked for it in ' +
          '`dsp-stages/<id>/conformance.ts`; a stage without one is checked against its own reference.',
      },
    },
  },
} satisfies Meta<typeof ConformanceReport>;

export default meta;
type Story = StoryObj<typeof meta>;

// ---------------------------------------------------------------------------------------------

const stages = (): StageDescriptor[] => Object.values(STAGES);
const figureNames = (stage: StageDescriptor): string[] => (stage.figures ?? []).map((f) => f.name);

/** Runs one stage's checks; a throw (a render that failed, a stage that would not start) is a failed row, and the next stage runs. */
async function guarded(board: ResultsBoard, stageId: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    board.add(stageId, { check: 'ran to the end', figure: `threw: ${(err as Error).message}`, ok: false });
  }
}

/**
 * Offline renders made in this page. Chromium keeps the worklet scope of a finished
 * OfflineAudioContext (not even gc() on the page frees it); a processor that kept its wasm
 * instance there held V8's multi-GiB address-space reservation for the page's life, and after
 * about 124 renders every further WebAssembly.Instance failed with "Out of memory". renderOffline
 * therefore sends the processor 'release' once the render is done, and the worklet's own GC frees
 * the instance; the Stage switching story proves it with OFFLINE_RENDERS_IN_A_ROW renders.
 */
let offlineRenders = 0;
/** Renders in a row that must all run on wasm: past the ~124 that fit before 'release'. */
const OFFLINE_RENDERS_IN_A_ROW = 150;

async function render(opts: OfflineRenderOptions): Promise<OfflineRender> {
  offlineRenders++;
  return renderOffline(opts);
}

function renderCount(board: ResultsBoard, from: number): void {
  board.add('all', {
    check: "offline renders: this story's, and the page's so far",
    figure: `${offlineRenders - from} in this story, ${offlineRenders} in this page`,
    ok: null,
  });
}

/** Status, stage errors and quanta of an offline render. */
function renderChecks(what: string, r: OfflineRender, frames: number): Check[] {
  const t = r.telemetry;
  return [
    { check: `${what}: wasm active`, figure: r.status === 'active' ? 'active' : `fallback: ${r.reason}`, ok: r.status === 'active' },
    {
      check: `${what}: every quantum processed, no stage error`,
      figure: t
        ? `${t.quantumCount} of ${frames / RENDER_QUANTUM_FRAMES} quanta, ${t.stageErrors} stage errors`
        : 'no telemetry (not cross-origin isolated)',
      ok: t !== null && t.quantumCount === frames / RENDER_QUANTUM_FRAMES && t.stageErrors === 0,
    },
  ];
}

function addAll(board: ResultsBoard, stageId: string, checks: readonly Check[], prefix = ''): void {
  for (const c of checks) board.add(stageId, prefix ? { ...c, check: `${prefix}: ${c.check}` } : c);
}

// ---------------------------------------------------------------------------------------------

/** One rate's exact values offline: the render against the reference and the stage's own property. */
async function rateChecks(
  board: ResultsBoard,
  stage: StageDescriptor,
  spec: StageConformance,
  params: ParamValues,
  rate: number,
): Promise<void> {
  const tag = `${rate} Hz`;
  const prop = spec.rateProperty;
  const src = rateInput(prop, rate);
  if (rate === CONFORMANCE_RATES[0])
    board.add(stage.id, { check: 'input at every rate', figure: `${src.label}, ${src.input.length} frames`, ok: null });
  board.status(`${stage.id} at ${tag}: offline render`);
  const opts: OfflineRenderOptions = {
    stage: stage.id,
    params,
    input: src.input,
    sampleRate: rate,
    ...(src.input2 ? { input2: src.input2 } : {}),
  };
  const r = await render(opts);
  addAll(board, stage.id, renderChecks(tag, r, src.input.length));
  // the reference, in this page, over the same input
  board.status(`${stage.id} at ${tag}: reference`);
  const ref = runKernel(
    stage.createReferenceKernel(resolveParams(stage.params, params).values, rate),
    stage.hasAudioOutput,
    src.input,
    src.input2,
  );
  if (stage.hasAudioOutput && ref.output)
    addAll(board, stage.id, [checkOutputAgainstReference(r.output, ref.output, spec.outputTolerance)], tag);
  if (r.figures && figureNames(stage).length > 0)
    addAll(board, stage.id, checkFiguresAgainstReference(figureNames(stage), r.figures, ref.figures, spec.figureTolerance), tag);
  // the stage's own property
  switch (prop?.kind) {
    case 'bit-exact-copy':
      addAll(board, stage.id, [checkBitExact('output = input', r.output, src.input)], tag);
      break;
    case 'times-gain':
      addAll(board, stage.id, [checkBitExact(`output = input × ${prop.gain}`, r.output, timesGain(src.input, prop.gain))], tag);
      break;
    case 'tone-peak':
      if (prop.passthrough) addAll(board, stage.id, [checkBitExact('passthrough: output = input', r.output, src.input)], tag);
      addAll(board, stage.id, checkTonePeak(r.figures ?? [], figureNames(stage), prop, rate, TONE_HZ, 0.5), tag);
      break;
    case 'eq-design': {
      const impulse = new Float32Array(EQ_IMPULSE_FRAMES);
      impulse[0] = 1;
      const ir = await render({ stage: stage.id, params, input: impulse, sampleRate: rate });
      addAll(board, stage.id, [checkEqDesign(ir.output, params, rate)], tag);
      break;
    }
    case 'shift-delay':
      addAll(board, stage.id, [checkShiftDelay(r.figures ?? [], figureNames(stage), prop)], tag);
      break;
    case undefined:
      break;
  }
}

/**
 * Kernel timing in the worker at each rate: the stage's budgets hold at every rate (its cost per
 * quantum does not depend on the rate; the share of each rate's deadline is shown beside it). All
 * rates in one window with the audio suspended: Firefox takes up to 2 s to resume a context.
 */
async function rateTimingChecks(board: ResultsBoard, runtime: StagebenchRuntime, stage: StageDescriptor): Promise<void> {
  board.status(`${stage.id}: kernel timing at ${CONFORMANCE_RATES.join(', ')} Hz`);
  // the worker times quanta of the page's size (?quantum=N): the budgets at that size
  const { kernelP99Us, quantumP99Us } = timingBudgetAt(stage.budgets, runtime.state.quantumFrames);
  const budget = { kernelP99Us, quantumP99Us };
  const timings = await withAudioSuspended(runtime, async () => {
    const out: Awaited<ReturnType<typeof timeKernelWithin>>[] = [];
    // up to three measurements per rate, both budgets judged on one (noise only adds time)
    for (const rate of CONFORMANCE_RATES)
      out.push(
        await timeKernelWithin(() => runtime.measureKernel({ sampleRate: rate, batches: 100, singleQuanta: SINGLE_QUANTA }), budget),
      );
    return out;
  });
  CONFORMANCE_RATES.forEach((rate, i) => {
    const tag = `${rate} Hz`;
    const { best: t, all } = timings[i]!;
    const tries = all.length === 1 ? '' : ` (attempt ${all.indexOf(t) + 1} of ${all.length} judged; ${describeAttempts(all)})`;
    const share = (us: number) => `${fmt((100 * us) / deadlineUs(rate), 2)} % of ${fmt(deadlineUs(rate) / 1000, 3)} ms`;
    board.add(stage.id, {
      check: `${tag}: kernel p99 < ${fmt(budget.kernelP99Us, 2)} µs`,
      figure: `p50 ${fmt(t.p50Us, 2)}, p99 ${fmt(t.p99Us, 2)} µs (${share(t.p99Us)}); ${t.backend}${tries}`,
      ok: t.backend === 'wasm' && t.p99Us < budget.kernelP99Us,
    });
    board.add(stage.id, {
      check: `${tag}: single-quantum p99 < ${fmt(budget.quantumP99Us, 1)} µs (same measurement)`,
      figure: `p99 ${fmt(t.singleQuantum.p99Us, 1)} µs, max ${fmt(t.singleQuantum.maxUs, 1)} µs (resolution ${fmt(t.singleQuantum.resolutionUs, 1)} µs)`,
      ok: t.singleQuantum.p99Us < budget.quantumP99Us,
    });
    const allocations = all.map((x) => x.allocationsDuringRun);
    board.add(stage.id, {
      check: `${tag}: no wasm allocation while timed`,
      figure: `${allocations.join(', ')} allocations`,
      ok: allocations.every((n) => n === 0),
    });
    reportMeasurement({
      name: `${stage.id} kernel p99 at ${tag}`,
      value: t.p99Us,
      unit: `µs (budget ${fmt(budget.kernelP99Us, 2)}${tries})`,
      source: t.clock,
    });
    reportMeasurement({
      name: `${stage.id} single-quantum p99 at ${tag}`,
      value: t.singleQuantum.p99Us,
      unit: `µs (budget ${fmt(budget.quantumP99Us, 1)})`,
      source: t.clock,
    });
  });
}

/**
 * Every stage at 22.05, 44.1, 48 and 96 kHz: exact values offline, and the kernel's cost against
 * its budgets at each rate. Tagged perf: it times kernels, so it runs alone.
 */
export const SampleRates: Story = {
  name: 'Sample rates',
  tags: ['perf'],
  args: { suite: 'rates' },
  play: async ({ step }) => {
    const board = BOARDS.rates;
    board.clear();
    const rendersBefore = offlineRenders;
    const runtime = StagebenchRuntime.get();
    await startRuntime(runtime);
    for (const stage of stages()) {
      await step(`${stage.title} (${stage.id}) at ${CONFORMANCE_RATES.join(', ')} Hz`, async () => {
        await guarded(board, stage.id, async () => {
          const { spec, declared } = conformanceOf(stage.id);
          if (!declared)
            board.add(stage.id, { check: 'no stage property declared', figure: 'checked against its reference only', ok: null });
          const params = conformanceParams(stage);
          await runtime.setStage(stage.id, params);
          for (const rate of CONFORMANCE_RATES) await rateChecks(board, stage, spec, params, rate);
          await rateTimingChecks(board, runtime, stage);
        });
      });
    }
    renderCount(board, rendersBefore);
    await finish(board, step);
  },
};

// ---------------------------------------------------------------------------------------------

const HOSTILE_RATE = 48_000;

/** The worklet's view of its input: the scope ring, unrolled (oldest first). */
function scopeUnrolled(r: OfflineRender): Float32Array | null {
  if (!r.scope || !r.telemetry) return null;
  const ring = r.scope;
  const wp = r.telemetry.writePos;
  const out = new Float32Array(ring.length);
  out.set(ring.subarray(wp), 0);
  out.set(ring.subarray(0, wp), ring.length - wp);
  return out;
}

/** A render that ends inside a hostile segment: the figures while the input is hostile. */
async function duringChecks(
  board: ResultsBoard,
  stage: StageDescriptor,
  spec: StageConformance,
  kind: HostileKind,
  renderHostile: (input: Float32Array) => Promise<OfflineRender>,
  silent: ArrayLike<number>,
): Promise<void> {
  const names = figureNames(stage);
  const during = hostileDuring(kind, HOSTILE_RATE);
  const rd = await renderHostile(during.input);
  const tag = `${kind} to the end`;
  addAll(board, stage.id, renderChecks(tag, rd, during.input.length));
  addAll(
    board,
    stage.id,
    checkHostileOutput(
      spec.hostile,
      { phase: 'during', input: during.input, output: stage.hasAudioOutput ? rd.output : null, figures: rd.figures ?? [] },
      names,
    ),
    tag,
  );
  // what reached the stage: the scope ring holds the worklet's input, copied without arithmetic
  const seen = scopeUnrolled(rd);
  if (seen) {
    const c = compareSamples(seen, during.input.subarray(during.input.length - seen.length));
    board.add(stage.id, {
      check: `${tag}: the worklet's input (scope ring) = the rendered input`,
      figure: `${c.bitMismatches} of ${c.length} differ`,
      ok: c.bitMismatches === 0,
    });
  }
  if (rd.visual) {
    const nf = nonFiniteCount(rd.visual);
    if (nf > 0)
      board.add(stage.id, {
        check: `${tag}: the published visual frame`,
        figure: `${nf} of ${rd.visual.length} floats non-finite`,
        ok: null,
      });
  }
  // no stage promises to flag hostile input in its figures: shown, not asserted
  const f = rd.figures ?? [];
  const same = names.every((_, i) => Object.is(f[i], silent[i]));
  board.add(stage.id, {
    check: `${tag}: figures told apart from a silent input's?`,
    figure: same
      ? `no: the same as silence (${names.map((n, i) => `${n} ${fmt(silent[i]!, 3)}`).join(', ')})`
      : `they differ: ${names.map((n, i) => `${n} ${fmt(f[i]!, 3)}`).join(', ')} (silence: ${names.map((n, i) => `${n} ${fmt(silent[i]!, 3)}`).join(', ')})`,
    ok: null,
  });
}

async function hostileChecks(board: ResultsBoard, stage: StageDescriptor): Promise<void> {
  const { spec } = conformanceOf(stage.id);
  const params = conformanceParams(stage);
  const names = figureNames(stage);
  const counters = counterFigures(stage);
  board.add(stage.id, { check: 'promise', figure: spec.promise, ok: null });
  const renderHostile = (input: Float32Array) => render({ stage: stage.id, params, input, sampleRate: HOSTILE_RATE });
  // all five kinds in one render, each followed by clean audio, and the same render without them
  board.status(`${stage.id}: ${HOSTILE_KINDS.join(', ')} in turn, and clean`);
  const seq = hostileSequence(HOSTILE_RATE);
  const clean = await renderHostile(seq.clean);
  const after = await renderHostile(seq.input);
  addAll(board, stage.id, renderChecks('clean', clean, seq.clean.length));
  for (const i of counters) {
    const v = clean.figures?.[i] ?? NaN;
    board.add(stage.id, { check: `clean: ${names[i]} = 0`, figure: fmt(v, 0), ok: v === 0 });
  }
  addAll(board, stage.id, renderChecks('all five in turn', after, seq.input.length));
  addAll(
    board,
    stage.id,
    checkHostileOutput(
      spec.hostile,
      { phase: 'after', input: seq.input, output: stage.hasAudioOutput ? after.output : null, figures: after.figures ?? [] },
      names,
    ),
    'all five in turn',
  );
  for (const seg of seq.segments) {
    const last = seg.cleanUntil === seq.input.length;
    if (stage.hasAudioOutput) {
      board.add(stage.id, {
        check: `${seg.kind} (frames ${seg.from}-${seg.to}): output level`,
        figure: `max |out| ${fmt(peakAbs(after.output, seg.from, seg.to), 3)}, ${nonFiniteCount(after.output, seg.from, seg.to)} non-finite`,
        ok: null,
      });
    }
    // the clean stretch after each segment ends like the clean render's; the figures, at the end
    addAll(
      board,
      stage.id,
      checkRecovery(
        { output: stage.hasAudioOutput ? after.output.subarray(0, seg.cleanUntil) : null, figures: after.figures ?? [] },
        { output: stage.hasAudioOutput ? clean.output.subarray(0, seg.cleanUntil) : null, figures: clean.figures ?? [] },
        RECOVERY_TAIL,
        spec.recoveryTolerance,
        last ? names : [],
        counters,
      ),
      `after ${seg.kind}${last ? ' (and all before it)' : ''}`,
    );
  }
  // a stage that analyses shows its figures while the input is hostile (every stage's output is checked above)
  if (names.some((_, i) => !counters.includes(i))) {
    board.status(`${stage.id}: silence to the end`);
    const silent = await renderHostile(silenceDuring(HOSTILE_RATE));
    addAll(board, stage.id, renderChecks('silence to the end', silent, HOSTILE_LAYOUT.duringFrames));
    for (const kind of HOSTILE_KINDS) {
      board.status(`${stage.id}: ${kind} to the end`);
      await duringChecks(board, stage, spec, kind, renderHostile, silent.figures ?? []);
    }
  }
}

/** NaN, ±Inf, subnormals and a full-scale square wave through every stage, offline. */
export const HostileInput: Story = {
  name: 'Hostile input',
  args: { suite: 'hostile' },
  play: async ({ step }) => {
    const board = BOARDS.hostile;
    board.clear();
    const rendersBefore = offlineRenders;
    for (const stage of stages()) {
      await step(`${stage.title} (${stage.id}): ${HOSTILE_KINDS.join(', ')}`, () =>
        guarded(board, stage.id, () => hostileChecks(board, stage)),
      );
    }
    renderCount(board, rendersBefore);
    await finish(board, step);
  },
};

// ---------------------------------------------------------------------------------------------

const PARAM_RATE = 48_000;
/** Quanta each probe of the setParam sweep is held (21 ms at 48 kHz: most of the way through the EQ's 15 ms smoothing). */
const SWEEP_HOLD_QUANTA = 8;
const RANDOM_CHANGES = 1000;
const RANDOM_GROUPS = 20;
const RANDOM_SPACING = 2 * RENDER_QUANTUM_FRAMES;
/** Before the first change. */
const CHANGES_FIRST = 8 * RENDER_QUANTUM_FRAMES;
/** After the last change: a whole analysed 32768 frame, its hop and its slices, and time for the EQ's smoothing (15 ms) to settle. */
const SETTLE_FRAMES = 32768 + 8192 + 47 * RENDER_QUANTUM_FRAMES;
/** The renders that create the stage at each probe: one analysed 32768 frame and its slices. */
const PROBE_FRAMES = 32768 + 47 * RENDER_QUANTUM_FRAMES;

function outputChecks(stage: StageDescriptor, what: string, r: OfflineRender): Check[] {
  const checks: Check[] = [];
  if (stage.hasAudioOutput) {
    const nf = nonFiniteCount(r.output);
    checks.push({
      check: `${what}: no NaN or Inf out`,
      figure: `${nf} non-finite samples, max |out| ${fmt(peakAbs(r.output), 3)}`,
      ok: nf === 0,
    });
  }
  const names = figureNames(stage);
  if (names.length > 0) {
    const f = r.figures ?? [];
    checks.push({
      check: `${what}: figures finite`,
      figure: names.map((n, i) => `${n} ${fmt(f[i] ?? NaN, 3)}`).join(', '),
      ok: names.every((_, i) => Number.isFinite(f[i] ?? NaN)),
    });
  }
  return checks;
}

async function parameterChecks(board: ResultsBoard, stage: StageDescriptor, seed: number): Promise<void> {
  const defaults = defaultParams(stage.params);
  const numeric = stage.params.filter((p): p is NumberParam => p.kind === 'number');
  const input = cleanSignal(PROBE_FRAMES, PARAM_RATE);
  for (const spec of stage.params) board.add(stage.id, checkSpec(spec));
  // clampParam, per parameter and probe
  const probes = numeric.map((spec) => ({ spec, probes: parameterProbes(spec) }));
  for (const { spec, probes: list } of probes) {
    const notes: string[] = [];
    for (const probe of list) {
      const { check, note } = checkClamp(spec, probe);
      board.add(stage.id, check);
      if (note) notes.push(formatClampNote(note).replace(`${spec.name}=`, ''));
    }
    if (notes.length > 0) board.note(`${stage.id} ${spec.name}: ${notes.join('; ')}`);
  }
  // the stage, given the raw values (the worklet clamps them as it creates the stage): one render
  // per probe with every numeric parameter at once (a page holds few renders, see render())
  for (let k = 0; k < (probes[0]?.probes.length ?? 0); k++) {
    const label = probes[0]!.probes[k]!.label;
    board.status(`${stage.id}: every parameter ${label}`);
    const given: ParamValues = { ...defaults };
    for (const { spec, probes: list } of probes) given[spec.name] = list[k]!.given;
    const r = await render({ stage: stage.id, params: given, input, sampleRate: PARAM_RATE });
    const what = `all ${numeric.length} numeric parameters ${label}`;
    addAll(board, stage.id, renderChecks(what, r, PROBE_FRAMES));
    addAll(board, stage.id, outputChecks(stage, what, r));
  }
  // one render of changes through setParam: each numeric parameter alone at each probe in turn,
  // then 1,000 seeded random changes, then every parameter back to its default
  const sweep = probeSweep(stage.params, CHANGES_FIRST, SWEEP_HOLD_QUANTA);
  const changes = randomParamChanges(stage.params, {
    count: RANDOM_CHANGES,
    seed,
    groups: RANDOM_GROUPS,
    firstFrame: sweep.end,
    spacing: RANDOM_SPACING,
  });
  const resetAt = sweep.end + RANDOM_GROUPS * RANDOM_SPACING;
  const frames = resetAt + SETTLE_FRAMES;
  const { clamped, byReason } = clampedChanges(stage.params, changes);
  const reasons = Object.entries(byReason)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
  board.add(stage.id, {
    check: `${changes.length} random changes (seed ${seed}) at ${RANDOM_GROUPS} quantum boundaries`,
    figure: `${clamped} clamped with a note${reasons ? ` (${reasons})` : ''}`,
    ok: changes.length === RANDOM_CHANGES || stage.params.length === 0,
  });
  if (clamped > 0) board.note(`${stage.id}: ${clamped} of ${changes.length} random changes clamped (${reasons})`);
  board.status(`${stage.id}: ${sweep.changes.length} probes one at a time, ${changes.length} random changes, back to defaults`);
  const changesInput = cleanSignal(frames, PARAM_RATE);
  const r = await render({
    stage: stage.id,
    params: defaults,
    input: changesInput,
    sampleRate: PARAM_RATE,
    paramChanges: [...sweep.changes, ...changes, ...resetChanges(stage.params, resetAt)],
  });
  const what = `${sweep.changes.length} probes + ${changes.length} random changes`;
  addAll(board, stage.id, renderChecks(what, r, frames));
  addAll(board, stage.id, outputChecks(stage, what, r));
  const prop = conformanceOf(stage.id).spec.rateProperty;
  if (prop?.kind === 'times-gain') {
    // the gain applies from the quantum after its boundary: the worklet clamped each value as promised
    const spec = numeric.find((p) => p.name === prop.param);
    for (const g of sweep.segments.filter((x) => x.name === prop.param)) {
      const used = Number(clampParam(spec!, g.given).value);
      const c = compareSamples(r.output.subarray(g.from, g.to), timesGain(changesInput.subarray(g.from, g.to), used));
      board.add(stage.id, {
        check: `setParam ${g.name} = ${fmt(g.given, 2)} (${g.label}): output = input × ${fmt(used, 2)}, bit for bit`,
        figure: `${c.bitMismatches} of ${c.length} differ`,
        ok: c.bitMismatches === 0,
      });
    }
  }
  if (stage.hasAudioOutput) {
    for (const spec of numeric) {
      const own = sweep.segments.filter((g) => g.name === spec.name);
      let nf = 0,
        peak = 0;
      for (const g of own) {
        nf += nonFiniteCount(r.output, g.from, g.to);
        peak = Math.max(peak, peakAbs(r.output, g.from, g.to));
      }
      board.add(stage.id, {
        check: `setParam ${spec.name} = ${own.map((g) => fmt(g.given, 2)).join(', ')}, ${SWEEP_HOLD_QUANTA} quanta each: no NaN or Inf out`,
        figure: `${nf} non-finite samples, max |out| ${fmt(peak, 3)}`,
        ok: nf === 0,
      });
    }
    const nf = nonFiniteCount(r.output, sweep.end, resetAt);
    board.add(stage.id, {
      check: `during the ${changes.length} random changes: no NaN or Inf out`,
      figure: `${nf} non-finite samples, max |out| ${fmt(peakAbs(r.output, sweep.end, resetAt), 3)}`,
      ok: nf === 0,
    });
  }
  const fresh = await render({ stage: stage.id, params: defaults, input: changesInput, sampleRate: PARAM_RATE });
  const { spec } = conformanceOf(stage.id);
  addAll(
    board,
    stage.id,
    checkRecovery(
      { output: stage.hasAudioOutput ? r.output : null, figures: r.figures ?? [] },
      { output: stage.hasAudioOutput ? fresh.output : null, figures: fresh.figures ?? [] },
      RECOVERY_TAIL,
      spec.recoveryTolerance,
      figureNames(stage),
      [],
    ),
    'back to defaults after the changes, vs a fresh stage',
  );
}

/** Parameters at, below and above their ranges and NaN, then 1,000 random changes per stage. */
export const Parameters: Story = {
  tags: ['chromium-only'],
  parameters: chromiumOnly(NEEDS_OFFLINE_SUSPEND),
  args: { suite: 'parameters' },
  play: async ({ step }) => {
    const board = BOARDS.parameters;
    board.clear();
    const rendersBefore = offlineRenders;
    let seed = 1000;
    for (const stage of stages()) {
      const s = seed++;
      await step(`${stage.title} (${stage.id}): ${stage.params.length} parameters`, () =>
        guarded(board, stage.id, () => parameterChecks(board, stage, s)),
      );
    }
    renderCount(board, rendersBefore);
    await finish(board, step);
  },
};

// ---------------------------------------------------------------------------------------------

const SWITCHES = 100;

/** 100 stage switches in this page, alternating defaults and the largest settings: nothing leaks. */
export const StageSwitching: Story = {
  name: 'Stage switching',
  args: { suite: 'switching' },
  play: async ({ step }) => {
    const board = BOARDS.switching;
    board.clear();
    const runtime = StagebenchRuntime.get();
    await startRuntime(runtime);
    const list = stages();
    const before = runtime.resources();
    const liveBytes = new Map<string, number[]>();
    const runRound = (from: number, to: number) => switchRound(runtime, board, list, from, to, liveBytes);
    await step(`switches 1-${SWITCHES / 2}`, () => runRound(0, SWITCHES / 2));
    const afterFirst = runtime.telemetry();
    const heap0 = await heapAfterGc();
    await step(`switches ${SWITCHES / 2 + 1}-${SWITCHES}`, () => runRound(SWITCHES / 2, SWITCHES));
    const after = runtime.telemetry();
    const heap1 = await heapAfterGc();
    await step('the same stage and settings hold the same wasm heap every time', async () => {
      for (const [key, values] of liveBytes) {
        const all = values.every((v) => v === values[0]);
        board.add(key.split(' ')[0]!, {
          check: `wasm live bytes, ${key}, every switch`,
          figure: `${values.length} switches: ${[...new Set(values)].join(', ')} bytes`,
          ok: all && values.length >= 2,
        });
      }
      board.add('all', {
        check: 'wasm linear memory over switches 51-100',
        figure: `${afterFirst.wasmMemoryBytes} → ${after.wasmMemoryBytes} bytes`,
        ok: after.wasmMemoryBytes === afterFirst.wasmMemoryBytes,
      });
      reportMeasurement({
        name: 'wasm memory growth over switches 51-100',
        value: after.wasmMemoryBytes - afterFirst.wasmMemoryBytes,
        unit: 'bytes',
        source: 'memory.buffer.byteLength',
      });
    });
    await step('one node, at most one timing worker, no pool, bounded JS heap, audio still running', async () => {
      const res = runtime.resources();
      board.add('all', { check: 'one AudioWorkletNode', figure: `hasNode ${res.hasNode}`, ok: res.hasNode });
      board.add('all', {
        check: 'at most one timing worker',
        figure: `${before.timerWorkers} → ${res.timerWorkers}`,
        ok: res.timerWorkers <= 1,
      });
      board.add('all', {
        check: 'no pool workers started, no playback',
        figure: `pool ${before.poolWorkers} → ${res.poolWorkers}, playback ${res.playback}`,
        ok: res.poolWorkers === before.poolWorkers && !res.playback,
      });
      const budget = Math.min(...list.map((s) => s.budgets.heapGrowthBytes));
      addHeapGrowth(board, 'switches 51-100', heap0, heap1, budget, `${budget} bytes`);
      const q0 = runtime.quantumCount();
      await new Promise((resolve) => setTimeout(resolve, 300));
      const q1 = runtime.quantumCount();
      board.add('all', {
        check: 'audio still runs after the last switch',
        figure: `${q1 - q0} quanta in 300 ms, error: ${runtime.state.error ?? 'none'}`,
        ok: q1 > q0 && runtime.state.wasmStatus === 'active',
      });
    });
    await step(
      `${OFFLINE_RENDERS_IN_A_ROW} offline renders in a row, every one on wasm (each releases its instance when done)`,
      async () => {
        const from = offlineRenders;
        let fellBack = 0;
        let first = '';
        // 1 s each: a render whose buffers stayed with its kept context would keep 375 KB (input and output)
        const input = new Float32Array(48_000).fill(0.25);
        // the first registered stage (the cheapest there is, ring copy, today)
        const stage = stages()[0]!;
        const heapBefore = await heapAfterGc();
        for (let i = 0; i < OFFLINE_RENDERS_IN_A_ROW; i++) {
          board.status(`offline render ${i + 1} of ${OFFLINE_RENDERS_IN_A_ROW}`);
          const r = await render({ stage: stage.id, params: conformanceParams(stage), input, sampleRate: 48_000 });
          if (r.status !== 'active') {
            fellBack++;
            first ||= `render ${i + 1}: ${r.reason}`;
          }
        }
        board.add('all', {
          check: `${OFFLINE_RENDERS_IN_A_ROW} offline renders in a row on wasm (about 124 fit in a page when finished renders kept their instance)`,
          figure:
            fellBack === 0
              ? `all ${OFFLINE_RENDERS_IN_A_ROW} active; ${offlineRenders} in this page`
              : `${fellBack} fell back; first: ${first}`,
          ok: fellBack === 0,
        });
        // the renders' buffers are transferred out: V8's array-buffer sweeper frees them after a GC, not
        // within it, so read once, settle 0.5 s, read again (a read right after the settle alone still
        // showed 16-33 MB); kept with their contexts, the 150 renders' buffers would be 56 MB
        await heapAfterGc();
        await new Promise((resolve) => setTimeout(resolve, 500));
        const heapAfter = await heapAfterGc();
        addHeapGrowth(board, `${OFFLINE_RENDERS_IN_A_ROW} offline renders of 1 s`, heapBefore, heapAfter, 8 << 20, '8 MB');
        renderCount(board, from);
      },
    );
    await finish(board, step);
  },
};
