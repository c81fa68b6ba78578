/**
 * The SharedArrayBuffer between the AudioWorklet and the UI, built and read by this one module
 * on both sides (after ringbuf.js: a static "bytes for capacity" plus views over a buffer the
 * caller passes in).
 *
 *   Int32  control[CONTROL_SLOTS]   Atomics: write position, quantum count, status, counters
 *   Float64 timing[TIMING_SLOTS]    live-load figures (written by the worklet once a second)
 *   Float32 scope[scopeCapacity]    the UI scope ring
 *
 * Safe on the real-time thread: `writeScope` and the Atomics stores allocate nothing.
 */

export const LAYOUT_MAGIC = 0x53424e43; // "SBNC"
export const LAYOUT_VERSION = 1;

/** UI scope ring: 128 × 256 samples (about 0.68 s at 48 kHz). */
export const SCOPE_CAPACITY_SAMPLES = 128 * 256;

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
  /** Quanta whose process() callback took >= 1 ms by Date.now(). */
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
} as const;
export const CONTROL_SLOTS = 16;

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
} as const;
export const TIMING_SLOTS = 8;

export const WASM_STATUS = ['loading', 'active', 'fallback'] as const;
export type WasmStatus = (typeof WASM_STATUS)[number];

export interface TelemetryViews {
  control: Int32Array;
  timing: Float64Array;
  scope: Float32Array;
}

export function telemetryBytes(scopeCapacity = SCOPE_CAPACITY_SAMPLES): number {
  return CONTROL_SLOTS * 4 + TIMING_SLOTS * 8 + scopeCapacity * 4;
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
  const timing = new Float64Array(buffer, CONTROL_SLOTS * 4, TIMING_SLOTS);
  const scopeOffset = CONTROL_SLOTS * 4 + TIMING_SLOTS * 8;
  const scope = new Float32Array(buffer, scopeOffset, (buffer.byteLength - scopeOffset) / 4);
  return { control, timing, scope };
}

/**
 * A telemetry buffer: shared when the page is cross-origin isolated, else a plain ArrayBuffer
 * that the worklet keeps to itself and mirrors to the UI by postMessage.
 */
export function createTelemetryBuffer(shared: boolean, scopeCapacity = SCOPE_CAPACITY_SAMPLES): SharedArrayBuffer | ArrayBuffer {
  const bytes = telemetryBytes(scopeCapacity);
  const buffer = shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  const control = new Int32Array(buffer, 0, CONTROL_SLOTS);
  control[Ctl.magic] = LAYOUT_MAGIC;
  control[Ctl.version] = LAYOUT_VERSION;
  return buffer;
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
  stageErrors: number;
  wasmMemoryBytes: number;
  wasmAllocCount: number;
  wasmLiveBytes: number;
  timingSeq: number;
  loadMeanPct: number;
  quantaPerSecEma: number;
  audioClockDriftMs: number;
  windowMs: number;
  sampleRate: number;
}

export function snapshot(views: TelemetryViews): TelemetrySnapshot {
  const c = views.control;
  const t = views.timing;
  return {
    writePos: Atomics.load(c, Ctl.writePos),
    quantumCount: Atomics.load(c, Ctl.quantumCount),
    wasmStatus: WASM_STATUS[Atomics.load(c, Ctl.wasmStatus)] ?? 'loading',
    quantaOver1ms: Atomics.load(c, Ctl.quantaOver1ms),
    stageErrors: Atomics.load(c, Ctl.stageErrors),
    wasmMemoryBytes: Atomics.load(c, Ctl.wasmMemoryBytes),
    wasmAllocCount: Atomics.load(c, Ctl.wasmAllocCount),
    wasmLiveBytes: Atomics.load(c, Ctl.wasmLiveBytes),
    timingSeq: Atomics.load(c, Ctl.timingSeq),
    loadMeanPct: t[Tim.loadMeanPct]!,
    quantaPerSecEma: t[Tim.quantaPerSecEma]!,
    audioClockDriftMs: t[Tim.audioClockDriftMs]!,
    windowMs: t[Tim.windowMs]!,
    sampleRate: t[Tim.sampleRate]!,
  };
}
