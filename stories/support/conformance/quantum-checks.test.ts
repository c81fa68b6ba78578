/**
 * The render-quantum check in Node: every registered stage's wasm kernel, made for quanta of each
 * size and run in them, against its reference run in quanta of the same size, through the same
 * function the browser's story judges its renders with.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { STAGES } from '../../../dsp-stages/registry.ts';
import { resolveParams, withOfflineParams } from '../../../dsp-stages/params.ts';
import { wasmInstanceFactory } from '../../../dsp-stages/wasm-file.ts';
import type { StagebenchWasm } from '../../../worklet/abi.ts';
import { conformanceOf, conformanceParams } from './promises.ts';
import { RATE_FRAMES } from '../../../dsp-stages/conformance/signals.ts';
import { runKernel } from './kernel-run.ts';
import { RENDER_QUANTUM_SIZES, quantumInput, renderQuantumChecks } from './quantum-checks.ts';

const RATE = 48_000;

let newWasm: () => StagebenchWasm;
beforeAll(() => {
  newWasm = wasmInstanceFactory();
});

describe('render-quantum', () => {
  it('lists 128 and sizes that are not powers of two', () => {
    expect(RENDER_QUANTUM_SIZES).toContain(128);
    expect(RENDER_QUANTUM_SIZES.some((q) => (q & (q - 1)) !== 0)).toBe(true);
  });

  it('cuts the rate input, and pads the shift pair with silence, to whole quanta of a size that does not divide them', () => {
    const gain = quantumInput(conformanceOf('gain').spec, RATE, 441);
    expect(gain.input.length).toBe(Math.floor(RATE_FRAMES / 441) * 441);
    const { spec } = conformanceOf('shift');
    const src = quantumInput(spec, RATE, 441);
    expect(src.input.length).toBe(75 * 441); // 32768 frames, then 307 of silence
    expect(src.input2?.length).toBe(75 * 441);
    expect(src.input.subarray(32768).every((v) => v === 0)).toBe(true);
    expect(src.input.subarray(0, 32768).some((v) => v !== 0)).toBe(true);
    expect(quantumInput(spec, RATE, 128).input.length).toBe(32768);
  });

  for (const stage of Object.values(STAGES)) {
    it.each(RENDER_QUANTUM_SIZES.map((q) => [q]))(`${stage.id}: the wasm kernel in %i-frame quanta equals its reference`, (q) => {
      const { spec } = conformanceOf(stage.id);
      const params = conformanceParams(stage);
      const src = quantumInput(spec, RATE, q);
      // as the worklet creates it offline: its offline parameters, for quanta of q frames
      const values = resolveParams(stage.params, withOfflineParams(stage, params)).values;
      const kernel = stage.createWasmKernel(newWasm(), values, RATE, q);
      const run = runKernel(kernel, stage.hasAudioOutput, src.input, src.input2, q);
      const checks = renderQuantumChecks(stage, spec, params, RATE, q, src, {
        output: run.output,
        figures: (stage.figures ?? []).length > 0 ? run.figures : null,
        quantumCount: src.input.length / q,
        quantumFrames: q,
        stageErrors: run.errors,
      });
      expect(checks.length).toBeGreaterThanOrEqual(2 + (stage.hasAudioOutput ? 2 : 0) + (stage.figures ?? []).length);
      expect(checks.filter((c) => c.ok !== true).map((c) => `${c.check}: ${c.figure}`)).toEqual([]);
    });
  }

  it('fails a run whose output differs from the reference by one sample', () => {
    const stage = STAGES['gain']!;
    const { spec } = conformanceOf(stage.id);
    const params = conformanceParams(stage);
    const src = quantumInput(spec, RATE, 441);
    const kernel = stage.createWasmKernel(newWasm(), resolveParams(stage.params, params).values, RATE, 441);
    const run = runKernel(kernel, true, src.input, undefined, 441);
    run.output![1000] = run.output![1000]! + 1;
    const checks = renderQuantumChecks(stage, spec, params, RATE, 441, src, {
      output: run.output,
      figures: null,
      quantumCount: src.input.length / 441,
      quantumFrames: 128,
      stageErrors: 0,
    });
    const failed = checks.filter((c) => c.ok === false).map((c) => c.check);
    expect(failed).toEqual(['441-frame quanta: quanta of 441 frames', expect.stringMatching(/^441-frame quanta: output (=|vs) reference/)]);
  });
});
