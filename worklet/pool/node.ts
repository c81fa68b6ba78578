/**
 * Node side of the pool: worker threads running worklet/pool/worker.ts through tsx (for the CLI,
 * the benchmarks and the unit tests), and the wasm bytes from rust/pkg/.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { WorkerLike } from './worker-like.ts';
import { WorkerPool, type PoolOptions } from './pool.ts';
import { errorMessage } from '../errors.ts';

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
      worker.on('error', (err) => h.error(errorMessage(err)));
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

/** One pool of two Node worker threads in each transport, for the tests that run a task every way. */
export interface PoolsInEachMode {
  /** Shared mode, tasks through the mailboxes. */
  pool: WorkerPool;
  /** Shared mode, tasks by postMessage. */
  posted: WorkerPool;
  /** Messages mode (as without SharedArrayBuffer). */
  messages: WorkerPool;
  shutdown(): Promise<void>;
}

/** Creates the three pools at once; `shared` adds options to the first (its spawn, timeouts, failure hook). */
export async function poolsInEachMode(wasmBytes: PoolOptions['wasmBytes'], shared: Partial<PoolOptions> = {}): Promise<PoolsInEachMode> {
  const [pool, posted, messages] = await Promise.all([
    WorkerPool.create({ workers: 2, wasmBytes, spawn: spawnNodeWorker, ...shared }),
    WorkerPool.create({ workers: 2, wasmBytes, spawn: spawnNodeWorker, forcePostMessage: true }),
    WorkerPool.create({ workers: 2, wasmBytes, spawn: spawnNodeWorker, forceMessages: true }),
  ]);
  return {
    pool,
    posted,
    messages,
    shutdown: async () => {
      await Promise.all([pool.shutdown(), posted.shutdown(), messages.shutdown()]);
    },
  };
}
