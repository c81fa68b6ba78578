/**
 * The TypeScript reference against the Rust wasm kernel, bit for bit, on random quanta, for ring
 * capacities that are and are not multiples of the quantum (so the ring wraps mid-quantum).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { RENDER_QUANTUM_FRAMES } from '../types.ts';
import { mulberry32 } from '../signals.ts';
import { ringCopyStage } from './index.ts';
import { ReferenceRing, createRingCopyReference } from './reference.ts';
import { wasmInstanceFactory } from '../wasm-file.ts';
import type { StagebenchWasm } from '../../worklet/abi.ts';
import { bindRingCopy } from './bindings.ts';

const Q = RENDER_QUANTUM_FRAMES;

let newWasm: () => StagebenchWasm;
beforeAll(() => {
  newWasm = wasmInstanceFactory();
});

/** Random float32 bit patterns (any sign, denormals, ±0, ±Inf), never NaN. */
function randomQuantum(rand: () => number): Float32Array {
  const bits = new Uint32Array(Q);
  for (let i = 0; i < Q; i++) {
    let b = Math.floor(rand() * 2 ** 32) >>> 0;
    if ((b & 0x7f800000) === 0x7f800000 && (b & 0x007fffff) !== 0) b &= 0xff800000; // NaN -> ±Inf
    bits[i] = b;
  }
  return new Float32Array(bits.buffer);
}

function bitsOf(a: Float32Array): number[] {
  return [...new Uint32Array(a.buffer, a.byteOffset, a.length)];
}

describe('ring copy: wasm kernel vs TypeScript reference', () => {
  it.each([128, 128 * 3 + 17, 1000, 128 * 256])('capacity %i: same output, ring contents and write position', (capacity) => {
    const wasm = newWasm();
    const params = { capacity };
    const kernel = ringCopyStage.createWasmKernel(wasm, params, 48000);
    const reference = createRingCopyReference(params);
    const mirror = new ReferenceRing(capacity);
    const rand = mulberry32(capacity);
    const wasmOut = new Float32Array(Q);
    const refOut = new Float32Array(Q);
    const quanta = Math.ceil((3 * capacity) / Q) + 5; // at least three laps of the ring
    let wrappedMidQuantum = 0;
    for (let q = 0; q < quanta; q++) {
      const input = randomQuantum(rand);
      expect(kernel.process([input], wasmOut)).toBe(0);
      expect(reference.process([input], refOut)).toBe(0);
      mirror.push(input);
      expect(bitsOf(wasmOut)).toEqual(bitsOf(input));
      expect(bitsOf(refOut)).toEqual(bitsOf(input));
      expect(wasm.exports.get_write_pos()).toBe(mirror.writePos);
      if (mirror.writePos !== 0 && mirror.writePos < Q) wrappedMidQuantum++;
    }
    expect(bitsOf(wasm.inputRing())).toEqual(bitsOf(mirror.buf));
    expect(kernel.summary()).toEqual(reference.summary());
    expect(kernel.summary()).toEqual({ quanta, writePos: mirror.writePos });
    expect(kernel.backend).toBe('wasm');
    expect(reference.backend).toBe('reference');
    // a capacity that is not a multiple of the quantum must have wrapped inside quanta
    if (capacity % Q !== 0) expect(wrappedMidQuantum).toBeGreaterThan(0);
    else expect(wrappedMidQuantum).toBe(0);
  });

  it('the reference reads back quanta shorter than 128 frames', () => {
    const reference = createRingCopyReference({ capacity: 300 });
    const rand = mulberry32(99);
    for (const n of [1, 64, 127, 128, 37, 128, 128]) {
      const input = randomQuantum(rand).subarray(0, n);
      const out = new Float32Array(n);
      expect(reference.process([input], out)).toBe(0);
      expect(bitsOf(out)).toEqual(bitsOf(input));
    }
    expect(reference.summary()).toEqual({ quanta: 7, writePos: (1 + 64 + 127 + 128 + 37 + 128 + 128) % 300 });
  });

  // KNOWN GAP (dsp-stages/ring-copy/index.ts): the wasm kernel copies its whole 128-sample
  // output buffer into `output` whatever the quantum length, so a shorter quantum throws a
  // RangeError instead of returning its `frames` samples. Never hit by the worklet or the CLI,
  // which always pass 128 frames. Drop `.fails` once the kernel copies `frames` samples.
  it('the wasm kernel reads back quanta shorter than 128 frames', () => {
    const wasm = newWasm();
    const kernel = ringCopyStage.createWasmKernel(wasm, { capacity: 300 }, 48000);
    const rand = mulberry32(99);
    for (const n of [1, 64, 127, 128, 37]) {
      const input = randomQuantum(rand).subarray(0, n);
      const out = new Float32Array(n);
      expect(kernel.process([input], out)).toBe(0);
      expect(bitsOf(out)).toEqual(bitsOf(input));
    }
  });

  it('both refuse to read back more samples than the ring holds (status -2)', () => {
    const wasm = newWasm();
    wasm.init(64);
    expect(bindRingCopy(wasm).ring_copy_create(Q)).toBe(0);
    expect(bindRingCopy(wasm).ring_copy_process(65)).toBe(-2);
    expect(bindRingCopy(wasm).ring_copy_process(64)).toBe(0);
    const ring = new ReferenceRing(64);
    const out = new Float32Array(65).fill(9);
    expect(ring.readLatest(out)).toBe(false);
    expect(out.every((v) => v === 9)).toBe(true);
  });

  it('the reference refuses a zero capacity', () => {
    expect(() => new ReferenceRing(0)).toThrow('ring capacity must be at least 1 sample, got 0');
  });
});
