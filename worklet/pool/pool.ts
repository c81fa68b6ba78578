/**
 * The worker pool: 2 to 8 workers running stagebench_dsp.wasm, one task per worker at a time, a
 * FIFO queue, a timeout on every task. What a task does is its kind's (task-kind.ts): the stages
 * register theirs in dsp-stages/pool-tasks.ts and call them through `run` from typed wrappers of
 * their own; the pool only knows `selftest_fault`.
 *
 * Faults: a worker that crashes (an `error` or `exit` event) or hangs past `taskTimeoutMs` is
 * reported as a failed task (`onTaskFailed`, `stats()`), terminated and replaced by a fresh
 * worker, and its task is retried once on the next free worker; a second fault rejects the task
 * with both reasons. A task that throws inside a healthy worker (`task_failed`) is rejected at
 * once (the same input would throw again). `selftest_fault` injects each fault on purpose.
 *
 * Data moves through the shared layout (worklet/pool/layout.ts: the kinds' regions and the
 * staging buffers, `region()`) when SharedArrayBuffer is available, else by messages with
 * transferred ArrayBuffers (`mode`, `modeReason`). Results are identical in both modes.
 *
 * Task messages and replies go by postMessage, or in shared mode (where Atomics.waitAsync exists)
 * through a mailbox per worker (worklet/pool/mailbox.ts): `transport`, `transportReason`. A
 * message the mailbox cannot carry (binary data, too long) still goes by postMessage, and a
 * reply from either way takes the same path through `onMessage` (watchdog, retry, stats).
 */
import {
  MAX_WORKERS,
  STAGING,
  createPoolLayout,
  region,
  setWorkerState,
  type PoolLayout,
  type PoolRegion,
  type RegionSpec,
} from './layout.ts';
import { Mailbox, mailboxSupported } from './mailbox.ts';
import {
  parseFromWorker,
  transferablesOf,
  type FromWorker,
  type TaskKind,
  type TaskMessage,
  type TaskResult,
  type ToWorker,
} from './protocol.ts';
import { FAULTS, selftestFaultTask, type Fault, type SelftestFaultResult } from './selftest.ts';
import type { MessageOf, PoolTaskKind, ResultOf, TaskBody } from './task-kind.ts';
import { POOL_REGIONS, TASK_KINDS } from './tasks.ts';
import type { WorkerLike } from './worker-like.ts';
import { medianOrNull as median } from '../stats.ts';

/** The default pool's floor (half the cores, at least this many); an explicit count may be 1 (a speed-up baseline). */
export const MIN_WORKERS = 2;
export const DEFAULT_TASK_TIMEOUT_MS = 10_000;
export const DEFAULT_START_TIMEOUT_MS = 30_000;
/** A slot whose fresh workers die this many times in a row before saying ready is given up. */
const MAX_START_FAILURES = 3;
const RECENT_TASKS = 256;

export type PoolMode = 'shared' | 'messages';
/** How task messages and replies travel: a shared-memory mailbox per worker, or postMessage. */
export type PoolTransport = 'atomics' | 'postMessage';

export interface PoolOptions {
  /** Workers, default half the cores (2..8); out-of-range values are clamped with a note in `notes`. */
  workers?: number;
  /** Bytes of stagebench_dsp.wasm. */
  wasmBytes: ArrayBuffer | Uint8Array;
  /** Longest a task may run before its worker counts as hung (default 10 s). */
  taskTimeoutMs?: number;
  /** Longest a new worker may take to say ready (default 30 s). */
  startTimeoutMs?: number;
  spawn: () => WorkerLike;
  /** Move data by messages even where SharedArrayBuffer exists. */
  forceMessages?: boolean;
  /** Send tasks by postMessage even where the mailboxes could carry them (shared mode with Atomics.waitAsync). */
  forcePostMessage?: boolean;
  /** Cores of the machine, for the default worker count (default navigator.hardwareConcurrency, else 4). */
  cores?: number;
  /** Sample rate for tasks that name none (default 48000); also given to each worker. */
  sampleRate?: number;
  /** Every task failure as it happens, also those that are retried. */
  onTaskFailed?: (failure: TaskFailure) => void;
}

export interface TaskFailure {
  taskId: number;
  kind: TaskKind;
  worker: number;
  cause: 'crash' | 'hang' | 'throw' | 'shutdown';
  error: string;
  /** True when the task goes back to the queue for its one retry. */
  retrying: boolean;
}

export interface TaskOutcome<R extends TaskResult = TaskResult> {
  taskId: number;
  kind: TaskKind;
  worker: number;
  /** 1, or 2 after a retry. */
  attempts: number;
  /** performance.now() around the handler in the worker, µs. */
  executionTimeUs: number;
  /** Sending the task to the reply's arrival on the main thread, µs. */
  roundTripUs: number;
  /** How the reply came: 'atomics' through the mailbox (the task went that way too), else 'postMessage'. */
  transport: PoolTransport;
  result: R;
}

export interface TaskTime {
  taskId: number;
  kind: TaskKind;
  worker: number;
  executionUs: number;
  roundTripUs: number;
  /** Round trip minus execution: messaging and scheduling cost. */
  overheadUs: number;
  transport: PoolTransport;
}

export interface WorkerStats {
  id: number;
  state: 'starting' | 'idle' | 'busy' | 'dead' | 'stopped';
  taskId: number | null;
  tasksDone: number;
  failures: number;
  restarts: number;
  /** 'atomics' while the current worker has a mailbox (given at its start, dropped if its ready says it does not listen). */
  transport: PoolTransport;
}

export interface PoolStats {
  mode: PoolMode;
  modeReason: string;
  transport: PoolTransport;
  transportReason: string;
  workers: WorkerStats[];
  queued: number;
  running: number;
  tasksDone: number;
  tasksFailed: number;
  retries: number;
  /** The newest task times (up to 256), oldest first. */
  recent: TaskTime[];
  medianExecutionUs: number | null;
  medianRoundTripUs: number | null;
  medianOverheadUs: number | null;
}

interface Pending {
  id: number;
  kind: TaskKind;
  attempt: number;
  /** Builds the message for an attempt (messages mode moves fresh copies each time). */
  build: () => Omit<TaskMessage, 'task_id' | 'attempt'>;
  resolve(outcome: TaskOutcome): void;
  reject(err: Error): void;
  firstError: string | null;
  postedAt: number;
  signal: AbortSignal | null;
}

interface Slot {
  id: number;
  worker: WorkerLike | null;
  /** The current worker's mailbox (closed and dropped with the worker), null for postMessage only. */
  mailbox: Mailbox | null;
  state: WorkerStats['state'];
  current: Pending | null;
  /** performance.now() after which the current task counts as hung (Infinity when idle). */
  deadline: number;
  tasksDone: number;
  failures: number;
  restarts: number;
  startFailures: number;
  lastStartError: string;
  onReady: ((error: string | null) => void) | null;
}

/**
 * The items of a region of the layout, lent to one task (or one user) at a time: `acquire` the
 * index of a free item (waiting in FIFO order when all are taken), `release` it when done.
 */
export class RegionItems {
  private free: number[];
  private waiters: ((i: number) => void)[] = [];
  constructor(
    readonly layout: PoolLayout,
    readonly region: PoolRegion,
  ) {
    this.free = Array.from({ length: region.count }, (_, i) => i);
  }
  acquire(): Promise<number> {
    const i = this.free.shift();
    if (i !== undefined) return Promise.resolve(i);
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  release(i: number): void {
    const next = this.waiters.shift();
    if (next) next(i);
    else this.free.push(i);
  }
  /** Byte offset of item `i` in the layout's buffer (what a task message names). */
  offset(i: number): number {
    return this.region.offset + i * this.region.itemBytes;
  }
  /** Item `i` as bytes. */
  bytes(i: number): Uint8Array {
    return this.region.items[i]!;
  }
  /** The first `n` floats of item `i` (default: the whole item). */
  floats(i: number, n = this.region.itemBytes / 4): Float32Array {
    return new Float32Array(this.layout.buffer, this.offset(i), n);
  }
}

function defaultCores(): number {
  const hc = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return typeof hc === 'number' && hc > 0 ? hc : 4;
}

export class WorkerPool {
  readonly mode: PoolMode;
  readonly modeReason: string;
  readonly transport: PoolTransport;
  readonly transportReason: string;
  /** Notes about the options (a clamped worker count...). */
  readonly notes: string[];
  readonly size: number;
  readonly taskTimeoutMs: number;
  private watchdog: ReturnType<typeof setInterval> | null = null;
  /** The shared layout (shared mode), null in messages mode. */
  readonly layout: PoolLayout | null;
  readonly sampleRate: number;

  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextTaskId = 1;
  private closed = false;
  private readonly wasmBytes: Uint8Array;
  private readonly spawn: () => WorkerLike;
  private readonly startTimeoutMs: number;
  private readonly onTaskFailed: ((f: TaskFailure) => void) | null;
  private readonly recent: TaskTime[] = [];
  private done = 0;
  private failed = 0;
  private retries = 0;
  private readonly regionItems = new Map<string, RegionItems>();
  private mainWasm: Promise<WebAssembly.Module> | null = null;

  private constructor(options: PoolOptions, mode: PoolMode, modeReason: string, size: number, notes: string[]) {
    this.mode = mode;
    this.modeReason = modeReason;
    this.size = size;
    this.notes = notes;
    this.taskTimeoutMs = options.taskTimeoutMs ?? DEFAULT_TASK_TIMEOUT_MS;
    this.startTimeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
    this.spawn = options.spawn;
    this.onTaskFailed = options.onTaskFailed ?? null;
    this.sampleRate = options.sampleRate ?? 48000;
    const bytes = options.wasmBytes;
    // a copy of our own (a Node Buffer's slice() would share its pool)
    this.wasmBytes = new Uint8Array(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes));
    this.layout = mode === 'shared' ? createPoolLayout(POOL_REGIONS) : null;
    if (mode !== 'shared') {
      this.transport = 'postMessage';
      this.transportReason = 'postMessage: messages mode (no SharedArrayBuffer for a mailbox)';
    } else if (options.forcePostMessage) {
      this.transport = 'postMessage';
      this.transportReason = 'postMessage: forced by the forcePostMessage option';
    } else if (!mailboxSupported()) {
      this.transport = 'postMessage';
      this.transportReason = 'postMessage: Atomics.waitAsync unavailable';
    } else {
      this.transport = 'atomics';
      this.transportReason = 'atomics: a SharedArrayBuffer mailbox per worker (Atomics.notify / Atomics.waitAsync)';
    }
  }

  /** Starts the workers and resolves once every one of them is ready. */
  static async create(options: PoolOptions): Promise<WorkerPool> {
    if (!options || typeof options.spawn !== 'function') throw new Error('WorkerPool.create: a spawn function is required');
    const bytes = options.wasmBytes;
    if (!(bytes instanceof ArrayBuffer || bytes instanceof Uint8Array) || bytes.byteLength === 0) {
      throw new Error('WorkerPool.create: wasmBytes are missing or empty (run npm run build:wasm)');
    }
    try {
      await WebAssembly.compile(new Uint8Array(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)));
    } catch (err) {
      throw new Error(`WorkerPool.create: wasm does not compile: ${(err as Error).message}`);
    }
    for (const [name, v] of [
      ['taskTimeoutMs', options.taskTimeoutMs],
      ['startTimeoutMs', options.startTimeoutMs],
    ] as const) {
      if (v !== undefined && !(Number.isFinite(v) && v > 0))
        throw new Error(`WorkerPool.create: ${name} must be a positive number of ms, got ${v}`);
    }
    const notes: string[] = [];
    const cores = options.cores ?? defaultCores();
    let size = options.workers ?? Math.floor(cores / 2);
    if (options.workers !== undefined && !Number.isFinite(options.workers)) {
      throw new Error(`WorkerPool.create: workers must be a number, got ${options.workers}`);
    }
    const wanted = size;
    const floor = options.workers === undefined ? MIN_WORKERS : 1;
    size = Math.min(MAX_WORKERS, Math.max(floor, Math.round(size)));
    if (size !== wanted) {
      notes.push(
        options.workers === undefined
          ? `workers: half of ${cores} cores is ${wanted}, clamped to ${size} (the default pool runs ${MIN_WORKERS} to ${MAX_WORKERS})`
          : `workers: ${wanted} clamped to ${size} (the pool runs 1 to ${MAX_WORKERS})`,
      );
    }
    let mode: PoolMode;
    let reason: string;
    const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
    if (options.forceMessages) {
      mode = 'messages';
      reason = 'messages: forced by the forceMessages option';
    } else if (typeof SharedArrayBuffer !== 'function' || isolated === false) {
      mode = 'messages';
      reason = 'messages: SharedArrayBuffer unavailable (page not cross-origin isolated)';
    } else {
      mode = 'shared';
      reason = isolated === true ? 'shared: SharedArrayBuffer (page cross-origin isolated)' : 'shared: SharedArrayBuffer';
    }
    const pool = new WorkerPool(options, mode, reason, size, notes);
    try {
      await Promise.all(Array.from({ length: size }, (_, id) => pool.startSlot(id)));
    } catch (err) {
      await pool.shutdown();
      throw err;
    }
    return pool;
  }

  // ------------------------------------------------------------------------------------------
  // workers

  private startSlot(id: number): Promise<void> {
    let slot = this.slots[id];
    if (!slot) {
      slot = {
        id,
        worker: null,
        mailbox: null,
        state: 'starting',
        current: null,
        deadline: Infinity,
        tasksDone: 0,
        failures: 0,
        restarts: 0,
        startFailures: 0,
        lastStartError: '',
        onReady: null,
      };
      this.slots[id] = slot;
    }
    return this.spawnInto(slot);
  }

  private spawnInto(slot: Slot): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      slot.state = 'starting';
      if (this.layout) setWorkerState(this.layout, slot.id, 'starting');
      let worker: WorkerLike;
      try {
        worker = this.spawn();
      } catch (err) {
        slot.state = 'dead';
        if (this.layout) setWorkerState(this.layout, slot.id, 'dead');
        reject(new Error(`worker ${slot.id} could not be spawned: ${(err as Error).message}`));
        this.failQueueIfAllDead();
        return;
      }
      slot.worker = worker;
      this.dropMailbox(slot);
      const mailbox = this.transport === 'atomics' ? Mailbox.create(undefined, TASK_KINDS) : null;
      slot.mailbox = mailbox;
      const startTimer = setTimeout(() => {
        if (slot.worker === worker && slot.state === 'starting')
          this.lose(slot, worker, 'hang', `not ready within ${this.startTimeoutMs} ms of starting`);
      }, this.startTimeoutMs);
      slot.onReady = (error) => {
        clearTimeout(startTimer);
        slot.onReady = null;
        if (error) reject(new Error(error));
        else resolve();
      };
      worker.listen({
        message: (data) => {
          if (slot.worker === worker) this.onMessage(slot, data);
        },
        error: (message) => {
          if (slot.worker === worker) this.lose(slot, worker, 'crash', `crashed: ${message}`);
        },
        exit: (code) => {
          if (slot.worker === worker) this.lose(slot, worker, 'crash', `exited with code ${code}`);
        },
      });
      mailbox?.listen(
        'response',
        () => {
          if (slot.worker === worker && slot.mailbox === mailbox) this.fromMailbox(slot, worker, mailbox);
        },
        0,
      );
      const init: ToWorker = {
        type: 'init',
        worker_id: slot.id,
        shared_buffer: this.layout ? this.layout.handles : null,
        wasm_bytes: new Uint8Array(this.wasmBytes).buffer,
        sample_rate: this.sampleRate,
        mailbox: mailbox?.buffer ?? null,
      };
      worker.postMessage(init, [init.wasm_bytes]);
    });
  }

  /** Closes a slot's mailbox (its listener stops: nothing more is read from it). */
  private dropMailbox(slot: Slot): void {
    slot.mailbox?.close();
    slot.mailbox = null;
  }

  private fromMailbox(slot: Slot, worker: WorkerLike, mailbox: Mailbox): void {
    let data: unknown;
    try {
      data = mailbox.take('response');
    } catch (err) {
      this.lose(slot, worker, 'crash', `sent an unreadable mailbox reply: ${(err as Error).message}`);
      return;
    }
    this.onMessage(slot, data, 'atomics');
  }

  /** A reply from a worker, by postMessage or through its mailbox. */
  private onMessage(slot: Slot, data: unknown, via: PoolTransport = 'postMessage'): void {
    let msg: FromWorker;
    try {
      msg = parseFromWorker(data);
    } catch (err) {
      if (slot.worker) this.lose(slot, slot.worker, 'crash', (err as Error).message);
      return;
    }
    if (msg.type === 'ready') {
      if (msg.error) {
        // a worker that cannot start will not start next time either: give the slot up
        slot.state = 'dead';
        if (this.layout) setWorkerState(this.layout, slot.id, 'dead');
        slot.worker?.terminate();
        slot.worker = null;
        this.dropMailbox(slot);
        slot.lastStartError = msg.error;
        slot.onReady?.(msg.error);
        this.failQueueIfAllDead();
        return;
      }
      // a worker that cannot listen on its mailbox gets its tasks by postMessage
      if (msg.mailbox !== true) this.dropMailbox(slot);
      slot.state = 'idle';
      slot.startFailures = 0;
      slot.onReady?.(null);
      this.dispatch();
      return;
    }
    const task = slot.current;
    if (!task || task.id !== msg.task_id) return; // a reply to a task given up on
    slot.deadline = Infinity;
    slot.current = null;
    slot.state = 'idle';
    if (msg.type === 'task_complete') {
      const roundTripUs = (performance.now() - task.postedAt) * 1000;
      const executionUs = msg.execution_time_us;
      slot.tasksDone++;
      this.done++;
      this.recent.push({
        taskId: task.id,
        kind: task.kind,
        worker: slot.id,
        executionUs,
        roundTripUs,
        overheadUs: roundTripUs - executionUs,
        transport: via,
      });
      if (this.recent.length > RECENT_TASKS) this.recent.shift();
      task.resolve({
        taskId: task.id,
        kind: task.kind,
        worker: slot.id,
        attempts: task.attempt + 1,
        executionTimeUs: executionUs,
        roundTripUs,
        transport: via,
        result: msg.result,
      });
    } else {
      slot.failures++;
      this.failed++;
      const error = `task ${task.id} (${task.kind}) failed on worker ${slot.id}: ${msg.error}`;
      this.onTaskFailed?.({ taskId: task.id, kind: task.kind, worker: slot.id, cause: 'throw', error: msg.error, retrying: false });
      task.reject(new Error(task.firstError ? `${error} (after ${task.firstError})` : error));
    }
    this.dispatch();
  }

  /** A worker crashed or hung: report, terminate, replace, and retry its task once. */
  private lose(slot: Slot, worker: WorkerLike, cause: 'crash' | 'hang', reason: string): void {
    if (slot.worker !== worker || this.closed) return;
    slot.deadline = Infinity;
    slot.worker = null;
    this.dropMailbox(slot);
    worker.terminate();
    const wasStarting = slot.state === 'starting';
    slot.state = 'dead';
    if (this.layout) setWorkerState(this.layout, slot.id, 'dead');
    const task = slot.current;
    slot.current = null;
    const message = `worker ${slot.id} ${reason}`;
    if (task) {
      slot.failures++;
      this.failed++;
      const retrying = task.attempt === 0;
      this.onTaskFailed?.({ taskId: task.id, kind: task.kind, worker: slot.id, cause, error: message, retrying });
      if (retrying) {
        this.retries++;
        task.attempt = 1;
        task.firstError = message;
        this.queue.unshift(task);
      } else {
        task.reject(new Error(`task ${task.id} (${task.kind}) failed twice: ${task.firstError}; then ${message}`));
      }
    }
    if (wasStarting) {
      slot.startFailures++;
      slot.lastStartError = message;
      if (slot.startFailures >= MAX_START_FAILURES) {
        slot.onReady?.(`worker ${slot.id} could not start (${slot.startFailures} tries): ${reason}`);
        this.failQueueIfAllDead();
        return;
      }
    }
    slot.restarts++;
    const onReady = slot.onReady;
    this.spawnInto(slot).then(
      () => onReady?.(null),
      (err: Error) => onReady?.(err.message),
    );
  }

  private failQueueIfAllDead(): void {
    if (this.slots.length < this.size || this.slots.some((s) => s.state !== 'dead')) return;
    const why = this.slots.map((s) => s.lastStartError).find((e) => e) ?? 'every worker died';
    for (const task of this.queue.splice(0)) task.reject(new Error(`task ${task.id} (${task.kind}): no pool worker is alive (${why})`));
  }

  private dispatch(): void {
    if (this.closed) return;
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.state !== 'idle' || !slot.worker) continue;
      const task = this.queue.shift()!;
      if (task.signal?.aborted) {
        task.reject(new Error(`task ${task.id} (${task.kind}) aborted`));
        continue;
      }
      let msg: TaskMessage;
      try {
        msg = { ...task.build(), task_id: task.id, attempt: task.attempt } as TaskMessage;
      } catch (err) {
        task.reject(err as Error);
        continue;
      }
      slot.state = 'busy';
      slot.current = task;
      const worker = slot.worker;
      this.startWatchdog();
      task.postedAt = performance.now();
      slot.deadline = task.postedAt + this.taskTimeoutMs;
      if (!slot.mailbox?.post('request', msg)) {
        // a worker polling its mailbox for the next task stops and takes this one from its port
        slot.mailbox?.knock();
        worker.postMessage(msg, transferablesOf(msg));
      }
    }
  }

  /**
   * Queues a task of a registered kind; `build` makes its message (without type, id and attempt)
   * for each attempt, called at dispatch, so that messages mode moves fresh buffers on a retry.
   * Resolves with the outcome, rejects with the worker's error, after a failed retry, on an abort
   * of `signal` before dispatch, or at shutdown.
   */
  run<K extends PoolTaskKind>(
    kind: K,
    build: () => TaskBody<MessageOf<K>>,
    signal: AbortSignal | null = null,
  ): Promise<TaskOutcome<ResultOf<K>>> {
    const type: TaskKind = kind.type;
    if (this.closed) return Promise.reject(new Error(`worker pool is shut down: ${type} refused`));
    if (!TASK_KINDS.some((k) => k.type === type)) {
      return Promise.reject(new Error(`pool: task kind "${type}" is not registered (dsp-stages/pool-tasks.ts)`));
    }
    return new Promise<TaskOutcome<ResultOf<K>>>((resolve, reject) => {
      const task: Pending = {
        id: this.nextTaskId++,
        kind: type,
        attempt: 0,
        build: () => ({ type, ...build() }),
        resolve: resolve as (outcome: TaskOutcome) => void,
        reject,
        firstError: null,
        postedAt: 0,
        signal,
      };
      this.queue.push(task);
      this.dispatch();
      if (this.slots.length === this.size && this.slots.every((s) => s.state === 'dead')) this.failQueueIfAllDead();
    });
  }

  /**
   * The items of a region of the layout (a kind's, by its spec, or the staging buffers, the
   * default), to lend to tasks. Shared mode only: throws in messages mode.
   */
  region(spec: RegionSpec = STAGING): RegionItems {
    if (!this.layout) throw new Error(`pool: region "${spec.name}" needs shared mode (${this.modeReason})`);
    let items = this.regionItems.get(spec.name);
    if (!items) {
      items = new RegionItems(this.layout, region(this.layout, spec));
      this.regionItems.set(spec.name, items);
    }
    return items;
  }

  // ------------------------------------------------------------------------------------------
  // the pool's own task

  /**
   * Fault injection: the worker crashes, hangs or throws on the first `failAttempts` attempts
   * (default 1: the retry succeeds; 2: the task fails for good) and completes afterwards.
   */
  selftestFault(fault: Fault, failAttempts = 1): Promise<TaskOutcome<SelftestFaultResult>> {
    if (!FAULTS.includes(fault)) return Promise.reject(new Error(`selftestFault: unknown fault "${fault}"`));
    return this.run(selftestFaultTask, () => ({ fault, fail_attempts: failAttempts }));
  }

  /** @internal The wasm module compiled once on this thread (planning: WAV probe, resampler sizes). */
  compiledWasm(): Promise<WebAssembly.Module> {
    this.mainWasm ??= WebAssembly.compile(new Uint8Array(this.wasmBytes));
    return this.mainWasm;
  }

  // ------------------------------------------------------------------------------------------

  stats(): PoolStats {
    const recent = this.recent.map((t) => ({ ...t }));
    return {
      mode: this.mode,
      modeReason: this.modeReason,
      transport: this.transport,
      transportReason: this.transportReason,
      workers: this.slots.map((s) => ({
        id: s.id,
        state: s.state,
        taskId: s.current?.id ?? null,
        tasksDone: s.tasksDone,
        failures: s.failures,
        restarts: s.restarts,
        transport: s.mailbox ? 'atomics' : 'postMessage',
      })),
      queued: this.queue.length,
      running: this.slots.filter((s) => s.current).length,
      tasksDone: this.done,
      tasksFailed: this.failed,
      retries: this.retries,
      recent,
      medianExecutionUs: median(recent.map((t) => t.executionUs)),
      medianRoundTripUs: median(recent.map((t) => t.roundTripUs)),
      medianOverheadUs: median(recent.map((t) => t.overheadUs)),
    };
  }

  get isShutDown(): boolean {
    return this.closed;
  }

  /**
   * One watchdog for every task in flight (a timer per task would cost about 10 µs of each task's
   * round trip): every `taskTimeoutMs / 4` (at most 250 ms) it gives up on the tasks past their
   * deadline, so a hang is detected between 1 and 1.25 timeouts after the task was posted.
   */
  private startWatchdog(): void {
    if (this.watchdog !== null) return;
    const period = Math.min(250, Math.max(5, this.taskTimeoutMs / 4));
    this.watchdog = setInterval(() => {
      const now = performance.now();
      for (const slot of this.slots) {
        const task = slot.current;
        const worker = slot.worker;
        if (task && worker && now > slot.deadline) {
          this.lose(slot, worker, 'hang', `hung: no reply to task ${task.id} (${task.kind}) within ${this.taskTimeoutMs} ms`);
        }
      }
    }, period);
    // never keeps a Node process alive on its own
    (this.watchdog as { unref?: () => void }).unref?.();
  }

  /** Terminates every worker and rejects every pending task with a clear message. Idempotent. */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.watchdog !== null) clearInterval(this.watchdog);
    this.watchdog = null;
    const pending: Pending[] = [...this.queue.splice(0)];
    for (const slot of this.slots) {
      slot.deadline = Infinity;
      if (slot.current) pending.push(slot.current);
      slot.current = null;
      const worker = slot.worker;
      slot.worker = null;
      this.dropMailbox(slot);
      slot.state = 'stopped';
      if (this.layout) setWorkerState(this.layout, slot.id, 'stopped');
      if (worker) {
        try {
          worker.postMessage({ type: 'shutdown' } satisfies ToWorker);
        } catch {
          // the worker is going away anyway
        }
        worker.terminate();
      }
      slot.onReady?.('worker pool shut down while the worker was starting');
    }
    for (const task of pending) {
      this.onTaskFailed?.({ taskId: task.id, kind: task.kind, worker: -1, cause: 'shutdown', error: 'pool shut down', retrying: false });
      task.reject(new Error(`worker pool shut down: task ${task.id} (${task.kind}) cancelled`));
    }
  }
}
