/**
 * The worker pool's SharedArrayBuffer, built (`createPoolLayout`) and parsed (`parsePoolLayout`)
 * by this one module on every side: the main thread, each pool worker and the AudioWorklet.
 *
 * Byte map of the main buffer (`POOL_TOTAL_BYTES`, about 4.3 MB):
 *
 *   0x000000   256 B   header (Int32 words, `Hdr`): magic 0x52415544 "RAUD", version, total size,
 *                      header size, worker slots, ring count/capacity/channels, FFT buffer count
 *                      and size, EQ band count, decode buffer count and size, each region's offset
 *   0x000100    64 B   worker state (Atomics): per worker slot (up to 8) `state` (`WorkerState`)
 *                      and the id of the task it runs (0 when idle)
 *   0x000140   192 B   ring metadata (Atomics): per ring 16 Int32 (`RingMeta`): capacity, channels,
 *                      overruns, underruns, frames written / read, end-of-stream, playing
 *   0x000200   256 B   EQ band settings: 8 bands x 32 B { kind i32, on i32, freq f64, gain f64, Q f64 }
 *                      (the parameters of `eq_set_band`; each worker turns them into biquad
 *                      coefficients with the same Rust code, so every side filters alike), and a
 *                      sequence word in the header (`Hdr.eqSeq`, odd while written)
 *   0x001000   256 KiB FFT output buffers: 8 x 4096 complex f32 (interleaved re, im): room for
 *                      `fft_transform` of sizes 512..4096 (size/2 + 1 bins)
 *   0x041000   4 MiB   decode buffers: 4 x 1 MiB, staging for the input bytes of one decode chunk
 *                      (or the samples of a `process_audio` / `compute_fft` task) each
 *
 * Deviation from the seed's single 8 MB buffer: the three stereo audio rings live in ringbuf.js
 * ring buffers (`RingBuffer.getStorageForCapacity`), and ringbuf.js needs a whole
 * SharedArrayBuffer per ring. So the ring storage is three more SharedArrayBuffers that the
 * layout object references (`rings`), handed to every side with the main buffer
 * (`PoolLayoutHandles`); the main buffer keeps only their metadata (capacity, overruns,
 * underruns...), and `parsePoolLayout` checks that each ring buffer matches it.
 *
 * Every mismatch (magic, version, total size, ring count or ring size) is an Error that says
 * what was found and what was expected.
 */
import { RingBuffer } from 'ringbuf.js';

export const POOL_MAGIC = 0x52415544; // "RAUD"
export const POOL_LAYOUT_VERSION = 1;

export const MAX_WORKERS = 8;
export const RING_COUNT = 3;
export const RING_CHANNELS = 2;
/** Frames per ring (interleaved stereo: twice as many samples), as in the seed (65536 x 2). */
export const RING_FRAMES = 65536;
export const FFT_BUFFER_COUNT = 8;
/** Complex values per FFT output buffer: enough for `fft_transform` up to 4096 points. */
export const FFT_COMPLEX_PER_BUFFER = 4096;
export const EQ_BANDS = 8;
export const EQ_BAND_BYTES = 32;
export const DECODE_BUFFER_COUNT = 4;
export const DECODE_BUFFER_BYTES = 1 << 20;

export const HEADER_BYTES = 256;
const WORKER_SLOT_WORDS = 2;
export const RING_META_WORDS = 16;

export const OFFSETS = {
  header: 0x0,
  workerState: 0x100,
  ringMeta: 0x140,
  eq: 0x200,
  fft: 0x1000,
  decode: 0x1000 + FFT_BUFFER_COUNT * FFT_COMPLEX_PER_BUFFER * 8,
} as const;

export const POOL_TOTAL_BYTES = OFFSETS.decode + DECODE_BUFFER_COUNT * DECODE_BUFFER_BYTES;

/** Header words (Int32 indices). */
export const Hdr = {
  magic: 0,
  version: 1,
  totalBytes: 2,
  headerBytes: 3,
  maxWorkers: 4,
  workerStateOffset: 5,
  ringCount: 6,
  ringMetaOffset: 7,
  ringCapacitySamples: 8,
  ringChannels: 9,
  fftCount: 10,
  fftOffset: 11,
  fftComplexPerBuffer: 12,
  eqBands: 13,
  eqOffset: 14,
  decodeCount: 15,
  decodeOffset: 16,
  decodeBytes: 17,
  /** EQ settings sequence: odd while the main thread writes the bands, even when complete. */
  eqSeq: 18,
} as const;

/** Worker slot states (Int32 in the worker-state region). */
export const WorkerState = {
  absent: 0,
  starting: 1,
  idle: 2,
  busy: 3,
  dead: 4,
  stopped: 5,
} as const;
export type WorkerStateName = keyof typeof WorkerState;
const STATE_NAMES = Object.keys(WorkerState) as WorkerStateName[];

/** Ring metadata words (Int32 indices within one ring's 16). */
export const RingMeta = {
  /** Capacity in samples (frames x channels). */
  capacity: 0,
  channels: 1,
  /** Frames the producer had to hold back or drop because the ring was full (see stream.ts). */
  overruns: 2,
  /** Quanta that found fewer frames than they needed while playing (see stream.ts). */
  underruns: 3,
  /** Frames pushed / popped since the ring was (re)started (wrap at 2^31; about 12 h at 48 kHz). */
  framesWritten: 4,
  framesRead: 5,
  /** 1 once the producer has pushed its last frame. */
  ended: 6,
  /** 1 while the consumer plays (between its first frame and the end of the stream). */
  playing: 7,
  /** Bumped by the producer on every restart, so the consumer resets its own state. */
  generation: 8,
} as const;

/** What a side needs to attach to the layout: post these to a worker or the worklet. */
export interface PoolLayoutHandles {
  buffer: SharedArrayBuffer;
  rings: SharedArrayBuffer[];
}

export interface EqBandSetting {
  /** 0 off, 1 peaking, 2 lowshelf, 3 highshelf, 4 lowpass, 5 highpass, 6 bandpass, 7 notch (`eq_set_band`). */
  kind: number;
  freqHz: number;
  gainDb: number;
  q: number;
}

export interface PoolLayout {
  readonly handles: PoolLayoutHandles;
  readonly buffer: SharedArrayBuffer;
  readonly version: number;
  readonly totalBytes: number;
  readonly header: Int32Array;
  /** `MAX_WORKERS` x { state, taskId }. */
  readonly workerState: Int32Array;
  /** One Int32Array of `RING_META_WORDS` per ring. */
  readonly ringMeta: Int32Array[];
  /** ringbuf.js storage, one SharedArrayBuffer per ring (interleaved stereo f32). */
  readonly rings: SharedArrayBuffer[];
  /** `FFT_BUFFER_COUNT` views of `FFT_COMPLEX_PER_BUFFER * 2` floats. */
  readonly fft: Float32Array[];
  readonly eq: DataView;
  /** `DECODE_BUFFER_COUNT` views of `DECODE_BUFFER_BYTES` bytes. */
  readonly decode: Uint8Array[];
}

/** Byte offset of FFT output buffer `i` in the main buffer. */
export function fftBufferOffset(i: number): number {
  return OFFSETS.fft + i * FFT_COMPLEX_PER_BUFFER * 8;
}

/** Byte offset of decode buffer `i` in the main buffer. */
export function decodeBufferOffset(i: number): number {
  return OFFSETS.decode + i * DECODE_BUFFER_BYTES;
}

/** Samples per ring (frames x channels). */
export const RING_CAPACITY_SAMPLES = RING_FRAMES * RING_CHANNELS;

/** Makes the main buffer and the three ring buffers and stamps the header. Needs SharedArrayBuffer. */
export function createPoolLayout(): PoolLayout {
  if (typeof SharedArrayBuffer === 'undefined') {
    throw new Error('the pool layout needs SharedArrayBuffer (the page is not cross-origin isolated)');
  }
  const buffer = new SharedArrayBuffer(POOL_TOTAL_BYTES);
  const h = new Int32Array(buffer, 0, HEADER_BYTES / 4);
  h[Hdr.magic] = POOL_MAGIC;
  h[Hdr.version] = POOL_LAYOUT_VERSION;
  h[Hdr.totalBytes] = POOL_TOTAL_BYTES;
  h[Hdr.headerBytes] = HEADER_BYTES;
  h[Hdr.maxWorkers] = MAX_WORKERS;
  h[Hdr.workerStateOffset] = OFFSETS.workerState;
  h[Hdr.ringCount] = RING_COUNT;
  h[Hdr.ringMetaOffset] = OFFSETS.ringMeta;
  h[Hdr.ringCapacitySamples] = RING_CAPACITY_SAMPLES;
  h[Hdr.ringChannels] = RING_CHANNELS;
  h[Hdr.fftCount] = FFT_BUFFER_COUNT;
  h[Hdr.fftOffset] = OFFSETS.fft;
  h[Hdr.fftComplexPerBuffer] = FFT_COMPLEX_PER_BUFFER;
  h[Hdr.eqBands] = EQ_BANDS;
  h[Hdr.eqOffset] = OFFSETS.eq;
  h[Hdr.decodeCount] = DECODE_BUFFER_COUNT;
  h[Hdr.decodeOffset] = OFFSETS.decode;
  h[Hdr.decodeBytes] = DECODE_BUFFER_BYTES;
  const rings: SharedArrayBuffer[] = [];
  for (let r = 0; r < RING_COUNT; r++) {
    rings.push(RingBuffer.getStorageForCapacity(RING_CAPACITY_SAMPLES, Float32Array));
    const meta = new Int32Array(buffer, OFFSETS.ringMeta + r * RING_META_WORDS * 4, RING_META_WORDS);
    meta[RingMeta.capacity] = RING_CAPACITY_SAMPLES;
    meta[RingMeta.channels] = RING_CHANNELS;
  }
  return parsePoolLayout({ buffer, rings });
}

function hex(v: number): string {
  return `0x${(v >>> 0).toString(16).padStart(8, '0')}`;
}

function fourcc(v: number): string {
  let s = '';
  for (let shift = 24; shift >= 0; shift -= 8) {
    const c = (v >>> shift) & 0xff;
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.';
  }
  return s;
}

/**
 * Views over a layout made by `createPoolLayout` (on any side). Throws an Error on a magic,
 * version, size or ring mismatch.
 */
export function parsePoolLayout(handles: PoolLayoutHandles): PoolLayout {
  const { buffer, rings } = handles;
  if (!buffer || typeof buffer.byteLength !== 'number') throw new Error('pool layout: no buffer given');
  if (buffer.byteLength < HEADER_BYTES) {
    throw new Error(`pool layout: buffer of ${buffer.byteLength} bytes is smaller than the ${HEADER_BYTES}-byte header`);
  }
  const h = new Int32Array(buffer, 0, HEADER_BYTES / 4);
  const magic = h[Hdr.magic]!;
  if (magic !== POOL_MAGIC) {
    throw new Error(`pool layout: magic ${hex(magic)} "${fourcc(magic)}", expected ${hex(POOL_MAGIC)} "RAUD"`);
  }
  const version = h[Hdr.version]!;
  if (version !== POOL_LAYOUT_VERSION) {
    throw new Error(`pool layout: version ${version}, this code reads version ${POOL_LAYOUT_VERSION}`);
  }
  const totalBytes = h[Hdr.totalBytes]!;
  if (totalBytes !== POOL_TOTAL_BYTES || buffer.byteLength !== totalBytes) {
    throw new Error(`pool layout: header says ${totalBytes} bytes, the buffer has ${buffer.byteLength}, version ${version} has ${POOL_TOTAL_BYTES}`);
  }
  const expect: [keyof typeof Hdr, number][] = [
    ['headerBytes', HEADER_BYTES], ['maxWorkers', MAX_WORKERS], ['workerStateOffset', OFFSETS.workerState],
    ['ringCount', RING_COUNT], ['ringMetaOffset', OFFSETS.ringMeta], ['ringCapacitySamples', RING_CAPACITY_SAMPLES],
    ['ringChannels', RING_CHANNELS], ['fftCount', FFT_BUFFER_COUNT], ['fftOffset', OFFSETS.fft],
    ['fftComplexPerBuffer', FFT_COMPLEX_PER_BUFFER], ['eqBands', EQ_BANDS], ['eqOffset', OFFSETS.eq],
    ['decodeCount', DECODE_BUFFER_COUNT], ['decodeOffset', OFFSETS.decode], ['decodeBytes', DECODE_BUFFER_BYTES],
  ];
  for (const [name, want] of expect) {
    if (h[Hdr[name]] !== want) throw new Error(`pool layout: header ${name} is ${h[Hdr[name]]}, version ${version} has ${want}`);
  }
  if (!Array.isArray(rings) || rings.length !== RING_COUNT) {
    throw new Error(`pool layout: ${Array.isArray(rings) ? rings.length : 'no'} ring buffers given, the header says ${RING_COUNT}`);
  }
  // ringbuf.js storage: two 32-bit indices, then capacity + 1 elements (one slot stays empty)
  const ringBytes = 8 + (RING_CAPACITY_SAMPLES + 1) * 4;
  const ringMeta: Int32Array[] = [];
  rings.forEach((ring, r) => {
    if (ring.byteLength !== ringBytes) {
      throw new Error(`pool layout: ring ${r} has ${ring.byteLength} bytes, ${RING_CAPACITY_SAMPLES} samples need ${ringBytes}`);
    }
    const meta = new Int32Array(buffer, OFFSETS.ringMeta + r * RING_META_WORDS * 4, RING_META_WORDS);
    if (meta[RingMeta.capacity] !== RING_CAPACITY_SAMPLES || meta[RingMeta.channels] !== RING_CHANNELS) {
      throw new Error(`pool layout: ring ${r} metadata says ${meta[RingMeta.capacity]} samples x ${meta[RingMeta.channels]} channels`);
    }
    ringMeta.push(meta);
  });
  return {
    handles: { buffer, rings },
    buffer,
    version,
    totalBytes,
    header: h,
    workerState: new Int32Array(buffer, OFFSETS.workerState, MAX_WORKERS * WORKER_SLOT_WORDS),
    ringMeta,
    rings,
    fft: Array.from({ length: FFT_BUFFER_COUNT }, (_, i) => new Float32Array(buffer, fftBufferOffset(i), FFT_COMPLEX_PER_BUFFER * 2)),
    eq: new DataView(buffer, OFFSETS.eq, EQ_BANDS * EQ_BAND_BYTES),
    decode: Array.from({ length: DECODE_BUFFER_COUNT }, (_, i) => new Uint8Array(buffer, decodeBufferOffset(i), DECODE_BUFFER_BYTES)),
  };
}

function checkSlot(id: number): void {
  if (!Number.isInteger(id) || id < 0 || id >= MAX_WORKERS) throw new Error(`worker slot ${id} outside 0..${MAX_WORKERS - 1}`);
}

/** Publishes a worker slot's state and current task id (0: none). */
export function setWorkerState(layout: PoolLayout, id: number, state: WorkerStateName, taskId = 0): void {
  checkSlot(id);
  Atomics.store(layout.workerState, id * WORKER_SLOT_WORDS + 1, taskId);
  Atomics.store(layout.workerState, id * WORKER_SLOT_WORDS, WorkerState[state]);
}

export function readWorkerState(layout: PoolLayout, id: number): { state: WorkerStateName; taskId: number } {
  checkSlot(id);
  const code = Atomics.load(layout.workerState, id * WORKER_SLOT_WORDS);
  return { state: STATE_NAMES[code] ?? 'absent', taskId: Atomics.load(layout.workerState, id * WORKER_SLOT_WORDS + 1) };
}

/** Writes the 8 EQ band settings under the sequence word (main thread). Missing bands are off. */
export function writeEqBands(layout: PoolLayout, bands: readonly EqBandSetting[]): void {
  if (bands.length > EQ_BANDS) throw new Error(`${bands.length} EQ bands given, the layout holds ${EQ_BANDS}`);
  Atomics.add(layout.header, Hdr.eqSeq, 1);
  for (let b = 0; b < EQ_BANDS; b++) {
    const band = bands[b];
    const o = b * EQ_BAND_BYTES;
    layout.eq.setInt32(o, band ? band.kind : 0, true);
    layout.eq.setInt32(o + 4, band ? 1 : 0, true);
    layout.eq.setFloat64(o + 8, band ? band.freqHz : 1000, true);
    layout.eq.setFloat64(o + 16, band ? band.gainDb : 0, true);
    layout.eq.setFloat64(o + 24, band ? band.q : 1, true);
  }
  Atomics.add(layout.header, Hdr.eqSeq, 1);
}

/**
 * Reads the EQ band settings (any side): always `EQ_BANDS` entries, bands never written are off
 * (kind 0). Throws if the writer kept writing during 8 tries.
 */
export function readEqBands(layout: PoolLayout): EqBandSetting[] {
  for (let attempt = 0; attempt < 8; attempt++) {
    const seq = Atomics.load(layout.header, Hdr.eqSeq);
    if (seq % 2 === 1) continue;
    const bands: EqBandSetting[] = [];
    for (let b = 0; b < EQ_BANDS; b++) {
      const o = b * EQ_BAND_BYTES;
      const on = layout.eq.getInt32(o + 4, true) !== 0;
      bands.push({
        kind: on ? layout.eq.getInt32(o, true) : 0,
        freqHz: layout.eq.getFloat64(o + 8, true),
        gainDb: layout.eq.getFloat64(o + 16, true),
        q: layout.eq.getFloat64(o + 24, true),
      });
    }
    if (Atomics.load(layout.header, Hdr.eqSeq) === seq) return bands;
  }
  throw new Error('EQ band settings kept changing while being read');
}
