/**
 * Plain TypeScript reference of ring copy: the same semantics as rust/src/ring.rs and
 * rust/src/ring_copy.rs. Runs in the worklet when wasm is unavailable, and in unit tests.
 */
import type { ParamValues, StageKernel } from '../types.ts';
import { numberParam } from '../params.ts';

/**
 * Uint32 views over float arrays, cached by identity: copying through integer views keeps every
 * bit (a float round trip through JS numbers may quiet a signalling NaN), and the cache means no
 * allocation while the caller keeps passing the same arrays (the worklet does).
 */
class BitView {
  private source: Float32Array | null = null;
  private view: Uint32Array = new Uint32Array(0);

  of(arr: Float32Array): Uint32Array {
    if (arr !== this.source || this.view.buffer !== arr.buffer) {
      this.source = arr;
      this.view = new Uint32Array(arr.buffer, arr.byteOffset, arr.length);
    }
    return this.view;
  }
}

/** A circular buffer: push at the write position, read the newest samples back, bit for bit. */
export class ReferenceRing {
  readonly buf: Float32Array;
  private readonly bits: Uint32Array;
  private readonly inBits = new BitView();
  private readonly outBits = new BitView();
  writePos = 0;

  constructor(capacity: number) {
    if (!(capacity >= 1)) throw new Error(`ring capacity must be at least 1 sample, got ${capacity}`);
    this.buf = new Float32Array(capacity);
    this.bits = new Uint32Array(this.buf.buffer);
  }

  push(samples: Float32Array): void {
    const src = this.inBits.of(samples);
    const ring = this.bits;
    const cap = ring.length;
    let pos = this.writePos;
    for (let i = 0; i < src.length; i++) {
      ring[pos] = src[i]!;
      pos = pos + 1 === cap ? 0 : pos + 1;
    }
    this.writePos = pos;
  }

  /** Copies the newest `out.length` samples, oldest first. Returns false if `out` is longer than the ring. */
  readLatest(out: Float32Array): boolean {
    const ring = this.bits;
    const cap = ring.length;
    const n = out.length;
    if (n > cap) return false;
    const dst = this.outBits.of(out);
    let pos = (this.writePos + cap - n) % cap;
    for (let i = 0; i < n; i++) {
      dst[i] = ring[pos]!;
      pos = pos + 1 === cap ? 0 : pos + 1;
    }
    return true;
  }
}

export function createRingCopyReference(params: ParamValues): StageKernel {
  const ring = new ReferenceRing(numberParam(params, 'capacity'));
  let quanta = 0;
  return {
    backend: 'reference',
    process(inputs, output) {
      const input = inputs[0]!;
      ring.push(input);
      if (output && !ring.readLatest(output)) return -2;
      quanta++;
      return 0;
    },
    setParam() {
      // capacity is fixed at create; the host re-creates the stage when it changes
    },
    summary: () => ({ quanta, writePos: ring.writePos }),
  };
}
