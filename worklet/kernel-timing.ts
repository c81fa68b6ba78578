/**
 * Kernel timing, shared by the browser timing worker and the Node CLI: a stage's process entry
 * run over batches of quanta on the same wasm and the same input, each batch long enough
 * (>= minBatchMs) for performance.now() to resolve it, giving per-quantum cost per batch.
 */
import { RENDER_QUANTUM_FRAMES, quantumDeadlineUs, type ParamValues, type StageKernel } from '../dsp-stages/types.ts';
import { getStage } from '../dsp-stages/registry.ts';
import { resolveParams } from '../dsp-stages/params.ts';
import { slowedDown } from '../dsp-stages/faults.ts';
import type { ChainTiming, KernelTiming } from './protocol.ts';
import { createChain, type ChainStageSpec } from './chain.ts';
import type { StagebenchWasm } from './abi.ts';
import { percentile } from './stats.ts';

/** Running time before calibration, ms: long enough for V8 to optimise the kernel's JS glue. */
const WARM_UP_MS = 100;

export interface TimeKernelOptions {
  stage: string;
  params: ParamValues;
  sampleRate: number;
  wasm: StagebenchWasm | null;
  input: Float32Array;
  batches: number;
  minBatchMs: number;
  /** Quanta to time one by one after the batches (default 2000; 0 to skip). */
  singleQuanta?: number;
  now: () => number;
  /** Names the clock for the display, e.g. 'performance.now() in a Web Worker'. */
  clock: string;
  /** Test-only: the kernel made this many times slower (dsp-stages/faults.ts); default 1. */
  slowdown?: number;
  /** Frames per quantum (the context's render quantum); default RENDER_QUANTUM_FRAMES. */
  quantumFrames?: number;
}

/**
 * Runs `run(n)` (n quanta) until warm, then batches of it, each long enough (>= minBatchMs) to
 * resolve: the per-quantum cost of each batch, µs.
 */
function batchMeans(run: (count: number) => void, warmQuanta: number, batches: number, minBatchMs: number, now: () => number) {
  const warmStart = now();
  while (now() - warmStart < WARM_UP_MS) run(warmQuanta);
  let perBatch = 1;
  for (;;) {
    const t0 = now();
    run(perBatch);
    if (now() - t0 >= minBatchMs) break;
    perBatch *= 2;
  }
  const samplesUs: number[] = [];
  for (let b = 0; b < batches; b++) {
    const t0 = now();
    run(perBatch);
    samplesUs.push(((now() - t0) * 1000) / perBatch);
  }
  const sorted = [...samplesUs].sort((a, b) => a - b);
  return { quantaPerBatch: perBatch, p50Us: percentile(sorted, 50), p99Us: percentile(sorted, 99) };
}

export interface TimeChainOptions {
  stages: readonly ChainStageSpec[];
  sampleRate: number;
  wasm: StagebenchWasm | null;
  /** Channel 0 fed to the chain, cycled quantum by quantum (a second channel: a copy of it). */
  input: Float32Array;
  batches: number;
  minBatchMs: number;
  now: () => number;
  clock: string;
  quantumFrames?: number;
}

/**
 * Times a chain as it runs in the processor (worklet/chain.ts, one wasm instance): first the
 * input is run through the chain once, keeping what reaches each stage; then each stage's kernel
 * (activated every quantum, as in the chain) in batches over its own input, and the whole chain
 * in batches over the input. Batch means as `timeKernel` takes them: the performance.now() of
 * a worker resolves a batch, not a 1 µs stage call.
 */
export function timeChain(opts: TimeChainOptions): ChainTiming {
  const Q = opts.quantumFrames ?? RENDER_QUANTUM_FRAMES;
  const chain = createChain({ wasm: opts.wasm, stages: opts.stages, sampleRate: opts.sampleRate, quantumFrames: Q });
  const quanta = Math.max(1, Math.floor(opts.input.length / Q));
  const frames = Array.from({ length: quanta }, (_, q) => opts.input.subarray(q * Q, (q + 1) * Q));
  const inputs = frames.map((f) => [f, f]);
  // what reaches each stage, quantum by quantum (copies: the chain's buffers are reused)
  const reaching: Float32Array[][][] = chain.links.map(() => []);
  for (const quantum of inputs) {
    let channels: readonly Float32Array[] = quantum;
    chain.links.forEach((_, i) => {
      reaching[i]!.push(channels.map((c) => c.slice()));
      channels = chain.step(i, channels);
      if (chain.lastStatus < 0) throw new Error(`stage ${chain.links[i]!.stage.id} process failed with status ${chain.lastStatus}`);
    });
  }
  const allocBefore = opts.wasm?.exports.alloc_count() ?? 0;
  const stages = chain.links.map((link, i) => {
    const own = reaching[i]!;
    const output = link.stage.hasAudioOutput ? new Float32Array(Q) : null;
    let q = 0;
    const run = (count: number): void => {
      for (let n = 0; n < count; n++) {
        const status = link.kernel.process(own[q]!, output);
        if (status < 0) throw new Error(`stage ${link.stage.id} process failed with status ${status}`);
        q = q + 1 === quanta ? 0 : q + 1;
      }
    };
    return { stage: link.stage.id, backend: link.kernel.backend, ...batchMeans(run, quanta, opts.batches, opts.minBatchMs, opts.now) };
  });
  const output = new Float32Array(Q);
  let q = 0;
  const runChain = (count: number): void => {
    for (let n = 0; n < count; n++) {
      const status = chain.process(inputs[q]!, output);
      if (status < 0) throw new Error(`chain process failed with status ${status}`);
      q = q + 1 === quanta ? 0 : q + 1;
    }
  };
  const total = batchMeans(runChain, quanta, opts.batches, opts.minBatchMs, opts.now);
  return {
    clock: opts.clock,
    quantumFrames: Q,
    sampleRate: opts.sampleRate,
    deadlineUs: quantumDeadlineUs(opts.sampleRate, Q),
    stages,
    total,
    allocationsDuringRun: (opts.wasm?.exports.alloc_count() ?? 0) - allocBefore,
  };
}

export function timeKernel(opts: TimeKernelOptions): KernelTiming {
  const stage = getStage(opts.stage);
  const { values } = resolveParams(stage.params, opts.params);
  const Q = opts.quantumFrames ?? RENDER_QUANTUM_FRAMES;
  const kernel: StageKernel = slowedDown(
    opts.wasm ? stage.createWasmKernel(opts.wasm, values, opts.sampleRate, Q) : stage.createReferenceKernel(values, opts.sampleRate, Q),
    opts.slowdown ?? 1,
  );
  const quanta = Math.max(1, Math.floor(opts.input.length / Q));
  const frames: Float32Array[][] = [];
  for (let q = 0; q < quanta; q++) {
    frames.push([opts.input.subarray(q * Q, (q + 1) * Q)]);
  }
  const output = stage.hasAudioOutput ? new Float32Array(Q) : null;
  let q = 0;
  const run = (count: number): void => {
    for (let i = 0; i < count; i++) {
      const status = kernel.process(frames[q]!, output);
      if (status < 0) throw new Error(`stage ${stage.id} process failed with status ${status}`);
      q = q + 1 === quanta ? 0 : q + 1;
    }
  };
  // warm up first (so the JIT has tiered up: an interpreted first batch would be calibrated far
  // too short), then double the batch until it takes at least minBatchMs
  const warmStart = opts.now();
  while (opts.now() - warmStart < WARM_UP_MS) run(quanta);
  let perBatch = 1;
  for (;;) {
    const t0 = opts.now();
    run(perBatch);
    if (opts.now() - t0 >= opts.minBatchMs) break;
    perBatch *= 2;
  }
  const allocBefore = opts.wasm?.exports.alloc_count() ?? 0;
  const memBefore = opts.wasm?.memoryBytes() ?? 0;
  const samplesUs: number[] = [];
  for (let b = 0; b < opts.batches; b++) {
    const t0 = opts.now();
    run(perBatch);
    samplesUs.push(((opts.now() - t0) * 1000) / perBatch);
  }
  const singleUs: number[] = [];
  for (let i = 0; i < (opts.singleQuanta ?? 2000); i++) {
    const t0 = opts.now();
    run(1);
    singleUs.push((opts.now() - t0) * 1000);
  }
  const sortedSingle = [...singleUs].sort((a, b) => a - b);
  let resolutionUs = Infinity;
  for (let i = 1; i < sortedSingle.length; i++) {
    const d = sortedSingle[i]! - sortedSingle[i - 1]!;
    if (d > 1e-6 && d < resolutionUs) resolutionUs = d;
  }
  const sorted = [...samplesUs].sort((a, b) => a - b);
  return {
    stage: stage.id,
    backend: kernel.backend,
    clock: opts.clock,
    samplesUs,
    quantaPerBatch: perBatch,
    p50Us: percentile(sorted, 50),
    p95Us: percentile(sorted, 95),
    p99Us: percentile(sorted, 99),
    deadlineUs: quantumDeadlineUs(opts.sampleRate, Q),
    quantumFrames: Q,
    singleQuantum: {
      count: singleUs.length,
      p50Us: percentile(sortedSingle, 50),
      p99Us: percentile(sortedSingle, 99),
      maxUs: sortedSingle.length > 0 ? sortedSingle[sortedSingle.length - 1]! : NaN,
      resolutionUs: Number.isFinite(resolutionUs) ? resolutionUs : NaN,
    },
    allocationsDuringRun: (opts.wasm?.exports.alloc_count() ?? 0) - allocBefore,
    memoryGrowthBytes: (opts.wasm?.memoryBytes() ?? 0) - memBefore,
  };
}
