/** The gain (template) stage: wasm kernel against the TypeScript reference, parameters, no allocation. */
import { beforeAll, describe, expect, it } from 'vitest';
import { RENDER_QUANTUM_FRAMES } from '../types.ts';
import { clampParam, defaultParams } from '../params.ts';
import { whiteNoise } from '../signals.ts';
import { getStage } from '../registry.ts';
import { wasmInstanceFactory } from '../wasm-file.ts';
import type { StagebenchWasm } from '../../worklet/abi.ts';
import { gainStage } from './index.ts';
import { gainParams } from './params.ts';
import { applyGain, createGainReference } from './reference.ts';
import { bindGain } from './bindings.ts';

const Q = RENDER_QUANTUM_FRAMES;

function bits(a: Float32Array): number[] {
  return [...new Uint32Array(a.buffer, a.byteOffset, a.length)];
}

let newWasm: () => StagebenchWasm;
beforeAll(() => {
  newWasm = wasmInstanceFactory();
});

describe('gain stage', () => {
  it('is registered, with its entry points and one parameter', () => {
    expect(getStage('gain')).toBe(gainStage);
    expect(gainStage.wasmExports).toEqual(['gain_create', 'gain_set_param', 'gain_process', 'gain_output_ptr']);
    expect(defaultParams(gainStage.params)).toEqual({ gain: 0.5 });
    expect(clampParam(gainParams[0], 9)).toEqual({ value: 4, note: { name: 'gain', given: 9, used: 4, reason: 'above maximum 4 ×' } });
  });

  it('the reference multiplies in float32', () => {
    const input = Float32Array.of(1, -0.5, 0.1, 3);
    const out = new Float32Array(4);
    applyGain(input, 0.3, out);
    expect([...out]).toEqual([...input].map((x) => Math.fround(x * Math.fround(0.3))));
  });

  it.each([0, 0.3, 1, 2.5, 4])('gain %d: wasm output equals the reference bit for bit', (gain) => {
    const wasm = newWasm();
    const kernel = gainStage.createWasmKernel(wasm, { gain }, 48_000);
    const reference = createGainReference({ gain });
    const input = whiteNoise(Q * 40, 0.9, 11);
    const a = new Float32Array(Q);
    const b = new Float32Array(Q);
    for (let q = 0; q < 40; q++) {
      const quantum = input.subarray(q * Q, (q + 1) * Q);
      expect(kernel.process([quantum], a)).toBe(0);
      expect(reference.process([quantum], b)).toBe(0);
      expect(bits(a)).toEqual(bits(b));
    }
    expect(kernel.backend).toBe('wasm');
    expect(kernel.summary()).toEqual({ quanta: 40 });
  });

  it('setParam changes the gain of the next quantum; a shorter quantum is read back whole', () => {
    const wasm = newWasm();
    const kernel = gainStage.createWasmKernel(wasm, { gain: 1 }, 48_000);
    const input = whiteNoise(Q, 0.5, 3);
    const out = new Float32Array(Q);
    kernel.setParam('gain', 2);
    expect(kernel.process([input], out)).toBe(0);
    expect([...out]).toEqual([...input].map((x) => x * 2));
    const short = new Float32Array(37);
    expect(kernel.process([input.subarray(0, 37)], short)).toBe(0);
    expect([...short]).toEqual([...input.subarray(0, 37)].map((x) => x * 2));
    expect(kernel.process([new Float32Array(Q + 1)], new Float32Array(Q + 1))).toBe(-2);
  });

  it('allocates at create and never during 10,000 quanta', () => {
    const wasm = newWasm();
    const before = wasm.exports.alloc_count();
    const kernel = gainStage.createWasmKernel(wasm, { gain: 0.7 }, 48_000);
    const afterCreate = wasm.exports.alloc_count();
    expect(afterCreate).toBeGreaterThan(before);
    const input = whiteNoise(Q, 0.5, 5);
    const out = new Float32Array(Q);
    let failures = 0;
    for (let i = 0; i < 10_000; i++) if (kernel.process([input], out) !== 0) failures++;
    expect(failures).toBe(0);
    expect(wasm.exports.alloc_count()).toBe(afterCreate);
  });

  it('reports refusals as clear errors', () => {
    const wasm = newWasm();
    gainStage.createWasmKernel(wasm, { gain: 1 }, 48_000);
    expect(bindGain(wasm).gain_set_param(0, NaN)).toBe(-4);
    expect(bindGain(wasm).gain_set_param(3, 1)).toBe(-4);
    expect(() => gainStage.createWasmKernel(wasm, { gain: NaN }, 48_000)).toThrow(
      'gain_set_param(gain, NaN) failed: bad parameter (unknown id or NaN)',
    );
    expect(() => gainStage.createWasmKernel(wasm, {}, 48_000)).toThrow('parameter gain is not a number');
  });
});
