/**
 * The main-thread side of the runtime, one per page and shared by every story: one AudioContext,
 * one AudioWorkletNode running the processor, one telemetry buffer, one kernel-timing worker.
 * Switching stories swaps the stage inside the same node (a message), so nothing leaks.
 *
 * Knows nothing of React: components subscribe to `RuntimeState` and poll `telemetry()` and
 * `readScope()` on requestAnimationFrame.
 */
import processorUrl from './processor.ts?worker&url';
import KernelTimerWorker from './kernel-timer.worker.ts?worker';
import type { ParamValues } from '../dsp-stages/types.ts';
import { RENDER_QUANTUM_FRAMES } from '../dsp-stages/types.ts';
import { DEFAULT_SOURCE, sourceSamples, type SourceSpec } from '../dsp-stages/signals.ts';
import {
  Ctl,
  createTelemetryBuffer,
  readScope as readScopeRing,
  readVisual as readVisualFrame,
  snapshot,
  telemetryViews,
  type TelemetrySnapshot,
  type TelemetryViews,
} from './layout.ts';
import { PROCESSOR_NAME, type FromProcessor, type FromTimer, type KernelTiming, type ProcessorOptions, type ToProcessor } from './protocol.ts';
import { createLiveSource, type LiveSource } from './sources.ts';
import { WorkerPool } from './pool/pool.ts';
import { browserCores, spawnBrowserWorker } from './pool/browser.ts';
import { RingProducer, ringStats, type RingStats } from './pool/stream.ts';

/** Ring of the pool's layout that carries decoded audio to the worklet. */
export const PLAYBACK_RING = 0;
/** Period of the producer's pump (pushes what a full ring held back), ms. */
const PUMP_INTERVAL_MS = 20;
/** Messages mode: frames posted ahead of the worklet's position. */
const MESSAGE_LEAD_FRAMES = 32768;

/** Playback of decoded audio through the worklet: feed it chunks in order, then `end()`. */
export interface Playback {
  /** Queues the next frames (planar; one or two channels). */
  write(planes: readonly Float32Array[]): void;
  /** No more frames will come. */
  end(): void;
  /** Figures of the ring (or of the message queue). */
  stats(): RingStats;
  /** Detaches: the stage's input is the live source again. */
  stop(): void;
  readonly mode: 'ring' | 'messages';
}

/** URL of the built wasm, if `npm run build:wasm` produced it when this bundle was built. */
const wasmUrls = import.meta.glob('../rust/pkg/stagebench_dsp.wasm', { query: '?url', import: 'default', eager: true }) as Record<string, string>;
const WASM_URL: string | null = Object.values(wasmUrls)[0] ?? null;

export interface WasmBytesResult {
  bytes: ArrayBuffer | null;
  /** Why there are no bytes (shown as the fallback reason). */
  reason: string | null;
}

let wasmBytesPromise: Promise<WasmBytesResult> | null = null;

/** Fetches the wasm once per page. Never rejects: failure is a reason the UI shows. */
export function loadWasmBytes(): Promise<WasmBytesResult> {
  wasmBytesPromise ??= (async () => {
    if (!WASM_URL) return { bytes: null, reason: 'wasm not built: rust/pkg/stagebench_dsp.wasm was missing when this Storybook was built (run npm run build:wasm)' };
    try {
      const res = await fetch(WASM_URL);
      if (!res.ok) return { bytes: null, reason: `wasm fetch failed: HTTP ${res.status} for ${WASM_URL}` };
      return { bytes: await res.arrayBuffer(), reason: null };
    } catch (err) {
      return { bytes: null, reason: `wasm fetch failed: ${(err as Error).message}` };
    }
  })();
  return wasmBytesPromise;
}

export function isCrossOriginIsolated(): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && globalThis.crossOriginIsolated === true;
}

export interface RuntimeState {
  /** `loading` until the processor reports. */
  wasmStatus: 'loading' | 'active' | 'fallback';
  /** Why the stage runs its TypeScript reference (null when wasm is active). */
  fallbackReason: string | null;
  isolated: boolean;
  sampleRate: number;
  contextState: AudioContextState | 'none';
  stage: string | null;
  source: SourceSpec;
  monitor: boolean;
  /** Latest problem to show (stage error, microphone refused, worklet failed...), or null. */
  error: string | null;
}

type Listener = (state: RuntimeState) => void;

export class StagebenchRuntime {
  private static instance: StagebenchRuntime | null = null;

  /** The page's runtime, created on first use. */
  static get(): StagebenchRuntime {
    StagebenchRuntime.instance ??= new StagebenchRuntime();
    return StagebenchRuntime.instance;
  }

  readonly ctx: AudioContext;
  readonly ready: Promise<void>;
  private node: AudioWorkletNode | null = null;
  private monitorGain: GainNode;
  private views: TelemetryViews;
  private fallbackSnapshot: TelemetrySnapshot | null = null;
  private fallbackScope: Float32Array = new Float32Array(0);
  private fallbackVisual: Float32Array = new Float32Array(0);
  private fallbackVisualSeq = 0;
  private fallbackFigures: Float64Array = new Float64Array(0);
  private source: LiveSource | null = null;
  private sourceSeq = 0;
  private listeners = new Set<Listener>();
  private params: ParamValues = {};
  private wasmBytes: ArrayBuffer | null = null;
  private timer: Worker | null = null;
  private timerSeq = 0;
  /** Number of the newest set-stage; its waiter resolves on the status that echoes it. */
  private stageSeq = 0;
  private stageWaiters = new Map<number, { resolve(): void; reject(err: Error): void }>();
  private poolPromise: Promise<WorkerPool> | null = null;
  private poolWorkers = -1;
  /** Workers of the running pool (0 when there is none). */
  private poolSize = 0;
  private playback: { stop(): void } | null = null;
  private messagePlayback: { framesRead: number; underruns: number; bufferedFrames: number; ended: boolean } = { framesRead: 0, underruns: 0, bufferedFrames: 0, ended: false };
  state: RuntimeState;

  private constructor() {
    this.ctx = new AudioContext({ latencyHint: 'interactive' });
    const isolated = isCrossOriginIsolated();
    this.views = telemetryViews(createTelemetryBuffer(isolated));
    this.monitorGain = new GainNode(this.ctx, { gain: 0 });
    this.monitorGain.connect(this.ctx.destination);
    this.state = {
      wasmStatus: 'loading',
      fallbackReason: null,
      isolated,
      sampleRate: this.ctx.sampleRate,
      contextState: this.ctx.state,
      stage: null,
      source: DEFAULT_SOURCE,
      monitor: false,
      error: null,
    };
    this.ctx.addEventListener('statechange', () => this.update({ contextState: this.ctx.state }));
    this.ready = this.boot();
  }

  private async boot(): Promise<void> {
    const { bytes, reason } = await loadWasmBytes();
    this.wasmBytes = bytes;
    try {
      await this.ctx.audioWorklet.addModule(processorUrl);
    } catch (err) {
      this.update({ error: `the AudioWorklet module failed to load: ${(err as Error).message}` });
      throw err;
    }
    const options: ProcessorOptions = {
      // a copy: the processor and the timing worker each get their own
      wasmBytes: bytes ? bytes.slice(0) : null,
      wasmMissingReason: reason,
      telemetry: this.views.control.buffer as SharedArrayBuffer | ArrayBuffer,
      stage: this.state.stage ?? 'ring-copy',
      params: this.params,
    };
    this.node = new AudioWorkletNode(this.ctx, PROCESSOR_NAME, {
      numberOfInputs: 1,
      numberOfOutputs: 1,
      outputChannelCount: [1],
      // two input channels (a mono source is copied to both): the shift stage compares them
      channelCount: 2,
      channelCountMode: 'explicit',
      processorOptions: options,
    });
    this.node.port.onmessage = (event: MessageEvent<FromProcessor>) => this.onProcessorMessage(event.data);
    this.node.onprocessorerror = () => this.update({ error: 'the AudioWorklet processor crashed (see the browser console)' });
    this.node.connect(this.monitorGain);
    await this.applySource(this.state.source);
  }

  private onProcessorMessage(msg: FromProcessor): void {
    switch (msg.type) {
      case 'status':
        // a status for an older selection (one superseded while it started) changes nothing shown
        if (msg.seq === this.stageSeq) this.update({ wasmStatus: msg.status, fallbackReason: msg.reason, stage: msg.stage, error: null });
        for (const [seq, waiter] of this.stageWaiters) {
          if (seq <= msg.seq) {
            this.stageWaiters.delete(seq);
            waiter.resolve();
          }
        }
        break;
      case 'stage-error': {
        this.update({ error: `stage ${msg.stage}: ${msg.message}` });
        const waiter = msg.seq !== undefined ? this.stageWaiters.get(msg.seq) : undefined;
        if (waiter && msg.seq !== undefined) {
          this.stageWaiters.delete(msg.seq);
          waiter.reject(new Error(`stage ${msg.stage}: ${msg.message}`));
        }
        break;
      }
      case 'playback':
        this.messagePlayback = { framesRead: msg.framesRead, underruns: msg.underruns, bufferedFrames: msg.bufferedFrames, ended: msg.ended };
        break;
      case 'telemetry':
        this.fallbackSnapshot = msg.snapshot;
        this.fallbackScope = msg.scope;
        this.fallbackFigures = msg.figures;
        if (msg.visual) {
          this.fallbackVisual = msg.visual;
          this.fallbackVisualSeq += 2;
        }
        break;
    }
  }

  private post(msg: ToProcessor): void {
    this.node?.port.postMessage(msg);
  }

  private update(patch: Partial<RuntimeState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener(this.state);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    listener(this.state);
    return () => this.listeners.delete(listener);
  }

  /** Selects the stage (re-created in the same processor) and waits until it reports its status. */
  async setStage(stage: string, params: ParamValues): Promise<void> {
    this.params = { ...params };
    const seq = ++this.stageSeq;
    const reported = new Promise<void>((resolve, reject) => this.stageWaiters.set(seq, { resolve, reject }));
    this.update({ stage, wasmStatus: 'loading' });
    await this.ready;
    this.post({ type: 'set-stage', stage, params: this.params, seq });
    await reported;
  }

  setParam(name: string, value: number | string): void {
    this.params[name] = value;
    this.post({ type: 'set-param', name, value });
  }

  /**
   * Test-only: the live stage's kernel made `factor` times slower until the next stage is set
   * (dsp-stages/faults.ts), for the expected failures of the live checks.
   */
  setTestSlowdown(factor: number): void {
    this.post({ type: 'test-slowdown', factor });
  }

  /** Swaps the source; a failure (microphone refused) is shown, and the previous source is stopped. */
  async setSource(spec: SourceSpec): Promise<void> {
    this.update({ source: spec });
    await this.ready;
    await this.applySource(spec);
  }

  private async applySource(spec: SourceSpec): Promise<void> {
    if (this.source?.update(spec)) return;
    const seq = ++this.sourceSeq;
    this.source?.stop();
    this.source = null;
    try {
      const source = await createLiveSource(this.ctx, spec);
      if (seq !== this.sourceSeq || !this.node) {
        source.stop();
        return;
      }
      source.node.connect(this.node);
      this.source = source;
      if (this.state.error?.startsWith('microphone')) this.update({ error: null });
    } catch (err) {
      this.update({ error: (err as Error).message });
    }
  }

  setMonitor(on: boolean): void {
    this.monitorGain.gain.setTargetAtTime(on ? 1 : 0, this.ctx.currentTime, 0.01);
    this.update({ monitor: on });
  }

  /** Resumes audio (a user gesture may be needed: the browser's autoplay policy). */
  async start(): Promise<void> {
    await this.ready;
    await this.ctx.resume();
  }

  async stop(): Promise<void> {
    await this.ctx.suspend();
  }

  resetTelemetry(): void {
    this.post({ type: 'reset-telemetry' });
  }

  /** Current figures: from the SharedArrayBuffer, or the last postMessage in fallback. */
  telemetry(): TelemetrySnapshot {
    if (this.state.isolated || !this.fallbackSnapshot) return snapshot(this.views);
    return this.fallbackSnapshot;
  }

  /** Newest scope samples, oldest first, into `out`. Allocates nothing on the shared path. */
  readScope(out: Float32Array): void {
    if (this.state.isolated) {
      readScopeRing(this.views, out);
      return;
    }
    const src = this.fallbackScope;
    const n = Math.min(out.length, src.length);
    out.fill(0);
    out.set(src.subarray(src.length - n), out.length - n);
  }

  /**
   * Copies the stage's newest complete visual frame (a spectrum in dB...) into `out`. Returns its
   * sequence number (changes with every new frame; -1 when there is none yet) and length.
   */
  readVisual(out: Float32Array): { seq: number; length: number } {
    if (this.state.isolated) return readVisualFrame(this.views, out);
    const length = Math.min(out.length, this.fallbackVisual.length);
    if (length === 0) return { seq: -1, length: 0 };
    out.set(this.fallbackVisual.subarray(0, length));
    return { seq: this.fallbackVisualSeq, length };
  }

  /** The stage's live figures, in the order of its descriptor's `figures` (NaN until the first frame). */
  figures(): Float64Array {
    return this.state.isolated ? this.views.figures.slice() : this.fallbackFigures.slice();
  }

  quantumCount(): number {
    return this.state.isolated ? Atomics.load(this.views.control, Ctl.quantumCount) : (this.fallbackSnapshot?.quantumCount ?? 0);
  }

  /**
   * Times the current stage's kernel in a worker (performance.now()) on the same wasm bytes and
   * the current source's signal. Never runs two measurements at once. `sampleRate` (default: the
   * context's) is the rate the kernel is created at and the signal made at, to time a stage as it
   * runs at another rate.
   */
  async measureKernel(opts: { batches?: number; minBatchMs?: number; singleQuanta?: number; sampleRate?: number; slowdown?: number } = {}): Promise<KernelTiming> {
    await this.ready;
    const stage = this.state.stage;
    if (!stage) throw new Error('no stage selected');
    const sampleRate = opts.sampleRate ?? this.ctx.sampleRate;
    if (!(Number.isFinite(sampleRate) && sampleRate > 0)) throw new Error(`measureKernel: sampleRate must be a positive number, got ${sampleRate}`);
    this.timer ??= new KernelTimerWorker();
    const timer = this.timer;
    const id = ++this.timerSeq;
    const signal = this.state.source.kind === 'mic' || this.state.source.kind === 'silence'
      ? sourceSamples({ ...this.state.source, kind: 'noise' }, sampleRate, RENDER_QUANTUM_FRAMES * 64)
      : sourceSamples(this.state.source, sampleRate, RENDER_QUANTUM_FRAMES * 64);
    return new Promise<KernelTiming>((resolve, reject) => {
      const onMessage = (event: MessageEvent<FromTimer>) => {
        if (event.data.id !== id) return;
        timer.removeEventListener('message', onMessage);
        if (event.data.type === 'timing') resolve(event.data.timing);
        else reject(new Error(`kernel timing failed: ${event.data.error}`));
      };
      timer.addEventListener('message', onMessage);
      timer.postMessage({
        type: 'measure',
        id,
        wasmBytes: this.wasmBytes ? this.wasmBytes.slice(0) : null,
        stage,
        params: this.params,
        sampleRate,
        input: signal,
        batches: opts.batches ?? 200,
        minBatchMs: opts.minBatchMs ?? 1,
        singleQuanta: opts.singleQuanta ?? 2000,
        slowdown: opts.slowdown ?? 1,
      });
    });
  }

  /**
   * The page's decode pool with `workers` workers (0: the pool's default, half the cores, at
   * least 2). One pool per page: asking for another size shuts the old one down first.
   */
  async pool(workers = 0): Promise<WorkerPool> {
    if (this.poolPromise && this.poolWorkers === workers) {
      try {
        return await this.poolPromise;
      } catch {
        // a failed start is retried below
      }
    }
    const previous = this.poolPromise;
    this.poolPromise = null;
    this.poolSize = 0;
    if (previous) await previous.then((p) => p.shutdown(), () => undefined);
    await this.ready.catch(() => undefined);
    if (!this.wasmBytes) throw new Error(`the decode pool needs the wasm module: ${this.state.fallbackReason ?? 'it could not be loaded'}`);
    const wasmBytes = new Uint8Array(this.wasmBytes.slice(0));
    this.poolWorkers = workers;
    this.poolPromise = WorkerPool.create({
      wasmBytes,
      spawn: spawnBrowserWorker,
      cores: browserCores(),
      sampleRate: this.ctx.sampleRate,
      ...(workers > 0 ? { workers } : {}),
    });
    const created = this.poolPromise;
    created.then((p) => {
      if (this.poolPromise === created) this.poolSize = p.size;
    }, () => undefined);
    return created;
  }

  /** Shuts the decode pool down (no worker left). */
  async closePool(): Promise<void> {
    this.stopPlayback();
    const p = this.poolPromise;
    this.poolPromise = null;
    this.poolWorkers = -1;
    this.poolSize = 0;
    if (p) await p.then((pool) => pool.shutdown(), () => undefined);
  }

  /**
   * Plays decoded audio (at the context's rate) through the worklet: it replaces the live source
   * as the current stage's input until `stop()`. Through ring 0 of the pool's shared layout
   * (ringbuf.js, lock-free) when cross-origin isolated, else by messages.
   */
  async startPlayback(pool: WorkerPool): Promise<Playback> {
    await this.ready;
    this.stopPlayback();
    const layout = pool.mode === 'shared' ? pool.layout : null;
    if (layout) {
      const producer = new RingProducer(layout, PLAYBACK_RING);
      this.post({ type: 'attach-playback', handles: layout.handles, ring: PLAYBACK_RING });
      let endRequested = false;
      const timer = setInterval(() => {
        producer.pump();
        if (endRequested) producer.end();
      }, PUMP_INTERVAL_MS);
      const stop = (): void => {
        clearInterval(timer);
        this.post({ type: 'detach-playback' });
        if (this.playback === handle) this.playback = null;
      };
      const handle: Playback = {
        mode: 'ring',
        write: (planes) => producer.write(planes as Float32Array[]),
        end: () => {
          endRequested = true;
          producer.end();
        },
        stats: () => ringStats(layout, PLAYBACK_RING),
        stop,
      };
      this.playback = handle;
      return handle;
    }
    // messages: post ahead of the worklet's position, at most MESSAGE_LEAD_FRAMES
    this.post({ type: 'attach-playback', handles: null, ring: PLAYBACK_RING });
    this.messagePlayback = { framesRead: 0, underruns: 0, bufferedFrames: 0, ended: false };
    const pending: Float32Array[][] = [];
    let posted = 0;
    let written = 0;
    let ended = false;
    let endPosted = false;
    const flush = (): void => {
      while (pending.length > 0 && posted - this.messagePlayback.framesRead < MESSAGE_LEAD_FRAMES) {
        const planes = pending.shift()!;
        posted += planes[0]!.length;
        this.post({ type: 'playback-chunk', planes, end: ended && pending.length === 0 });
        if (ended && pending.length === 0) endPosted = true;
      }
      if (ended && !endPosted && pending.length === 0) {
        this.post({ type: 'playback-chunk', planes: [], end: true });
        endPosted = true;
      }
    };
    const timer = setInterval(flush, PUMP_INTERVAL_MS);
    const handle: Playback = {
      mode: 'messages',
      write: (planes) => {
        if (planes.length === 0 || planes[0]!.length === 0) return;
        pending.push(planes.slice(0, 2).map((p) => p.slice()));
        written += planes[0]!.length;
        flush();
      },
      end: () => {
        ended = true;
        flush();
      },
      stats: () => ({
        capacityFrames: MESSAGE_LEAD_FRAMES,
        bufferedFrames: Math.max(0, posted - this.messagePlayback.framesRead),
        framesWritten: written,
        framesRead: this.messagePlayback.framesRead,
        overruns: 0,
        underruns: this.messagePlayback.underruns,
        ended: endPosted,
        playing: this.messagePlayback.framesRead > 0 && !this.messagePlayback.ended,
      }),
      stop: () => {
        clearInterval(timer);
        this.post({ type: 'detach-playback' });
        if (this.playback === handle) this.playback = null;
      },
    };
    this.playback = handle;
    return handle;
  }

  /** Detaches any playback: the live source feeds the stage again. */
  stopPlayback(): void {
    this.playback?.stop();
    this.playback = null;
  }

  /** Bytes of the AudioWorklet and worker counts, for leak checks. */
  resources(): { timerWorkers: number; hasNode: boolean; poolWorkers: number; playback: boolean } {
    return {
      timerWorkers: this.timer ? 1 : 0,
      hasNode: this.node !== null,
      poolWorkers: this.poolSize,
      playback: this.playback !== null,
    };
  }
}

export interface OfflineRenderOptions {
  stage: string;
  params: ParamValues;
  input: Float32Array;
  /** A second input channel (the shift stage's delayed signal); absent: channel 0 is copied. */
  input2?: Float32Array;
  sampleRate: number;
  /** Override the wasm bytes (to prove the fallback path); default: the page's built wasm. */
  wasmBytes?: ArrayBuffer | null;
  /** A second path from the same source in the same context (e.g. native BiquadFilterNodes), rendered to `parallelOutput`. */
  parallel?: (ctx: OfflineAudioContext, source: AudioNode) => AudioNode;
  /**
   * Parameter changes during the render, each at a quantum boundary (suspend, set-param, resume).
   * Changes at the same boundary are sent together, in their order, at one suspend.
   */
  paramChanges?: ReadonlyArray<{ atFrame: number; name: string; value: number | string }>;
}

export interface OfflineRender {
  output: Float32Array;
  /** The `parallel` path's output, or null. */
  parallelOutput: Float32Array | null;
  /** The UI scope ring after the render (null without SharedArrayBuffer: the worklet's copy is private). */
  scope: Float32Array | null;
  telemetry: TelemetrySnapshot | null;
  /** The stage's last visual frame and figures (null without SharedArrayBuffer, or when it has none). */
  visual: Float32Array | null;
  figures: Float64Array | null;
  status: 'active' | 'fallback';
  reason: string | null;
}

const STATUS_TIMEOUT_MS = 10_000;

/** Renders `input` through the stage in an OfflineAudioContext with the same processor: exact output values. */
export interface StageNode {
  node: AudioWorkletNode;
  status: 'active' | 'fallback';
  reason: string | null;
  /** The telemetry buffer's views (null without SharedArrayBuffer: the worklet's copy is private). */
  views: TelemetryViews | null;
}

/**
 * Adds the processor to `ctx` (once per context) and creates a node running `stage`, resolved
 * once the processor has reported its status (wasm active, or the fallback with the reason).
 */
export async function createStageNode(
  ctx: BaseAudioContext,
  opts: { stage: string; params: ParamValues; wasmBytes?: ArrayBuffer | null },
): Promise<StageNode> {
  await ctx.audioWorklet.addModule(processorUrl);
  const loaded = opts.wasmBytes === undefined ? await loadWasmBytes() : { bytes: opts.wasmBytes, reason: opts.wasmBytes ? null : 'no wasm bytes were given' };
  const isolated = isCrossOriginIsolated();
  const telemetry = createTelemetryBuffer(isolated);
  const node = new AudioWorkletNode(ctx, PROCESSOR_NAME, {
    numberOfInputs: 1,
    numberOfOutputs: 1,
    outputChannelCount: [1],
    channelCount: 2,
    channelCountMode: 'explicit',
    processorOptions: {
      wasmBytes: loaded.bytes ? loaded.bytes.slice(0) : null,
      wasmMissingReason: loaded.reason,
      telemetry,
      stage: opts.stage,
      params: opts.params,
      offline: typeof OfflineAudioContext !== 'undefined' && ctx instanceof OfflineAudioContext,
    } satisfies ProcessorOptions,
  });
  const status = await new Promise<{ status: 'active' | 'fallback'; reason: string | null }>((resolve, reject) => {
    const timeout = setTimeout(() => reject(new Error(`the processor did not report a status within ${STATUS_TIMEOUT_MS} ms`)), STATUS_TIMEOUT_MS);
    node.port.onmessage = (event: MessageEvent<FromProcessor>) => {
      const msg = event.data;
      if (msg.type === 'status') {
        clearTimeout(timeout);
        resolve({ status: msg.status, reason: msg.reason });
      } else if (msg.type === 'stage-error') {
        clearTimeout(timeout);
        reject(new Error(`stage ${msg.stage}: ${msg.message}`));
      }
    };
  });
  node.port.onmessage = null;
  return { node, ...status, views: isolated ? telemetryViews(telemetry) : null };
}

/**
 * The samples of one channel of `buffer`, moved out of it (its ArrayBuffer transferred, so the
 * AudioBuffer keeps none), or copied where the browser refuses. Chromium keeps every finished
 * OfflineAudioContext that loaded a worklet for the page's life, and with it its source and
 * rendered buffers: moved out, they are freed with the result instead.
 */
function takeChannel(buffer: AudioBuffer, ch: number): Float32Array {
  const data = buffer.getChannelData(ch);
  if (data.byteOffset !== 0 || data.byteLength !== data.buffer.byteLength) return data.slice();
  try {
    return structuredClone(data, { transfer: [data.buffer as ArrayBuffer] });
  } catch {
    return data.slice();
  }
}

/** Renders `input` through the stage in an OfflineAudioContext with the same processor: exact output values. */
export async function renderOffline(opts: OfflineRenderOptions): Promise<OfflineRender> {
  const channels = opts.parallel ? 2 : 1;
  const ctx = new OfflineAudioContext({ numberOfChannels: channels, length: opts.input.length, sampleRate: opts.sampleRate });
  const stage = await createStageNode(ctx, opts);
  const buffer = new AudioBuffer({ length: opts.input.length, sampleRate: opts.sampleRate, numberOfChannels: opts.input2 ? 2 : 1 });
  buffer.getChannelData(0).set(opts.input);
  if (opts.input2) buffer.getChannelData(1).set(opts.input2);
  const src = new AudioBufferSourceNode(ctx, { buffer });
  const merger = new ChannelMergerNode(ctx, { numberOfInputs: channels });
  src.connect(stage.node).connect(merger, 0, 0);
  if (opts.parallel) opts.parallel(ctx, src).connect(merger, 0, 1);
  merger.connect(ctx.destination);
  src.start(0);
  // a context suspends at most once per quantum: the changes of one boundary go together
  const byQuantum = new Map<number, Array<{ name: string; value: number | string }>>();
  for (const change of opts.paramChanges ?? []) {
    const quantum = Math.floor(change.atFrame / 128);
    const list = byQuantum.get(quantum) ?? [];
    list.push({ name: change.name, value: change.value });
    byQuantum.set(quantum, list);
  }
  for (const [quantum, changes] of byQuantum) {
    // suspend at the quantum boundary, send the changes, resume once the worklet has had time to take them
    void ctx.suspend((quantum * 128) / opts.sampleRate).then(async () => {
      for (const change of changes) stage.node.port.postMessage({ type: 'set-param', name: change.name, value: change.value } satisfies ToProcessor);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await ctx.resume();
    });
  }
  const rendered = await ctx.startRendering();
  stage.node.port.postMessage({ type: 'release' } satisfies ToProcessor);
  const views = stage.views;
  let visual: Float32Array | null = null;
  if (views) {
    const frame = new Float32Array(views.visual.length);
    const { length } = readVisualFrame(views, frame);
    visual = length > 0 ? frame.slice(0, length) : null;
  }
  const output = takeChannel(rendered, 0);
  const parallelOutput = opts.parallel ? takeChannel(rendered, 1) : null;
  for (let ch = 0; ch < buffer.numberOfChannels; ch++) takeChannel(buffer, ch);
  return {
    output,
    parallelOutput,
    scope: views ? views.scope.slice() : null,
    telemetry: views ? snapshot(views) : null,
    visual,
    figures: views ? views.figures.slice() : null,
    status: stage.status,
    reason: stage.reason,
  };
}
