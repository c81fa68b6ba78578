/** What the gain stage promises the conformance suite (see ../conformance-types.ts). */
import type { StageConformance } from '../conformance-types.ts';

export const conformance: StageConformance = {
  // 0.3 is not a power of two: every product is rounded, so bit-exactness means something
  params: { gain: 0.3 },
  rateProperty: { kind: 'times-gain', param: 'gain', gain: 0.3 },
  outputTolerance: 0,
  figureTolerance: 0,
  hostile: { kind: 'times-gain', gain: 0.3 },
  recoveryTolerance: 0,
  promise: 'output = input × f32(gain) bit for bit; NaN and Inf propagate, stateless',
};
