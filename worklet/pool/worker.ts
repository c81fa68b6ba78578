/**
 * A pool worker: runs in a Web Worker (`self`) and in a Node worker thread (`parentPort`), one
 * task at a time (the pool never sends a second before the first is answered).
 *
 * Each task family has its own instance of stagebench_dsp.wasm (one compiled module): FFT and EQ
 * are stages of the runtime and `<stage>_create` makes one active, so separate instances keep
 * their plans and buffers across tasks; the decode instance holds the WAV and resampler state.
 * Scratch buffers in wasm memory grow to the largest task seen and are kept.
 *
 * Tasks arrive by postMessage or, when `init` hands over a mailbox (shared mode), through it: an
 * `Atomics.waitAsync` on its request word (postMessage keeps working alongside). A task from the
 * mailbox is answered there when the reply is plain data that fits, else by postMessage.
 */
import { StagebenchWasm, statusMessage } from '../abi.ts';
import { Mailbox, mailboxSupported } from './mailbox.ts';
import { parsePoolLayout, readEqBands, setWorkerState, type EqBandSetting, type PoolLayout } from './layout.ts';
import {
  parseToWorker,
  resultTransferables,
  type ComputeFftMessage,
  type FromWorker,
  type InitMessage,
  type ProcessAudioMessage,
  type SelftestFaultMessage,
  type TaskMessage,
  type TaskResult,
} from './protocol.ts';
import { runDecodeJob, type DecodeContext } from './worker-decode.ts';
import { bindEq } from '../../dsp-stages/eq/bindings.ts';
import { bindFft } from '../../dsp-stages/fft/bindings.ts';
import { WINDOW_IDS } from '../../dsp-stages/fft/params.ts';

interface Port {
  post(msg: FromWorker, transfer: ArrayBuffer[]): void;
  listen(handler: (data: unknown) => void): void;
  close(): void;
}

/** A growable f32 buffer in one wasm instance (scratch_alloc / scratch_free). */
export class Scratch {
  private ptr = 0;
  private floats = 0;
  constructor(private readonly wasm: StagebenchWasm) {}

  /** A pointer to at least `n` floats (contents undefined after a grow). */
  ensure(n: number): number {
    if (n > this.floats) {
      if (this.ptr !== 0) this.wasm.exports.scratch_free(this.ptr, this.floats);
      const floats = Math.max(n, 1024);
      this.ptr = this.wasm.exports.scratch_alloc(floats);
      if (this.ptr === 0) throw new Error(`scratch_alloc(${floats}) failed`);
      this.floats = floats;
    }
    return this.ptr;
  }
}

interface FftState {
  wasm: StagebenchWasm;
  size: number;
  input: Scratch;
  output: Scratch;
}

interface EqState {
  wasm: StagebenchWasm;
  sampleRate: number;
  buffer: Scratch;
}

/** Frames per eq_process_buffer piece (its max_frames). */
const EQ_MAX_FRAMES = 1024;

class PoolWorker {
  private id = -1;
  private layout: PoolLayout | null = null;
  private module: WebAssembly.Module | null = null;
  private fft: FftState | null = null;
  private eq: EqState | null = null;
  private mailbox: Mailbox | null = null;
  readonly decode: DecodeContext;

  constructor(private readonly port: Port) {
    this.decode = {
      layout: () => this.layout,
      instance: () => this.instance(),
    };
  }

  /** A fresh instance of the module (its own memory and runtime), with a 4096-sample input ring. */
  private instance(): StagebenchWasm {
    if (!this.module) throw new Error('pool worker: init was not received');
    const wasm = new StagebenchWasm(new WebAssembly.Instance(this.module, {}));
    wasm.init(4096);
    return wasm;
  }

  /** A message by postMessage (`via` 'port') or a task read from the mailbox. */
  handle(data: unknown, via: 'port' | 'mailbox' = 'port'): void {
    let msg;
    try {
      msg = parseToWorker(data);
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
      this.init(msg);
      return;
    }
    if (msg.type === 'shutdown') {
      if (this.layout && this.id >= 0) setWorkerState(this.layout, this.id, 'stopped');
      this.mailbox?.close();
      this.mailbox = null;
      this.port.close();
      return;
    }
    void this.run(msg, via);
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

  private init(msg: InitMessage): void {
    let error: string | null = null;
    try {
      this.id = msg.worker_id;
      this.module = new WebAssembly.Module(msg.wasm_bytes);
      if (msg.shared_buffer) {
        this.layout = parsePoolLayout(msg.shared_buffer);
        setWorkerState(this.layout, this.id, 'idle');
      }
      if (msg.mailbox && mailboxSupported()) {
        const mailbox = new Mailbox(msg.mailbox);
        mailbox.listen('request', () => this.fromMailbox(mailbox), 0);
        this.mailbox = mailbox;
      }
    } catch (err) {
      error = `worker ${msg.worker_id} could not start: ${(err as Error).message}`;
    }
    this.port.post({ type: 'ready', worker_id: msg.worker_id, error, mailbox: this.mailbox !== null }, []);
  }

  private async run(msg: TaskMessage, via: 'port' | 'mailbox'): Promise<void> {
    if (this.layout) setWorkerState(this.layout, this.id, 'busy', msg.task_id);
    const t0 = performance.now();
    let reply: FromWorker;
    try {
      // synchronous handlers (FFT, EQ) reply without a detour through the microtask queue
      const pending = this.execute(msg);
      const result = pending instanceof Promise ? await pending : pending;
      const execution_time_us = (performance.now() - t0) * 1000;
      reply = { type: 'task_complete', task_id: msg.task_id, worker_id: this.id, execution_time_us, result };
    } catch (err) {
      reply = { type: 'task_failed', task_id: msg.task_id, worker_id: this.id, error: (err as Error).message ?? String(err) };
    }
    if (this.layout) setWorkerState(this.layout, this.id, 'idle');
    const transfer = reply.type === 'task_complete' ? resultTransferables(reply.result) : [];
    if (via === 'mailbox' && transfer.length === 0 && this.mailbox?.post('response', reply)) return;
    this.port.post(reply, transfer);
  }

  private execute(msg: TaskMessage): TaskResult | Promise<TaskResult> {
    switch (msg.type) {
      case 'process_audio':
        return this.processAudio(msg);
      case 'compute_fft':
        return this.computeFft(msg);
      case 'decode':
        return runDecodeJob(this.decode, msg.job);
      case 'selftest_fault':
        return this.fault(msg);
    }
  }

  private needLayout(what: string): PoolLayout {
    if (!this.layout) throw new Error(`${what}: shared mode, but this worker has no shared buffer`);
    return this.layout;
  }

  private processAudio(msg: ProcessAudioMessage): TaskResult {
    const n = msg.num_samples;
    if (!Number.isInteger(n) || n < 0) throw new Error(`process_audio: num_samples ${n} is not a count`);
    if (!(msg.sample_rate > 0)) throw new Error(`process_audio: sample rate ${msg.sample_rate} is not positive`);
    const bands: EqBandSetting[] = msg.bands ?? readEqBands(this.needLayout('process_audio'));
    if (!this.eq || this.eq.sampleRate !== msg.sample_rate) {
      const wasm = this.eq?.wasm ?? this.instance();
      const status = bindEq(wasm).eq_create(msg.sample_rate, EQ_MAX_FRAMES);
      if (status !== 0) throw new Error(`eq_create(${msg.sample_rate}): ${statusMessage(status)}`);
      this.eq = { wasm, sampleRate: msg.sample_rate, buffer: this.eq?.buffer ?? new Scratch(wasm) };
    }
    const { wasm } = this.eq;
    const x = bindEq(wasm);
    for (let b = 0; b < 8; b++) {
      const band = bands[b];
      const status = band
        ? x.eq_set_band(b, band.kind, band.freqHz, band.gainDb, band.q)
        : x.eq_set_band(b, 0, 1000, 0, 1);
      if (status !== 0) throw new Error(`eq_set_band(${b}): ${statusMessage(status)}`);
    }
    // every block from a cleared state with the bands at their targets: the result does not
    // depend on which worker ran the previous block
    x.eq_reset();
    const ptr = this.eq.buffer.ensure(n);
    const io = wasm.f32(ptr, n);
    let input: Float32Array;
    if (msg.data.mode === 'shared') {
      const layout = this.needLayout('process_audio');
      input = new Float32Array(layout.buffer, msg.data.input_offset, n);
    } else {
      input = new Float32Array(msg.data.input, 0, n);
    }
    io.set(input);
    const status = x.eq_process_buffer(ptr, ptr, n);
    if (status !== 0) throw new Error(`eq_process_buffer: ${statusMessage(status)}`);
    const out = wasm.f32(ptr, n);
    if (msg.data.mode === 'shared') {
      new Float32Array(this.needLayout('process_audio').buffer, msg.data.output_offset, n).set(out);
      return { kind: 'process_audio', output: null };
    }
    return { kind: 'process_audio', output: out.slice().buffer };
  }

  private computeFft(msg: ComputeFftMessage): TaskResult {
    const size = msg.fft_size;
    if (![512, 1024, 2048, 4096].includes(size)) throw new Error(`compute_fft: size ${size} is not one of 512, 1024, 2048, 4096`);
    if (!this.fft) {
      const wasm = this.instance();
      this.fft = { wasm, size: 0, input: new Scratch(wasm), output: new Scratch(wasm) };
    }
    const fft = this.fft;
    const fx = bindFft(fft.wasm);
    if (fft.size !== size) {
      const status = fx.fft_create(size, WINDOW_IDS.rect, 0);
      if (status !== 0) throw new Error(`fft_create(${size}): ${statusMessage(status)}`);
      fft.size = size;
    }
    const inPtr = fft.input.ensure(size);
    const outPtr = fft.output.ensure(size + 2);
    const audio = msg.data.mode === 'shared'
      ? new Float32Array(this.needLayout('compute_fft').buffer, msg.data.audio_offset, size)
      : new Float32Array(msg.data.audio, 0, size);
    fft.wasm.f32(inPtr, size).set(audio);
    const status = fx.fft_transform(inPtr, outPtr);
    if (status !== 0) throw new Error(`fft_transform: ${statusMessage(status)}`);
    const spectrum = fft.wasm.f32(outPtr, size + 2);
    if (msg.data.mode === 'shared') {
      new Float32Array(this.needLayout('compute_fft').buffer, msg.data.output_offset, size + 2).set(spectrum);
      return { kind: 'compute_fft', bins: size / 2 + 1, spectrum: null };
    }
    return { kind: 'compute_fft', bins: size / 2 + 1, spectrum: spectrum.slice().buffer };
  }

  private fault(msg: SelftestFaultMessage): TaskResult {
    if (msg.attempt >= msg.fail_attempts) return { kind: 'selftest_fault', attempt: msg.attempt };
    switch (msg.fault) {
      case 'throw':
        throw new Error(`selftest_fault: thrown on attempt ${msg.attempt}`);
      case 'crash':
        // an uncaught exception outside the task handler: the worker dies (Node) or reports an
        // error event (browser); no reply is sent
        setTimeout(() => {
          throw new Error(`selftest_fault: crash on attempt ${msg.attempt}`);
        }, 0);
        return new Promise<TaskResult>(() => {}) as unknown as TaskResult;
      case 'hang': {
        // a busy loop: only terminate() ends it
        for (;;) {
          if (Date.now() < 0) break;
        }
        return { kind: 'selftest_fault', attempt: msg.attempt };
      }
      default:
        throw new Error(`selftest_fault: unknown fault "${String(msg.fault)}"`);
    }
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
