/**
 * The ring-copy stage's wasm exports (rust/src/stages/ring_copy.rs), typed: the only module that names them. Everything
 * else (descriptor, CLI, bench, pool, tests) calls the stage through `bindRingCopy`.
 */
import { exportNames, type StagebenchWasm } from '../../worklet/abi.ts';

export interface RingCopyExports {
  ring_copy_create(maxFrames: number): number;
  ring_copy_process(n: number): number;
  ring_copy_output_ptr(): number;
}

/** Every export of `RingCopyExports`, checked when a module is bound. */
export const RING_COPY_EXPORTS = exportNames<RingCopyExports>()('ring_copy_create', 'ring_copy_process', 'ring_copy_output_ptr');

/** The stage's exports on `wasm`; throws naming any the module lacks (an old build). */
export function bindRingCopy(wasm: StagebenchWasm): RingCopyExports {
  return wasm.bind<RingCopyExports>(RING_COPY_EXPORTS);
}
