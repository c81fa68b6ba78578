/** Types of an untyped bench peer shared by several stages' benches (fft, shift), as far as they use it. */

declare module '@echogarden/pffft-wasm/simd' {
  /** The instantiated Emscripten module (pointers are byte offsets into its heap). */
  export interface PffftModule {
    /** A view over the module's heap, replaced whenever the heap grows. */
    HEAPF32: Float32Array;
    /** `transform`: 0 PFFFT_REAL, 1 PFFFT_COMPLEX. Returns 0 for an unsupported size. */
    _pffft_new_setup(n: number, transform: number): number;
    _pffft_destroy_setup(setup: number): void;
    /** `direction`: 0 PFFFT_FORWARD, 1 PFFFT_BACKWARD. Buffers 16-byte aligned. */
    _pffft_transform_ordered(setup: number, input: number, output: number, work: number, direction: number): void;
    /** The same in PFFFT's internal frequency order (its fastest form; the time domain is in order). */
    _pffft_transform(setup: number, input: number, output: number, work: number, direction: number): void;
    /** Reorders a spectrum: 0 PFFFT_FORWARD internal -> ordered, 1 PFFFT_BACKWARD ordered -> internal. */
    _pffft_zreorder(setup: number, input: number, output: number, direction: number): void;
    _pffft_aligned_malloc(bytes: number): number;
    _pffft_aligned_free(ptr: number): void;
    _pffft_simd_size(): number;
  }
  const createPffft: (moduleArg?: Record<string, unknown>) => Promise<PffftModule>;
  export default createPffft;
}
