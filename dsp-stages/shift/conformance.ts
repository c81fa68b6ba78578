/** What the shift stage promises the conformance suite (see ../conformance-types.ts). */
import type { StageConformance } from '../conformance-types.ts';

export const conformance: StageConformance = {
  params: {},
  rateProperty: { kind: 'shift-delay', delay: 100.37, snrDb: 30, figure: 'shift', tolerance: 0.02 },
  outputTolerance: 0,
  figureTolerance: 1e-4,
  hostile: { kind: 'analysis-and-count', counterFigure: 'nonFiniteFrames' },
  recoveryTolerance: 0,
  promise: 'figures finite; analyses of frames with NaN/Inf counted (nonFiniteFrames); stateless between frames',
};
