/**
 * The Rust module's C ABI, typed, and a thin wrapper that keeps typed-array views over wasm
 * memory valid (they are rebuilt whenever `memory.buffer` changes after a grow).
 *
 * Used unchanged by the AudioWorklet processor, the kernel-timing worker, the pool, the CLI and
 * the benchmarks. Nothing here touches the DOM or names a stage.
 */

/** The ABI version this host understands (`abi_version()` in rust/src/ffi.rs). */
export const ABI_VERSION = 4;

/**
 * The runtime's exports of stagebench_dsp.wasm (rust/src/ffi.rs): the seed ABI, the allocation
 * counter and host-owned scratch buffers. `usize` arguments are i32 numbers on wasm32. A stage's
 * own exports are typed by its `dsp-stages/<id>/bindings.ts`, the only caller of them.
 */
export interface StagebenchExports {
  memory: WebAssembly.Memory;
  abi_version(): number;
  init(capacity: number): number;
  /** Adds an input ring and makes it current, leaving every instance alive (a chain's stages: one ring each). */
  input_add(capacity: number): number;
  get_input_ptr(): number;
  get_input_capacity(): number;
  /** Writable samples past the end of the input ring (an addition to the seed ABI). */
  get_input_slack(): number;
  get_write_pos(): number;
  set_write_pos(pos: number): void;
  process_quantum(n: number): number;
  alloc_count(): number;
  alloc_live_bytes(): number;
  /** Allocates `n` f32 in wasm memory for a host-owned buffer (benchmarks, CLI); freed by `scratch_free`. */
  scratch_alloc(n: number): number;
  scratch_free(ptr: number, n: number): void;
}

/** A wasm export as the host calls it: numbers in, a number (or nothing) out. */
export type WasmFunction = (...args: number[]) => number;

/**
 * The names of an exports interface `T`, all of them (a compile error lists any left out), so a
 * bindings module states each export once in its interface and once here, checked against it.
 */
export function exportNames<T>() {
  return <const K extends readonly (keyof T & string)[]>(
    ...names: K & ([Exclude<keyof T, K[number]>] extends [never] ? unknown : { missing: Exclude<keyof T, K[number]> })
  ): K => names;
}

/** Status codes of rust/src/lib.rs `status`. */
const STATUS_MESSAGES: Record<number, string> = {
  0: 'ok',
  [-1]: 'wasm runtime not initialised (init was not called)',
  [-2]: 'argument out of range',
  [-3]: 'stage not created or not active',
  [-4]: 'bad parameter (unknown id or NaN)',
  [-5]: "saved state refused (empty, truncated, corrupted, or another instance's)",
};

export function statusMessage(code: number): string {
  return STATUS_MESSAGES[code] ?? `unknown status ${code}`;
}

const REQUIRED_EXPORTS = [
  'memory',
  'abi_version',
  'init',
  'input_add',
  'get_input_ptr',
  'get_input_capacity',
  'get_input_slack',
  'get_write_pos',
  'set_write_pos',
  'process_quantum',
  'alloc_count',
] as const;

export class StagebenchWasm {
  readonly exports: StagebenchExports;
  private inputView: Float32Array = new Float32Array(0);
  /** The ring plus its slack: the target of `pushInput`'s single bulk copy. */
  private inputStore: Float32Array = new Float32Array(0);
  /** `init` adds an input ring (`input_add`) instead of replacing the runtime: see `chainLink`. */
  private addsRing = false;

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

  /**
   * A stage's exports, typed by its bindings module: checks that every one of `names` exists
   * (else throws naming the missing ones) and returns them.
   */
  bind<T>(names: readonly (keyof T & string)[]): T {
    this.requireExports(names);
    return this.exports as unknown as T;
  }

  /**
   * (Re)allocates the input ring: on a chain link (`chainLink`), adds one for the stage about to
   * be created, leaving the other stages alive. Throws on a zero capacity or an allocation failure.
   */
  init(capacity: number): void {
    const ptr = this.addsRing ? this.exports.input_add(capacity) : this.exports.init(capacity);
    if (ptr === 0)
      throw new Error(
        this.addsRing
          ? `input_add(${capacity}) failed: a zero capacity, no init before it, or every input ring in use`
          : `init(${capacity}) failed: capacity must be at least 1 sample`,
      );
    this.inputView = new Float32Array(0);
  }

  /**
   * Another host for the same wasm instance, for one stage of a chain: its `init` adds an input
   * ring (`input_add`) instead of replacing the runtime, so the stage created through it reads its
   * own ring and lives beside the others. Its input-ring view is its own; the caller activates
   * the stage's instance (`stage_activate`) before every call into it, which makes that ring the
   * current one.
   */
  chainLink(): StagebenchWasm {
    const link = new StagebenchWasm({ exports: this.exports } as unknown as WebAssembly.Instance);
    link.addsRing = true;
    return link;
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
   * quantum no longer than the ring's slack (1024), allocation-free: the quantum is written in one
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

/** Compiles synchronously; an Error that says what is wrong with the bytes otherwise. */
export function compileStagebench(bytes: BufferSource): WebAssembly.Module {
  if (bytes.byteLength === 0) throw new Error('wasm bytes are empty (was the module built? run npm run build:wasm)');
  try {
    return new WebAssembly.Module(bytes);
  } catch (err) {
    throw new Error(`wasm does not compile: ${(err as Error).message}`);
  }
}

/**
 * Fresh instances of one compiled module, for callers that make many (tests, the bench, the
 * validator): they share the module's code, so code that tiered up to optimised machine code in
 * one instance runs optimised in the next.
 */
export function instanceFactory(module: WebAssembly.Module): () => StagebenchWasm {
  return () => new StagebenchWasm(new WebAssembly.Instance(module, {}));
}

/** Compiles and instantiates synchronously: the worklet must be ready before its first `process()`. */
export function instantiateStagebench(bytes: BufferSource): StagebenchWasm {
  return new StagebenchWasm(new WebAssembly.Instance(compileStagebench(bytes), {}));
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
