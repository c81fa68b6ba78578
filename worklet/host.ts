/**
 * The main-thread side of the runtime, one per page and shared by every story: one AudioContext,
 * one AudioWorkletNode running the processor, one telemetry buffer, one kernel-timing worker.
 * Switching stories swaps the stage inside the same node (a message), so nothing leaks.
 *
 * Knows nothing of React: components subscribe to `RuntimeState` and poll `telemetry()` and
 * `readScope()` on requestAnimationFrame.
 *
 * Beside it: the wasm bytes (wasm-fetch.ts), the processor's node (stage-node.ts), the worker
 * pool it owns (page-pool.ts), playback of decoded audio (playback.ts) and offline renders
 * (offline-render.ts).
 */
import KernelTimerWorker from './kernel-timer.worker.ts?worker';
import type { ParamValues } from '../dsp-stages/types.ts';
import { RENDER_QUANTUM_FRAMES } from '../dsp-stages/types.ts';
import { DEFAULT_SOURCE, sourceSamples, type SourceSpec } from '../dsp-stages/signals.ts';
import {
  Ctl,
  FIGURE_SLOTS,
  createTelemetryBuffer,
  readScope as readScopeRing,
  readVisual as readVisualFrame,
  snapshot,
  telemetryViews,
  type TelemetrySnapshot,
  type TelemetryViews,
} from './layout.ts';
import type {
  ChainStageFigures,
  ChainTiming,
  FromProcessor,
  FromTimer,
  KernelTiming,
  ProcessorOptions,
  ToProcessor,
  ToTimer,
} from './protocol.ts';
import { chainName } from './protocol.ts';
import type { ChainStageSpec } from './chain.ts';
import { createLiveSource, type LiveSource } from './sources.ts';
import type { WorkerPool } from './pool/pool.ts';
import { loadWasmBytes } from './wasm-fetch.ts';
import { addProcessorModule, isCrossOriginIsolated, processorNode } from './stage-node.ts';
import { contextQuantumFrames, quantumFromSearch, renderSizeOptions } from './quantum.ts';
import { PagePool } from './page-pool.ts';
import {
  loopPlayback,
  messagePlayback,
  noMessagePlaybackProgress,
  ringPlayback,
  type LoopingPlayback,
  type MessagePlaybackProgress,
  type Playback,
} from './playback.ts';
import { clockLagBoundMs, playbackHealth, readPlaybackStats, type ClockSample, type PlaybackHealth } from './playback-stats.ts';

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
  /** Frames per render quantum the context reports (contextQuantumFrames). */
  quantumFrames: number;
  /** The decoded file the stage loops over (source kind `file`), or null. */
  file: { name: string; frames: number; channels: number } | null;
}

/** How the page's runtime is made: fixed by the first `StagebenchRuntime.get`. */
export interface RuntimeOptions {
  /**
   * Frames per render quantum to ask the AudioContext for (`renderSizeHint`); absent: the page
   * URL's `?quantum=N` (quantumFromSearch), else the browser's default, 128. The context may
   * render another size (Firefox: always 128): `state.quantumFrames` says what it does.
   */
  quantum?: number;
}

/** `?quantum=N` in this page's URL or in that of the same-origin page around it (the Storybook UI). */
function pageQuantum(): number | undefined {
  if (typeof location === 'undefined') return undefined;
  let top: string | null = null;
  try {
    top = window.top && window.top !== window ? window.top.location.search : null;
  } catch {
    // a cross-origin page around this one: only this page's URL counts
  }
  return quantumFromSearch([location.search, top]);
}

type Listener = (state: RuntimeState) => void;

/** Longest the context stays suspended while the processor starts (it reports in tens of ms). */
const PROCESSOR_START_WAIT_MS = 5000;

export class StagebenchRuntime {
  private static instance: StagebenchRuntime | null = null;

  /**
   * The page's runtime, created on first use with `options`. One AudioContext per page: a later
   * call asking for another render quantum than the runtime's throws (reload the page with it).
   */
  static get(options: RuntimeOptions = {}): StagebenchRuntime {
    const runtime = (StagebenchRuntime.instance ??= new StagebenchRuntime(options));
    if (options.quantum !== undefined && options.quantum !== runtime.requestedQuantum)
      throw new Error(
        `the page's runtime was made for ${runtime.requestedQuantum ?? 'the default'}-frame quanta, not ${options.quantum}: reload the page with quantum ${options.quantum}`,
      );
    return runtime;
  }

  /** The render quantum asked for at creation (undefined: the browser's default). */
  readonly requestedQuantum: number | undefined;

  readonly ctx: AudioContext;
  readonly ready: Promise<void>;
  private node: AudioWorkletNode | null = null;
  private monitorGain: GainNode;
  private views: TelemetryViews;
  private fallbackSnapshot: TelemetrySnapshot | null = null;
  private fallbackScope: Float32Array = new Float32Array(0);
  /** Without SharedArrayBuffer: each visual slot's last frame, its count (+2 per frame, like a sequence lock) and figures. */
  private fallbackVisuals: Float32Array[] = [];
  private fallbackVisualSeqs: number[] = [];
  private fallbackFigures: Float64Array[] = [];
  private source: LiveSource | null = null;
  private sourceSeq = 0;
  private listeners = new Set<Listener>();
  private params: ParamValues = {};
  /** The chain the processor runs (set-chain), or null when it runs one stage. */
  private chainSpec: ChainStageSpec[] | null = null;
  private chainStages: ChainStageFigures[] = [];
  private wasmBytes: ArrayBuffer | null = null;
  private timer: Worker | null = null;
  private timerSeq = 0;
  /** Number of the newest set-stage; its waiter resolves on the status that echoes it. */
  private stageSeq = 0;
  private stageWaiters = new Map<number, { resolve(): void; reject(err: Error): void }>();
  private readonly pagePool = new PagePool(async () => {
    await this.ready.catch(() => undefined);
    if (!this.wasmBytes) throw new Error(`the worker pool needs the wasm module: ${this.state.fallbackReason ?? 'it could not be loaded'}`);
    return { wasmBytes: new Uint8Array(this.wasmBytes.slice(0)), sampleRate: this.ctx.sampleRate };
  });
  private playback: Playback | null = null;
  private fileLoop: LoopingPlayback | null = null;
  private analyser: AnalyserNode | null = null;
  private messagePlayback: MessagePlaybackProgress = noMessagePlaybackProgress();
  /** Both clocks and the browser's counters when the current stage started rendering; null until then. */
  private clockBaseline: ClockSample | null = null;
  state: RuntimeState;

  private constructor(options: RuntimeOptions) {
    this.requestedQuantum = options.quantum ?? pageQuantum();
    this.ctx = new AudioContext({ latencyHint: 'interactive', ...renderSizeOptions(this.requestedQuantum) });
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
      quantumFrames: contextQuantumFrames(this.ctx),
      file: null,
    };
    this.ctx.addEventListener('statechange', () => {
      // a suspended context's clock stands still: the lag and the worklet's drift count from the next start
      this.clockBaseline = null;
      this.post({ type: 'restart-clocks' });
      this.update({ contextState: this.ctx.state });
    });
    this.ready = this.boot();
  }

  private async boot(): Promise<void> {
    const { bytes, reason } = await loadWasmBytes();
    this.wasmBytes = bytes;
    try {
      await addProcessorModule(this.ctx);
    } catch (err) {
      this.update({ error: `the AudioWorklet module failed to load: ${(err as Error).message}` });
      throw err;
    }
    const options: ProcessorOptions = {
      // a copy: the processor and the timing worker each get their own
      wasmBytes: bytes ? bytes.slice(0) : null,
      wasmMissingReason: reason,
      telemetry: this.views.control.buffer as SharedArrayBuffer | ArrayBuffer,
      stage: this.state.stage,
      params: this.params,
      quantumFrames: this.state.quantumFrames,
    };
    // The processor compiles the wasm and warms every stage up in its constructor, on the audio
    // thread: tens of ms in which a running context renders nothing, which the browser counts as
    // underruns. A running context is suspended until the processor reports its first stage (a
    // context closed meanwhile refuses both calls, and renders nothing anyway).
    let pause = this.ctx.state === 'running';
    if (pause) await this.ctx.suspend().catch(() => (pause = false));
    const constructed = new Promise<void>((resolve) => this.stageWaiters.set(0, { resolve, reject: () => resolve() }));
    this.node = processorNode(this.ctx, options);
    this.node.port.onmessage = (event: MessageEvent<FromProcessor>) => this.onProcessorMessage(event.data);
    this.node.onprocessorerror = () => {
      this.stageWaiters.get(0)?.resolve();
      this.update({ error: 'the AudioWorklet processor crashed (see the browser console)' });
    };
    this.node.connect(this.monitorGain);
    if (pause) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([constructed, new Promise((resolve) => (timer = setTimeout(resolve, PROCESSOR_START_WAIT_MS)))]);
      clearTimeout(timer);
      await this.ctx.resume().catch(() => undefined);
    }
    await this.applySource(this.state.source);
  }

  private onProcessorMessage(msg: FromProcessor): void {
    switch (msg.type) {
      case 'status':
        // a status for an older selection (one superseded while it started) changes nothing shown
        if (msg.seq === this.stageSeq) {
          this.clockBaseline = null;
          this.update({ wasmStatus: msg.status, fallbackReason: msg.reason, stage: msg.stage, error: null });
        }
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
      case 'chain-figures':
        this.chainStages = msg.stages;
        break;
      case 'playback':
        this.messagePlayback = {
          framesRead: msg.framesRead,
          underruns: msg.underruns,
          bufferedFrames: msg.bufferedFrames,
          ended: msg.ended,
        };
        break;
      case 'telemetry':
        this.fallbackSnapshot = msg.snapshot;
        this.fallbackScope = msg.scope;
        this.fallbackFigures = msg.figures;
        msg.visuals.forEach((frame, slot) => {
          if (!frame) return;
          this.fallbackVisuals[slot] = frame;
          this.fallbackVisualSeqs[slot] = (this.fallbackVisualSeqs[slot] ?? 0) + 2;
        });
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
    this.chainSpec = null;
    this.chainStages = [];
    const seq = ++this.stageSeq;
    const reported = new Promise<void>((resolve, reject) => this.stageWaiters.set(seq, { resolve, reject }));
    this.update({ stage, wasmStatus: 'loading' });
    await this.ready;
    this.post({ type: 'set-stage', stage, params: this.params, seq });
    await reported;
  }

  /**
   * Runs `stages` in order in the same processor, on its one wasm instance (worklet/chain.ts), and
   * waits until it reports its status. The state's `stage` is then `chain:a,b,...`.
   */
  async setChain(stages: ChainStageSpec[]): Promise<void> {
    this.chainSpec = stages.map((s) => ({ ...s, params: { ...s.params } }));
    this.chainStages = [];
    const seq = ++this.stageSeq;
    const reported = new Promise<void>((resolve, reject) => this.stageWaiters.set(seq, { resolve, reject }));
    this.update({ stage: chainName(stages.map((s) => s.stage)), wasmStatus: 'loading' });
    await this.ready;
    this.post({ type: 'set-chain', stages: this.chainSpec, seq });
    await reported;
  }

  /** A parameter of the chain's stage at `index`. */
  setChainParam(index: number, name: string, value: number | string): void {
    const spec = this.chainSpec?.[index];
    if (spec) spec.params[name] = value;
    this.post({ type: 'set-chain-param', index, name, value });
  }

  /** Bypass or solo the chain's stage at `index`. */
  setChainFlags(index: number, flags: { bypass?: boolean; solo?: boolean }): void {
    const spec = this.chainSpec?.[index];
    if (spec) Object.assign(spec, flags);
    this.post({ type: 'set-chain-flags', index, ...flags });
  }

  /** The chain's per-stage figures as last reported (once a second); empty before the first report or without a chain. */
  chainFigures(): ChainStageFigures[] {
    return this.chainStages;
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

  /**
   * Swaps the source; a failure (microphone refused) is shown, and the previous source is stopped.
   * A file source (kind `file`) is decoded first and given to `playFile`; this stops one.
   */
  async setSource(spec: SourceSpec): Promise<void> {
    if (spec.kind === 'file') throw new Error('a file source is decoded first, then played with playFile');
    if (this.fileLoop) this.stopPlayback();
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

  /** The stage's output as the page would hear it: an AnalyserNode on the processor's output, made on the first call. */
  async outputAnalyser(): Promise<AnalyserNode> {
    await this.ready;
    if (!this.analyser) {
      this.analyser = new AnalyserNode(this.ctx, { fftSize: 2048 });
      this.node!.connect(this.analyser);
    }
    return this.analyser;
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
    this.clockBaseline = null;
    this.post({ type: 'reset-telemetry' });
  }

  /** Both clocks and the browser's counters now (playback-stats.ts). */
  clockSample(): ClockSample {
    return { wallMs: performance.now(), audioTimeS: this.ctx.currentTime, stats: readPlaybackStats(this.ctx) };
  }

  /**
   * The browser's underruns and the audio clock's lag since the stage started (playback-stats.ts),
   * or null while there is no baseline. The baseline is taken at the first call that finds the context
   * running and a quantum of the stage rendered, so neither the context's start-up nor the stage's
   * set-up counts; a poll (the status bar's) takes it.
   */
  playbackHealth(): PlaybackHealth | null {
    if (this.ctx.state !== 'running') return null;
    if (!this.clockBaseline) {
      if (this.quantumCount() === 0) return null;
      this.clockBaseline = this.clockSample();
    }
    return playbackHealth(this.clockBaseline, this.clockSample(), clockLagBoundMs(this.state.quantumFrames, this.ctx.sampleRate));
  }

  /** Whether the browser has `AudioContext.playbackStats` (underrun counters). */
  get hasPlaybackStats(): boolean {
    return readPlaybackStats(this.ctx) !== null;
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
   * Copies the newest complete visual frame (a spectrum in dB...) of visual slot `slot` into `out`:
   * slot 0 is a single stage's; a chain's stages have one each (`chainFigures()[i].visualSlot`).
   * Returns its sequence number (changes with every new frame; -1 when there is none yet) and length.
   */
  readVisual(out: Float32Array, slot = 0): { seq: number; length: number } {
    if (this.state.isolated) return readVisualFrame(this.views, out, slot);
    const frame = this.fallbackVisuals[slot];
    const length = Math.min(out.length, frame?.length ?? 0);
    if (!frame || length === 0) return { seq: -1, length: 0 };
    out.set(frame.subarray(0, length));
    return { seq: this.fallbackVisualSeqs[slot]!, length };
  }

  /** Visual slot `slot`'s live figures, in the order of its stage's descriptor's `figures` (NaN until the first frame). */
  figures(slot = 0): Float64Array {
    if (this.state.isolated) return this.views.figures[slot]!.slice();
    return this.fallbackFigures[slot]?.slice() ?? new Float64Array(FIGURE_SLOTS).fill(NaN);
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
  async measureKernel(
    opts: { batches?: number; minBatchMs?: number; singleQuanta?: number; sampleRate?: number; slowdown?: number } = {},
  ): Promise<KernelTiming> {
    await this.ready;
    const stage = this.state.stage;
    if (!stage || this.chainSpec) throw new Error(this.chainSpec ? 'a chain runs: measureChain times it' : 'no stage selected');
    const sampleRate = opts.sampleRate ?? this.ctx.sampleRate;
    if (!(Number.isFinite(sampleRate) && sampleRate > 0))
      throw new Error(`measureKernel: sampleRate must be a positive number, got ${sampleRate}`);
    const reply = await this.timerRequest({
      ...this.timingInput(sampleRate),
      type: 'measure',
      stage,
      params: this.params,
      batches: opts.batches ?? 200,
      minBatchMs: opts.minBatchMs ?? 1,
      singleQuanta: opts.singleQuanta ?? 2000,
      slowdown: opts.slowdown ?? 1,
    });
    if (reply.type !== 'timing') throw new Error('kernel timing: unexpected reply');
    return reply.timing;
  }

  /**
   * Times the current chain in the timing worker (kernel-timing.ts `timeChain`): each stage's
   * kernel in batches over the audio that reaches it in the chain, and the whole chain, on one
   * fresh wasm instance and the current source's signal at `sampleRate` (default: the context's).
   */
  async measureChain(opts: { batches?: number; minBatchMs?: number; sampleRate?: number } = {}): Promise<ChainTiming> {
    await this.ready;
    if (!this.chainSpec) throw new Error('no chain selected');
    const sampleRate = opts.sampleRate ?? this.ctx.sampleRate;
    if (!(Number.isFinite(sampleRate) && sampleRate > 0))
      throw new Error(`measureChain: sampleRate must be a positive number, got ${sampleRate}`);
    const reply = await this.timerRequest({
      ...this.timingInput(sampleRate),
      type: 'measure-chain',
      stages: this.chainSpec,
      batches: opts.batches ?? 200,
      minBatchMs: opts.minBatchMs ?? 1,
    });
    if (reply.type !== 'chain-timing') throw new Error('chain timing: unexpected reply');
    return reply.timing;
  }

  /** The timing worker's input: the current source's signal at `sampleRate` (noise for the microphone, silence or a file). */
  private timingInput(sampleRate: number): {
    id: number;
    wasmBytes: ArrayBuffer | null;
    sampleRate: number;
    input: Float32Array;
    quantumFrames: number;
  } {
    const quantumFrames = this.state.quantumFrames;
    // 64 quanta of the default length, and at least 8 of the context's
    const frames = Math.max(RENDER_QUANTUM_FRAMES * 64, quantumFrames * 8);
    const input =
      this.state.source.kind === 'mic' || this.state.source.kind === 'silence' || this.state.source.kind === 'file'
        ? sourceSamples({ ...this.state.source, kind: 'noise' }, sampleRate, frames)
        : sourceSamples(this.state.source, sampleRate, frames);
    return { id: ++this.timerSeq, wasmBytes: this.wasmBytes ? this.wasmBytes.slice(0) : null, sampleRate, input, quantumFrames };
  }

  /** Sends one request to the timing worker (made on first use) and waits for its answer. */
  private timerRequest(msg: ToTimer): Promise<Exclude<FromTimer, { type: 'timing-failed' }>> {
    this.timer ??= new KernelTimerWorker();
    const timer = this.timer;
    return new Promise((resolve, reject) => {
      const onMessage = (event: MessageEvent<FromTimer>) => {
        const reply = event.data;
        if (reply.id !== msg.id) return;
        timer.removeEventListener('message', onMessage);
        if (reply.type === 'timing-failed') reject(new Error(`kernel timing failed: ${reply.error}`));
        else resolve(reply);
      };
      timer.addEventListener('message', onMessage);
      timer.postMessage(msg);
    });
  }

  /**
   * The page's worker pool with `workers` workers (0: the pool's default, half the cores, at
   * least 2). One pool per page: asking for another size shuts the old one down first.
   */
  pool(workers = 0): Promise<WorkerPool> {
    return this.pagePool.get(workers);
  }

  /** Shuts the worker pool down (no worker left). */
  async closePool(): Promise<void> {
    this.stopPlayback();
    await this.pagePool.close();
  }

  /**
   * Plays decoded audio (at the context's rate) through the worklet: it replaces the live source
   * as the current stage's input until `stop()`. Through ring 0 of the pool's shared layout
   * (ringbuf.js, lock-free) when cross-origin isolated, else by messages.
   */
  async startPlayback(pool: WorkerPool): Promise<Playback> {
    await this.ready;
    this.stopPlayback();
    const post = (msg: ToProcessor): void => this.post(msg);
    const detached = (handle: Playback): void => {
      if (this.playback === handle) this.playback = null;
    };
    const layout = pool.mode === 'shared' ? pool.layout : null;
    let handle: Playback;
    if (layout) {
      handle = ringPlayback(layout, post, detached);
    } else {
      this.messagePlayback = noMessagePlaybackProgress();
      handle = messagePlayback(post, () => this.messagePlayback, detached);
    }
    this.playback = handle;
    return handle;
  }

  /** Detaches any playback (a file source's loop too): the live source feeds the stage again. */
  stopPlayback(): void {
    this.fileLoop?.stop();
    this.fileLoop = null;
    this.playback?.stop();
    this.playback = null;
    if (this.state.file) this.update({ file: null });
  }

  /**
   * Makes a decoded file (at the context's rate; channels 0 and 1 are played) the stage's source,
   * looped through the worklet by the playback path until another source is set. `spec` is the
   * source as the picker names it (kind `file`).
   */
  async playFile(spec: SourceSpec, file: { name: string; channelData: readonly Float32Array[] }): Promise<void> {
    const pool = await this.pool();
    const playback = await this.startPlayback(pool);
    const planes = file.channelData.slice(0, 2);
    this.fileLoop = loopPlayback(playback, planes);
    // the playback is the stage's input now: the live source has nothing to do
    ++this.sourceSeq;
    this.source?.stop();
    this.source = null;
    this.update({ source: spec, file: { name: file.name, frames: this.fileLoop.frames, channels: file.channelData.length } });
  }

  /** Frames of the file source the worklet has read (every pass), or null without one. */
  filePlayedFrames(): number | null {
    return this.fileLoop ? this.fileLoop.framesPlayed() : null;
  }

  /** Bytes of the AudioWorklet and worker counts, for leak checks. */
  resources(): { timerWorkers: number; hasNode: boolean; poolWorkers: number; playback: boolean } {
    return {
      timerWorkers: this.timer ? 1 : 0,
      hasNode: this.node !== null,
      poolWorkers: this.pagePool.size,
      playback: this.playback !== null,
    };
  }
}
