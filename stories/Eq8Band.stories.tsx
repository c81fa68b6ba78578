import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, waitFor, within } from 'storybook/test';
import { StageBench } from '../components/StageBench.tsx';
import { EqResponse } from '../components/EqResponse.tsx';
import { eqStage } from '../dsp-stages/eq/index.ts';
import { biquadCoefficients, cascadeResponseDb } from '../dsp-stages/eq/coefficients.ts';
import { eqBands, type EqBand } from '../dsp-stages/eq/params.ts';
import { realFft } from '../dsp-stages/fft/reference.ts';
import { defaultParams } from '../dsp-stages/params.ts';
import type { ParamValues } from '../dsp-stages/types.ts';
import { whiteNoise, type SourceKind } from '../dsp-stages/signals.ts';
import { StagebenchRuntime, renderOffline } from '../worklet/host.ts';
import { argTypesFromParams, sourceArgTypes } from './support/argTypes.ts';
import { expectBitExact } from './support/assertions.ts';
import { expectActiveAndRunning, expectKernelBudgets, expectLiveWindow } from './support/checks.ts';
import { reportMeasurement } from './support/report.ts';
import { renderJump } from './support/eqChecks.ts';

type EqArgs = ParamValues & { source: SourceKind; frequencyHz: number; levelDb: number };

function stageParams(args: EqArgs): ParamValues {
  const { source: _s, frequencyHz: _f, levelDb: _l, ...params } = args;
  return params;
}

function EqWorkbench(args: EqArgs) {
  const params = stageParams(args);
  const runtime = StagebenchRuntime.get();
  return (
    <StageBench
      stage={eqStage}
      params={params}
      source={{ kind: args.source, frequencyHz: args.frequencyHz, levelDb: args.levelDb }}
      visual={<EqResponse runtime={runtime} bands={eqBands(params)} bypass={params.bypass === 'on'} />}
    />
  );
}

const bandArgTypes = Object.fromEntries(
  Object.entries(argTypesFromParams(eqStage.params)).map(([name, t]) => {
    const band = /^band(\d)/.exec(name)?.[1];
    return [name, { ...t, table: { category: band ? `Band ${band}` : 'EQ' } }];
  }),
);

const meta = {
  title: 'DSP Stages/EQ 8-band',
  component: EqWorkbench,
  tags: ['!autodocs'],
  args: { source: 'noise', frequencyHz: 1000, levelDb: -12, ...(defaultParams(eqStage.params) as Record<string, number | string>) },
  argTypes: { ...sourceArgTypes, ...bandArgTypes },
} satisfies Meta<typeof EqWorkbench>;

export default meta;
type Story = StoryObj<typeof meta>;

const RATE = 48_000;
const DEFAULTS = defaultParams(eqStage.params);

function nativeChain(bands: readonly EqBand[]) {
  return (ctx: OfflineAudioContext, source: AudioNode): AudioNode => {
    let node: AudioNode = source;
    for (const b of bands) {
      if (b.type === 'off') continue;
      const f = new BiquadFilterNode(ctx, { type: b.type, frequency: b.frequencyHz, gain: b.gainDb, Q: b.q });
      node.connect(f);
      node = f;
    }
    if (node === source) {
      const g = new GainNode(ctx, { gain: 1 });
      source.connect(g);
      node = g;
    }
    return node;
  };
}

/** Noise in; the response meter overlays the running stage's measured response on the designed one. */
export const LiveNoiseThroughTheDefaultSetting: Story = {
  name: 'Live noise through the default setting',
  tags: ['perf'],
  play: async ({ canvasElement, step }) => {
    const runtime = StagebenchRuntime.get();
    await expectActiveAndRunning(canvasElement, runtime, step);
    await expectKernelBudgets(runtime, eqStage, step);
    await expectLiveWindow(runtime, eqStage, step);
    await step('the measured response is drawn', async () => {
      const canvas = within(canvasElement);
      await waitFor(() => expect(canvas.getByRole('img', { name: /measured on the running stage from [1-9]\d* frames/ })).toBeInTheDocument(), { timeout: 10_000 });
    });
  },
};

/**
 * The impulse response of the running stage (offline render, 65,536 samples), transformed: within
 * 0.1 dB of the designed response from 30 Hz to 16 kHz, wherever the design is above −60 dB (below
 * that the f32 output's rounding decides).
 */
export const MeasuredResponseMatchesDesign: Story = {
  play: async ({ step }) => {
    const n = 65536;
    const impulse = new Float32Array(n);
    impulse[0] = 1;
    const r = await renderOffline({ stage: 'eq', params: DEFAULTS, input: impulse, sampleRate: RATE });
    expect(r.status, `fallback: ${r.reason}`).toBe('active');
    const spectrum = realFft(r.output);
    const sections = eqBands(DEFAULTS).map((b) => biquadCoefficients(b, RATE));
    let worst = 0;
    let worstHz = 0;
    let bins = 0;
    for (let k = 1; k <= n / 2; k++) {
      const hz = (k * RATE) / n;
      if (hz < 30 || hz > 16_000) continue;
      const designed = cascadeResponseDb(sections, hz, RATE);
      if (designed < -60) continue;
      const measured = 10 * Math.log10(spectrum[2 * k]! ** 2 + spectrum[2 * k + 1]! ** 2);
      bins++;
      if (Math.abs(measured - designed) > worst) {
        worst = Math.abs(measured - designed);
        worstHz = hz;
      }
    }
    reportMeasurement({ name: 'measured vs designed, max |error| 30 Hz–16 kHz', value: worst, unit: `dB (at ${worstHz.toFixed(0)} Hz, ${bins} bins)`, source: 'impulse response, offline render' });
    await step(`max deviation ${worst.toFixed(4)} dB at ${worstHz.toFixed(0)} Hz over ${bins} bins`, async () => {
      expect(bins).toBeGreaterThan(20_000);
      expect(worst).toBeLessThan(0.1);
    });
  },
};

/** The same noise through our stage and through native BiquadFilterNodes in one OfflineAudioContext: within 1e-4. */
export const EqualsNativeBiquadChain: Story = {
  name: 'Equals a native BiquadFilterNode chain',
  play: async () => {
    const input = whiteNoise(RATE, 0.5, 21);
    const r = await renderOffline({ stage: 'eq', params: DEFAULTS, input, sampleRate: RATE, parallel: nativeChain(eqBands(DEFAULTS)) });
    expect(r.status).toBe('active');
    let worst = 0;
    let changed = 0;
    for (let i = 0; i < input.length; i++) {
      worst = Math.max(worst, Math.abs(r.output[i]! - r.parallelOutput![i]!));
      changed = Math.max(changed, Math.abs(r.parallelOutput![i]! - input[i]!));
    }
    reportMeasurement({ name: 'max |ours − native BiquadFilterNode chain|', value: worst, unit: '', source: '1 s of noise at ±0.5, offline' });
    // the comparison means something only if the chain changes the signal
    expect(changed, 'the native chain changes the signal').toBeGreaterThan(0.1);
    expect(worst).toBeLessThan(1e-4);
  },
};

/** Bypass, and a flat setting (every band off), leave the input untouched: a null test. */
export const BypassAndFlatAreBitExact: Story = {
  args: { bypass: 'on' },
  play: async ({ step }) => {
    const input = whiteNoise(RATE / 2, 0.5, 5);
    await step('bypass', async () => {
      const r = await renderOffline({ stage: 'eq', params: { ...DEFAULTS, bypass: 'on' }, input, sampleRate: RATE });
      expectBitExact(r.output, input, 'bypassed EQ');
    });
    await step('flat preset (all bands off)', async () => {
      const r = await renderOffline({ stage: 'eq', params: { ...DEFAULTS, preset: 'flat' }, input, sampleRate: RATE });
      expectBitExact(r.output, input, 'flat EQ');
    });
  },
};


/**
 * Jumps under a 1 kHz tone, sent mid-render: no sample step in the 100 ms after the jump larger
 * than the signal's own largest step before or after it (2 % margin). A +12 dB jump of the 1 kHz
 * band, and a type change of the 2.5 kHz band from peaking to lowpass (which, unsmoothed, steps
 * 4.3 times the signal's own: see the expected failure).
 */
export const ParameterJumpsMakeNoClick: Story = {
  play: async ({ step }) => {
    for (const [label, name, value] of [['+12 dB at 1 kHz', 'band4GainDb', 18], ['2.5 kHz band peaking → lowpass', 'band5Type', 'lowpass']] as const) {
      await step(label, async () => {
        const r = await renderJump(name, value);
        expect(r.status).toBe('active');
        reportMeasurement({ name: `largest step after the jump / signal's own (${label})`, value: r.ratio, unit: '', source: 'offline, 1 kHz tone' });
        expect(r.ratio, `step ${r.transition} after the jump vs ${r.own} before/after`).toBeLessThanOrEqual(1.02);
      });
    }
  },
};

/** One quantum of NaN in the input: that quantum is silent, every later one is finite, the counter says 1. */
export const NaNInputIsContained: Story = {
  play: async () => {
    const input = whiteNoise(RATE / 4, 0.5, 9);
    const q = 40;
    for (let i = q * 128; i < q * 128 + 128; i += 7) input[i] = NaN;
    const r = await renderOffline({ stage: 'eq', params: DEFAULTS, input, sampleRate: RATE });
    expect(r.status).toBe('active');
    for (let i = q * 128; i < (q + 1) * 128; i++) expect(r.output[i]).toBe(0);
    let nonFinite = 0;
    for (let i = 0; i < r.output.length; i++) if (!Number.isFinite(r.output[i]!)) nonFinite++;
    expect(nonFinite, 'NaN or Inf samples in the output').toBe(0);
    expect(Math.max(...r.output.subarray((q + 2) * 128, (q + 40) * 128).map(Math.abs)), 'audio resumes').toBeGreaterThan(0.01);
    expect(r.figures![0], 'NaN quanta counted').toBe(1);
  },
};

/** The telephone preset: 300 Hz – 3.4 kHz with a presence bump (the band controls are ignored while a preset is chosen). */
export const TelephonePreset: Story = {
  args: { preset: 'telephone' },
};

