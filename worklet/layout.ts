/**
 * The SharedArrayBuffer between the AudioWorklet and the UI, built and read by this one module
 * on both sides (after ringbuf.js: a static "bytes for capacity" plus views over a buffer the
 * caller passes in).
 *
 *   Int32   control[CONTROL_SLOTS]   Atomics: write position, quantum count, status, counters
 *   Float64 timing[TIMING_SLOTS]     live-load figures (written by the worklet once a second)
 *   Float64 figures[VISUAL_SLOTS][FIGURE_SLOTS]
 *                                    each visual slot's live figures (peak Hz, peak dB...), in
 *                                    the order of its stage's descriptor's `figures`
 *   Float32 scope[scopeCapacity]     the UI scope ring
 *   Float32 visual[visualCapacity]   the visual frames (a spectrum in dB...): one per slot, each
 *                                    at its offset, published under its own sequence lock
 *
 * A visual slot is one stage's visual frame and figures: a single stage has slot 0; a chain gives
 * each of its stages that has a visual frame a slot of its own, in order (VISUAL_SLOTS at most,
 * and as many as the region holds), so every stage of a chain is drawn at once.
 *
 * Safe on the real-time thread: `writeScope`, `beginVisual`/`endVisual` and the Atomics stores allocate nothing.
 */

import { quantumDeadlineUs } from '../dsp-stages/types.ts';
export const LAYOUT_MAGIC = 0x53424e43; // "SBNC"
export const LAYOUT_VERSION = 3;

/**
 * UI scope ring: 32768 samples (about 0.68 s at 48 kHz). Quanta of any length go in (441 wraps
 * mid-quantum; a quantum longer than the ring keeps its newest samples).
 */
export const SCOPE_CAPACITY_SAMPLES = 32768;
/** Visual frame capacity, floats: room for a 32k frame's scores, cross-spectrum and two power spectra. */
export const VISUAL_CAPACITY_FLOATS = 1 << 17;
/** Visual frames (with their figures) published side by side: one per stage of a chain that has one. */
export const VISUAL_SLOTS = 8;

/** Int32 control slots (indices). */
export const Ctl = {
  magic: 0,
  version: 1,
  /** Scope ring write position (samples). */
  writePos: 2,
  /** Quanta processed since the stage was set. */
  quantumCount: 3,
  /** 0 loading, 1 active (wasm), 2 fallback (TypeScript reference). */
  wasmStatus: 4,
  /**
   * Quanta whose process() callback surely took >= 1 ms: Date.now() advanced by 2 ms or more
   * across it (a 1 ms step only says the callback spanned a clock tick, whatever its length).
   */
  quantaOver1ms: 5,
  /** Quanta where the stage returned an error status. */
  stageErrors: 6,
  /** Wasm linear memory in bytes (0 in fallback). */
  wasmMemoryBytes: 7,
  /** Wasm heap allocations so far (alloc_count()); constant while running = no hot-path allocation. */
  wasmAllocCount: 8,
  /** Increments each time the once-a-second timing figures are published. */
  timingSeq: 9,
  /** Bytes live on the wasm heap (alloc_live_bytes()): back to the same value after a stage switch = no leak. */
  wasmLiveBytes: 10,
  /** Capacity of the scope ring, samples (fixed at creation). */
  scopeCapacity: 11,
  /** Capacity of the visual region, floats (fixed at creation). */
  visualCapacity: 12,
  /** Quanta whose callback spanned exactly one Date.now() tick: between 0 and 2 ms long. */
  quantaTickSpans: 13,
  /**
   * Quanta whose callback surely took longer than the deadline (quantum / sampleRate): Date.now()
   * advanced by overDeadlineStepMs(sampleRate, quantum) or more across it. A lower bound (a callback just
   * over the deadline can show a smaller step); quantaOver1ms bounds the count from above.
   */
  quantaOverDeadline: 14,
  /**
   * The first of VISUAL_SLOTS triples, one per visual slot (`visualSlotCtl`): its sequence lock
   * (odd while the worklet writes the frame, even when complete), its offset in the visual
   * region (floats) and the floats in its current frame (0: none yet, or the stage has none).
   */
  visualSlots: 15,
} as const;

/** Fields of a visual slot's triple, after its first control index (`visualSlotCtl`). */
export const VisualSlot = { seq: 0, offset: 1, length: 2 } as const;

/** The first control index of visual slot `slot`'s triple (no allocation: real-time safe). */
export function visualSlotCtl(slot: number): number {
  return Ctl.visualSlots + 3 * slot;
}

/** 15 + 3 x VISUAL_SLOTS used, one spare: the Float64 timing slots after them need 8-byte alignment. */
export const CONTROL_SLOTS = Ctl.visualSlots + 3 * VISUAL_SLOTS + 1;

/** The deadline of one quantum of `quantumFrames` frames at `sampleRate`, ms (types.ts `quantumDeadlineUs` / 1000). */
export function quantumDeadlineMs(sampleRate: number, quantumFrames: number): number {
  return quantumDeadlineUs(sampleRate, quantumFrames) / 1000;
}

/**
 * The smallest Date.now() step (1 ms ticks) across a callback that proves it outlasted the
 * deadline: a step of s ms means the callback took more than s - 1 ms, so s = floor(deadline) + 2
 * (128-frame quanta: 4 ms at 44.1 and 48 kHz, 3 ms at 96 kHz; 1024 frames at 48 kHz: 23 ms).
 */
export function overDeadlineStepMs(sampleRate: number, quantumFrames: number): number {
  return Math.floor(quantumDeadlineMs(sampleRate, quantumFrames)) + 2;
}

/** Float64 timing slots (indices); clocks are named in each comment. */
export const Tim = {
  /** Mean callback time / wall time over the last window, % (Date.now(), 1 ms ticks, unbiased for the mean over >= 1 s). */
  loadMeanPct: 0,
  /** Quanta per second, EMA over 1 s windows (quantum count / Date.now() seconds). */
  quantaPerSecEma: 1,
  /** Audio clock minus wall clock since the stage started, ms (currentTime vs Date.now()). */
  audioClockDriftMs: 2,
  /** Length of the last window, ms (Date.now()). */
  windowMs: 3,
  /** Sample rate of the context. */
  sampleRate: 4,
  /** Frames in the last quantum process() was given (0 before the first): the context's render quantum. */
  quantumFrames: 5,
  /** The runtime's warm-up as it started, ms (Date.now()): every stage on wasm through silence to its first visual frame; 0 offline or without wasm. */
  warmUpMs: 6,
} as const;
export const TIMING_SLOTS = 8;
export const FIGURE_SLOTS = 16;

export const WASM_STATUS = ['loading', 'active', 'fallback'] as const;
export type WasmStatus = (typeof WASM_STATUS)[number];

export interface TelemetryViews {
  control: Int32Array;
  timing: Float64Array;
  /** Each visual slot's figures (FIGURE_SLOTS each). */
  figures: readonly Float64Array[];
  scope: Float32Array;
  /** The whole visual region; a slot's frame is at its offset (`visualSlotCtl`). */
  visual: Float32Array;
}

const HEADER_BYTES = CONTROL_SLOTS * 4 + TIMING_SLOTS * 8 + VISUAL_SLOTS * FIGURE_SLOTS * 8;

export function telemetryBytes(scopeCapacity = SCOPE_CAPACITY_SAMPLES, visualCapacity = VISUAL_CAPACITY_FLOATS): number {
  return HEADER_BYTES + (scopeCapacity + visualCapacity) * 4;
}

/** Views over a buffer made by `createTelemetryBuffer` (any side). Throws on a foreign buffer. */
export function telemetryViews(buffer: SharedArrayBuffer | ArrayBuffer): TelemetryViews {
  const control = new Int32Array(buffer, 0, CONTROL_SLOTS);
  if (control[Ctl.magic] !== LAYOUT_MAGIC || control[Ctl.version] !== LAYOUT_VERSION) {
    throw new Error(
      `telemetry buffer has magic 0x${(control[Ctl.magic]! >>> 0).toString(16)} version ${control[Ctl.version]}, ` +
        `expected 0x${LAYOUT_MAGIC.toString(16)} version ${LAYOUT_VERSION}`,
    );
  }
  const scopeCapacity = control[Ctl.scopeCapacity]!;
  const visualCapacity = control[Ctl.visualCapacity]!;
  if (buffer.byteLength !== telemetryBytes(scopeCapacity, visualCapacity)) {
    throw new Error(
      `telemetry buffer is ${buffer.byteLength} bytes, its header describes ${telemetryBytes(scopeCapacity, visualCapacity)}`,
    );
  }
  const timing = new Float64Array(buffer, CONTROL_SLOTS * 4, TIMING_SLOTS);
  const figures = Array.from(
    { length: VISUAL_SLOTS },
    (_, slot) => new Float64Array(buffer, CONTROL_SLOTS * 4 + TIMING_SLOTS * 8 + slot * FIGURE_SLOTS * 8, FIGURE_SLOTS),
  );
  const scope = new Float32Array(buffer, HEADER_BYTES, scopeCapacity);
  const visual = new Float32Array(buffer, HEADER_BYTES + scopeCapacity * 4, visualCapacity);
  return { control, timing, figures, scope, visual };
}

/**
 * A telemetry buffer: shared when the page is cross-origin isolated, else a plain ArrayBuffer
 * that the worklet keeps to itself and mirrors to the UI by postMessage.
 */
export function createTelemetryBuffer(
  shared: boolean,
  scopeCapacity = SCOPE_CAPACITY_SAMPLES,
  visualCapacity = VISUAL_CAPACITY_FLOATS,
): SharedArrayBuffer | ArrayBuffer {
  const bytes = telemetryBytes(scopeCapacity, visualCapacity);
  const buffer = shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  const control = new Int32Array(buffer, 0, CONTROL_SLOTS);
  control[Ctl.magic] = LAYOUT_MAGIC;
  control[Ctl.version] = LAYOUT_VERSION;
  control[Ctl.scopeCapacity] = scopeCapacity;
  control[Ctl.visualCapacity] = visualCapacity;
  return buffer;
}

/**
 * Lays the visual slots out for frames of `lengths` floats (slot k for lengths[k]), one after
 * another in the visual region, and clears their frames and figures. A frame that does not fit
 * (or a slot past VISUAL_SLOTS) gets none: its target is empty. Returns each slot's target, the
 * view its frames are written to. Allocates: call it when a stage or chain is set, not per quantum.
 */
export function layOutVisualSlots(views: TelemetryViews, lengths: readonly number[]): Float32Array[] {
  const targets: Float32Array[] = [];
  let offset = 0;
  for (let slot = 0; slot < VISUAL_SLOTS; slot++) {
    const ctl = visualSlotCtl(slot);
    const want = lengths[slot] ?? 0;
    const fits = want > 0 && offset + want <= views.visual.length;
    Atomics.store(views.control, ctl + VisualSlot.offset, fits ? offset : 0);
    Atomics.store(views.control, ctl + VisualSlot.length, 0);
    views.figures[slot]!.fill(NaN);
    if (slot < lengths.length) targets.push(fits ? views.visual.subarray(offset, offset + want) : new Float32Array(0));
    if (fits) offset += want;
  }
  return targets;
}

/**
 * Publishing a visual frame into slot `slot`: `beginVisual`, write its target and figures,
 * `endVisual` with its length. Sequence lock: odd while writing, even when done. Real-time safe.
 */
export function beginVisual(views: TelemetryViews, slot = 0): void {
  Atomics.add(views.control, visualSlotCtl(slot) + VisualSlot.seq, 1);
}

export function endVisual(views: TelemetryViews, length: number, slot = 0): void {
  const ctl = visualSlotCtl(slot);
  Atomics.store(views.control, ctl + VisualSlot.length, length);
  Atomics.add(views.control, ctl + VisualSlot.seq, 1);
}

/** Slot `slot`'s sequence number (even: a complete frame or none; 0: none since the buffer was made). */
export function visualSeq(views: TelemetryViews, slot = 0): number {
  return Atomics.load(views.control, visualSlotCtl(slot) + VisualSlot.seq);
}

/**
 * Copies slot `slot`'s newest complete visual frame into `out` (UI side). Returns its sequence
 * number (even), or -1 if no complete frame could be read (none yet, or the worklet kept writing
 * during 4 tries).
 */
export function readVisual(views: TelemetryViews, out: Float32Array, slot = 0): { seq: number; length: number } {
  const ctl = visualSlotCtl(slot);
  for (let attempt = 0; attempt < 4; attempt++) {
    const seq = Atomics.load(views.control, ctl + VisualSlot.seq);
    if (seq === 0 || seq % 2 === 1) continue;
    const offset = Atomics.load(views.control, ctl + VisualSlot.offset);
    const length = Math.min(Atomics.load(views.control, ctl + VisualSlot.length), out.length);
    out.set(views.visual.subarray(offset, offset + length));
    if (Atomics.load(views.control, ctl + VisualSlot.seq) === seq) return { seq, length };
  }
  return { seq: -1, length: 0 };
}

/** Appends one quantum to the scope ring and publishes the new write position. Real-time safe. */
export function writeScope(views: TelemetryViews, samples: Float32Array): void {
  const ring = views.scope;
  const cap = ring.length;
  let pos = Atomics.load(views.control, Ctl.writePos);
  const n = samples.length;
  if (n <= cap - pos) {
    ring.set(samples, pos);
    pos += n;
  } else {
    for (let i = 0; i < n; i++) {
      ring[pos] = samples[i]!;
      pos = pos + 1 === cap ? 0 : pos + 1;
    }
  }
  Atomics.store(views.control, Ctl.writePos, pos % cap);
}

/** Copies the newest `out.length` scope samples (oldest first) into `out`. UI side. */
export function readScope(views: TelemetryViews, out: Float32Array): void {
  const ring = views.scope;
  const cap = ring.length;
  const n = Math.min(out.length, cap);
  const end = Atomics.load(views.control, Ctl.writePos);
  let pos = (end + cap - n) % cap;
  for (let i = 0; i < n; i++) {
    out[i] = ring[pos]!;
    pos = pos + 1 === cap ? 0 : pos + 1;
  }
}

/** A plain snapshot of every telemetry figure, for the UI and for fallback messages. */
export interface TelemetrySnapshot {
  writePos: number;
  quantumCount: number;
  wasmStatus: WasmStatus;
  quantaOver1ms: number;
  quantaTickSpans: number;
  quantaOverDeadline: number;
  stageErrors: number;
  wasmMemoryBytes: number;
  wasmAllocCount: number;
  wasmLiveBytes: number;
  timingSeq: number;
  /** Slot 0's visual sequence number. */
  visualSeq: number;
  loadMeanPct: number;
  quantaPerSecEma: number;
  audioClockDriftMs: number;
  windowMs: number;
  sampleRate: number;
  quantumFrames: number;
  warmUpMs: number;
}

export function snapshot(views: TelemetryViews): TelemetrySnapshot {
  const c = views.control;
  const t = views.timing;
  return {
    writePos: Atomics.load(c, Ctl.writePos),
    quantumCount: Atomics.load(c, Ctl.quantumCount),
    wasmStatus: WASM_STATUS[Atomics.load(c, Ctl.wasmStatus)] ?? 'loading',
    quantaOver1ms: Atomics.load(c, Ctl.quantaOver1ms),
    quantaTickSpans: Atomics.load(c, Ctl.quantaTickSpans),
    quantaOverDeadline: Atomics.load(c, Ctl.quantaOverDeadline),
    stageErrors: Atomics.load(c, Ctl.stageErrors),
    wasmMemoryBytes: Atomics.load(c, Ctl.wasmMemoryBytes),
    wasmAllocCount: Atomics.load(c, Ctl.wasmAllocCount),
    wasmLiveBytes: Atomics.load(c, Ctl.wasmLiveBytes),
    timingSeq: Atomics.load(c, Ctl.timingSeq),
    visualSeq: visualSeq(views),
    loadMeanPct: t[Tim.loadMeanPct]!,
    quantaPerSecEma: t[Tim.quantaPerSecEma]!,
    audioClockDriftMs: t[Tim.audioClockDriftMs]!,
    windowMs: t[Tim.windowMs]!,
    sampleRate: t[Tim.sampleRate]!,
    quantumFrames: t[Tim.quantumFrames]!,
    warmUpMs: t[Tim.warmUpMs]!,
  };
}
