/**
 * Gain (template): the wasm kernel (rust/src/stages/gain.rs) against its TypeScript reference, bit for
 * bit, at the default parameters and at each parameter's extremes; parameter changes; no
 * allocation while processing; clear errors.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { RENDER_QUANTUM_FRAMES, type ParamSpec, type ParamValues, type StageKernel } from '../types.ts';
import { defaultParams } from '../params.ts';
import { whiteNoise } from '../signals.ts';
import { getStage } from '../registry.ts';
import { wasmInstanceFactory } from '../wasm-file.ts';
import type { StagebenchWasm } from '../../worklet/abi.ts';
import { gainStage } from './index.ts';
import { gainParams } from './params.ts';

const Q = RENDER_QUANTUM_FRAMES;
const RATE = 48_000;
const QUANTA = 40;

let newWasm: () => StagebenchWasm;
beforeAll(() => {
  newWasm = wasmInstanceFactory();
});

const specs: readonly ParamSpec[] = gainParams;
const defaults = defaultParams(specs);

/** The default parameters, then each parameter at its extremes (every option of a choice). */
const settings: [string, ParamValues][] = [
  ['the defaults', defaults],
  ...specs.flatMap((p): [string, ParamValues][] => {
    const values: (number | string)[] = p.kind === 'number' ? [p.min, p.max] : [...p.options];
    return values.map((v) => [`${p.name} = ${v}`, { ...defaults, [p.name]: v }]);
  }),
];

/** Runs `quanta` quanta of `input` through `kernel`; each output quantum starts as `fill`, so one not written shows. */
function render(kernel: StageKernel, input: Float32Array, fill: number, change?: { at: number; name: string; value: number | string }) {
  const out = new Float32Array(input.length);
  const quantum = new Float32Array(Q);
  for (let at = 0; at < input.length; at += Q) {
    if (change && at === change.at * Q) kernel.setParam(change.name, change.value);
    quantum.fill(fill);
    expect(kernel.process([input.subarray(at, at + Q)], quantum), `quantum ${at / Q}`).toBe(0);
    out.set(quantum, at);
  }
  return new Uint32Array(out.buffer);
}

describe('gain stage', () => {
  it('is registered, with its parameters', () => {
    expect(getStage('gain')).toBe(gainStage);
    expect(gainStage.params).toBe(gainParams);
    expect(Object.keys(defaults)).toEqual(specs.map((p) => p.name));
  });

  it.each(settings)('%s: the wasm output equals the reference bit for bit', (_, params) => {
    const input = whiteNoise(Q * QUANTA, 0.9, 11);
    const wasm = render(gainStage.createWasmKernel(newWasm(), params, RATE), input, 1, undefined);
    const reference = render(gainStage.createReferenceKernel(params, RATE), input, 2, undefined);
    expect(wasm).toEqual(reference);
  });

  it.each(specs.map((p) => [p.name, p] as const))('a change of %s applies from the next quantum, as in the reference', (_, p) => {
    const value = p.kind === 'number' ? p.max : p.options[p.options.length - 1]!;
    const change = { at: QUANTA / 2, name: p.name, value };
    const input = whiteNoise(Q * QUANTA, 0.9, 12);
    const wasm = render(gainStage.createWasmKernel(newWasm(), defaults, RATE), input, 1, change);
    const reference = render(gainStage.createReferenceKernel(defaults, RATE), input, 2, change);
    expect(wasm).toEqual(reference);
  });

  it('processes a short quantum whole and refuses one longer than a render quantum', () => {
    const input = whiteNoise(37, 0.5, 3);
    const a = new Float32Array(37).fill(1);
    const b = new Float32Array(37).fill(2);
    const kernel = gainStage.createWasmKernel(newWasm(), defaults, RATE);
    expect(kernel.process([input], a)).toBe(0);
    expect(gainStage.createReferenceKernel(defaults, RATE).process([input], b)).toBe(0);
    expect(new Uint32Array(a.buffer)).toEqual(new Uint32Array(b.buffer));
    expect(kernel.process([new Float32Array(Q + 1)], new Float32Array(Q + 1))).toBe(-2);
    expect(kernel.backend).toBe('wasm');
  });

  it('allocates at create and never during 10,000 quanta', () => {
    const wasm = newWasm();
    const before = wasm.exports.alloc_count();
    const kernel = gainStage.createWasmKernel(wasm, defaults, RATE);
    const afterCreate = wasm.exports.alloc_count();
    expect(afterCreate).toBeGreaterThan(before);
    const input = whiteNoise(Q, 0.5, 5);
    const out = new Float32Array(Q);
    let failures = 0;
    for (let i = 0; i < 10_000; i++) if (kernel.process([input], out) !== 0) failures++;
    expect(failures).toBe(0);
    expect(wasm.exports.alloc_count()).toBe(afterCreate);
  });

  const numeric = specs.find((p) => p.kind === 'number');
  it.runIf(numeric)('refuses NaN for a number parameter with a clear error', () => {
    expect(() => gainStage.createWasmKernel(newWasm(), { ...defaults, [numeric!.name]: NaN }, RATE)).toThrow(
      /stage_create\(gain\) failed: bad parameter/,
    );
  });
});
