/** What the ring-copy stage promises the conformance suite (see ../conformance-types.ts). */
import type { StageConformance } from '../conformance-types.ts';

export const conformance: StageConformance = {
  params: {},
  rateProperty: { kind: 'bit-exact-copy' },
  outputTolerance: 0,
  figureTolerance: 0,
  hostile: { kind: 'bit-exact-copy' },
  recoveryTolerance: 0,
  promise: 'the output is the input bit for bit (NaN, Inf and subnormals included)',
};
