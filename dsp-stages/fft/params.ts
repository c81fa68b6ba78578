import type { ParamSpec } from '../types.ts';

export const FFT_SIZES = [512, 1024, 2048, 4096, 8192, 16384, 32768] as const;
export const FFT_WINDOWS = ['rect', 'hann', 'kaiser'] as const;
export type FftWindow = (typeof FFT_WINDOWS)[number];

/** Spectrum-stage parameters: the one source for argTypes, CLI flags and clamps. */
export const fftParams = [
  {
    kind: 'number',
    name: 'size',
    label: 'FFT size',
    unit: 'samples',
    min: 512,
    max: 32768,
    step: 1,
    default: 32768,
    integer: true,
    values: FFT_SIZES,
    description: 'Transform length N (a power of two); bin spacing is sampleRate / N.',
  },
  {
    kind: 'choice',
    name: 'window',
    label: 'Window',
    unit: '',
    options: FFT_WINDOWS,
    default: 'kaiser',
    description: 'Analysis window (periodic): rectangular, Hann, or Kaiser with shape beta.',
  },
  {
    kind: 'number',
    name: 'beta',
    label: 'Kaiser beta',
    unit: '',
    min: 0,
    max: 20,
    step: 0.5,
    default: 9,
    description: 'Kaiser shape: larger beta lowers the sidelobes (about -66 dB at 9) and widens the mainlobe.',
  },
  {
    kind: 'number',
    name: 'hop',
    label: 'Hop (0 = N/4)',
    unit: 'samples',
    min: 0,
    max: 32768,
    step: 128,
    default: 0,
    integer: true,
    description: 'Samples between transforms; 0 means N/4.',
  },
  {
    kind: 'choice',
    name: 'spread',
    label: 'Spread analysis over the hop',
    unit: '',
    options: ['on', 'off'],
    default: 'on',
    description: 'on: the analysis runs in slices over the quanta after each hop; off: all of it in the hop quantum (to compare).',
  },
] as const satisfies readonly ParamSpec[];

/** Window ids of the C ABI (`fft_create`, `fft_set_window`). */
export const WINDOW_IDS: Record<FftWindow, number> = { rect: 0, hann: 1, kaiser: 2 };

/** Hop in samples for a size and a hop parameter (0 = N/4), rounded up to whole quanta. */
export function hopSamples(size: number, hop: number): number {
  const h = hop > 0 ? hop : size / 4;
  return Math.max(128, Math.ceil(h / 128) * 128);
}
