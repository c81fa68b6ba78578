/** Types of the untyped peer of the fft bench, as far as it uses it (pffft's are in ../peers.d.ts). */

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
