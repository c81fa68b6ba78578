/**
 * A pool worker: runs in a Web Worker (`self`) and in a Node worker thread (`parentPort`), one
 * task at a time (the pool never sends a second before the first is answered).
 *
 * It runs the task kinds of the build (worklet/pool/tasks.ts: `selftest_fault` and the registry,
 * dsp-stages/pool-tasks.ts): each message goes to its kind's `run` with the worker's context
 * (task-kind.ts: the layout, the pool's sample rate, fresh wasm instances of the one compiled
 * module). Kinds keep what they need across tasks (a wasm instance with its plans and buffers,
 * scratch memory grown to the largest task seen).
 *
 * Tasks arrive by postMessage or, when `init` hands over a mailbox (shared mode), through it: an
 * `Atomics.waitAsync` on its request word (postMessage keeps working alongside). A task from the
 * mailbox is answered there when the reply is plain data that fits, else by postMessage.
 */
import { StagebenchWasm } from '../abi.ts';
import { Mailbox, mailboxSupported } from './mailbox.ts';
import { parsePoolLayout, setWorkerState, type PoolLayout } from './layout.ts';
import { parseToWorker, resultTransferables, type FromWorker, type InitMessage, type TaskMessage, type TaskResult } from './protocol.ts';
import type { PoolTaskKind, WorkerContext } from './task-kind.ts';
import { POOL_REGIONS, TASK_KINDS, TASK_TYPES } from './tasks.ts';

interface Port {
  post(msg: FromWorker, transfer: ArrayBuffer[]): void;
  listen(handler: (data: unknown) => void): void;
  close(): void;
}

/**
 * How long a worker polls its mailbox for the next task after answering one, µs: tasks come back
 * to back (a decode's chunks, FFT frames), and one found by polling costs no wake-up of this
 * thread's core.
 */
const MAILBOX_SPIN_US = 200;

const KINDS: ReadonlyMap<string, PoolTaskKind> = new Map(TASK_KINDS.map((k) => [k.type, k]));

class PoolWorker implements WorkerContext {
  private id = -1;
  private shared: PoolLayout | null = null;
  private module: WebAssembly.Module | null = null;
  private mailbox: Mailbox | null = null;
  private rate = 48000;
  /** Tasks started and not yet answered (an async kind answers after the handler returned). */
  private pending = 0;

  constructor(private readonly port: Port) {}

  get workerId(): number {
    return this.id;
  }

  get sampleRate(): number {
    return this.rate;
  }

  get layout(): PoolLayout | null {
    return this.shared;
  }

  needLayout(what: string): PoolLayout {
    if (!this.shared) throw new Error(`${what}: shared mode, but this worker has no shared buffer`);
    return this.shared;
  }

  /** A fresh instance of the module (its own memory and runtime), with a 4096-sample input ring. */
  instance(): StagebenchWasm {
    if (!this.module) throw new Error('pool worker: init was not received');
    const wasm = new StagebenchWasm(new WebAssembly.Instance(this.module, {}));
    wasm.init(4096);
    return wasm;
  }

  /** A message by postMessage (`via` 'port') or a task read from the mailbox. */
  handle(data: unknown, via: 'port' | 'mailbox' = 'port'): void {
    let msg;
    try {
      msg = parseToWorker(data, TASK_TYPES);
    } catch (err) {
      const id = (data as { task_id?: unknown } | null)?.task_id;
      if (typeof id === 'number' && Number.isInteger(id)) {
        this.port.post({ type: 'task_failed', task_id: id, worker_id: this.id, error: (err as Error).message }, []);
      } else {
        // nothing to answer to: the console says it (a task without an id cannot be waited for)
        console.error((err as Error).message);
      }
      return;
    }
    if (msg.type === 'init') {
      void this.init(msg as InitMessage);
      return;
    }
    if (msg.type === 'shutdown') {
      if (this.shared && this.id >= 0) setWorkerState(this.shared, this.id, 'stopped');
      this.mailbox?.close();
      this.mailbox = null;
      this.port.close();
      return;
    }
    void this.run(msg as TaskMessage, via);
  }

  private fromMailbox(mailbox: Mailbox): void {
    let data: unknown;
    try {
      data = mailbox.take('request');
    } catch (err) {
      console.error(`pool worker ${this.id}: unreadable mailbox message: ${(err as Error).message}`);
      return;
    }
    this.handle(data, 'mailbox');
  }

  private async init(msg: InitMessage): Promise<void> {
    let error: string | null = null;
    try {
      this.id = msg.worker_id;
      if (Number.isFinite(msg.sample_rate) && msg.sample_rate > 0) this.rate = msg.sample_rate;
      this.module = new WebAssembly.Module(msg.wasm_bytes);
      // what the kinds import lazily, loaded before the worker says ready
      await Promise.all(TASK_KINDS.map((k) => k.load?.()));
      if (msg.shared_buffer) {
        this.shared = parsePoolLayout(msg.shared_buffer, POOL_REGIONS);
        setWorkerState(this.shared, this.id, 'idle');
      }
      if (msg.mailbox && mailboxSupported()) {
        const mailbox = new Mailbox(msg.mailbox, TASK_KINDS);
        mailbox.listen(
          'request',
          () => this.fromMailbox(mailbox),
          0,
          () => (this.pending === 0 ? MAILBOX_SPIN_US : 0),
        );
        this.mailbox = mailbox;
      }
    } catch (err) {
      error = `worker ${msg.worker_id} could not start: ${(err as Error).message}`;
    }
    this.port.post({ type: 'ready', worker_id: msg.worker_id, error, mailbox: this.mailbox !== null }, []);
  }

  private async run(msg: TaskMessage, via: 'port' | 'mailbox'): Promise<void> {
    this.pending++;
    if (this.shared) setWorkerState(this.shared, this.id, 'busy', msg.task_id);
    const t0 = performance.now();
    let reply: FromWorker;
    try {
      // synchronous handlers reply without a detour through the microtask queue
      const pending = KINDS.get(msg.type)!.run(this, msg);
      const result: TaskResult = pending instanceof Promise ? await pending : pending;
      const execution_time_us = (performance.now() - t0) * 1000;
      reply = { type: 'task_complete', task_id: msg.task_id, worker_id: this.id, execution_time_us, result };
    } catch (err) {
      reply = { type: 'task_failed', task_id: msg.task_id, worker_id: this.id, error: (err as Error).message ?? String(err) };
    }
    // with the reply (a synchronous kind's goes out before the mailbox handler returns)
    this.pending--;
    if (this.shared) setWorkerState(this.shared, this.id, 'idle');
    const transfer = reply.type === 'task_complete' ? resultTransferables(reply.result) : [];
    if (via === 'mailbox' && transfer.length === 0 && this.mailbox?.post('response', reply)) return;
    this.port.post(reply, transfer);
  }
}

/** Module names kept in variables so that bundlers leave these Node-only imports alone. */
const NODE_WORKER_THREADS = 'node:worker_threads';

async function connect(): Promise<Port> {
  if (typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== 'undefined') {
    const scope = globalThis as unknown as {
      postMessage(m: unknown, t: Transferable[]): void;
      onmessage: ((e: MessageEvent) => void) | null;
      close(): void;
    };
    return {
      post: (m, t) => scope.postMessage(m, t),
      listen: (handler) => {
        scope.onmessage = (e: MessageEvent) => handler(e.data);
      },
      close: () => scope.close(),
    };
  }
  const wt = (await import(/* @vite-ignore */ NODE_WORKER_THREADS)) as typeof import('node:worker_threads');
  const parent = wt.parentPort;
  if (!parent) throw new Error('pool worker: not started as a worker (no parentPort)');
  return {
    post: (m, t) => parent.postMessage(m, t),
    listen: (handler) => {
      parent.on('message', handler);
    },
    close: () => parent.close(),
  };
}

void connect().then((port) => {
  const worker = new PoolWorker(port);
  port.listen((data) => worker.handle(data));
});
