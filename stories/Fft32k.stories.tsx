import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, waitFor, within } from 'storybook/test';
import { StageVisual } from '../components/StageVisual.tsx';
import { StageBench } from '../components/StageBench.tsx';
import { PeakSweepHarness } from '../components/PeakSweepHarness.tsx';
import { fftStage } from '../dsp-stages/fft/index.ts';
import { type FftWindow } from '../dsp-stages/fft/params.ts';
import { coherentGain, periodicWindow } from '../dsp-stages/fft/reference.ts';
import { sine, whiteNoise, type SourceKind } from '../dsp-stages/signals.ts';
import { StagebenchRuntime } from '../worklet/host.ts';
import { argTypesFromParams, sourceArgTypes } from './support/argTypes.ts';
import { expectActiveAndRunning, expectKernelBudgets, expectLiveWindow } from './support/checks.ts';
import { reportMeasurement } from './support/report.ts';
import { SPECTRUM_RENDER, expectParseval, renderSpectrum } from './support/fftChecks.ts';

interface FftArgs {
  source: SourceKind;
  frequencyHz: number;
  levelDb: number;
  size: number;
  window: FftWindow;
  beta: number;
  hop: number;
  spread: 'on' | 'off';
  floorDb: number;
  /** Frequencies in the accuracy sweep story. */
  sweepPoints: number;
}

function FftWorkbench(args: FftArgs) {
  const params = { size: args.size, window: args.window, beta: args.beta, hop: args.hop, spread: args.spread };
  return (
    <StageBench
      stage={fftStage}
      params={params}
      source={{ kind: args.source, frequencyHz: args.frequencyHz, levelDb: args.levelDb }}
      visual={<StageVisual runtime={StagebenchRuntime.get()} stage={fftStage} params={params} floorDb={args.floorDb} />}
    />
  );
}

const meta = {
  title: 'DSP Stages/FFT 32k',
  component: FftWorkbench,
  // the docs page is stories/Fft32k.mdx
  tags: ['!autodocs'],
  args: {
    source: 'sine',
    frequencyHz: 1000,
    levelDb: -6,
    size: 32768,
    window: 'kaiser',
    beta: 9,
    hop: 0,
    spread: 'on',
    floorDb: -140,
    sweepPoints: 200,
  },
  argTypes: {
    ...sourceArgTypes,
    ...argTypesFromParams(fftStage.params),
    floorDb: { name: 'dB floor (dB)', control: { type: 'range', min: -200, max: -40, step: 10 }, table: { category: 'Display' } },
    sweepPoints: { name: 'Sweep points', control: { type: 'number', min: 8, max: 2000, step: 8 }, table: { category: 'Accuracy sweep' } },
  },
  parameters: {
    docs: {
      description: {
        component:
          'Windowed real FFT of the newest N samples every hop, with the magnitude in dBFS and the strongest peak ' +
          'refined to a fraction of a bin. The analysis runs in slices over the quanta after each hop, so no ' +
          'quantum carries more than its share. See the docs page for the transform, the windows and the choice of beta.',
      },
    },
  },
} satisfies Meta<typeof FftWorkbench>;

export default meta;
type Story = StoryObj<typeof meta>;

const { RATE, N, FRAMES, FRAME_END } = SPECTRUM_RENDER;

/** A live 1 kHz tone: the spectrum peak, the real-time rate, no growth, and both timing budgets. */
export const LiveToneAt1kHz: Story = {
  name: 'Live tone at 1 kHz',
  tags: ['perf'],
  play: async ({ canvasElement, step }) => {
    const runtime = StagebenchRuntime.get();
    await expectActiveAndRunning(canvasElement, runtime, step);
    await step('the live spectrum peaks at 1 kHz', async () => {
      await waitFor(() => expect(Math.abs(runtime.figures()[0]! - 1000)).toBeLessThan(0.5), { timeout: 10_000 });
      reportMeasurement({ name: 'live peak', value: runtime.figures()[0]!, unit: 'Hz', source: 'wasm spectrum, OscillatorNode at 1 kHz' });
    });
    await expectKernelBudgets(runtime, fftStage, step);
    await expectLiveWindow(runtime, fftStage, step);
  },
};

/** 1000.37 Hz lies between bins (1.465 Hz apart at N = 32768): the refined peak is within 0.05 Hz. */
export const PeakBetweenBinsWithin005Hz: Story = {
  args: { frequencyHz: 1000.37 },
  play: async ({ step }) => {
    const r = await renderSpectrum(sine(FRAMES, RATE, 1000.37, 0.5, 0.4), {});
    reportMeasurement({ name: 'peak error at 1000.37 Hz', value: r.peakHz - 1000.37, unit: 'Hz', source: 'offline render, wasm' });
    await step('wasm is active', async () => expect(r.status, `fallback: ${r.reason}`).toBe('active'));
    await step('peak within 0.05 Hz of 1000.37 Hz', async () => {
      expect(Math.abs(r.peakHz - 1000.37), `peak ${r.peakHz} Hz`).toBeLessThan(0.05);
    });
    await step('peak level within 0.05 dB of the sine (-6.02 dBFS)', async () => {
      expect(Math.abs(r.peakDb - 20 * Math.log10(0.5)), `peak ${r.peakDb} dBFS`).toBeLessThan(0.05);
    });
  },
};

/**
 * Kaiser's relation for the window's highest sidelobe, beta = 0.12438 (A + 6.3) for 60 < A < 120
 * dB (Kaiser and Schafer 1980), gives A = 9 / 0.12438 - 6.3 = 66.06 dB at beta = 9: every bin
 * more than 4 bins from the peak lies below the peak minus 66.06 dB, plus 1 dB.
 */
export const KaiserSidelobesBelowPrediction: Story = {
  args: { frequencyHz: 2345.67 },
  play: async () => {
    const r = await renderSpectrum(sine(FRAMES, RATE, 2345.67, 0.5, 1.1), { window: 'kaiser', beta: 9 });
    const predictedDb = 9 / 0.12438 - 6.3;
    const peakBin = Math.round((r.peakHz * N) / RATE);
    let worst = -Infinity;
    let worstBin = -1;
    for (let k = 1; k < r.db.length; k++) {
      if (Math.abs(k - peakBin) <= 4) continue;
      if (r.db[k]! > worst) {
        worst = r.db[k]!;
        worstBin = k;
      }
    }
    reportMeasurement({
      name: 'highest sidelobe re peak (Kaiser 9)',
      value: worst - r.peakDb,
      unit: 'dB',
      source: `predicted -${predictedDb.toFixed(2)} dB`,
    });
    expect(worst - r.peakDb, `bin ${worstBin} at ${(worst - r.peakDb).toFixed(2)} dB re peak`).toBeLessThan(-predictedDb + 1);
  },
};

/** Parseval on white noise: the windowed frame's energy equals the spectrum's (1/N)(|X0|² + |X_{N/2}|² + 2 Σ|Xk|²) within 1e-5. */
export const ParsevalHolds: Story = {
  args: { source: 'noise' },
  play: async () => {
    const input = whiteNoise(FRAMES, 0.5, 11);
    const r = await renderSpectrum(input, { window: 'hann' });
    expect(r.status, `fallback: ${r.reason}`).toBe('active');
    const w = periodicWindow('hann', 0, N);
    const rel = expectParseval(input.subarray(FRAME_END - N, FRAME_END), w, r.spectrum);
    reportMeasurement({ name: 'Parseval relative error', value: rel, unit: '', source: 'offline render, wasm, Hann' });
    expect(coherentGain(w)).toBeCloseTo(0.5, 12);
  },
};

/** Without wasm the TypeScript reference runs, says so, and still finds the peak. */
export const FallbackFindsThePeak: Story = {
  play: async () => {
    const corrupt = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0xff]).buffer;
    const r = await renderSpectrum(sine(FRAMES, RATE, 1000.37, 0.5, 0.4), {}, corrupt);
    expect(r.status).toBe('fallback');
    expect(r.reason).toMatch(/wasm does not compile/);
    expect(Math.abs(r.peakHz - 1000.37)).toBeLessThan(0.05);
  },
};

/**
 * The accuracy harness: sines swept over 20 Hz … 20 kHz, the peak-frequency error plotted against
 * frequency with its statistics (`npx stagebench sweep fft` runs the same harness in Node). The
 * test runs a reduced grid of 48 frequencies; the control raises it.
 */
export const PeakAccuracySweep: Story = {
  args: { sweepPoints: 48 },
  render: (args) => <PeakSweepHarness size={args.size} window={args.window} beta={args.beta} points={args.sweepPoints} />,
  play: async ({ canvasElement, step }) => {
    const canvas = within(canvasElement);
    const max = await canvas.findByTestId('sweep-max-error', {}, { timeout: 30_000 });
    await step('the sweep ran on the wasm stage (the TypeScript reference, in f64, would hide a wasm regression)', async () => {
      const note = canvas.queryByTestId('sweep-backend-note')?.textContent ?? '';
      expect(canvas.getByTestId('sweep-backend'), `sweep backend ${note}`).toHaveTextContent(/^wasm$/);
    });
    const maxErr = Number(max.dataset.value);
    const meanErr = Number(canvas.getByTestId('sweep-mean-error').dataset.value);
    const levelErr = Number(canvas.getByTestId('sweep-level-error').dataset.value);
    reportMeasurement({
      name: 'sweep max |error|',
      value: maxErr,
      unit: 'Hz',
      source: '48 frequencies 20 Hz–20 kHz, wasm, Kaiser 9, N = 32768',
    });
    reportMeasurement({ name: 'sweep mean |error|', value: meanErr, unit: 'Hz', source: 'same sweep' });
    reportMeasurement({ name: 'sweep max level error', value: levelErr, unit: 'dB', source: 'same sweep' });
    await step('peak within 0.05 Hz everywhere; mean error under 0.001 Hz and level within 0.001 dB (the refinement at work)', async () => {
      expect(maxErr, 'max peak error over the sweep (Hz)').toBeLessThan(0.05);
      // a parabola alone on Kaiser 9 errs by about 1e-2 bin (0.015 Hz) between bins: the refined
      // peak's mean error (about 6e-6 Hz) must stay far below that
      expect(meanErr, 'mean peak error over the sweep (Hz)').toBeLessThan(1e-3);
      expect(levelErr, 'largest peak level error over the sweep (dB)').toBeLessThan(1e-3);
    });
    expect(canvas.getByRole('img', { name: /Peak-frequency error over 48 frequencies/ })).toBeInTheDocument();
  },
};
