/**
 * The worker pool's SharedArrayBuffer, built (`createPoolLayout`) and parsed (`parsePoolLayout`)
 * by this one module on every side: the main thread, each pool worker and the AudioWorklet.
 *
 * Byte map of the main buffer:
 *
 *   0x000000   256 B   header (Int32 words, `Hdr`): magic 0x52415544 "RAUD", version, total size,
 *                      header size, worker slots, ring count/capacity/channels, each fixed part's
 *                      offset, and the region table (below)
 *   0x000100    64 B   worker state (Atomics): per worker slot (up to 8) `state` (`WorkerState`)
 *                      and the id of the task it runs (0 when idle)
 *   0x000140   192 B   ring metadata (Atomics): per ring 16 Int32 (`RingMeta`): capacity, channels,
 *                      overruns, underruns, frames written / read, end-of-stream, playing
 *   0x000200           regions, in the order given to `createPoolLayout`, each at the next
 *                      multiple of its alignment: `count` items of `itemBytes` bytes
 *
 * The regions are what the pool's task kinds declare (`RegionSpec`: settings a task reads, output
 * buffers a task writes) and the pool's own staging buffers (`STAGING`, last): the pool lays them
 * out without knowing what they hold. The header names each one (up to `MAX_REGIONS`): name,
 * offset, item count, item size and a sequence word for writers that publish a whole region at
 * once (`writeRegion` / `readRegion`, a seqlock). So any side can parse the layout without the
 * list, and a side that has the list (a pool worker) checks that the header matches it.
 *
 * Deviation from the seed's single 8 MB buffer: the three stereo audio rings live in ringbuf.js
 * ring buffers (`RingBuffer.getStorageForCapacity`), and ringbuf.js needs a whole
 * SharedArrayBuffer per ring. So the ring storage is three more SharedArrayBuffers that the
 * layout object references (`rings`), handed to every side with the main buffer
 * (`PoolLayoutHandles`); the main buffer keeps only their metadata (capacity, overruns,
 * underruns...), and `parsePoolLayout` checks that each ring buffer matches it.
 *
 * Version 2 replaced version 1's fixed regions (settings, output buffers and staging buffers
 * with a header word each) by the region table; the byte offsets of the registered regions did
 * not move.
 *
 * Every mismatch (magic, version, total size, region table, ring count or ring size) is an Error
 * that says what was found and what was expected.
 */
import { RingBuffer } from 'ringbuf.js';

export const POOL_MAGIC = 0x52415544; // "RAUD"
export const POOL_LAYOUT_VERSION = 2;

export const MAX_WORKERS = 8;
export const RING_COUNT = 3;
export const RING_CHANNELS = 2;
/** Frames per ring (interleaved stereo: twice as many samples), as in the seed (65536 x 2). */
export const RING_FRAMES = 65536;

export const HEADER_BYTES = 256;
const WORKER_SLOT_WORDS = 2;
export const RING_META_WORDS = 16;

/** Offsets of the fixed parts; the regions start at `OFFSETS.regions`. */
export const OFFSETS = {
  header: 0x0,
  workerState: 0x100,
  ringMeta: 0x140,
  regions: 0x200,
} as const;

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
  regionCount: 10,
  regionsOffset: 11,
  /** The first region entry (`REGION_ENTRY_WORDS` words each, `RegionWord`). */
  regionTable: 12,
} as const;

/** Words of one region entry in the header. */
export const RegionWord = {
  /** The name: up to `REGION_NAME_BYTES` ASCII bytes, NUL-padded. */
  name: 0,
  offset: 4,
  count: 5,
  itemBytes: 6,
  /** Sequence word: odd while a writer publishes the region (`writeRegion`), even when complete. */
  sequence: 7,
} as const;
export const REGION_ENTRY_WORDS = 8;
export const REGION_NAME_BYTES = 16;
/** Regions the header has room for. */
export const MAX_REGIONS = Math.floor((HEADER_BYTES / 4 - Hdr.regionTable) / REGION_ENTRY_WORDS);

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

/** A region a task kind needs in the layout. */
export interface RegionSpec {
  /** 1 to 16 ASCII characters, unique in a layout (the header and `region()` use it). */
  name: string;
  /** Items (equal buffers) in the region. */
  count: number;
  /** Bytes per item, a multiple of 8. */
  itemBytes: number;
  /** The region starts at a multiple of this: a power of two, at least 8 (default 8). */
  align?: number;
}

/**
 * The pool's own staging buffers, laid out after every kind's regions: the input bytes or samples
 * of one task each (a task kind borrows one for the task's duration, see `WorkerPool.region`).
 */
export const STAGING: RegionSpec = { name: 'staging', count: 4, itemBytes: 1 << 20, align: 0x1000 };
export const STAGING_BYTES = STAGING.itemBytes;

/**
 * V8 copies into and out of shared memory (a typed array's `set`) a word at a time only when the
 * source and target addresses agree modulo this, byte by byte otherwise (about 5x slower: 58
 * against 12 us for 256 KiB on a 2-core test machine). Bytes placed with `copyOffset` agree.
 */
export const SHARED_COPY_ALIGN = 8;

/**
 * The offset from `base` (0 .. SHARED_COPY_ALIGN - 1) at which bytes coming from address `source`
 * (a byte offset in their buffer; buffers start word aligned) agree with it modulo SHARED_COPY_ALIGN.
 */
export function copyOffset(source: number, base: number): number {
  const a = SHARED_COPY_ALIGN;
  return (((source - base) % a) + a) % a;
}

/** A region as laid out: where it is and its items. */
export interface PoolRegion {
  readonly name: string;
  /** Its entry in the header's region table. */
  readonly index: number;
  /** Byte offset in the main buffer. */
  readonly offset: number;
  readonly count: number;
  readonly itemBytes: number;
  /** One view per item. */
  readonly items: readonly Uint8Array[];
}

/** What a side needs to attach to the layout: post these to a worker or the worklet. */
export interface PoolLayoutHandles {
  buffer: SharedArrayBuffer;
  rings: SharedArrayBuffer[];
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
  /** The regions, in layout order. */
  readonly regions: readonly PoolRegion[];
}

/** Samples per ring (frames x channels). */
export const RING_CAPACITY_SAMPLES = RING_FRAMES * RING_CHANNELS;

export interface RegionPlan {
  regions: { name: string; offset: number; count: number; itemBytes: number }[];
  /** The main buffer's size: the end of the last region. */
  totalBytes: number;
}

/** Where each region goes and the total size, for `specs` in this order. Throws on a bad spec. */
export function planRegions(specs: readonly RegionSpec[]): RegionPlan {
  if (specs.length > MAX_REGIONS) throw new Error(`pool layout: ${specs.length} regions, the header has room for ${MAX_REGIONS}`);
  const names = new Set<string>();
  let end: number = OFFSETS.regions;
  const regions = specs.map((spec) => {
    const { name, count, itemBytes } = spec;
    const align = spec.align ?? 8;
    if (typeof name !== 'string' || !/^[\x21-\x7e]{1,16}$/.test(name)) {
      throw new Error(`pool layout: region name ${JSON.stringify(name)} is not 1 to ${REGION_NAME_BYTES} printable ASCII characters`);
    }
    if (names.has(name)) throw new Error(`pool layout: two regions named "${name}"`);
    names.add(name);
    if (!Number.isInteger(count) || count < 0) throw new Error(`pool layout: region "${name}": count ${count} is not a count`);
    if (!Number.isInteger(itemBytes) || itemBytes < 0 || itemBytes % 8 !== 0) {
      throw new Error(`pool layout: region "${name}": item size ${itemBytes} is not a multiple of 8 bytes`);
    }
    if (!Number.isInteger(align) || align < 8 || (align & (align - 1)) !== 0) {
      throw new Error(`pool layout: region "${name}": alignment ${align} is not a power of two of at least 8`);
    }
    const offset = Math.ceil(end / align) * align;
    end = offset + count * itemBytes;
    if (end > 0x7fffffff) throw new Error(`pool layout: region "${name}" ends past 2 GiB`);
    return { name, offset, count, itemBytes };
  });
  return { regions, totalBytes: end };
}

function writeName(h: Int32Array, entry: number, name: string): void {
  const bytes = new Uint8Array(h.buffer, h.byteOffset + (entry + RegionWord.name) * 4, REGION_NAME_BYTES);
  bytes.fill(0);
  for (let i = 0; i < name.length; i++) bytes[i] = name.charCodeAt(i);
}

function readName(h: Int32Array, entry: number): string {
  const bytes = new Uint8Array(h.buffer, h.byteOffset + (entry + RegionWord.name) * 4, REGION_NAME_BYTES);
  let s = '';
  for (const b of bytes) {
    if (b === 0) break;
    s += String.fromCharCode(b);
  }
  return s;
}

/**
 * Makes the main buffer (the fixed parts, then `regions` in this order) and the three ring
 * buffers, and stamps the header. Needs SharedArrayBuffer.
 */
export function createPoolLayout(regions: readonly RegionSpec[] = []): PoolLayout {
  if (typeof SharedArrayBuffer === 'undefined') {
    throw new Error('the pool layout needs SharedArrayBuffer (the page is not cross-origin isolated)');
  }
  const plan = planRegions(regions);
  const buffer = new SharedArrayBuffer(plan.totalBytes);
  const h = new Int32Array(buffer, 0, HEADER_BYTES / 4);
  h[Hdr.magic] = POOL_MAGIC;
  h[Hdr.version] = POOL_LAYOUT_VERSION;
  h[Hdr.totalBytes] = plan.totalBytes;
  h[Hdr.headerBytes] = HEADER_BYTES;
  h[Hdr.maxWorkers] = MAX_WORKERS;
  h[Hdr.workerStateOffset] = OFFSETS.workerState;
  h[Hdr.ringCount] = RING_COUNT;
  h[Hdr.ringMetaOffset] = OFFSETS.ringMeta;
  h[Hdr.ringCapacitySamples] = RING_CAPACITY_SAMPLES;
  h[Hdr.ringChannels] = RING_CHANNELS;
  h[Hdr.regionCount] = plan.regions.length;
  h[Hdr.regionsOffset] = OFFSETS.regions;
  plan.regions.forEach((r, i) => {
    const e = Hdr.regionTable + i * REGION_ENTRY_WORDS;
    writeName(h, e, r.name);
    h[e + RegionWord.offset] = r.offset;
    h[e + RegionWord.count] = r.count;
    h[e + RegionWord.itemBytes] = r.itemBytes;
  });
  const rings: SharedArrayBuffer[] = [];
  for (let r = 0; r < RING_COUNT; r++) {
    rings.push(RingBuffer.getStorageForCapacity(RING_CAPACITY_SAMPLES, Float32Array));
    const meta = new Int32Array(buffer, OFFSETS.ringMeta + r * RING_META_WORDS * 4, RING_META_WORDS);
    meta[RingMeta.capacity] = RING_CAPACITY_SAMPLES;
    meta[RingMeta.channels] = RING_CHANNELS;
  }
  return parsePoolLayout({ buffer, rings }, regions);
}

function hex(v: number): string {
  return `0x${(v >>> 0).toString(16).padStart(8, '0')}`;
}

function fourcc(v: number): string {
  let s = '';
  for (let bit = 24; bit >= 0; bit -= 8) {
    const c = (v >>> bit) & 0xff;
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.';
  }
  return s;
}

function describe(r: { name: string; offset: number; count: number; itemBytes: number }): string {
  return `"${r.name}" ${r.count} x ${r.itemBytes} bytes at 0x${r.offset.toString(16)}`;
}

/**
 * Views over a layout made by `createPoolLayout` (on any side). With `expected`, the header's
 * regions must be the ones these specs lay out. Throws an Error on a magic, version, size,
 * region or ring mismatch.
 */
export function parsePoolLayout(handles: PoolLayoutHandles, expected?: readonly RegionSpec[]): PoolLayout {
  const { buffer, rings } = handles;
  if (!buffer || typeof buffer.byteLength !== 'number') throw new Error('pool layout: no buffer given');
  if (buffer.byteLength < OFFSETS.regions) {
    throw new Error(`pool layout: buffer of ${buffer.byteLength} bytes is smaller than the ${OFFSETS.regions}-byte fixed part`);
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
  if (buffer.byteLength !== totalBytes) {
    throw new Error(`pool layout: header says ${totalBytes} bytes, the buffer has ${buffer.byteLength}`);
  }
  const fixed: [keyof typeof Hdr, number][] = [
    ['headerBytes', HEADER_BYTES],
    ['maxWorkers', MAX_WORKERS],
    ['workerStateOffset', OFFSETS.workerState],
    ['ringCount', RING_COUNT],
    ['ringMetaOffset', OFFSETS.ringMeta],
    ['ringCapacitySamples', RING_CAPACITY_SAMPLES],
    ['ringChannels', RING_CHANNELS],
    ['regionsOffset', OFFSETS.regions],
  ];
  for (const [name, want] of fixed) {
    if (h[Hdr[name]] !== want) throw new Error(`pool layout: header ${name} is ${h[Hdr[name]]}, version ${version} has ${want}`);
  }
  const count = h[Hdr.regionCount]!;
  if (!(count >= 0 && count <= MAX_REGIONS)) throw new Error(`pool layout: header regionCount is ${count}, at most ${MAX_REGIONS}`);
  const regions: PoolRegion[] = [];
  let end: number = OFFSETS.regions;
  for (let i = 0; i < count; i++) {
    const e = Hdr.regionTable + i * REGION_ENTRY_WORDS;
    const r = {
      name: readName(h, e),
      offset: h[e + RegionWord.offset]!,
      count: h[e + RegionWord.count]!,
      itemBytes: h[e + RegionWord.itemBytes]!,
    };
    if (
      r.name === '' ||
      regions.some((q) => q.name === r.name) ||
      r.offset < end ||
      r.offset % 8 !== 0 ||
      r.count < 0 ||
      r.itemBytes < 0 ||
      r.itemBytes % 8 !== 0 ||
      r.offset + r.count * r.itemBytes > totalBytes
    ) {
      throw new Error(`pool layout: region ${i} (${describe(r)}) is not a valid region after 0x${end.toString(16)} in ${totalBytes} bytes`);
    }
    end = r.offset + r.count * r.itemBytes;
    regions.push({
      ...r,
      index: i,
      items: Array.from({ length: r.count }, (_, k) => new Uint8Array(buffer, r.offset + k * r.itemBytes, r.itemBytes)),
    });
  }
  if (expected) {
    const plan = planRegions(expected);
    const found = regions.map(describe).join(', ') || 'none';
    const want = plan.regions.map(describe).join(', ') || 'none';
    if (found !== want) throw new Error(`pool layout: the header has regions ${found}; this side expects ${want}`);
    if (plan.totalBytes !== totalBytes)
      throw new Error(`pool layout: header says ${totalBytes} bytes, these regions need ${plan.totalBytes}`);
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
    regions,
  };
}

/** The region named `name` (a `RegionSpec` or its name); throws naming the regions there are. */
export function region(layout: PoolLayout, name: RegionSpec | string): PoolRegion {
  const key = typeof name === 'string' ? name : name.name;
  const r = layout.regions.find((q) => q.name === key);
  if (!r) throw new Error(`pool layout: no region "${key}" (regions: ${layout.regions.map((q) => q.name).join(', ') || 'none'})`);
  return r;
}

/** Item `i` of a region, as bytes; throws when there is no such item. */
export function regionItem(layout: PoolLayout, name: RegionSpec | string, i: number): Uint8Array {
  const r = region(layout, name);
  const item = Number.isInteger(i) ? r.items[i] : undefined;
  if (!item) throw new Error(`pool layout: region "${r.name}" has no item ${i} (it has ${r.count})`);
  return item;
}

/** Byte offset of item `i` of a region in the main buffer. */
export function regionItemOffset(layout: PoolLayout, name: RegionSpec | string, i: number): number {
  return regionItem(layout, name, i).byteOffset;
}

/** The header word of a region's sequence. */
function sequenceWord(r: PoolRegion): number {
  return Hdr.regionTable + r.index * REGION_ENTRY_WORDS + RegionWord.sequence;
}

/**
 * Publishes a whole region: `write` runs between two bumps of the region's sequence word (odd
 * while it runs), so `readRegion` never returns a half-written state. One writer at a time.
 */
export function writeRegion(layout: PoolLayout, name: RegionSpec | string, write: (bytes: Uint8Array) => void): void {
  const r = region(layout, name);
  const word = sequenceWord(r);
  const bytes = new Uint8Array(layout.buffer, r.offset, r.count * r.itemBytes);
  Atomics.add(layout.header, word, 1);
  try {
    write(bytes);
  } finally {
    Atomics.add(layout.header, word, 1);
  }
}

/**
 * Reads a region published by `writeRegion` (any side): `read` runs on a complete state, retried
 * while a write is under way; null when the writer kept writing during `tries` tries.
 */
export function readRegion<T>(layout: PoolLayout, name: RegionSpec | string, read: (bytes: Uint8Array) => T, tries = 8): T | null {
  const r = region(layout, name);
  const word = sequenceWord(r);
  const bytes = new Uint8Array(layout.buffer, r.offset, r.count * r.itemBytes);
  for (let attempt = 0; attempt < tries; attempt++) {
    const before = Atomics.load(layout.header, word);
    if (before % 2 === 1) continue;
    const value = read(bytes);
    if (Atomics.load(layout.header, word) === before) return value;
  }
  return null;
}

/** The sequence word of a region (even: no write under way). */
export function regionSequence(layout: PoolLayout, name: RegionSpec | string): number {
  return Atomics.load(layout.header, sequenceWord(region(layout, name)));
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
