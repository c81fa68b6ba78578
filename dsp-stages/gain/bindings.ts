/**
 * The gain stage's wasm exports (rust/src/stages/gain.rs), typed: the only module that names them. Everything
 * else (descriptor, CLI, bench, pool, tests) calls the stage through `bindGain`.
 */
import { exportNames, type StagebenchWasm } from '../../worklet/abi.ts';

export interface GainExports {
  gain_create(maxFrames: number): number;
  gain_set_param(id: number, value: number): number;
  gain_process(n: number): number;
  gain_output_ptr(): number;
}

/** Every export of `GainExports`, checked when a module is bound. */
export const GAIN_EXPORTS = exportNames<GainExports>()('gain_create', 'gain_set_param', 'gain_process', 'gain_output_ptr');

/** The stage's exports on `wasm`; throws naming any the module lacks (an old build). */
export function bindGain(wasm: StagebenchWasm): GainExports {
  return wasm.bind<GainExports>(GAIN_EXPORTS);
}
