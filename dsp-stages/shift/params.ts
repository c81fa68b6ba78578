import type { ParamSpec } from '../types.ts';
import { FFT_SIZES } from '../fft/params.ts';

export const SHIFT_MODES = ['channels', 'hops'] as const;
export type ShiftMode = (typeof SHIFT_MODES)[number];

/** Shift-hypotheses parameters: the one source for argTypes, CLI flags, help text and clamps. */
export const shiftParams = [
  {
    kind: 'number',
    name: 'size',
    label: 'Frame size N',
    unit: 'samples',
    min: 512,
    max: 32768,
    step: 1,
    default: 32768,
    integer: true,
    values: FFT_SIZES,
    description: 'Length of both frames (a power of two).',
  },
  {
    kind: 'number',
    name: 'hypotheses',
    label: 'Hypotheses H',
    unit: '',
    min: 1,
    max: 256,
    step: 1,
    default: 32,
    integer: true,
    description: 'Number of delays scored around the centre.',
  },
  {
    kind: 'number',
    name: 'span',
    label: 'Span',
    unit: 'samples',
    min: 0,
    max: 4096,
    step: 0.5,
    default: 2,
    description: 'Width of the hypothesis grid around the centre (at least 1 with the automatic centre).',
  },
  {
    kind: 'choice',
    name: 'centreMode',
    label: 'Centre',
    unit: '',
    options: ['auto', 'fixed'],
    default: 'auto',
    description: 'auto: the integer lag of the correlation peak (one coarse inverse FFT); fixed: the value below.',
  },
  {
    kind: 'number',
    name: 'centre',
    label: 'Fixed centre',
    unit: 'samples',
    min: -16384,
    max: 16384,
    step: 0.5,
    default: 0,
    description: 'Centre of the grid when the centre is fixed.',
  },
  {
    kind: 'choice',
    name: 'phat',
    label: 'PHAT weighting (off: plain correlation)',
    unit: '',
    options: ['on', 'off'],
    default: 'off',
    description:
      'off (the default): plain cross-correlation, the maximum-likelihood weighting for a delayed copy in white noise: unbiased and at the Cramér-Rao bound for white, band-limited and pink references alike. on: PHAT whitens the cross-spectrum (C/|C|), which sharpens the peak but gives bins of noise only (an empty band) the weight of signal bins, so on a band-limited reference its error stops falling with SNR.',
  },
  {
    kind: 'choice',
    name: 'spread',
    label: 'Spread analysis',
    unit: '',
    options: ['on', 'off'],
    default: 'on',
    description:
      'on: each analysis runs in 4 parts over the 4 quanta after its hop (input FFT, reference FFT, cross-spectrum and centre, scores), so no audio callback carries a whole one; off: all of it in the hop quantum (to compare).',
    liveOnly: true,
  },
  {
    kind: 'choice',
    name: 'mode',
    label: 'Live mode',
    unit: '',
    options: ['channels', 'hops'],
    default: 'channels',
    description: 'channels: channel 1 against channel 0; hops: the current frame against the one a hop (N/4) earlier.',
    liveOnly: true,
  },
] as const satisfies readonly ParamSpec[];
