/**
 * What a task kind is to the pool: its message type, the shared regions it needs, an optional
 * compact mailbox form, and the handler a worker runs. Stages declare their kinds next to their
 * code (`defineTaskKind`) and list them in dsp-stages/pool-tasks.ts; the pool, its workers and
 * the mailboxes treat every kind alike.
 */
import type { StagebenchWasm } from '../abi.ts';
import type { PoolLayout, RegionSpec } from './layout.ts';

/** Fields of every task message: `task_id` (unique per pool; a retry keeps it) and `attempt` (0, then 1 for the retry). */
export interface TaskHeader {
  task_id: number;
  attempt: number;
}

/** A task message: a `type` (the kind), the header, and the kind's own fields. */
export interface TaskMessageOf<T extends string = string> extends TaskHeader {
  type: T;
}

/** A task's result: tagged with a `kind` of its own (not necessarily the message type). */
export interface TaskResultOf<K extends string = string> {
  kind: K;
}

/** What a kind's handler gets from the worker it runs in. */
export interface WorkerContext {
  readonly workerId: number;
  /** The pool's sample rate (the `sampleRate` option). */
  readonly sampleRate: number;
  /** The shared layout, or null in messages mode. */
  readonly layout: PoolLayout | null;
  /** The layout, or an Error saying that `what` came in shared mode to a worker without one. */
  needLayout(what: string): PoolLayout;
  /** A fresh instance of stagebench_dsp.wasm (its own memory and runtime), with a 4096-sample input ring. */
  instance(): StagebenchWasm;
}

/**
 * The words a compact mailbox message leaves to its kind: a task gets 3 Int32 words and one f64,
 * a result 2 Int32 words (the mailbox keeps the type, ids, attempt and execution time itself).
 */
export interface CompactWords {
  readonly i32: Int32Array;
  readonly f64: Float64Array;
}

/**
 * A binary form of a kind's hottest shapes in the mailbox (worklet/pool/mailbox.ts), skipping
 * JSON. `write*` returns false (nothing needed undone) for a shape it does not cover, which then
 * goes as JSON; `read*` rebuilds exactly what was written.
 */
export interface CompactCodec<M extends TaskMessageOf, R extends TaskResultOf> {
  writeTask?(msg: M, w: CompactWords): boolean;
  readTask?(w: CompactWords): Omit<M, 'type' | 'task_id' | 'attempt'>;
  writeResult?(result: R, w: CompactWords): boolean;
  readResult?(w: CompactWords): R;
}

export interface PoolTaskKind<M extends TaskMessageOf = TaskMessageOf, R extends TaskResultOf = TaskResultOf> {
  /** The message type, unique in the registry. */
  readonly type: M['type'];
  /** Regions the kind needs in the shared layout (laid out in registry order, before the pool's staging buffers). */
  readonly regions?: readonly RegionSpec[];
  readonly compact?: CompactCodec<M, R>;
  /** Awaited by each worker before it says ready (loading what the handler imports lazily). */
  load?(): Promise<void>;
  /**
   * Runs one task in a worker. Throwing fails the task (`task_failed`, no retry). A synchronous
   * result is answered without a detour through the microtask queue. ArrayBuffers in the result
   * are moved with the reply; SharedArrayBuffers stay shared.
   */
  run(ctx: WorkerContext, msg: M): R | Promise<R>;
}

/** The message and result types of a kind. */
export type MessageOf<K> = K extends PoolTaskKind<infer M, TaskResultOf> ? M : never;
export type ResultOf<K> = K extends PoolTaskKind<TaskMessageOf, infer R> ? R : never;
/** What a kind's main-side code builds for an attempt: the message without type, id and attempt. */
export type TaskBody<M extends TaskMessageOf> = Omit<M, 'type' | 'task_id' | 'attempt'>;

/** Declares a kind (an identity that fixes its types). */
export function defineTaskKind<M extends TaskMessageOf, R extends TaskResultOf>(kind: PoolTaskKind<M, R>): PoolTaskKind<M, R> {
  return kind;
}
