/** Types of the untyped bench peers, as far as the bench uses them. */

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

declare module 'kissfft-js' {
  /** Real FFT of `size` samples: `forward` returns size + 2 floats, interleaved re, im for k = 0..size/2. */
  class FFTR {
    constructor(size: number);
    readonly size: number;
    /** Copies `real` into the module's heap, transforms; the result is a view over the heap. */
    forward(real: ArrayLike<number>): Float32Array;
    inverse(cpx: ArrayLike<number>): Float32Array;
    dispose(): void;
  }
  const kissfft: { FFTR: typeof FFTR };
  export default kissfft;
}

declare module 'fili' {
  /** One biquad section: y = k x filtered by b0 + b1 z^-1 + b2 z^-2 over 1 + a1 z^-1 + a2 z^-2. */
  interface IirSection {
    k: number;
    a: [number, number];
    b: [number, number, number];
  }
  interface IirFilter {
    /** Filters `input` sample by sample through every section; with `overwrite`, in place. */
    multiStep(input: ArrayLike<number> & { [i: number]: number }, overwrite?: boolean): ArrayLike<number>;
    singleStep(x: number): number;
    /** Clears every section's state. */
    reinit(): void;
  }
  const Fili: { IirFilter: new (sections: IirSection[]) => IirFilter };
  export default Fili;
}

declare module 'node-wav' {
  /** Decodes a WAV file: one Float32Array per channel (16-bit: integers / 32768 below zero, / 32767 above). */
  function decode(buffer: Uint8Array | ArrayBuffer): { sampleRate: number; channelData: Float32Array[] };
  const nodeWav: { decode: typeof decode };
  export default nodeWav;
}
