/** What the spectrum stage promises the conformance suite (see ../conformance-types.ts). */
import type { StageConformance } from '../conformance-types.ts';

export const conformance: StageConformance = {
  params: {},
  rateProperty: { kind: 'tone-peak', fftSize: 32768, hzFigure: 'peakHz', dbFigure: 'peakDb', passthrough: false },
  outputTolerance: 0,
  figureTolerance: 1e-6,
  hostile: { kind: 'analysis-and-count', counterFigure: 'nonFiniteFrames' },
  recoveryTolerance: 0,
  promise: 'figures finite; frames with NaN/Inf counted (nonFiniteFrames); stateless between frames',
};
