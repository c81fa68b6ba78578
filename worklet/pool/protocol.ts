/**
 * Typed messages between the main thread and the pool workers:
 *
 *   main -> worker   init, <task kinds>, shutdown
 *   worker -> main   ready, task_complete, task_failed
 *
 * The task kinds are the pool's own `selftest_fault` (selftest.ts) and those of the registry
 * (dsp-stages/pool-tasks.ts); each kind defines its message and result (task-kind.ts). Every task
 * message carries a `type`, a `task_id` (unique per pool; a retry keeps its task's id) and the
 * `attempt` (0 first, 1 the retry). Data travels one of two ways, as each kind's message says:
 *
 * - `shared`: byte offsets into the pool layout's buffer (worklet/pool/layout.ts) or
 *   SharedArrayBuffers the message names; nothing is copied by postMessage.
 * - `messages`: ArrayBuffers moved with the message (transferred, not copied) and results moved
 *   back in `task_complete`. Used when SharedArrayBuffer is unavailable (the page is not
 *   cross-origin isolated) or the pool was created with `forceMessages`.
 *
 * Every ArrayBuffer in a task message or a result is moved (`transferablesOf`); a kind that
 * needs its buffer afterwards sends a copy.
 *
 * Task messages and replies travel by postMessage, or in shared mode through the worker's mailbox
 * (worklet/pool/mailbox.ts: JSON or a kind's compact form in a SharedArrayBuffer, signalled with
 * Atomics) when they are plain data that fits it.
 */
import type { PoolLayoutHandles } from './layout.ts';
import type { TaskMessageOf, TaskResultOf } from './task-kind.ts';

export type { TaskHeader } from './task-kind.ts';
export type { Fault } from './selftest.ts';

export interface InitMessage {
  type: 'init';
  worker_id: number;
  /** The pool layout (main buffer + ring buffers), or null in messages mode. */
  shared_buffer: PoolLayoutHandles | null;
  /** Bytes of stagebench_dsp.wasm (a copy per worker). */
  wasm_bytes: ArrayBuffer;
  sample_rate: number;
  /**
   * The worker's mailbox (worklet/pool/mailbox.ts), shared mode with Atomics.waitAsync: tasks
   * may then arrive there, and plain-data replies to them go back the same way.
   */
  mailbox?: SharedArrayBuffer | null;
}

/** A task message of any kind. */
export type TaskMessage = TaskMessageOf;
/** A task kind's name: its message type. */
export type TaskKind = string;
export type TaskResult = TaskResultOf;

export interface ShutdownMessage {
  type: 'shutdown';
}

export type ToWorker = InitMessage | TaskMessage | ShutdownMessage;

export interface ReadyMessage {
  type: 'ready';
  worker_id: number;
  /** Set when the worker could not start (the wasm did not instantiate, a layout mismatch...). */
  error: string | null;
  /** True when the worker listens on the mailbox given in `init`. */
  mailbox?: boolean;
}

export interface TaskCompleteMessage<R extends TaskResult = TaskResult> {
  type: 'task_complete';
  task_id: number;
  worker_id: number;
  /** performance.now() around the task's handler in the worker, µs. */
  execution_time_us: number;
  result: R;
}

export interface TaskFailedMessage {
  type: 'task_failed';
  task_id: number;
  worker_id: number;
  error: string;
}

export type FromWorker = ReadyMessage | TaskCompleteMessage | TaskFailedMessage;

const FROM_TYPES: ReadonlySet<string> = new Set(['ready', 'task_complete', 'task_failed']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/**
 * Checks a message a worker received, `taskTypes` being the kinds it runs; throws an Error naming
 * what is wrong.
 */
export function parseToWorker(data: unknown, taskTypes: ReadonlySet<string>): ToWorker {
  if (!isObject(data) || typeof data.type !== 'string') throw new Error('pool worker: message without a type');
  if (data.type === 'init') {
    if (!Number.isInteger(data.worker_id)) throw new Error('pool worker: init without an integer worker_id');
    if (!(data.wasm_bytes instanceof ArrayBuffer)) throw new Error('pool worker: init without wasm_bytes');
    return data as unknown as InitMessage;
  }
  if (data.type === 'shutdown') return data as unknown as ShutdownMessage;
  if (!taskTypes.has(data.type)) throw new Error(`pool worker: unknown message type "${data.type}"`);
  if (!Number.isInteger(data.task_id) || (data.task_id as number) <= 0) {
    throw new Error(`pool worker: ${data.type} without a positive integer task_id`);
  }
  if (!Number.isInteger(data.attempt)) throw new Error(`pool worker: ${data.type} without an attempt number`);
  return data as unknown as TaskMessage;
}

/** Checks a message the main thread received from a worker; throws an Error naming what is wrong. */
export function parseFromWorker(data: unknown): FromWorker {
  if (!isObject(data) || typeof data.type !== 'string' || !FROM_TYPES.has(data.type)) {
    throw new Error(`pool: unexpected message from a worker: ${JSON.stringify(data)?.slice(0, 80)}`);
  }
  if (!Number.isInteger(data.worker_id)) throw new Error(`pool: ${data.type} without a worker_id`);
  if (data.type !== 'ready' && !Number.isInteger(data.task_id)) throw new Error(`pool: ${data.type} without a task_id`);
  return data as unknown as FromWorker;
}

/** Every ArrayBuffer in plain objects and arrays, once each (a SharedArrayBuffer is not one). */
function collect(value: unknown, into: ArrayBuffer[]): void {
  if (typeof value !== 'object' || value === null) return;
  if (value instanceof ArrayBuffer) {
    if (!into.includes(value)) into.push(value);
    return;
  }
  if (ArrayBuffer.isView(value)) return;
  if (Array.isArray(value)) {
    for (const v of value) collect(v, into);
    return;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return;
  for (const key in value) collect((value as Record<string, unknown>)[key], into);
}

/** Transferables of a task message: its ArrayBuffers (messages mode moves them instead of copying). */
export function transferablesOf(msg: TaskMessage): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  collect(msg, out);
  return out;
}

/** Transferables of a result: its ArrayBuffers. */
export function resultTransferables(result: TaskResult): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  collect(result, out);
  return out;
}
