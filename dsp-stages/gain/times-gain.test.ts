/**
 * What the gain stage promises beyond its template's checks (dsp-stages/gain/gain.test.ts): its
 * output is the input times the f32 gain, clamped to 0 ..= 4, through the generic stage ABI.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { RENDER_QUANTUM_FRAMES } from '../types.ts';
import { clampParam, defaultParams } from '../params.ts';
import { whiteNoise } from '../signals.ts';
import { GenericStage } from '../generic.ts';
import { wasmInstanceFactory } from '../wasm-file.ts';
import type { StagebenchWasm } from '../../worklet/abi.ts';
import { gainStage } from './index.ts';
import { gainParams } from './params.ts';
import { applyGain, createGainReference } from './reference.ts';

const Q = RENDER_QUANTUM_FRAMES;

function bits(a: Float32Array): number[] {
  return [...new Uint32Array(a.buffer, a.byteOffset, a.length)];
}

let newWasm: () => StagebenchWasm;
beforeAll(() => {
  newWasm = wasmInstanceFactory();
});

describe('gain stage: output = input × gain', () => {
  it('has one parameter, gain 0.5 by default, clamped to 0 ..= 4 with a note', () => {
    expect(defaultParams(gainStage.params)).toEqual({ gain: 0.5 });
    expect(clampParam(gainParams[0], 9)).toEqual({ value: 4, note: { name: 'gain', given: 9, used: 4, reason: 'above maximum 4 ×' } });
  });

  it('the reference multiplies in float32', () => {
    const input = Float32Array.of(1, -0.5, 0.1, 3);
    const out = new Float32Array(4);
    applyGain(input, 0.3, out);
    expect([...out]).toEqual([...input].map((x) => Math.fround(x * Math.fround(0.3))));
  });

  it.each([0, 0.3, 1, 2.5, 4])('gain %d: wasm output equals input × gain and the reference, bit for bit', (gain) => {
    const kernel = gainStage.createWasmKernel(newWasm(), { gain }, 48_000);
    const reference = createGainReference({ gain });
    const input = whiteNoise(Q * 40, 0.9, 11);
    const a = new Float32Array(Q);
    const b = new Float32Array(Q);
    const g = Math.fround(gain);
    for (let q = 0; q < 40; q++) {
      const quantum = input.subarray(q * Q, (q + 1) * Q);
      expect(kernel.process([quantum], a)).toBe(0);
      expect(reference.process([quantum], b)).toBe(0);
      expect(bits(a)).toEqual(bits(b));
      expect(bits(a)).toEqual(bits(Float32Array.from(quantum, (x) => x * g)));
    }
    expect(kernel.backend).toBe('wasm');
    expect(kernel.summary()).toEqual({ quanta: 40 });
  });

  it('setParam changes the gain of the next quantum; a shorter quantum is read back whole', () => {
    const kernel = gainStage.createWasmKernel(newWasm(), { gain: 1 }, 48_000);
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

  it('the instance clamps to the range of params.ts and refuses NaN and unknown parameters', () => {
    const wasm = newWasm();
    wasm.init(Q * 8);
    const stage = new GenericStage(wasm, gainStage, { gain: 1 }, 48_000);
    expect(stage.setParam('gain', 9)).toBe(0);
    expect(stage.x.stage_get_param(stage.handle, 0)).toBe(4);
    expect(stage.setParam('gain', -1)).toBe(0);
    expect(stage.x.stage_get_param(stage.handle, 0)).toBe(0);
    expect(stage.setParam('gain', NaN)).toBe(-4);
    expect(stage.setParam('level', 1)).toBe(-4);
    expect(stage.x.stage_get_param(stage.handle, 0)).toBe(0);
    expect(() => gainStage.createWasmKernel(wasm, { gain: 'loud' }, 48_000)).toThrow('parameter gain is not a number');
  });
});
