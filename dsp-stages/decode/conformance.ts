/** What the decode stage promises the conformance suite (see ../conformance-types.ts). */
import type { StageConformance } from '../conformance-types.ts';
import { DECODE_SPECTRUM } from './index.ts';

export const conformance: StageConformance = {
  params: {},
  rateProperty: { kind: 'tone-peak', fftSize: Number(DECODE_SPECTRUM.size), hzFigure: 'peakHz', dbFigure: 'peakDb', passthrough: true },
  outputTolerance: 0,
  figureTolerance: 1e-6,
  hostile: { kind: 'bit-exact-copy' },
  recoveryTolerance: 0,
  promise: 'passthrough bit for bit + the spectrum kernel (N = 8192, Hann)',
};
