/**
 * Plain TypeScript reference of ring copy: the same semantics as rust/src/ring.rs and
 * rust/src/ring_copy.rs. Runs in the worklet when wasm is unavailable, and in unit tests.
 */
import type { ParamValues, StageKernel } from '../types.ts';
import { numberParam } from '../params.ts';

/** A circular buffer: push at the write position, read the newest samples back. */
export class ReferenceRing {
  readonly buf: Float32Array;
  writePos = 0;

  constructor(capacity: number) {
    if (!(capacity >= 1)) throw new Error(`ring capacity must be at least 1 sample, got ${capacity}`);
    this.buf = new Float32Array(capacity);
  }

  push(samples: Float32Array): void {
    const cap = this.buf.length;
    let pos = this.writePos;
    for (let i = 0; i < samples.length; i++) {
      this.buf[pos] = samples[i]!;
      pos = pos + 1 === cap ? 0 : pos + 1;
    }
    this.writePos = pos;
  }

  /** Copies the newest `out.length` samples, oldest first. Returns false if `out` is longer than the ring. */
  readLatest(out: Float32Array): boolean {
    const cap = this.buf.length;
    const n = out.length;
    if (n > cap) return false;
    let pos = (this.writePos + cap - n) % cap;
    for (let i = 0; i < n; i++) {
      out[i] = this.buf[pos]!;
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
