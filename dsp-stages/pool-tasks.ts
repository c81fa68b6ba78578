/**
 * The worker pool's task kinds (worklet/pool/), one line per kind: the pool and every worker
 * take this list (with the pool's own `selftest_fault` first). A stage adds a kind by defining it
 * next to its code (`defineTaskKind` in worklet/pool/task-kind.ts: message type, regions, handler)
 * and listing it here. Regions are laid out in this order, so keep the order.
 *
 * Imported by the pool worker (a Web Worker bundled by Vite, a Node worker thread) and by the
 * pool on the main thread: no Node-only imports here or in the kinds' modules.
 */
import { decodeTask } from './decode/pool/task.ts';
import { processAudioTask } from './eq/pool.ts';
import { computeFftTask } from './fft/pool.ts';
import type { MessageOf, PoolTaskKind, ResultOf } from '../worklet/pool/task-kind.ts';

export const POOL_TASKS = [
  processAudioTask, // process_audio: the 8-band EQ over a block (region eq.bands)
  computeFftTask, // compute_fft: a real FFT of 512..4096 samples (region fft.output)
  decodeTask, // decode: one job of a WAV, FLAC or MP3 decode
] as const satisfies readonly PoolTaskKind[];

/** A message of a registered kind, and its result. */
export type PoolTaskMessage = MessageOf<(typeof POOL_TASKS)[number]>;
export type PoolTaskResult = ResultOf<(typeof POOL_TASKS)[number]>;
