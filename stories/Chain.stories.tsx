/**
 * Workbench / Chain: registered stages in order in the page's ONE processor, on ONE wasm instance
 * (worklet/chain.ts), each stage's audio the next one's input. The `stages` arg is the chain
 * (`eq fft`) and `params` its stages' parameters, so a shared link reproduces it. The product's
 * decode → EQ → FFT is the `file` source feeding eq fft: decode is no chain stage (it runs in the
 * worker pool on a file, not in the processor on audio), so the picker's file is decoded on the
 * pool and looped through the chain; any other source of the picker feeds it too.
 */
import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import { ChainBench } from '../components/ChainBench.tsx';
import { chainBudgetUs, chainRows } from '../components/chainTable.ts';
import { delayedPair } from '../dsp-stages/delayed-pair.ts';
import { sine, whiteNoise, type SourceKind } from '../dsp-stages/signals.ts';
import { StagebenchRuntime } from '../worklet/host.ts';
import { fixtureArgTypes, sourceArgTypes } from './support/argTypes.ts';
import { measureUntilWithin, withAudioSuspended } from './support/assertions.ts';
import { biquadCoefficients, cascadeResponseDb } from '../dsp-stages/eq/coefficients.ts';
import { eqBands } from '../dsp-stages/eq/params.ts';
import { RENDER_QUANTUM_FRAMES, type ParamValues } from '../dsp-stages/types.ts';
import { RESPONSE_FRAME } from '../dsp-stages/eq/reference.ts';
import { decode } from '../dsp-stages/decode/pool/decode.ts';
import { fixtureBytes } from './support/decodeFixtures.ts';
import { expectFilePlaying } from './support/checks.ts';
import { parseChainIds, resolveChainSpecs, type ChainParams } from '../worklet/chain.ts';
import { chainName, type ChainTiming } from '../worklet/protocol.ts';
import { alertBox } from '../components/theme.ts';
import {
  chainSpecs,
  expectChainMatchesReferences,
  expectChainVisualsLive,
  referencesInOrder,
  referencesOnWhatReachedThem,
  renderChainOffline,
  rms,
} from './support/chainChecks.ts';
import { plainHostNote, skippedOnIsolatedServer } from './support/plainHost.tsx';
import { copyLink, linkArgs, withLinkInFrame } from './support/shareLinks.ts';
import { reportMeasurement } from './support/report.ts';

interface ChainArgs {
  /** The chain: stage ids in order, separated by commas. */
  stages: string;
  /** Parameters of its stages by stage id, then name (none: every stage at its defaults). */
  params: ChainParams;
  /** Stages bypassed, by id, separated by spaces (none: ''). */
  bypass: string;
  /** Stages soloed, by id, separated by spaces (none: ''). */
  solo: string;
  source: SourceKind;
  /** The `file` source's built-in file, by id. */
  fixture: string;
  frequencyHz: number;
  levelDb: number;
  delaySamples: number;
  snrDb: number;
}

function ChainWorkbench(args: ChainArgs) {
  let resolved: ReturnType<typeof resolveChainSpecs>;
  try {
    resolved = resolveChainSpecs(args.stages, args.params, { bypass: args.bypass, solo: args.solo });
  } catch (err) {
    return (
      <p role="alert" data-testid="bench-error" style={alertBox}>
        The chain cannot be made: {(err as Error).message}
      </p>
    );
  }
  return (
    <ChainBench
      stages={resolved.specs}
      notes={resolved.notes}
      source={{
        kind: args.source,
        fixture: args.fixture,
        frequencyHz: args.frequencyHz,
        levelDb: args.levelDb,
        delaySamples: args.delaySamples,
        snrDb: args.snrDb,
      }}
    />
  );
}

const meta = {
  title: 'Workbench/Chain',
  component: ChainWorkbench,
  args: {
    stages: 'eq fft',
    params: {},
    bypass: '',
    solo: '',
    source: 'sine',
    fixture: 'signal-wav',
    frequencyHz: 1000,
    levelDb: -6,
    delaySamples: 100.37,
    snrDb: 30,
  },
  argTypes: {
    stages: {
      name: 'Stages',
      description:
        'The chain: registered stage ids in order (no unit), separated by spaces (a shared link keeps them; commas work too, ' +
        'but Storybook leaves them out of links), e.g. eq fft or eq shift.',
      control: { type: 'text' },
      table: { category: 'Chain' },
    },
    params: {
      name: 'Parameters',
      description:
        'Parameters of the chain’s stages (units: each parameter’s own), by stage id then name, e.g. ' +
        '{ "eq": { "preset": "telephone" }, "fft": { "size": 8192 } }; the others keep their defaults. Values out of range are ' +
        'clamped, with a note; a link carries them as params.eq.preset:telephone.',
      control: { type: 'object' },
      table: { category: 'Chain' },
    },
    bypass: {
      name: 'Bypassed',
      description: 'Stages bypassed (their input passes on), by id, separated by spaces (no unit); the bench’s checkboxes change it too.',
      control: { type: 'text' },
      table: { category: 'Chain' },
    },
    solo: {
      name: 'Soloed',
      description: 'Stages soloed (while any is, only the soloed ones run), by id, separated by spaces (no unit).',
      control: { type: 'text' },
      table: { category: 'Chain' },
    },
    ...sourceArgTypes,
    ...fixtureArgTypes,
    delaySamples: {
      name: 'Test delay (samples)',
      description: 'Unit: samples. delayed-noise source: channel 1 is channel 0 delayed by this much.',
      control: { type: 'number', min: -1000, max: 1000, step: 0.01 },
      table: { category: 'Source' },
    },
    snrDb: {
      name: 'Pair SNR (dB)',
      description: 'Unit: dB. delayed-noise source: signal-to-noise ratio of each channel.',
      control: { type: 'number', min: -10, max: 60, step: 1 },
      table: { category: 'Source' },
    },
  },
  parameters: {
    docs: {
      description: {
        component:
          'Registered stages in order in one AudioWorklet processor on one wasm instance: each stage reads its own input ring ' +
          '(ABI 4), an analysis stage passes its input on, an audio stage writes channel 0. Per stage its figures, bypass and ' +
          'solo, and its share of the quantum (kernel p50/p99 in the chain, timed in the kernel-timing worker); the chain total ' +
          'against the deadline and the sum of the stages’ budgets.',
      },
    },
  },
} satisfies Meta<typeof ChainWorkbench>;

export default meta;
type Story = StoryObj<typeof meta>;

const RATE = 48_000;

/** One second of a 1 kHz tone with noise under it: the EQ's default bands change both. */
function toneAndNoise(frames: number): Float32Array {
  const tone = sine(frames, RATE, 1000, 0.4);
  const noise = whiteNoise(frames, 0.05, 5);
  return tone.map((v, i) => v + noise[i]!);
}

/**
 * EQ → FFT on the built-in signal (decode is no chain stage: it reads a file in the worker pool).
 * Rendered offline through the processor, the chain's output equals the EQ reference's and the
 * FFT's figures equal its reference's on the EQ reference's output: the references in order,
 * within each stage's stated tolerance. Live, the chain runs on wasm and every stage reports.
 */
export const EqThenFft: Story = {
  name: 'EQ → FFT (built-in signal)',
  play: async ({ args, canvasElement, step }) => {
    const specs = chainSpecs(args.stages, args.params);
    const input = toneAndNoise(RATE);
    await step('offline: the chain equals the stages’ references applied in order', async () => {
      const got = await renderChainOffline(specs, [input], RATE);
      const { outputDifference, figuresCompared } = expectChainMatchesReferences(specs, got, referencesInOrder(specs, [input], RATE));
      expect(figuresCompared, 'figures compared').toBeGreaterThan(0);
      reportMeasurement({
        name: `chain ${parseChainIds(args.stages).join(',')}: output vs references in order`,
        value: outputDifference,
        unit: 'max |diff|',
        source: 'OfflineAudioContext render',
      });
    });
    await step('live: every stage runs on wasm and reports its figures', async () => {
      const canvas = within(canvasElement);
      const runtime = StagebenchRuntime.get();
      await waitFor(() => expect(runtime.state.stage).toBe(chainName(parseChainIds(args.stages))), { timeout: 15_000 });
      await waitFor(() => expect(runtime.chainFigures().map((s) => s.backend)).toEqual(specs.map(() => 'wasm')), { timeout: 15_000 });
      for (const spec of specs)
        await waitFor(() => expect(canvas.getByTestId(`chain-row-${spec.stage}`)).toHaveAttribute('data-backend', 'wasm'), {
          timeout: 10_000,
        });
      await waitFor(() => expect(Number(canvas.getByTestId('chain-figure-fft-peakHz').getAttribute('data-value'))).toBeCloseTo(1000, 0), {
        timeout: 15_000,
      });
    });
    await step('live: each stage’s visualiser draws its own frames', async () => {
      const { checked, figures } = await expectChainVisualsLive(StagebenchRuntime.get(), canvasElement, specs, args.frequencyHz);
      expect(checked, 'stages whose visual frames were checked').toEqual(['eq', 'fft']);
      for (const f of figures) reportMeasurement({ ...f, source: 'live chain, visual slots of the shared telemetry' });
    });
  },
};

/**
 * The chain with its stages' parameters given as args (so a link reproduces a tuned chain): the
 * EQ's first band a 9 dB cut at the tone, and the FFT at 10000 points, no FFT size: snapped to
 * 8192, with a note on the page. Offline the chain equals the references with those
 * parameters; live, the EQ's visual frame shows the cut (its designed gain at the tone, 9 dB and
 * more from the defaults') and the FFT's the tone.
 */
export const TunedEqThenFft: Story = {
  name: 'EQ → FFT with parameters',
  args: {
    params: { eq: { band1Type: 'peaking', band1FrequencyHz: 1000, band1GainDb: -9, band1Q: 2 }, fft: { size: 10000 } },
  },
  play: async ({ args, canvasElement, step }) => {
    const { specs, notes } = resolveChainSpecs(args.stages, args.params);
    const canvas = within(canvasElement);
    await step('the parameters reach the stages, the clamped one with a note', async () => {
      expect(specs[1]!.params.size).toBe(8192);
      expect(notes.map((n) => n.name)).toEqual(['fft.size']);
      await waitFor(() => expect(canvas.getByTestId('chain-notes')).toHaveTextContent(/fft\.size=10000 .*; using 8192/), {
        timeout: 10_000,
      });
      expect(canvas.getByTestId('chain-params-eq')).toHaveTextContent('band1GainDb=-9');
      const at = (params: ParamValues) => {
        const sections = eqBands(params).map((b) => biquadCoefficients(b, RATE));
        return cascadeResponseDb(sections, args.frequencyHz, RATE);
      };
      const defaults = chainSpecs(args.stages)[0]!.params;
      expect(at(defaults) - at(specs[0]!.params), 'the tuned EQ cuts the tone by 9 dB or more against its defaults').toBeGreaterThan(9);
    });
    await step('offline: the chain equals the stages’ references with those parameters', async () => {
      const input = toneAndNoise(RATE);
      const got = await renderChainOffline(specs, [input], RATE);
      const { figuresCompared } = expectChainMatchesReferences(specs, got, referencesInOrder(specs, [input], RATE));
      expect(figuresCompared, 'figures compared').toBeGreaterThan(0);
    });
    await step('live: each stage’s visualiser shows its tuned stage', async () => {
      const runtime = StagebenchRuntime.get();
      await waitFor(() => expect(runtime.state.stage).toBe(chainName(parseChainIds(args.stages))), { timeout: 15_000 });
      const { checked, figures } = await expectChainVisualsLive(runtime, canvasElement, specs, args.frequencyHz);
      expect(checked).toEqual(['eq', 'fft']);
      for (const f of figures)
        reportMeasurement({ ...f, name: `tuned chain: ${f.name}`, source: 'live chain, visual slots of the shared telemetry' });
    });
  },
};

/**
 * The product's decode → EQ → FFT: a built-in file (signal.wav) decoded on the worker pool and
 * looped through the chain, as on a stage bench. The bench names it playing with the frame count
 * the pool decodes, and each stage's visual slot shows the file's audio; offline, the chain over
 * the decoded file's first 2 s (channel 0) equals the stages' references applied in order, the
 * FFT's figures its reference's on the audio that reached it (`referencesOnWhatReachedThem`:
 * against the EQ reference's output instead, its peak on this file moved 1.5e-6 relative, past
 * the FFT's 1e-6, from the EQ's allowed 6.5e-5 output difference).
 */
export const EqThenFftOnAFile: Story = {
  name: 'EQ → FFT on a built-in file',
  args: { source: 'file', fixture: 'signal-wav' },
  play: async ({ args, canvasElement, step }) => {
    const runtime = StagebenchRuntime.get();
    const canvas = within(canvasElement);
    const specs = chainSpecs(args.stages, args.params);
    await waitFor(() => expect(runtime.state.stage).toBe(chainName(parseChainIds(args.stages))), { timeout: 15_000 });
    const rate = runtime.ctx.sampleRate;
    const decoded = await decode(
      await runtime.pool(),
      { name: 'signal.wav', bytes: await fixtureBytes('signal.wav') },
      { outputRate: rate },
    );
    expect(decoded.error).toBeNull();
    await step(`the bench plays signal.wav (${decoded.frames} frames) through the chain`, async () => {
      await expectFilePlaying(runtime, canvas, 'signal.wav', decoded.frames);
      expect(canvas.queryByTestId('bench-error'), 'no error').toBeNull();
    });
    await step('each stage’s visual slot holds the file’s audio', async () => {
      const slots = runtime.chainFigures().map((f) => f.visualSlot);
      const eqFrame = new Float32Array(2 * RESPONSE_FRAME);
      await waitFor(
        () => {
          expect(runtime.readVisual(eqFrame, slots[0]!).length).toBe(2 * RESPONSE_FRAME);
          const inputRms = rms(eqFrame.subarray(0, RESPONSE_FRAME));
          expect(inputRms, 'the EQ’s input block: the file, not silence').toBeGreaterThan(0.01);
          const fftPeakDb = runtime.figures(slots[1]!)[1]!;
          expect(fftPeakDb, 'the FFT’s peak level').toBeGreaterThan(-60);
        },
        { timeout: 10_000 },
      );
    });
    await step('offline: the chain over the file equals the stages’ references in order', async () => {
      const input = decoded.channelData[0]!.slice(0, Math.floor((2 * rate) / RENDER_QUANTUM_FRAMES) * RENDER_QUANTUM_FRAMES);
      const got = await renderChainOffline(specs, [input], rate);
      const { outputDifference, figuresCompared } = expectChainMatchesReferences(
        specs,
        got,
        referencesOnWhatReachedThem(specs, [input], rate, got),
      );
      expect(figuresCompared, 'figures compared').toBeGreaterThan(0);
      reportMeasurement({
        name: 'chain eq,fft over signal.wav: output vs references in order',
        value: outputDifference,
        unit: 'max |diff|',
        source: 'OfflineAudioContext render',
      });
    });
  },
};

/**
 * The chain's link carries its stages and their parameters (Storybook keeps only letters, digits,
 * spaces, `_` and `-` in a link: the stages are separated by spaces, the parameters go member by
 * member, `params.eq.band1GainDb:-9`). Opened in a frame, it rebuilds the same chain: three
 * stages, not the default two, the gain and the EQ band as given, and the same link again.
 */
export const CopyLinkReproducesTheChain: Story = {
  name: 'Copy link reproduces the chain',
  args: { stages: 'gain eq fft', params: { gain: { gain: 0.25 }, eq: { band1Type: 'peaking', band1GainDb: -9, band1Q: 0.7 } } },
  play: async ({ canvasElement, step }) => {
    const canvas = within(canvasElement);
    let url = '';
    await step('the link carries the stages, every parameter given and the bypass ticked in the bench', async () => {
      // the chain made first: making it sets the checkboxes from the args
      const runtime = StagebenchRuntime.get();
      await waitFor(() => expect(runtime.chainFigures().map((f) => f.stage)).toEqual(['gain', 'eq', 'fft']), { timeout: 15_000 });
      const bypassEq = await canvas.findByRole('checkbox', { name: 'bypass EQ 8-band' });
      await userEvent.click(bypassEq);
      await waitFor(() => expect(bypassEq).toBeChecked(), { timeout: 10_000 });
      url = await copyLink(canvas);
      const args = linkArgs(url);
      expect(args, url).toEqual(
        expect.arrayContaining([
          'stages:gain+eq+fft',
          'params.gain.gain:0.25',
          'params.eq.band1Type:peaking',
          'params.eq.band1GainDb:-9',
          'params.eq.band1Q:0.7',
          'fixture:signal-wav',
          'bypass:eq',
          'solo:',
        ]),
      );
      expect(canvas.queryByText(/not in the link/), 'nothing left out of the link').toBeNull();
    });
    await step('opened in a frame, the link rebuilds the same chain', async () => {
      await withLinkInFrame(url, async (doc) => {
        const framed = () => within(doc().body);
        await waitFor(
          () => expect(framed().getByRole('heading', { level: 2 })).toHaveTextContent('Chain: Gain (template) → EQ 8-band → FFT 32k'),
          {
            timeout: 30_000,
          },
        );
        await waitFor(() => expect(framed().getByTestId('chain-params-gain')).toHaveTextContent('gain=0.25'), { timeout: 10_000 });
        expect(framed().getByTestId('chain-params-eq')).toHaveTextContent('band1Type=peaking, band1GainDb=-9, band1Q=0.7');
        await waitFor(
          () => expect(framed().getByRole('checkbox', { name: 'bypass EQ 8-band' }), 'the EQ bypassed, as in the link').toBeChecked(),
          { timeout: 15_000 },
        );
        expect(framed().getByRole('checkbox', { name: 'bypass FFT 32k' })).not.toBeChecked();
        const rebuilt = await copyLink(framed());
        expect(decodeURIComponent(rebuilt), 'the same link, rebuilt').toBe(decodeURIComponent(url));
      });
    });
  },
};

/**
 * The same chain served by a plain static host (no COOP/COEP) and opened with `?coi=0`: no
 * SharedArrayBuffer, so each stage's visual frame and figures arrive by postMessage, slot by slot;
 * each stage's visualiser still draws its own. Runs in its own pass against such a server.
 */
export const EqThenFftWithoutSharedArrayBuffer: Story = {
  name: 'EQ → FFT without SharedArrayBuffer',
  tags: ['no-isolation'],
  decorators: [plainHostNote],
  play: async ({ args, canvasElement, step }) => {
    if (await skippedOnIsolatedServer(step)) return;
    expect(globalThis.crossOriginIsolated).toBe(false);
    const runtime = StagebenchRuntime.get();
    await waitFor(() => expect(runtime.state.stage).toBe(chainName(parseChainIds(args.stages))), { timeout: 15_000 });
    const { checked, figures } = await expectChainVisualsLive(
      runtime,
      canvasElement,
      chainSpecs(args.stages, args.params),
      args.frequencyHz,
    );
    expect(checked, 'stages whose visual frames were checked').toEqual(['eq', 'fft']);
    for (const f of figures) reportMeasurement({ ...f, source: 'live chain without SharedArrayBuffer, visual slots by postMessage' });
  },
};

/**
 * The stereo variant: EQ → Shift on a delayed-noise pair. The EQ filters channel 0 (the
 * reference), channel 1 passes on as it came, and the shift stage compares them: its figures
 * equal its reference's on the EQ reference's output and the same channel 1.
 */
export const EqThenShift: Story = {
  name: 'EQ → Shift (stereo pair)',
  args: { stages: 'eq shift', source: 'delayed-noise', levelDb: 0 },
  play: async ({ args }) => {
    const specs = chainSpecs(args.stages, args.params);
    const pair = delayedPair({ n: 3 * 32768, delay: args.delaySamples, snrDb: args.snrDb, seed: 9 });
    const inputs = [pair.reference, pair.input];
    const got = await renderChainOffline(specs, inputs, RATE);
    const { figuresCompared } = expectChainMatchesReferences(specs, got, referencesInOrder(specs, inputs, RATE));
    expect(figuresCompared, 'shift figures compared').toBeGreaterThanOrEqual(3);
  },
};

/** Times the chain at `sampleRate` (audio suspended), up to 3 times until its total p99 is within the chain budget. */
async function timeChainWithin(
  runtime: StagebenchRuntime,
  sampleRate: number,
  budgetUs: number,
): Promise<{ best: ChainTiming; all: ChainTiming[] }> {
  const { accepted, all } = await withAudioSuspended(runtime, () =>
    measureUntilWithin(
      () => runtime.measureChain({ sampleRate, batches: 100 }),
      (t) => t.total.p99Us < budgetUs,
    ),
  );
  return { best: accepted ?? all.reduce((a, b) => (b.total.p99Us < a.total.p99Us ? b : a)), all };
}

/**
 * The chain's cost at 44.1 and 48 kHz: each stage's kernel p50/p99 in the chain and its share of
 * the deadline, reported per stage; the chain's p99 within its budget, the sum of its stages'
 * (each descriptor's kernelP99Us), and no wasm allocation in the timed batches.
 */
export const ChainBudget: Story = {
  name: 'Chain budget',
  tags: ['perf'],
  play: async ({ args, canvasElement }) => {
    const specs = chainSpecs(args.stages, args.params);
    const runtime = StagebenchRuntime.get();
    await waitFor(() => expect(runtime.state.stage).toBe(chainName(parseChainIds(args.stages))), { timeout: 15_000 });
    await waitFor(() => expect(runtime.state.wasmStatus).toBe('active'), { timeout: 15_000 });
    // the bench's own first timing done, so the worker is free
    await waitFor(() => expect(within(canvasElement).getByTestId('chain-total')).toHaveAttribute('data-p50'), { timeout: 60_000 });
    // the worker times quanta of the page's size (?quantum=N): the budget at that size
    const budgetUs = chainBudgetUs(
      specs.map((s) => s.stage),
      runtime.state.quantumFrames,
    );
    for (const rate of [44_100, 48_000]) {
      const { best, all } = await timeChainWithin(runtime, rate, budgetUs);
      const rows = chainRows(best);
      for (const row of [...rows.stages, rows.total]) {
        const what = `${parseChainIds(args.stages).join(',')} @ ${rate} Hz, ${row.stage}`;
        reportMeasurement({ name: `chain ${what}: kernel p50`, value: row.p50Us, unit: 'µs', source: best.clock });
        reportMeasurement({ name: `chain ${what}: kernel p99`, value: row.p99Us, unit: 'µs', source: best.clock });
        reportMeasurement({ name: `chain ${what}: p50 share of the deadline`, value: row.p50Pct, unit: '%', source: best.clock });
        reportMeasurement({ name: `chain ${what}: p99 share of the deadline`, value: row.p99Pct, unit: '%', source: best.clock });
      }
      const attempts = all.map((t, i) => `attempt ${i + 1}: total p99 ${t.total.p99Us.toFixed(3)} µs`).join('; ');
      expect(
        best.total.p99Us,
        `chain ${parseChainIds(args.stages).join(',')} @ ${rate} Hz: p99 ${best.total.p99Us.toFixed(3)} µs vs budget ${budgetUs} µs (${attempts})`,
      ).toBeLessThan(budgetUs);
      for (const t of all) expect(t.allocationsDuringRun, 'wasm allocations during the timed batches').toBe(0);
    }
  },
};
