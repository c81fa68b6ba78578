/**
 * The eq stage on the worker pool: the `process_audio` task kind, the 8-band EQ over a block
 * (eq_create / eq_set_band / eq_process_buffer from a reset state) on a worker; and its typed
 * calls, `processAudio(pool, block, { bands })` and `setEq(pool, bands)`.
 *
 * The kind's region (`EQ_BANDS_REGION`, 8 x 32 B) holds band settings every worker reads when a
 * task names none (shared mode): { kind i32, on i32, freq f64, gain f64, Q f64 } per band, the
 * parameters of `eq_set_band` (each worker turns them into biquad coefficients with the same Rust
 * code, so every side filters alike), published under the region's sequence word. The samples go
 * through a staging buffer of the pool (input in its first half, output in its second); messages
 * mode moves them, and sends the bands with every task. The hot shape (shared, no bands) has a
 * compact mailbox form both ways. A task's `precision` (exact, the default, or fast) is the EQ's
 * `precision` parameter (eq_set_precision); fast tasks go as JSON.
 */
import { statusMessage, type StagebenchWasm } from '../../worklet/abi.ts';
import { STAGING_BYTES, readRegion, writeRegion, type PoolLayout, type RegionSpec } from '../../worklet/pool/layout.ts';
import { isInt32, keyCount } from '../../worklet/pool/mailbox.ts';
import type { TaskOutcome, WorkerPool } from '../../worklet/pool/pool.ts';
import { Scratch } from '../../worklet/pool/scratch.ts';
import { defineTaskKind, type TaskBody, type TaskMessageOf } from '../../worklet/pool/task-kind.ts';
import { bindEq } from './bindings.ts';
import { EQ_PRECISIONS, type EqPrecision } from './params.ts';

export const EQ_BANDS = 8;
export const EQ_BAND_BYTES = 32;

/** The band settings of `setEq` in the layout: 8 x 32 B. */
export const EQ_BANDS_REGION: RegionSpec = { name: 'eq.bands', count: EQ_BANDS, itemBytes: EQ_BAND_BYTES };

/** Samples per process_audio task: half a staging buffer (input and output share one). */
export const MAX_PROCESS_SAMPLES = STAGING_BYTES / 8;

/** Frames per eq_process_buffer piece (its max_frames). */
const EQ_MAX_FRAMES = 1024;

export interface EqBandSetting {
  /** 0 off, 1 peaking, 2 lowshelf, 3 highshelf, 4 lowpass, 5 highpass, 6 bandpass, 7 notch (`eq_set_band`). */
  kind: number;
  freqHz: number;
  gainDb: number;
  q: number;
}

/** EQ over a block: eq_create / eq_set_band / eq_process_buffer from a reset state. */
export interface ProcessAudioMessage extends TaskMessageOf<'process_audio'> {
  num_samples: number;
  sample_rate: number;
  /** Band settings, or null to read them from the layout's band region (shared mode). */
  bands: EqBandSetting[] | null;
  /** The EQ's arithmetic (its `precision` parameter). */
  precision: EqPrecision;
  data: { mode: 'shared'; input_offset: number; output_offset: number } | { mode: 'messages'; input: ArrayBuffer };
}

export interface ProcessAudioResult {
  kind: 'process_audio';
  /** Messages mode: the filtered samples, moved with the reply; null in shared mode. */
  output: ArrayBuffer | null;
}

/** Writes the 8 band settings under the region's sequence word (main thread). Missing bands are off. */
export function writeEqBands(layout: PoolLayout, bands: readonly EqBandSetting[]): void {
  if (bands.length > EQ_BANDS) throw new Error(`${bands.length} EQ bands given, the layout holds ${EQ_BANDS}`);
  writeRegion(layout, EQ_BANDS_REGION, (bytes) => {
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let b = 0; b < EQ_BANDS; b++) {
      const band = bands[b];
      const o = b * EQ_BAND_BYTES;
      v.setInt32(o, band ? band.kind : 0, true);
      v.setInt32(o + 4, band ? 1 : 0, true);
      v.setFloat64(o + 8, band ? band.freqHz : 1000, true);
      v.setFloat64(o + 16, band ? band.gainDb : 0, true);
      v.setFloat64(o + 24, band ? band.q : 1, true);
    }
  });
}

/**
 * Reads the band settings (any side): always `EQ_BANDS` entries, bands never written are off
 * (kind 0). Throws if the writer kept writing during 8 tries.
 */
export function readEqBands(layout: PoolLayout): EqBandSetting[] {
  const bands = readRegion(layout, EQ_BANDS_REGION, (bytes) => {
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const out: EqBandSetting[] = [];
    for (let b = 0; b < EQ_BANDS; b++) {
      const o = b * EQ_BAND_BYTES;
      const on = v.getInt32(o + 4, true) !== 0;
      out.push({
        kind: on ? v.getInt32(o, true) : 0,
        freqHz: v.getFloat64(o + 8, true),
        gainDb: v.getFloat64(o + 16, true),
        q: v.getFloat64(o + 24, true),
      });
    }
    return out;
  });
  if (!bands) throw new Error('EQ band settings kept changing while being read');
  return bands;
}

interface EqState {
  wasm: StagebenchWasm;
  sampleRate: number;
  buffer: Scratch;
}

/** This worker's EQ instance (its own wasm instance, made again only for another sample rate's eq_create). */
let state: EqState | null = null;

export const processAudioTask = defineTaskKind<ProcessAudioMessage, ProcessAudioResult>({
  type: 'process_audio',
  regions: [EQ_BANDS_REGION],
  compact: {
    writeTask(m, w) {
      const d = m.data as Record<string, unknown> | undefined;
      if (!d || d.mode !== 'shared' || keyCount(d) !== 3 || keyCount(m) !== 8 || m.precision !== 'exact') return false;
      if (m.bands !== null || !isInt32(m.num_samples) || typeof m.sample_rate !== 'number') return false;
      if (!isInt32(d.input_offset) || !isInt32(d.output_offset)) return false;
      w.f64[0] = m.sample_rate;
      w.i32[0] = m.num_samples;
      w.i32[1] = d.input_offset;
      w.i32[2] = d.output_offset;
      return true;
    },
    readTask: (w) => ({
      num_samples: w.i32[0]!,
      sample_rate: w.f64[0]!,
      bands: null,
      precision: 'exact',
      data: { mode: 'shared', input_offset: w.i32[1]!, output_offset: w.i32[2]! },
    }),
    writeResult: (r) => r.kind === 'process_audio' && r.output === null && keyCount(r) === 2,
    readResult: () => ({ kind: 'process_audio', output: null }),
  },
  run(ctx, msg) {
    const n = msg.num_samples;
    if (!Number.isInteger(n) || n < 0) throw new Error(`process_audio: num_samples ${n} is not a count`);
    if (!(msg.sample_rate > 0)) throw new Error(`process_audio: sample rate ${msg.sample_rate} is not positive`);
    if (!EQ_PRECISIONS.includes(msg.precision))
      throw new Error(`process_audio: precision ${String(msg.precision)} is not one of ${EQ_PRECISIONS.join(', ')}`);
    const bands: EqBandSetting[] = msg.bands ?? readEqBands(ctx.needLayout('process_audio'));
    if (!state || state.sampleRate !== msg.sample_rate) {
      const wasm = state?.wasm ?? ctx.instance();
      const status = bindEq(wasm).eq_create(msg.sample_rate, EQ_MAX_FRAMES);
      if (status !== 0) throw new Error(`eq_create(${msg.sample_rate}): ${statusMessage(status)}`);
      state = { wasm, sampleRate: msg.sample_rate, buffer: state?.buffer ?? new Scratch(wasm) };
    }
    const { wasm } = state;
    const x = bindEq(wasm);
    for (let b = 0; b < EQ_BANDS; b++) {
      const band = bands[b];
      const status = band ? x.eq_set_band(b, band.kind, band.freqHz, band.gainDb, band.q) : x.eq_set_band(b, 0, 1000, 0, 1);
      if (status !== 0) throw new Error(`eq_set_band(${b}): ${statusMessage(status)}`);
    }
    const p = x.eq_set_precision(msg.precision === 'fast' ? 1 : 0);
    if (p !== 0) throw new Error(`eq_set_precision: ${statusMessage(p)}`);
    // every block from a cleared state with the bands at their targets: the result does not
    // depend on which worker ran the previous block
    x.eq_reset();
    const ptr = state.buffer.ensure(n);
    const io = wasm.f32(ptr, n);
    const input =
      msg.data.mode === 'shared'
        ? new Float32Array(ctx.needLayout('process_audio').buffer, msg.data.input_offset, n)
        : new Float32Array(msg.data.input, 0, n);
    io.set(input);
    const status = x.eq_process_buffer(ptr, ptr, n);
    if (status !== 0) throw new Error(`eq_process_buffer: ${statusMessage(status)}`);
    const out = wasm.f32(ptr, n);
    if (msg.data.mode === 'shared') {
      new Float32Array(ctx.needLayout('process_audio').buffer, msg.data.output_offset, n).set(out);
      return { kind: 'process_audio', output: null };
    }
    return { kind: 'process_audio', output: out.slice().buffer };
  },
});

/** Bands for tasks that name none, per pool (messages mode sends them; shared mode reads the region). */
const poolBands = new WeakMap<WorkerPool, EqBandSetting[]>();

/** Sets the EQ bands used by `processAudio` calls that name none (the layout's band region in shared mode). */
export function setEq(pool: WorkerPool, bands: readonly EqBandSetting[]): void {
  if (bands.length > EQ_BANDS) throw new Error(`${bands.length} EQ bands given, the EQ has ${EQ_BANDS}`);
  const copy = bands.map((b) => ({ ...b }));
  poolBands.set(pool, copy);
  if (pool.layout) writeEqBands(pool.layout, copy);
}

/**
 * Filters `input` with the 8-band EQ (wasm eq_process_buffer) from a cleared state, on a worker
 * of `pool`. At most `MAX_PROCESS_SAMPLES` samples; the sample rate defaults to the pool's, the
 * precision to exact.
 */
export async function processAudio(
  pool: WorkerPool,
  input: Float32Array,
  options: { bands?: readonly EqBandSetting[]; sampleRate?: number; precision?: EqPrecision } = {},
): Promise<{ output: Float32Array; task: TaskOutcome<ProcessAudioResult> }> {
  const n = input.length;
  if (n > MAX_PROCESS_SAMPLES) throw new Error(`processAudio: ${n} samples, at most ${MAX_PROCESS_SAMPLES} per task`);
  const sampleRate = options.sampleRate ?? pool.sampleRate;
  if (!(Number.isFinite(sampleRate) && sampleRate > 0)) throw new Error(`processAudio: sample rate ${sampleRate} is not positive`);
  const bands = options.bands ? options.bands.map((b) => ({ ...b })) : null;
  if (bands && bands.length > EQ_BANDS) throw new Error(`processAudio: ${bands.length} EQ bands given, the EQ has ${EQ_BANDS}`);
  const precision = options.precision ?? 'exact';
  if (pool.layout) {
    const staging = pool.region();
    const slot = await staging.acquire();
    try {
      const base = staging.offset(slot);
      staging.floats(slot, n).set(input);
      const task = await pool.run(processAudioTask, (): TaskBody<ProcessAudioMessage> => ({
        num_samples: n,
        sample_rate: sampleRate,
        bands,
        precision,
        data: { mode: 'shared', input_offset: base, output_offset: base + STAGING_BYTES / 2 },
      }));
      return { output: new Float32Array(pool.layout.buffer, base + STAGING_BYTES / 2, n).slice(), task };
    } finally {
      staging.release(slot);
    }
  }
  const fallback = bands ?? poolBands.get(pool) ?? [];
  const task = await pool.run(processAudioTask, (): TaskBody<ProcessAudioMessage> => ({
    num_samples: n,
    sample_rate: sampleRate,
    bands: fallback,
    precision,
    data: { mode: 'messages', input: input.slice().buffer },
  }));
  const result = task.result;
  if (result.kind !== 'process_audio' || !result.output) throw new Error('processAudio: the worker returned no output');
  return { output: new Float32Array(result.output), task };
}
