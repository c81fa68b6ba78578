/**
 * The Rust module's C ABI, typed, and a thin wrapper that keeps typed-array views over wasm
 * memory valid (they are rebuilt whenever `memory.buffer` changes after a grow).
 *
 * Used unchanged by the AudioWorklet processor, the kernel-timing worker, the CLI and the
 * benchmarks. Nothing here touches the DOM.
 */

/** The ABI version this host understands (`abi_version()` in rust/src/ffi.rs). */
export const ABI_VERSION = 2;

/** Exports of stagebench_dsp.wasm. `usize` arguments are i32 numbers on wasm32. */
export interface StagebenchExports {
  memory: WebAssembly.Memory;
  abi_version(): number;
  init(capacity: number): number;
  get_input_ptr(): number;
  get_input_capacity(): number;
  /** Writable samples past the end of the input ring (an addition to the seed ABI). */
  get_input_slack(): number;
  get_write_pos(): number;
  set_write_pos(pos: number): void;
  process_quantum(n: number): number;
  ring_copy_create(maxFrames: number): number;
  ring_copy_process(n: number): number;
  ring_copy_output_ptr(): number;
  // gain, the template stage (rust/src/gain.rs)
  gain_create(maxFrames: number): number;
  gain_set_param(id: number, value: number): number;
  gain_process(n: number): number;
  gain_output_ptr(): number;
  alloc_count(): number;
  alloc_live_bytes(): number;
  // spectrum stage (rust/src/fft_stage.rs)
  fft_create(size: number, window: number, beta: number): number;
  fft_process(): number;
  fft_begin(): number;
  fft_step(): number;
  fft_set_window(window: number, beta: number): number;
  fft_size(): number;
  fft_spectrum_ptr(): number;
  fft_db_ptr(): number;
  fft_peak_bin(): number;
  fft_peak_db(): number;
  fft_non_finite_frames(): number;
  fft_transform(inPtr: number, outPtr: number): number;
  fft_selftest(): number;
  fft_simd_enabled(): number;
  // 8-band EQ (rust/src/eq.rs)
  eq_create(sampleRate: number, maxFrames: number): number;
  eq_set_band(band: number, kind: number, freqHz: number, gainDb: number, q: number): number;
  eq_set_bypass(on: number): number;
  eq_process(n: number): number;
  eq_output_ptr(): number;
  eq_nan_quanta(): number;
  eq_process_buffer(inPtr: number, outPtr: number, n: number): number;
  eq_response_db(freqHz: number): number;
  eq_reset(): number;
  eq_simd_enabled(): number;
  eq_selftest(): number;
  // shift hypotheses (rust/src/shift.rs)
  shift_create(n: number, hypotheses: number): number;
  shift_set_params(span: number, centre: number, phat: number): number;
  shift_input_ptr(): number;
  shift_reference_ptr(): number;
  shift_process(): number;
  shift_process_part(part: number): number;
  shift_rescore(): number;
  shift_size(): number;
  shift_count(): number;
  shift_scores_ptr(): number;
  shift_cross_ptr(): number;
  shift_correlation_ptr(): number;
  shift_input_spectrum_ptr(): number;
  shift_reference_spectrum_ptr(): number;
  shift_power_spectra_ptr(): number;
  shift_centre(): number;
  shift_best(): number;
  shift_best_tau(): number;
  shift_value(): number;
  shift_non_finite_frames(): number;
  shift_reference_scores(outPtr: number): number;
  // decode core (rust/src/decode/; typed wrapper: worklet/decode-wasm.ts)
  decode_input_ptr(bytes: number): number;
  decode_pcm_ptr(floats: number): number;
  decode_out_ptr(floats: number): number;
  wav_probe(len: number, fileLength: number): number;
  wav_info_ptr(): number;
  pcm_to_f32(format: number, bits: number, channels: number, inPtr: number, frames: number, outPtr: number): number;
  resampler_create(inRate: number, outRate: number, channels: number): number;
  resampler_context(): number;
  resampler_taps(): number;
  resampler_exact(): number;
  resampler_out_frames(totalIn: number): number;
  resampler_tap_start(k: number): number;
  resample_span(inPtr: number, inFrames: number, inStart: number, totalIn: number, outStart: number, outCount: number, outPtr: number): number;
  resample_selftest(): number;
  /** Allocates `n` f32 in wasm memory for a host-owned buffer (benchmarks, CLI); freed by `scratch_free`. */
  scratch_alloc(n: number): number;
  scratch_free(ptr: number, n: number): void;
}

/** Status codes of rust/src/lib.rs `status`. */
const STATUS_MESSAGES: Record<number, string> = {
  0: 'ok',
  [-1]: 'wasm runtime not initialised (init was not called)',
  [-2]: 'argument out of range',
  [-3]: 'stage not created or not active',
  [-4]: 'bad parameter (unknown id or NaN)',
};

export function statusMessage(code: number): string {
  return STATUS_MESSAGES[code] ?? `unknown status ${code}`;
}

const REQUIRED_EXPORTS = [
  'memory', 'abi_version', 'init', 'get_input_ptr', 'get_input_capacity', 'get_input_slack', 'get_write_pos',
  'set_write_pos', 'process_quantum', 'alloc_count',
] as const;

export class StagebenchWasm {
  readonly exports: StagebenchExports;
  private inputView: Float32Array = new Float32Array(0);
  /** The ring plus its slack: the target of `pushInput`'s single bulk copy. */
  private inputStore: Float32Array = new Float32Array(0);

  constructor(instance: WebAssembly.Instance) {
    const exports = instance.exports as Record<string, unknown>;
    const missing = REQUIRED_EXPORTS.filter((name) => !(name in exports));
    if (missing.length > 0) throw new Error(`wasm module lacks exports: ${missing.join(', ')}`);
    this.exports = exports as unknown as StagebenchExports;
    const version = this.exports.abi_version();
    if (version !== ABI_VERSION) {
      throw new Error(`wasm ABI version ${version}, this host expects ${ABI_VERSION}: rebuild with npm run build:wasm`);
    }
  }

  /** Throws unless every named export exists (a stage checks its entry points on create). */
  requireExports(names: readonly string[]): void {
    const exports = this.exports as unknown as Record<string, unknown>;
    const missing = names.filter((name) => typeof exports[name] !== 'function');
    if (missing.length > 0) throw new Error(`wasm module lacks stage exports: ${missing.join(', ')}`);
  }

  /** (Re)allocates the input ring. Throws on a zero capacity or an allocation failure. */
  init(capacity: number): void {
    const ptr = this.exports.init(capacity);
    if (ptr === 0) throw new Error(`init(${capacity}) failed: capacity must be at least 1 sample`);
    this.inputView = new Float32Array(0);
  }

  /** A Float32Array over wasm memory at a byte pointer; valid until the memory grows. */
  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.exports.memory.buffer, ptr, length);
  }

  /** The input ring (capacity samples), rebuilt only when `memory.buffer` changed (a grow detaches the old one). */
  inputRing(): Float32Array {
    if (this.inputView.buffer !== this.exports.memory.buffer || this.inputView.length === 0) {
      const cap = this.exports.get_input_capacity();
      this.inputStore = this.f32(this.exports.get_input_ptr(), cap + this.exports.get_input_slack());
      this.inputView = this.inputStore.subarray(0, cap);
    }
    return this.inputView;
  }

  /**
   * Copies `samples` into the input ring at the write position (wrapping) and publishes the new
   * position. Bit-exact (bulk copies only, so even signalling-NaN payloads survive) and, for a
   * quantum no longer than the ring's slack (128), allocation-free: the quantum is written in one
   * `set` into the slack past the end, and the part past the end is moved to the start with
   * `copyWithin`. Longer inputs (the CLI's, not the worklet's) are pushed in slack-sized chunks.
   */
  pushInput(samples: Float32Array): void {
    const cap = this.inputRing().length;
    const store = this.inputStore;
    const slack = store.length - cap;
    const n = samples.length;
    if (n > slack) {
      for (let off = 0; off < n; off += slack) this.pushInput(samples.subarray(off, Math.min(n, off + slack)));
      return;
    }
    const pos = this.exports.get_write_pos();
    store.set(samples, pos);
    const end = pos + n;
    if (end > cap) store.copyWithin(0, cap, end);
    this.exports.set_write_pos(end >= cap ? end - cap : end);
  }

  /** A view over a wasm buffer that is rebuilt only after the memory grew; see `F32View`. */
  view(ptr: () => number, length: number): F32View {
    return new F32View(this.exports.memory, ptr, length);
  }

  /** Bytes of wasm linear memory (grows, never shrinks). */
  memoryBytes(): number {
    return this.exports.memory.buffer.byteLength;
  }
}

/**
 * A cached Float32Array over a wasm buffer. `get()` returns the same object until
 * `memory.buffer` changes (a grow detaches it), so the hot path allocates nothing.
 */
export class F32View {
  private current: Float32Array = new Float32Array(0);

  constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly ptr: () => number,
    readonly length: number,
  ) {}

  get(): Float32Array {
    if (this.current.buffer !== this.memory.buffer || this.current.length !== this.length) {
      const ptr = this.ptr();
      if (ptr === 0) throw new Error('wasm buffer pointer is null: the stage is not active');
      this.current = new Float32Array(this.memory.buffer, ptr, this.length);
    }
    return this.current;
  }
}

/** Compiles and instantiates synchronously: the worklet must be ready before its first `process()`. */
export function instantiateStagebench(bytes: BufferSource): StagebenchWasm {
  if (bytes.byteLength === 0) throw new Error('wasm bytes are empty (was the module built? run npm run build:wasm)');
  let module: WebAssembly.Module;
  try {
    module = new WebAssembly.Module(bytes);
  } catch (err) {
    throw new Error(`wasm does not compile: ${(err as Error).message}`);
  }
  return new StagebenchWasm(new WebAssembly.Instance(module, {}));
}

/** Compiles asynchronously (the main thread may not compile large modules synchronously). */
export async function instantiateStagebenchAsync(bytes: BufferSource): Promise<StagebenchWasm> {
  if (bytes.byteLength === 0) throw new Error('wasm bytes are empty (was the module built? run npm run build:wasm)');
  let module: WebAssembly.Module;
  try {
    module = await WebAssembly.compile(bytes);
  } catch (err) {
    throw new Error(`wasm does not compile: ${(err as Error).message}`);
  }
  return new StagebenchWasm(await WebAssembly.instantiate(module, {}));
}
