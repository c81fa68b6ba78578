/**
 * Node side of the pool: worker threads running worklet/pool/worker.ts through tsx (for the CLI,
 * the benchmarks and the unit tests), and the wasm bytes from rust/pkg/.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { WorkerLike } from './worker-like.ts';

const WORKER_URL = new URL('./node-worker.mjs', import.meta.url);

/** Spawns one pool worker thread (`execArgv: ['--import', 'tsx']` lets it load the .ts module). */
export function spawnNodeWorker(): WorkerLike {
  const worker = new Worker(WORKER_URL);
  let exited = false;
  return {
    postMessage: (message, transfer) => worker.postMessage(message, (transfer ?? []) as ArrayBuffer[]),
    terminate: () => {
      if (!exited) void worker.terminate();
    },
    listen: (h) => {
      worker.on('message', (data) => h.message(data));
      worker.on('error', (err) => h.error(err instanceof Error ? err.message : String(err)));
      worker.on('messageerror', () => h.error('a message from the worker could not be deserialised'));
      worker.on('exit', (code) => {
        exited = true;
        h.exit(code);
      });
    },
  };
}

/** Cores Node sees (the pool's default is half of them, 2 to 8). */
export function nodeCores(): number {
  return availableParallelism();
}
