/**
 * The fft stage on the worker pool: the `compute_fft` task kind, a plain real FFT
 * (`fft_transform`, no window) of 512, 1024, 2048 or 4096 samples on a worker, size/2 + 1
 * complex bins; and `computeFft(pool, input)`, its typed call.
 *
 * Shared mode: the samples go through a staging buffer of the pool, the spectrum through one of
 * the kind's 8 output buffers (`FFT_OUTPUT`); messages mode moves both. The hot shape (shared) has
 * a compact mailbox form both ways.
 */
import { statusMessage, type StagebenchWasm } from '../../worklet/abi.ts';
import type { RegionSpec } from '../../worklet/pool/layout.ts';
import { isInt32, keyCount } from '../../worklet/pool/mailbox.ts';
import type { TaskOutcome, WorkerPool } from '../../worklet/pool/pool.ts';
import { Scratch } from '../../worklet/pool/scratch.ts';
import { defineTaskKind, type TaskBody, type TaskMessageOf } from '../../worklet/pool/task-kind.ts';
import { bindFft } from './bindings.ts';
import { WINDOW_IDS } from './params.ts';

export const POOL_FFT_SIZES = [512, 1024, 2048, 4096] as const;
export type PoolFftSize = (typeof POOL_FFT_SIZES)[number];

/** Complex values per output buffer: enough for `fft_transform` up to 4096 points. */
export const FFT_COMPLEX_PER_BUFFER = 4096;

/** The FFT output buffers: 8 x 4096 complex f32 (interleaved re, im), one per task in flight. */
export const FFT_OUTPUT: RegionSpec = { name: 'fft.output', count: 8, itemBytes: FFT_COMPLEX_PER_BUFFER * 8, align: 0x1000 };

/** Plain real FFT (`fft_transform`, no window) of `fft_size` samples: size/2 + 1 complex bins. */
export interface ComputeFftMessage extends TaskMessageOf<'compute_fft'> {
  fft_size: PoolFftSize;
  data: { mode: 'shared'; audio_offset: number; output_offset: number } | { mode: 'messages'; audio: ArrayBuffer };
}

export interface ComputeFftResult {
  kind: 'compute_fft';
  bins: number;
  /** Messages mode: size + 2 floats (re, im per bin), moved with the reply; null in shared mode. */
  spectrum: ArrayBuffer | null;
}

interface FftState {
  wasm: StagebenchWasm;
  size: number;
  input: Scratch;
  output: Scratch;
}

/** This worker's FFT instance (its own wasm instance: the plan and buffers stay across tasks). */
let state: FftState | null = null;

export const computeFftTask = defineTaskKind<ComputeFftMessage, ComputeFftResult>({
  type: 'compute_fft',
  regions: [FFT_OUTPUT],
  compact: {
    writeTask(m, w) {
      const d = m.data as Record<string, unknown> | undefined;
      if (!d || d.mode !== 'shared' || keyCount(d) !== 3 || keyCount(m) !== 5) return false;
      if (!isInt32(m.fft_size) || !isInt32(d.audio_offset) || !isInt32(d.output_offset)) return false;
      w.i32[0] = m.fft_size;
      w.i32[1] = d.audio_offset;
      w.i32[2] = d.output_offset;
      return true;
    },
    readTask: (w) => ({ fft_size: w.i32[0] as PoolFftSize, data: { mode: 'shared', audio_offset: w.i32[1]!, output_offset: w.i32[2]! } }),
    writeResult(r, w) {
      if (r.kind !== 'compute_fft' || r.spectrum !== null || keyCount(r) !== 3 || !isInt32(r.bins)) return false;
      w.i32[0] = r.bins;
      return true;
    },
    readResult: (w) => ({ kind: 'compute_fft', bins: w.i32[0]!, spectrum: null }),
  },
  run(ctx, msg) {
    const size = msg.fft_size;
    if (!POOL_FFT_SIZES.includes(size)) throw new Error(`compute_fft: size ${size} is not one of ${POOL_FFT_SIZES.join(', ')}`);
    if (!state) {
      const wasm = ctx.instance();
      state = { wasm, size: 0, input: new Scratch(wasm), output: new Scratch(wasm) };
    }
    const fft = state;
    const fx = bindFft(fft.wasm);
    if (fft.size !== size) {
      const status = fx.fft_create(size, WINDOW_IDS.rect, 0);
      if (status !== 0) throw new Error(`fft_create(${size}): ${statusMessage(status)}`);
      fft.size = size;
    }
    const inPtr = fft.input.ensure(size);
    const outPtr = fft.output.ensure(size + 2);
    const audio =
      msg.data.mode === 'shared'
        ? new Float32Array(ctx.needLayout('compute_fft').buffer, msg.data.audio_offset, size)
        : new Float32Array(msg.data.audio, 0, size);
    fft.wasm.f32(inPtr, size).set(audio);
    const status = fx.fft_transform(inPtr, outPtr);
    if (status !== 0) throw new Error(`fft_transform: ${statusMessage(status)}`);
    const spectrum = fft.wasm.f32(outPtr, size + 2);
    if (msg.data.mode === 'shared') {
      new Float32Array(ctx.needLayout('compute_fft').buffer, msg.data.output_offset, size + 2).set(spectrum);
      return { kind: 'compute_fft', bins: size / 2 + 1, spectrum: null };
    }
    return { kind: 'compute_fft', bins: size / 2 + 1, spectrum: spectrum.slice().buffer };
  },
});

/**
 * Real FFT (wasm fft_transform, no window) of `input` (512, 1024, 2048 or 4096 samples) on a
 * worker of `pool`: `spectrum` holds size/2 + 1 bins as interleaved re, im (through an output
 * buffer of the layout in shared mode).
 */
export async function computeFft(
  pool: WorkerPool,
  input: Float32Array,
): Promise<{ spectrum: Float32Array; task: TaskOutcome<ComputeFftResult> }> {
  const size = input.length as PoolFftSize;
  if (!POOL_FFT_SIZES.includes(size))
    throw new Error(`computeFft: ${input.length} samples; the size must be one of ${POOL_FFT_SIZES.join(', ')}`);
  if (pool.layout) {
    const staging = pool.region();
    const outputs = pool.region(FFT_OUTPUT);
    const slot = await staging.acquire();
    const out = await outputs.acquire();
    try {
      staging.floats(slot, size).set(input);
      const task = await pool.run(computeFftTask, (): TaskBody<ComputeFftMessage> => ({
        fft_size: size,
        data: { mode: 'shared', audio_offset: staging.offset(slot), output_offset: outputs.offset(out) },
      }));
      return { spectrum: outputs.floats(out, size + 2).slice(), task };
    } finally {
      outputs.release(out);
      staging.release(slot);
    }
  }
  const task = await pool.run(computeFftTask, (): TaskBody<ComputeFftMessage> => ({
    fft_size: size,
    data: { mode: 'messages', audio: input.slice().buffer },
  }));
  const result = task.result;
  if (result.kind !== 'compute_fft' || !result.spectrum) throw new Error('computeFft: the worker returned no spectrum');
  return { spectrum: new Float32Array(result.spectrum), task };
}
