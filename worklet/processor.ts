/**
 * The AudioWorkletProcessor: one per page, hosting whichever stage the story selects, or a chain
 * of stages in order on its one wasm instance ('set-chain', worklet/chain.ts).
 *
 * Per render quantum: copy input channel 0 into the UI scope ring and the stage (which pushes it
 * into the wasm input ring), run the stage, copy its output (if any), update telemetry with
 * Atomics. The wasm module comes as bytes in processorOptions and is instantiated in the
 * constructor, so it is ready before the first process(). If it cannot be, the stage runs its
 * TypeScript reference and the status says `fallback` with the reason.
 *
 * Real-time rules: process() allocates nothing on the SharedArrayBuffer path. Without
 * SharedArrayBuffer (postMessage fallback) it posts figures at most every 50 ms.
 */
import { RENDER_QUANTUM_FRAMES, type ParamValues, type StageKernel, type StageDescriptor } from '../dsp-stages/types.ts';
import { STAGES, getStage } from '../dsp-stages/registry.ts';
import { clampParam, resolveParams, withOfflineParams } from '../dsp-stages/params.ts';
import { slowedDown } from '../dsp-stages/faults.ts';
import {
  Ctl,
  Tim,
  overDeadlineStepMs,
  FIGURE_SLOTS,
  VISUAL_SLOTS,
  beginVisual,
  endVisual,
  layOutVisualSlots,
  readScope,
  snapshot,
  telemetryViews,
  visualSeq,
  writeScope,
  type TelemetryViews,
} from './layout.ts';
import { PROCESSOR_NAME, chainName, type FromProcessor, type ProcessorOptions, type ToProcessor } from './protocol.ts';
import { instantiateStagebench, statusMessage, type StagebenchWasm } from './abi.ts';
import { parsePoolLayout } from './pool/layout.ts';
import { RingConsumer } from './pool/stream.ts';
import { PlaybackQueue } from './playback-queue.ts';
import { createChain, type Chain, type ChainStageSpec } from './chain.ts';

const LOAD_WINDOW_MS = 1000;
const FALLBACK_POST_INTERVAL_MS = 50;
const FALLBACK_SCOPE_SAMPLES = 4096;
const EMA_ALPHA = 0.5;

/** At most this many quanta of silence per stage in the warm-up (64k frames). */
const WARM_UP_MAX_QUANTA = 512;

/** A visual slot the processor fills: a stage's kernel (a chain link's), the slot's target, and where it stands. */
interface Publisher {
  readonly kernel: StageKernel & Required<Pick<StageKernel, 'visualVersion' | 'publish'>>;
  readonly slot: number;
  /** The slot's part of the visual region (made at set-stage, not per quantum). */
  readonly target: Float32Array;
  readonly figures: Float64Array;
  /** The kernel's visualVersion as this quantum began. */
  before: number;
  /** The version last published. */
  lastVersion: number;
  /** A frame finished in the last quantum (or left for another slot's) waits for this one. */
  deferred: boolean;
}

class StagebenchProcessor extends AudioWorkletProcessor {
  private readonly views: TelemetryViews;
  private readonly shared: boolean;
  private wasm: StagebenchWasm | null = null;
  /** After 'release': no stage, no wasm, process() ends. */
  private released = false;
  private wasmFailure: string | null = null;
  private stage: StageDescriptor | null = null;
  private kernel: StageKernel | null = null;
  /** A chain running instead of one stage (set-chain); `kernel` is then its kernel. */
  private chain: Chain | null = null;
  /** The kernel before a test-slowdown wrapped it (null: not wrapped). */
  private unslowedKernel: StageKernel | null = null;
  /** Frames per quantum: the context's (processorOptions), then the length process() is given. */
  private quantumFrames: number;
  private silence: Float32Array;
  private silentInputs: Float32Array[];
  // live-load window (Date.now(), 1 ms ticks)
  private windowStartMs = 0;
  private windowBusyMs = 0;
  private windowQuanta = 0;
  private startWallMs = 0;
  private startAudioTime = 0;
  private lastPostMs = 0;
  private lastStageErrorPosted = 0;
  /** The stage's visual slot, or one per chain stage that has a visual frame. */
  private publishers: Publisher[] = [];
  /** The publisher looked at first in the next quantum: at most one frame is copied out a quantum, in turn. */
  private publishFrom = 0;
  /** The visual slot of each chain link (-1: none). */
  private linkSlots: number[] = [];
  private readonly lastPostedVisualSeqs = new Array<number>(VISUAL_SLOTS).fill(-1);
  /** Date.now() step that proves a callback outlasted the deadline (overDeadlineStepMs). */
  private overDeadlineStep: number;
  /** Rendering in an OfflineAudioContext (ProcessorOptions.offline). */
  private readonly offline: boolean;
  /** Decoded audio that replaces the live input while attached (shared ring or message queue). */
  private playbackRing: RingConsumer | null = null;
  private playbackQueue: PlaybackQueue | null = null;
  private playbackPlanes: Float32Array[];

  constructor(options: AudioWorkletNodeOptions) {
    super(options);
    const opts = options.processorOptions as ProcessorOptions;
    this.views = telemetryViews(opts.telemetry);
    this.offline = opts.offline === true;
    this.shared = typeof SharedArrayBuffer !== 'undefined' && opts.telemetry instanceof SharedArrayBuffer;
    this.views.timing[Tim.sampleRate] = sampleRate;
    this.quantumFrames = opts.quantumFrames ?? RENDER_QUANTUM_FRAMES;
    this.silence = new Float32Array(this.quantumFrames);
    this.silentInputs = [this.silence];
    this.playbackPlanes = [new Float32Array(this.quantumFrames), new Float32Array(this.quantumFrames)];
    this.overDeadlineStep = overDeadlineStepMs(sampleRate, this.quantumFrames);
    if (opts.wasmBytes) {
      try {
        this.wasm = instantiateStagebench(opts.wasmBytes);
      } catch (err) {
        this.wasmFailure = (err as Error).message;
      }
    } else {
      this.wasmFailure = opts.wasmMissingReason ?? 'no wasm bytes were given';
    }
    if (this.wasm && !this.offline) this.warmUp(this.wasm);
    this.port.onmessage = (event: MessageEvent<ToProcessor>) => this.onMessage(event.data);
    if (opts.chain) this.setChain(opts.chain, 0);
    else this.setStage(opts.stage ?? Object.keys(STAGES)[0]!, opts.params, 0);
  }

  /**
   * Runs every registered stage on wasm through silence until its first visual frame (at most
   * WARM_UP_MAX_QUANTA quanta) and publishes that frame once, before the first quantum of audio.
   * V8 compiles a wasm function on its first call and JavaScript starts interpreted, and a stage's
   * buffers are fresh pages until first written: paid here once, not in a live stage's first quanta
   * (measured before: the EQ and Shift stories' first quanta took 2 ms or more as they started in
   * most visits, now and then twice or over the deadline). The stages are made anew when selected.
   */
  private warmUp(wasm: StagebenchWasm): void {
    const t0 = Date.now();
    const out = new Float32Array(this.quantumFrames);
    const figures = new Float64Array(FIGURE_SLOTS);
    for (const stage of Object.values(STAGES)) {
      try {
        const { values } = resolveParams(stage.params, {});
        const kernel = stage.createWasmKernel(wasm, values, sampleRate, this.quantumFrames);
        const target = new Float32Array(kernel.visualLength ?? 0);
        const first = kernel.visualVersion?.() ?? 0;
        for (let q = 0; q < WARM_UP_MAX_QUANTA; q++) {
          if (kernel.process(this.silentInputs, stage.hasAudioOutput ? out : null) < 0) break;
          if (kernel.visualVersion && kernel.visualVersion() !== first) break;
        }
        kernel.publish?.(target, figures);
      } catch {
        // a stage that cannot start says so when it is selected
      }
    }
    this.views.timing[Tim.warmUpMs] = Date.now() - t0;
  }

  private post(message: FromProcessor): void {
    this.port.postMessage(message);
  }

  private onMessage(msg: ToProcessor): void {
    switch (msg.type) {
      case 'set-stage':
        this.setStage(msg.stage, msg.params, msg.seq);
        break;
      case 'set-chain':
        this.setChain(msg.stages, msg.seq);
        break;
      case 'set-chain-param':
        this.chain?.setParam(msg.index, msg.name, msg.value);
        break;
      case 'set-chain-flags':
        this.chain?.setFlags(msg.index, msg);
        break;
      case 'report-chain':
        this.postChainFigures(msg.seq);
        break;
      case 'sync':
        this.post({ type: 'synced', seq: msg.seq });
        break;
      case 'set-param': {
        const spec = this.stage?.params.find((p) => p.name === msg.name);
        if (this.kernel && spec) this.kernel.setParam(msg.name, clampParam(spec, msg.value).value);
        break;
      }
      case 'reset-telemetry':
        this.resetTelemetry();
        break;
      case 'restart-clocks':
        this.restartClocks();
        break;
      case 'attach-playback':
        this.playbackRing = null;
        this.playbackQueue = null;
        try {
          if (msg.handles) this.playbackRing = new RingConsumer(parsePoolLayout(msg.handles), msg.ring, this.quantumFrames);
          else this.playbackQueue = new PlaybackQueue();
        } catch (err) {
          this.post({ type: 'stage-error', stage: this.stage?.id ?? '?', message: `playback could not attach: ${(err as Error).message}` });
        }
        break;
      case 'playback-chunk':
        this.playbackQueue?.push(msg.planes, msg.end);
        break;
      case 'detach-playback':
        this.playbackRing = null;
        this.playbackQueue = null;
        break;
      case 'test-slowdown':
        if (this.unslowedKernel === null) this.unslowedKernel = this.kernel;
        if (this.unslowedKernel) this.kernel = slowedDown(this.unslowedKernel, msg.factor);
        break;
      case 'release':
        this.released = true;
        this.kernel = null;
        this.stage = null;
        this.chain = null;
        this.wasm = null;
        this.playbackRing = null;
        this.playbackQueue = null;
        break;
    }
  }

  private resetTelemetry(): void {
    const c = this.views.control;
    Atomics.store(c, Ctl.quantumCount, 0);
    Atomics.store(c, Ctl.quantaOver1ms, 0);
    Atomics.store(c, Ctl.quantaTickSpans, 0);
    Atomics.store(c, Ctl.quantaOverDeadline, 0);
    Atomics.store(c, Ctl.stageErrors, 0);
    this.views.timing[Tim.loadMeanPct] = 0;
    // a new window starts from nothing: the previous stage's partial window would inflate quanta/s
    this.restartClocks();
  }

  /**
   * Drift and load window from the next quantum on. After a suspension (the kernel timing suspends
   * audio; so does Stop) the window that spans it would count the pause as wall time without
   * quanta, and the drift baseline would keep it for good (measured: quanta/s 14 in that window,
   * then an EMA creeping back to 344.5 over ~10 s, and a constant drift of about -1 s).
   */
  private restartClocks(): void {
    const timing = this.views.timing;
    timing[Tim.quantaPerSecEma] = 0;
    timing[Tim.audioClockDriftMs] = 0;
    this.windowStartMs = 0;
    this.windowQuanta = 0;
    this.windowBusyMs = 0;
    this.startWallMs = 0;
  }

  /** Creates the stage on wasm if possible, else on its TypeScript reference; never throws. */
  private setStage(id: string, given: ParamValues, seq: number): void {
    this.kernel = null;
    this.chain = null;
    this.unslowedKernel = null;
    let stage: StageDescriptor;
    try {
      stage = getStage(id);
    } catch (err) {
      this.post({ type: 'stage-error', stage: id, message: (err as Error).message, seq });
      return;
    }
    this.stage = stage;
    // offline there is no deadline: the stage's offline settings (e.g. an analysis run whole at its hop, as the reference kernel does)
    const { values } = resolveParams(stage.params, this.offline ? withOfflineParams(stage, given) : given);
    let reason = this.wasmFailure;
    if (this.wasm) {
      try {
        this.kernel = stage.createWasmKernel(this.wasm, values, sampleRate, this.quantumFrames);
      } catch (err) {
        reason = `stage ${id} could not start on wasm: ${(err as Error).message}`;
      }
    }
    if (!this.kernel) {
      try {
        this.kernel = stage.createReferenceKernel(values, sampleRate, this.quantumFrames);
      } catch (err) {
        this.post({ type: 'stage-error', stage: id, message: (err as Error).message, seq });
        return;
      }
    }
    this.started(id, reason, seq, [this.kernel]);
  }

  /**
   * The new kernel's visual slots (one per kernel of `visualKernels` that has a visual frame and
   * room in the region, in order: slot 0 first), telemetry and status. Returns each kernel's slot (-1: none).
   */
  private started(id: string, reason: string | null, seq: number, visualKernels: readonly StageKernel[]): number[] {
    const kernel = this.kernel!;
    const targets = layOutVisualSlots(
      this.views,
      visualKernels.map((k) => k.visualLength ?? 0),
    );
    const slots = visualKernels.map((k, slot) =>
      slot < targets.length && targets[slot]!.length > 0 && k.publish && k.visualVersion ? slot : -1,
    );
    this.publishers = [];
    slots.forEach((slot) => {
      if (slot < 0) return;
      const k = visualKernels[slot]!;
      this.publishers.push({
        kernel: k as Publisher['kernel'],
        slot,
        target: targets[slot]!,
        figures: this.views.figures[slot]!,
        before: 0,
        lastVersion: -1,
        deferred: false,
      });
    });
    this.publishFrom = 0;
    const active = kernel.backend === 'wasm';
    Atomics.store(this.views.control, Ctl.wasmStatus, active ? 1 : 2);
    this.resetTelemetry();
    this.publishWasmFigures();
    this.post({ type: 'status', stage: id, status: active ? 'active' : 'fallback', reason: active ? null : reason, seq });
    return slots;
  }

  /**
   * Runs `stages` in order on the one wasm instance (each on its reference where wasm cannot run
   * it); each stage that has a visual frame publishes it and its figures in a visual slot of its
   * own, and every stage's figures go by message once a second. Never throws.
   */
  private setChain(stages: ChainStageSpec[], seq: number): void {
    this.kernel = null;
    this.unslowedKernel = null;
    this.chain = null;
    this.stage = null;
    const id = chainName(stages.map((s) => s.stage));
    try {
      this.chain = createChain({ wasm: this.wasm, stages, sampleRate, quantumFrames: this.quantumFrames, offline: this.offline });
    } catch (err) {
      this.post({ type: 'stage-error', stage: id, message: (err as Error).message, seq });
      return;
    }
    const chain = this.chain;
    this.kernel = chain.kernel();
    const reason = this.wasm ? (chain.links.find((l) => l.fallbackReason)?.fallbackReason ?? null) : this.wasmFailure;
    const slots = this.started(
      id,
      reason,
      seq,
      chain.visualLinks.map((i) => chain.links[i]!.kernel),
    );
    this.linkSlots = chain.links.map((_, i) => slots[chain.visualLinks.indexOf(i)] ?? -1);
    this.postChainFigures();
  }

  /** Every chain stage's figures, flags and backend (allocates: once a second, or when asked: `seq`). */
  private postChainFigures(seq?: number): void {
    const chain = this.chain;
    if (!chain) return;
    this.post({
      type: 'chain-figures',
      stages: chain.links.map((link, i) => ({
        stage: link.stage.id,
        backend: link.kernel.backend,
        reason: link.fallbackReason,
        bypass: link.bypass,
        solo: link.solo,
        figures: chain.figures(i),
        hasVisual: (link.kernel.visualLength ?? 0) > 0,
        visualSlot: this.linkSlots[i] ?? -1,
      })),
      ...(seq !== undefined ? { seq } : {}),
    });
  }

  private publishWasmFigures(): void {
    if (!this.wasm) return;
    Atomics.store(this.views.control, Ctl.wasmMemoryBytes, this.wasm.memoryBytes());
    Atomics.store(this.views.control, Ctl.wasmAllocCount, this.wasm.exports.alloc_count());
    Atomics.store(this.views.control, Ctl.wasmLiveBytes, this.wasm.exports.alloc_live_bytes());
  }

  override process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    if (this.released) return false;
    const t0 = Date.now();
    const channels = inputs[0];
    // the quantum's length from the buffers themselves (the first input may be empty: no source yet)
    const frames = outputs[0]?.[0]?.length ?? channels?.[0]?.length ?? this.quantumFrames;
    if (frames !== this.silence.length) this.resizeQuantum(frames);
    this.views.timing[Tim.quantumFrames] = frames;
    let ins = channels && channels.length > 0 ? channels : this.silentInputs;
    if (this.playbackRing || this.playbackQueue) {
      // decoded audio (popped from the pool's ring, or queued messages) is the stage's input
      if (this.playbackRing) this.playbackRing.process(this.playbackPlanes);
      else this.playbackQueue!.process(this.playbackPlanes);
      ins = this.playbackPlanes;
    }
    const input = ins[0]!;
    writeScope(this.views, input);
    const out = outputs[0]?.[0] ?? null;
    const kernel = this.kernel;
    if (kernel) {
      const pubs = this.publishers;
      for (let k = 0; k < pubs.length; k++) pubs[k]!.before = pubs[k]!.kernel.visualVersion();
      const status = kernel.process(ins, this.chain || this.stage?.hasAudioOutput ? out : null);
      if (status < 0) this.onStageError(status);
      else if (pubs.length > 0) this.publishFrames(pubs);
    }
    if (out && outputs[0]) {
      // mirror channel 0 to any further output channels
      for (let ch = 1; ch < outputs[0].length; ch++) outputs[0][ch]!.set(out);
    }
    Atomics.add(this.views.control, Ctl.quantumCount, 1);
    const t1 = Date.now();
    this.account(t0, t1);
    return true;
  }

  /**
   * Copies out the visual frames the kernels have finished. Live, a frame a kernel finished in this
   * very callback is copied out in the next one (at most one late), so an analysis and its publish
   * (dB conversions, spectra) never share one quantum's time, and at most one slot is published a
   * quantum (the others wait their turn: a chain's stages take turns); offline (no deadline) all
   * at once, so a render's last frames show. Allocation-free.
   */
  private publishFrames(pubs: readonly Publisher[]): void {
    const n = pubs.length;
    let published = false;
    for (let j = 0; j < n; j++) {
      const k = (this.publishFrom + j) % n;
      const p = pubs[k]!;
      const version = p.kernel.visualVersion();
      if (version === p.lastVersion) continue;
      if (!this.offline && (published || (version !== p.before && !p.deferred))) {
        p.deferred = true;
        continue;
      }
      p.deferred = false;
      p.lastVersion = version;
      beginVisual(this.views, p.slot);
      p.kernel.publish(p.target, p.figures);
      endVisual(this.views, p.target.length, p.slot);
      if (!this.offline) {
        published = true;
        this.publishFrom = k + 1;
      }
    }
  }

  /**
   * The context renders quanta of another length than processorOptions said (a browser that does
   * not report it): silence and playback buffers of the new length, once. A kernel made for
   * shorter quanta refuses the longer ones (status -2), so that is reported; the next set-stage
   * makes the stage for the new length.
   */
  private resizeQuantum(frames: number): void {
    const grown = frames > this.quantumFrames;
    this.quantumFrames = frames;
    this.silence = new Float32Array(frames);
    this.silentInputs = [this.silence];
    this.playbackPlanes = [new Float32Array(frames), new Float32Array(frames)];
    this.overDeadlineStep = overDeadlineStepMs(sampleRate, frames);
    if (grown && (this.stage || this.chain))
      this.post({
        type: 'stage-error',
        stage: this.stage?.id ?? chainName(this.chain!.links.map((l) => l.stage.id)),
        message: `render quantum is ${frames} frames, the ${this.stage ? 'stage was' : 'chain’s stages were'} made for fewer: select it again`,
      });
  }

  private onStageError(status: number): void {
    const errors = Atomics.add(this.views.control, Ctl.stageErrors, 1) + 1;
    // report the first error, then at most one a second
    const now = Date.now();
    if (errors === 1 || now - this.lastStageErrorPosted > 1000) {
      this.lastStageErrorPosted = now;
      this.post({ type: 'stage-error', stage: this.stage?.id ?? '?', message: statusMessage(status) });
    }
  }

  /** Live load by Date.now(): sums over >= 1 s windows are unbiased for the mean despite 1 ms ticks. */
  private account(t0: number, t1: number): void {
    const busy = t1 - t0;
    if (busy >= 2) {
      Atomics.add(this.views.control, Ctl.quantaOver1ms, 1);
      if (busy >= this.overDeadlineStep) Atomics.add(this.views.control, Ctl.quantaOverDeadline, 1);
    } else if (busy === 1) Atomics.add(this.views.control, Ctl.quantaTickSpans, 1);
    if (this.startWallMs === 0) {
      this.startWallMs = t0;
      this.startAudioTime = currentTime;
      this.windowStartMs = t0;
    }
    this.windowBusyMs += busy;
    this.windowQuanta++;
    const windowMs = t1 - this.windowStartMs;
    if (windowMs >= LOAD_WINDOW_MS) {
      const timing = this.views.timing;
      const qps = (this.windowQuanta * 1000) / windowMs;
      const prev = timing[Tim.quantaPerSecEma]!;
      timing[Tim.quantaPerSecEma] = prev === 0 ? qps : EMA_ALPHA * qps + (1 - EMA_ALPHA) * prev;
      timing[Tim.loadMeanPct] = (100 * this.windowBusyMs) / windowMs;
      timing[Tim.windowMs] = windowMs;
      timing[Tim.audioClockDriftMs] = (currentTime - this.startAudioTime) * 1000 - (t1 - this.startWallMs);
      this.publishWasmFigures();
      this.postChainFigures();
      Atomics.add(this.views.control, Ctl.timingSeq, 1);
      this.windowStartMs = t1;
      this.windowBusyMs = 0;
      this.windowQuanta = 0;
    }
    if (!this.shared && t1 - this.lastPostMs >= FALLBACK_POST_INTERVAL_MS) {
      this.lastPostMs = t1;
      const scope = new Float32Array(FALLBACK_SCOPE_SAMPLES);
      readScope(this.views, scope);
      // a slot's visual frame travels only when it changed since the last post
      const visuals = new Array<Float32Array | null>(VISUAL_SLOTS).fill(null);
      for (const p of this.publishers) {
        const seq = visualSeq(this.views, p.slot);
        if (seq !== this.lastPostedVisualSeqs[p.slot]) visuals[p.slot] = p.target.slice();
        this.lastPostedVisualSeqs[p.slot] = seq;
      }
      const figures = this.views.figures.map((f) => f.slice());
      this.post({ type: 'telemetry', snapshot: snapshot(this.views), scope, visuals, figures });
      const q = this.playbackQueue;
      if (q)
        this.post({
          type: 'playback',
          framesRead: q.framesRead,
          underruns: q.underruns,
          bufferedFrames: q.bufferedFrames,
          ended: q.finished,
        });
    }
  }
}

registerProcessor(PROCESSOR_NAME, StagebenchProcessor);
