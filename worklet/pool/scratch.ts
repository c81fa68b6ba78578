/** Scratch memory for task kinds: a growable f32 buffer in one wasm instance. */
import type { StagebenchWasm } from '../abi.ts';

/** A growable f32 buffer in one wasm instance (scratch_alloc / scratch_free). */
export class Scratch {
  private ptr = 0;
  private floats = 0;
  constructor(private readonly wasm: StagebenchWasm) {}

  /** A pointer to at least `n` floats (contents undefined after a grow). */
  ensure(n: number): number {
    if (n > this.floats) {
      if (this.ptr !== 0) this.wasm.exports.scratch_free(this.ptr, this.floats);
      const floats = Math.max(n, 1024);
      this.ptr = this.wasm.exports.scratch_alloc(floats);
      if (this.ptr === 0) throw new Error(`scratch_alloc(${floats}) failed`);
      this.floats = floats;
    }
    return this.ptr;
  }
}
