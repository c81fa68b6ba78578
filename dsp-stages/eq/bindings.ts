/**
 * The eq stage's wasm exports (rust/src/stages/eq), typed: the only module that names them. Everything
 * else (descriptor, CLI, bench, pool, tests) calls the stage through `bindEq`.
 */
import { exportNames, statusMessage, type StagebenchWasm } from '../../worklet/abi.ts';
import type { ParamValues } from '../types.ts';
import { EQ_TYPES, eqBands, eqFast } from './params.ts';

export interface EqExports {
  eq_create(sampleRate: number, maxFrames: number): number;
  eq_set_band(band: number, kind: number, freqHz: number, gainDb: number, q: number): number;
  eq_set_bypass(on: number): number;
  eq_set_precision(fast: number): number;
  eq_process(n: number): number;
  eq_output_ptr(): number;
  eq_nan_quanta(): number;
  eq_process_buffer(inPtr: number, outPtr: number, n: number): number;
  eq_response_db(freqHz: number): number;
  eq_reset(): number;
  eq_simd_enabled(): number;
  eq_selftest(): number;
}

/** Every export of `EqExports`, checked when a module is bound. */
export const EQ_EXPORTS = exportNames<EqExports>()(
  'eq_create',
  'eq_set_band',
  'eq_set_bypass',
  'eq_set_precision',
  'eq_process',
  'eq_output_ptr',
  'eq_nan_quanta',
  'eq_process_buffer',
  'eq_response_db',
  'eq_reset',
  'eq_simd_enabled',
  'eq_selftest',
);

/** The stage's exports on `wasm`; throws naming any the module lacks (an old build). */
export function bindEq(wasm: StagebenchWasm): EqExports {
  return wasm.bind<EqExports>(EQ_EXPORTS);
}

/** Applies every band, the bypass and the precision of `params` to the wasm EQ; throws with the first refusal. */
export function applyEqParams(x: EqExports, params: ParamValues): void {
  eqBands(params).forEach((band, i) => {
    const rc = x.eq_set_band(i, EQ_TYPES.indexOf(band.type), band.frequencyHz, band.gainDb, band.q);
    if (rc < 0) throw new Error(`eq_set_band(${i + 1}, ${band.type}) failed: ${statusMessage(rc)}`);
  });
  x.eq_set_bypass(params.bypass === 'on' ? 1 : 0);
  x.eq_set_precision(eqFast(params) ? 1 : 0);
}
