import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, waitFor, within } from 'storybook/test';
import { StageVisual } from '../components/StageVisual.tsx';
import { StageBench } from '../components/StageBench.tsx';
import { eqStage } from '../dsp-stages/eq/index.ts';
import { biquadCoefficients, cascadeResponseDb } from '../dsp-stages/eq/coefficients.ts';
import { eqBands } from '../dsp-stages/eq/params.ts';
import { realFft } from '../dsp-stages/fft/reference.ts';
import { defaultParams } from '../dsp-stages/params.ts';
import type { ParamValues } from '../dsp-stages/types.ts';
import { whiteNoise, type SourceKind } from '../dsp-stages/signals.ts';
import { StagebenchRuntime } from '../worklet/host.ts';
import { renderOffline } from '../worklet/offline-render.ts';
import { argTypesFromParams, fixtureArgTypes, sourceArgTypes } from './support/argTypes.ts';
import { expectBitExact, expectMaxDifference, largestDifference } from './support/assertions.ts';
import { expectActiveAndRunning, expectKernelBudgets, expectLiveWindow } from './support/checks.ts';
import { reportMeasurement } from './support/report.ts';
import { NATIVE_CHAIN_TOLERANCE, NO_CLICK_JUMPS, expectNoClick, nativeChain, renderJump } from './support/eqChecks.ts';
import { chromiumOnly, NEEDS_OFFLINE_SUSPEND } from './support/engines.ts';

type EqArgs = ParamValues & { source: SourceKind; frequencyHz: number; levelDb: number; fixture?: string };

function stageParams(args: EqArgs): ParamValues {
  const { source: _s, frequencyHz: _f, levelDb: _l, fixture: _x, ...params } = args;
  return params;
}

function EqWorkbench(args: EqArgs) {
  const params = stageParams(args);
  const runtime = StagebenchRuntime.get();
  return (
    <StageBench
      stage={eqStage}
      params={params}
      source={{ kind: args.source, frequencyHz: args.frequencyHz, levelDb: args.levelDb, fixture: args.fixture }}
      visual={<StageVisual runtime={runtime} stage={eqStage} params={params} />}
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
  args: {
    source: 'noise',
    frequencyHz: 1000,
    levelDb: -12,
    fixture: 'signal-wav',
    ...(defaultParams(eqStage.params) as Record<string, number | string>),
  },
  argTypes: { ...sourceArgTypes, ...fixtureArgTypes, ...bandArgTypes },
} satisfies Meta<typeof EqWorkbench>;

export default meta;
type Story = StoryObj<typeof meta>;

const RATE = 48_000;
const DEFAULTS = defaultParams(eqStage.params);

/**
 * The stage's response with `params`, from its impulse response (65,536 samples, offline render on
 * wasm) against the design: the largest |measured - designed| from 30 Hz to 16 kHz wherever the
 * design is above -60 dB (below that the f32 output's rounding decides), and the measured dB at
 * any frequency (nearest bin).
 */
async function measuredResponse(params: ParamValues) {
  const n = 65536;
  const impulse = new Float32Array(n);
  impulse[0] = 1;
  const r = await renderOffline({ stage: 'eq', params, input: impulse, sampleRate: RATE });
  expect(r.status, `fallback: ${r.reason}`).toBe('active');
  const spectrum = realFft(r.output);
  const sections = eqBands(params).map((b) => biquadCoefficients(b, RATE));
  const binDb = (k: number) => 10 * Math.log10(spectrum[2 * k]! ** 2 + spectrum[2 * k + 1]! ** 2);
  let worst = 0;
  let worstHz = 0;
  let bins = 0;
  for (let k = 1; k <= n / 2; k++) {
    const hz = (k * RATE) / n;
    if (hz < 30 || hz > 16_000) continue;
    const designed = cascadeResponseDb(sections, hz, RATE);
    if (designed < -60) continue;
    bins++;
    if (Math.abs(binDb(k) - designed) > worst) {
      worst = Math.abs(binDb(k) - designed);
      worstHz = hz;
    }
  }
  return { worst, worstHz, bins, measuredDb: (hz: number) => binDb(Math.round((hz * n) / RATE)) };
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
      await waitFor(
        () => expect(canvas.getByRole('img', { name: /measured on the running stage from [1-9]\d* frames/ })).toBeInTheDocument(),
        { timeout: 10_000 },
      );
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
    const m = await measuredResponse(DEFAULTS);
    reportMeasurement({
      name: 'measured vs designed, max |error| 30 Hz–16 kHz',
      value: m.worst,
      unit: `dB (at ${m.worstHz.toFixed(0)} Hz, ${m.bins} bins)`,
      source: 'impulse response, offline render',
    });
    await step(`max deviation ${m.worst.toFixed(4)} dB at ${m.worstHz.toFixed(0)} Hz over ${m.bins} bins`, async () => {
      expect(m.bins).toBeGreaterThan(20_000);
      expect(m.worst, 'largest |measured - designed| (dB)').toBeLessThan(0.1);
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
    // the comparison means something only if the chain changes the signal
    expect(largestDifference(r.parallelOutput!, input).worst, 'the native chain changes the signal').toBeGreaterThan(0.1);
    reportMeasurement({
      name: 'max |ours − native BiquadFilterNode chain|',
      value: largestDifference(r.output, r.parallelOutput!).worst,
      unit: '',
      source: '1 s of noise at ±0.5, offline',
    });
    expectMaxDifference(r.output, r.parallelOutput!, NATIVE_CHAIN_TOLERANCE, 'ours vs the native BiquadFilterNode chain');
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
 * than the signal's own largest step before or after it (2 % margin), and the output stays a
 * tone (its departure from any steady 1 kHz sinusoid under -54 dB of its level: a step in level or
 * phase would show there). A +12 dB jump of the 1 kHz
 * band, and a type change of the 2.5 kHz band from peaking to lowpass (which, unsmoothed, steps
 * 4.3 times the signal's own: see the expected failure).
 */
export const ParameterJumpsMakeNoClick: Story = {
  tags: ['chromium-only'],
  parameters: chromiumOnly(NEEDS_OFFLINE_SUSPEND),
  play: async ({ step }) => {
    for (const { label, name, value } of NO_CLICK_JUMPS) {
      await step(label, async () => {
        const r = await renderJump(name, value);
        expect(r.status).toBe('active');
        reportMeasurement({
          name: `largest step after the jump / signal's own (${label})`,
          value: r.ratio,
          unit: '',
          source: 'offline, 1 kHz tone',
        });
        reportMeasurement({
          name: `tone residual after the jump (${label})`,
          value: r.residual,
          unit: 'of the level',
          source: 'offline, 1 kHz tone',
        });
        expectNoClick(r, label);
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

/**
 * The telephone preset: 300 Hz – 3.4 kHz with a presence bump (the band controls are ignored while
 * a preset is chosen). Its impulse response (offline) follows the design within 0.1 dB, keeps the
 * band (+4 dB bump at 1.5 kHz) and cuts below and above it by more than 30 dB.
 */
export const TelephonePreset: Story = {
  args: { preset: 'telephone' },
  play: async ({ args, step }) => {
    const params = stageParams(args);
    const m = await measuredResponse(params);
    reportMeasurement({
      name: 'telephone: measured vs designed, max |error|',
      value: m.worst,
      unit: `dB (at ${m.worstHz.toFixed(0)} Hz)`,
      source: 'impulse response, offline render',
    });
    await step("the measured response follows the preset's design within 0.1 dB", async () => {
      expect(m.bins).toBeGreaterThan(5_000);
      expect(m.worst, 'largest |measured - designed| (dB)').toBeLessThan(0.1);
    });
    await step('500 Hz – 3 kHz kept within 3 dB, a presence bump at 1.5 kHz; 100 Hz and 10 kHz cut by more than 30 dB', async () => {
      const at = (hz: number) => m.measuredDb(hz);
      reportMeasurement({
        name: 'telephone response at 100 Hz / 1.5 kHz / 10 kHz',
        value: at(1500),
        unit: `dB at 1.5 kHz (${at(100).toFixed(1)} dB at 100 Hz, ${at(10_000).toFixed(1)} dB at 10 kHz)`,
        source: 'impulse response',
      });
      expect(at(1500), 'response at 1.5 kHz (dB)').toBeGreaterThan(2);
      let lowest = Infinity;
      for (let hz = 500; hz <= 3000; hz += 50) lowest = Math.min(lowest, at(hz));
      expect(lowest, 'lowest response from 500 Hz to 3 kHz (dB)').toBeGreaterThan(-3);
      expect(at(100), 'response at 100 Hz (dB)').toBeLessThan(-30);
      expect(at(10_000), 'response at 10 kHz (dB)').toBeLessThan(-30);
    });
  },
};
