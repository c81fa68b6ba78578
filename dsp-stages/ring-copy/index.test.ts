/** The ring-copy wasm kernel: creation, errors, and no heap allocation on the hot path. */
import { beforeAll, describe, expect, it } from 'vitest';
import { RENDER_QUANTUM_FRAMES } from '../types.ts';
import { whiteNoise } from '../signals.ts';
import { ringCopyStage } from './index.ts';
import { wasmInstanceFactory } from '../wasm-file.ts';
import type { StagebenchWasm } from '../../worklet/abi.ts';
import { bindRingCopy } from './bindings.ts';

const Q = RENDER_QUANTUM_FRAMES;

let newWasm: () => StagebenchWasm;
beforeAll(() => {
  newWasm = wasmInstanceFactory();
});

describe('ring-copy wasm kernel', () => {
  it('allocates at create and never during 10,000 process calls', () => {
    const wasm = newWasm();
    const beforeCreate = wasm.exports.alloc_count();
    // capacity not a multiple of 128: the JS wrap path of pushInput runs too
    const kernel = ringCopyStage.createWasmKernel(wasm, { capacity: 1000 }, 48000);
    const afterCreate = wasm.exports.alloc_count();
    expect(afterCreate).toBeGreaterThan(beforeCreate); // the counter is live: the ring and output were allocated
    const memory = wasm.memoryBytes();
    const noise = whiteNoise(Q * 10, 0.5, 5);
    const inputs = Array.from({ length: 10 }, (_, i) => [noise.subarray(i * Q, (i + 1) * Q)]);
    const out = new Float32Array(Q);
    let failures = 0;
    for (let i = 0; i < 10_000; i++) {
      if (kernel.process(inputs[i % 10]!, out) !== 0) failures++;
    }
    expect(failures).toBe(0);
    expect(wasm.exports.alloc_count()).toBe(afterCreate);
    expect(wasm.memoryBytes()).toBe(memory);
    expect(kernel.summary()).toEqual({ quanta: 10_000, writePos: (10_000 * Q) % 1000 });
    expect([...out]).toEqual([...inputs[9]![0]!]);
  });

  it('ring_copy_process itself allocates nothing across 10,000 calls', () => {
    const wasm = newWasm();
    wasm.init(Q * 256);
    expect(bindRingCopy(wasm).ring_copy_create(Q)).toBe(0);
    const before = wasm.exports.alloc_count();
    let status = 0;
    for (let i = 0; i < 10_000; i++) {
      wasm.exports.set_write_pos((i * Q) % (Q * 256));
      status |= bindRingCopy(wasm).ring_copy_process(Q);
    }
    expect(status).toBe(0);
    expect(wasm.exports.alloc_count()).toBe(before);
  });

  it('reports stage errors as status codes', () => {
    const wasm = newWasm();
    expect(wasm.exports.process_quantum(Q)).toBe(-1); // before init
    wasm.init(256);
    expect(wasm.exports.process_quantum(Q)).toBe(-3); // no stage yet
    expect(bindRingCopy(wasm).ring_copy_create(0)).toBe(-2);
    expect(bindRingCopy(wasm).ring_copy_output_ptr()).toBe(0);
  });

  it('re-creating the kernel starts from an empty ring', () => {
    const wasm = newWasm();
    const first = ringCopyStage.createWasmKernel(wasm, { capacity: 256 }, 48000);
    first.process([new Float32Array(Q).fill(1)], new Float32Array(Q));
    const second = ringCopyStage.createWasmKernel(wasm, { capacity: 256 }, 48000);
    expect(second.summary()).toEqual({ quanta: 0, writePos: 0 });
    expect(wasm.inputRing().every((v) => v === 0)).toBe(true);
  });
});

describe('ring-copy exports and its output view', () => {
  it('the built module has the ring-copy entry points', () => {
    const wasm = newWasm();
    expect(() => wasm.requireExports(['ring_copy_create', 'ring_copy_process', 'ring_copy_output_ptr'])).not.toThrow();
  });

  it('F32View over the output throws before the stage is created (a null pointer)', () => {
    const wasm = newWasm();
    wasm.init(128);
    expect(() => wasm.view(() => bindRingCopy(wasm).ring_copy_output_ptr(), 128).get()).toThrow('the stage is not active');
  });
});
