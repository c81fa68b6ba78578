/**
 * The shift stage's wasm exports (rust/src/stages/shift), typed: the only module that names them. Everything
 * else (descriptor, CLI, bench, pool, tests) calls the stage through `bindShift`.
 */
import { exportNames, type StagebenchWasm } from '../../worklet/abi.ts';

export interface ShiftExports {
  shift_create(n: number, hypotheses: number): number;
  shift_set_params(span: number, centre: number, phat: number): number;
  shift_input_ptr(): number;
  shift_reference_ptr(): number;
  shift_process(): number;
  shift_process_part(part: number): number;
  shift_rescore(): number;
  shift_size(): number;
  shift_count(): number;
  shift_scores_ptr(): number;
  shift_cross_ptr(): number;
  shift_correlation_ptr(): number;
  shift_input_spectrum_ptr(): number;
  shift_reference_spectrum_ptr(): number;
  shift_power_spectra_ptr(): number;
  shift_centre(): number;
  shift_best(): number;
  shift_best_tau(): number;
  shift_value(): number;
  shift_non_finite_frames(): number;
  shift_reference_scores(outPtr: number): number;
}

/** Every export of `ShiftExports`, checked when a module is bound. */
export const SHIFT_EXPORTS = exportNames<ShiftExports>()(
  'shift_create',
  'shift_set_params',
  'shift_input_ptr',
  'shift_reference_ptr',
  'shift_process',
  'shift_process_part',
  'shift_rescore',
  'shift_size',
  'shift_count',
  'shift_scores_ptr',
  'shift_cross_ptr',
  'shift_correlation_ptr',
  'shift_input_spectrum_ptr',
  'shift_reference_spectrum_ptr',
  'shift_power_spectra_ptr',
  'shift_centre',
  'shift_best',
  'shift_best_tau',
  'shift_value',
  'shift_non_finite_frames',
  'shift_reference_scores',
);

/** The stage's exports on `wasm`; throws naming any the module lacks (an old build). */
export function bindShift(wasm: StagebenchWasm): ShiftExports {
  return wasm.bind<ShiftExports>(SHIFT_EXPORTS);
}
