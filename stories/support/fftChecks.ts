/** FFT checks shared by the FFT stories and their expected failures. */
import { expect } from 'storybook/test';
import { hopSamples } from '../../dsp-stages/fft/params.ts';
import { renderOffline } from '../../worklet/offline-render.ts';

const N = 32768;
const HOP = hopSamples(N, 0);

/** The offline renders of the FFT stories: N = 32768 at 48 kHz, seven hops plus 40 quanta. */
export const SPECTRUM_RENDER = {
  RATE: 48_000,
  N,
  /** Seven hops plus 40 quanta: the analysis begun at the 7th hop (sample 57,344) has finished by the end. */
  FRAMES: 7 * HOP + 40 * 128,
  /** The end of the frame that last analysis saw. */
  FRAME_END: 7 * HOP,
} as const;

/** Renders `input` through the FFT stage offline; the last published spectrum (dB and complex) and figures. */
export async function renderSpectrum(input: Float32Array, params: Record<string, number | string>, wasmBytes?: ArrayBuffer) {
  const r = await renderOffline({
    stage: 'fft',
    params: { size: N, window: 'kaiser', beta: 9, hop: 0, spread: 'on', ...params },
    input,
    sampleRate: SPECTRUM_RENDER.RATE,
    ...(wasmBytes ? { wasmBytes } : {}),
  });
  expect(r.visual, 'a spectrum frame was published').not.toBeNull();
  const visual = r.visual!;
  return {
    ...r,
    db: visual.subarray(0, N / 2 + 1),
    spectrum: visual.subarray(N / 2 + 1, N / 2 + 1 + N + 2),
    peakHz: r.figures![0]!,
    peakDb: r.figures![1]!,
  };
}

/** Parseval's bound on the stage's spectrum (f32 arithmetic over 32768 points). */
export const PARSEVAL_TOLERANCE = 1e-5;

/**
 * Parseval: the windowed frame's energy equals the spectrum's (1/N)(|X0|² + |X_{N/2}|² + 2 Σ|Xk|²)
 * within PARSEVAL_TOLERANCE (relative). `spectrum`: interleaved re, im for k = 0..N/2. Returns the
 * relative error.
 */
export function expectParseval(frame: Float32Array, window: ArrayLike<number>, spectrum: Float32Array): number {
  const n = frame.length;
  let timeEnergy = 0;
  for (let i = 0; i < n; i++) timeEnergy += (frame[i]! * window[i]!) ** 2;
  const mag2 = (k: number) => spectrum[2 * k]! ** 2 + spectrum[2 * k + 1]! ** 2;
  let freqEnergy = mag2(0) + mag2(n / 2);
  for (let k = 1; k < n / 2; k++) freqEnergy += 2 * mag2(k);
  freqEnergy /= n;
  const rel = Math.abs(freqEnergy - timeEnergy) / timeEnergy;
  expect(
    rel,
    `Parseval: windowed frame energy ${timeEnergy}, spectrum energy ${freqEnergy}, relative error ${rel} (bound ${PARSEVAL_TOLERANCE})`,
  ).toBeLessThan(PARSEVAL_TOLERANCE);
  return rel;
}
