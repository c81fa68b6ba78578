/**
 * The page's worker pool: one at a time, owned by the runtime, with the worker count asked for
 * last. Asking for another count shuts the running pool down first; a pool that failed to start is
 * started again on the next request.
 */
import { WorkerPool } from './pool/pool.ts';
import { spawnBrowserWorker } from './pool/browser.ts';

/** What a new pool is started with: its own copy of the wasm bytes, and the context's rate. */
export interface PagePoolStart {
  wasmBytes: Uint8Array;
  sampleRate: number;
}

export class PagePool {
  private promise: Promise<WorkerPool> | null = null;
  private workers = -1;
  private running = 0;

  /** `prepare` is called before each start (after the previous pool is down); it throws when no pool can start. */
  constructor(private readonly prepare: () => Promise<PagePoolStart>) {}

  /** Workers of the running pool (0 when there is none). */
  get size(): number {
    return this.running;
  }

  /** The pool with `workers` workers (0: the pool's default, half the cores, at least 2). */
  async get(workers = 0): Promise<WorkerPool> {
    if (this.promise && this.workers === workers) {
      try {
        return await this.promise;
      } catch {
        // a failed start is retried below
      }
    }
    const previous = this.promise;
    this.promise = null;
    this.running = 0;
    if (previous)
      await previous.then(
        (p) => p.shutdown(),
        () => undefined,
      );
    const { wasmBytes, sampleRate } = await this.prepare();
    this.workers = workers;
    this.promise = WorkerPool.create({
      wasmBytes,
      spawn: spawnBrowserWorker,
      sampleRate,
      ...(workers > 0 ? { workers } : {}),
    });
    const created = this.promise;
    created.then(
      (p) => {
        if (this.promise === created) this.running = p.size;
      },
      () => undefined,
    );
    return created;
  }

  /** Shuts the pool down (no worker left). */
  async close(): Promise<void> {
    const p = this.promise;
    this.promise = null;
    this.workers = -1;
    this.running = 0;
    if (p)
      await p.then(
        (pool) => pool.shutdown(),
        () => undefined,
      );
  }
}
