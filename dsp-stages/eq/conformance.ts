/** What the EQ promises the conformance suite (see ../conformance-types.ts). */
import type { StageConformance } from '../conformance-types.ts';

export const conformance: StageConformance = {
  params: {},
  rateProperty: { kind: 'eq-design' },
  // f32 SIMD cascade with smoothing vs the f64 reference: 2e-5 (22.05 kHz) … 2e-4 (96 kHz) measured on ±0.5 noise
  outputTolerance: 5e-4,
  figureTolerance: 0,
  hostile: { kind: 'silence-and-count', counterFigure: 'nanQuanta' },
  // f32 filters whose states differed settle to within rounding, not to the same bits: the
  // difference falls to 1e-5 … 2.4e-5 within 4096 samples and stays there (measured); the
  // stage's own distance from the f64 reference is 6e-5 at 48 kHz
  recoveryTolerance: 1e-4,
  promise: 'a quantum with NaN/Inf is silent, resets the filters and is counted (nanQuanta)',
};
