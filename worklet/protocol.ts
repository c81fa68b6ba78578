/** Typed messages between the main thread, the AudioWorklet processor and the timing worker. */
import type { ParamValues } from '../dsp-stages/types.ts';
import type { TelemetrySnapshot } from './layout.ts';
import type { PoolLayoutHandles } from './pool/layout.ts';
import type { ChainStageSpec } from './chain.ts';

/** Name the processor registers under (also its file's name). */
export const PROCESSOR_NAME = 'stagebench-processor';

/** processorOptions of the AudioWorkletNode: everything the processor needs before its first process(). */
export interface ProcessorOptions {
  /** Bytes of stagebench_dsp.wasm, or null when they could not be loaded (then `wasmMissingReason`). */
  wasmBytes: ArrayBuffer | null;
  wasmMissingReason: string | null;
  /** SharedArrayBuffer when cross-origin isolated, else a plain ArrayBuffer (postMessage fallback). */
  telemetry: SharedArrayBuffer | ArrayBuffer;
  /** The stage to start with; null: the first registered one (a placeholder until a set-stage). */
  stage: string | null;
  params: ParamValues;
  /** A chain to start with instead of `stage` (worklet/chain.ts). */
  chain?: ChainStageSpec[];
  /** In an OfflineAudioContext: the stage's `offlineParams` apply (no deadline there). */
  offline?: boolean;
  /**
   * Frames per render quantum the context reports (contextQuantumFrames); absent: RENDER_QUANTUM_FRAMES.
   * Kernels are created for it; process() still follows the length its buffers actually have.
   */
  quantumFrames?: number;
}

export type ToProcessor =
  /** `seq` numbers the selection; the processor's status (or stage-error) for it echoes it. */
  | { type: 'set-stage'; stage: string; params: ParamValues; seq: number }
  | { type: 'set-param'; name: string; value: number | string }
  /**
   * Runs the stages in order on one wasm instance (worklet/chain.ts) instead of one stage; answered
   * like set-stage (status or stage-error echoing `seq`, stage `chain:a,b,...`).
   */
  | { type: 'set-chain'; stages: ChainStageSpec[]; seq: number }
  /** A parameter of the chain's stage at `index`. */
  | { type: 'set-chain-param'; index: number; name: string; value: number | string }
  /** Bypass or solo the chain's stage at `index` from the next quantum on. */
  | { type: 'set-chain-flags'; index: number; bypass?: boolean; solo?: boolean }
  /** Asks for a 'chain-figures' message now, answering `seq` (an offline render's last figures). */
  | { type: 'report-chain'; seq: number }
  /** Answered with 'synced' and the same `seq`: the port is in order, so every message before it was taken. */
  | { type: 'sync'; seq: number }
  | { type: 'reset-telemetry' }
  /**
   * The context was suspended or resumed: its clock stood still while Date.now() went on, so the
   * clock drift and the load window start again from the next quantum (the counts stay).
   */
  | { type: 'restart-clocks' }
  /**
   * Decoded audio replaces the live source as the stage's input: from ring `ring` of the pool's
   * shared layout (SharedArrayBuffer), or, without one, from `playback-chunk` messages.
   */
  | { type: 'attach-playback'; handles: PoolLayoutHandles | null; ring: number }
  /** Messages mode: the next frames to play (planar, one or two channels); `end` after the last. */
  | { type: 'playback-chunk'; planes: Float32Array[]; end: boolean }
  | { type: 'detach-playback' }
  /** The node is done (an offline render has finished): drop the stage and the wasm instance, end process(). */
  | { type: 'release' }
  /** Test-only: the current stage's kernel made `factor` times slower until the next set-stage (dsp-stages/faults.ts). */
  | { type: 'test-slowdown'; factor: number };

export type FromProcessor =
  /** The stage selected by set-stage `seq` (0: the one of processorOptions) is running. */
  | { type: 'status'; stage: string; status: 'active' | 'fallback'; reason: string | null; seq: number }
  /** `seq` is set when the error answers a set-stage (the stage could not start at all). */
  | { type: 'stage-error'; stage: string; message: string; seq?: number }
  /** Only without SharedArrayBuffer: figures at most every 50 ms, with the newest scope samples. */
  | {
      type: 'telemetry';
      snapshot: TelemetrySnapshot;
      scope: Float32Array;
      /** Per visual slot: its frame when it changed since the last post, else null. */
      visuals: Array<Float32Array | null>;
      /** Per visual slot: its figures. */
      figures: Float64Array[];
    }
  /** A chain's per-stage figures (descriptor order, NaN until a stage has some): once a second, and on 'report-chain'. */
  | {
      type: 'chain-figures';
      stages: ChainStageFigures[];
      /** The report-chain this answers; absent on the unasked ones (set-chain, once a second), which may still be in flight. */
      seq?: number;
    }
  /** The answer to 'sync' `seq`. */
  | { type: 'synced'; seq: number }
  /** Messages-mode playback figures (the shared ring keeps its own counters), at most every 50 ms. */
  | { type: 'playback'; framesRead: number; underruns: number; bufferedFrames: number; ended: boolean };

/** The name a running chain of these stages goes by (the runtime's stage, status messages): `chain:a,b`. */
export function chainName(ids: readonly string[]): string {
  return `chain:${ids.join(',')}`;
}

/** One stage of a running chain as the processor reports it. */
export interface ChainStageFigures {
  stage: string;
  backend: 'wasm' | 'reference';
  /** Why it runs its reference (null on wasm). */
  reason: string | null;
  bypass: boolean;
  solo: boolean;
  figures: number[];
  /** Whether it has a visual frame. */
  hasVisual: boolean;
  /** The visual slot its frame and figures are published in (layout.ts), or -1: it has no visual frame, or no room was left for it. */
  visualSlot: number;
}

/** Kernel timing: per-quantum cost from batch means, performance.now() in a worker. */
export interface KernelTiming {
  stage: string;
  backend: 'wasm' | 'reference';
  /** Which clock timed the batches, shown beside every figure. */
  clock: string;
  /** Per-quantum cost of each batch, µs (batch time / quanta in the batch). */
  samplesUs: number[];
  quantaPerBatch: number;
  p50Us: number;
  p95Us: number;
  p99Us: number;
  /** quantumFrames / sampleRate in µs. */
  deadlineUs: number;
  /** Frames per timed quantum (the context's render quantum). */
  quantumFrames: number;
  /**
   * Quanta timed one by one (clock resolution permitting: about 5 µs when cross-origin isolated):
   * shows whether a single quantum carries more than its share of periodic work (an analysis every hop).
   */
  singleQuantum: { count: number; p50Us: number; p99Us: number; maxUs: number; resolutionUs: number };
  /** Wasm heap allocations during all the timed batches (0 means the hot path allocated nothing). */
  allocationsDuringRun: number;
  /** Wasm linear-memory growth during the timed batches, bytes. */
  memoryGrowthBytes: number;
}

/** A chain timed in the worker: each stage's kernel as it runs in the chain, and the whole chain. */
export interface ChainTiming {
  clock: string;
  /** Frames per timed quantum. */
  quantumFrames: number;
  sampleRate: number;
  /** quantumFrames / sampleRate in µs. */
  deadlineUs: number;
  /** Per stage, in chain order: its kernel in batches over the audio that reaches it in the chain. */
  stages: Array<{ stage: string; backend: 'wasm' | 'reference'; quantaPerBatch: number; p50Us: number; p99Us: number }>;
  /** The whole chain (every stage, and the activations between them) in batches. */
  total: { quantaPerBatch: number; p50Us: number; p99Us: number };
  /** Wasm heap allocations during all the timed batches (0: the chain's hot path allocated nothing). */
  allocationsDuringRun: number;
}

export type ToTimer =
  | {
      type: 'measure-chain';
      id: number;
      wasmBytes: ArrayBuffer | null;
      stages: ChainStageSpec[];
      sampleRate: number;
      input: Float32Array;
      quantumFrames: number;
      batches: number;
      minBatchMs: number;
    }
  | {
      type: 'measure';
      id: number;
      wasmBytes: ArrayBuffer | null;
      stage: string;
      params: ParamValues;
      sampleRate: number;
      /** Input fed to the kernel, cycled quantum by quantum. */
      input: Float32Array;
      /** Frames per quantum, as the context renders them. */
      quantumFrames: number;
      batches: number;
      minBatchMs: number;
      /** Quanta to time one by one after the batches (0 to skip). */
      singleQuanta: number;
      /** Test-only: the kernel made this many times slower (dsp-stages/faults.ts). */
      slowdown?: number;
    };

export type FromTimer =
  | { type: 'timing'; id: number; timing: KernelTiming }
  | { type: 'chain-timing'; id: number; timing: ChainTiming }
  | { type: 'timing-failed'; id: number; error: string };
