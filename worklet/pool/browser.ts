/**
 * Browser side of the pool: module Web Workers bundled by Vite (the same `?worker&url` import
 * that bundles the AudioWorklet processor for `storybook dev` and `build-storybook`).
 */
import workerUrl from './worker.ts?worker&url';
import { fromWebWorker, type WorkerLike } from './worker-like.ts';

export function spawnBrowserWorker(): WorkerLike {
  return fromWebWorker(new Worker(workerUrl, { type: 'module', name: 'stagebench-pool' }));
}
