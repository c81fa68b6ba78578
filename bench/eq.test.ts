/** The eq bench case: both implementations compute the same cascade, and a wrong one is caught. */
import { beforeAll, describe, expect, it } from 'vitest';
import { wasmInstanceFactory } from '../cli/wasm-file.ts';
import { BiquadCascade } from '../dsp-stages/eq/reference.ts';
import { whiteNoise } from '../dsp-stages/signals.ts';
import { BENCH_FILES } from './index.ts';
import { runCase, type BenchCase } from './harness.ts';
import { EQ_BENCH_FRAMES, EQ_BENCH_RATE, JsBiquadCascade, benchBands, checkEqOutputs, eqBench, maxAbsDiff, type EqBenchImpl } from './eq.bench.ts';

let cases: BenchCase[];

beforeAll(() => {
  cases = eqBench.cases({ newWasm: wasmInstanceFactory() });
});

describe('eq bench case', () => {
  it('is listed, under the name it declares', () => {
    expect(BENCH_FILES).toContain(eqBench);
    expect(eqBench.caseNames).toEqual(['eq/8x1024']);
    expect(cases.map((c) => c.name)).toEqual(eqBench.caseNames);
    expect(cases[0]!.stage).toBe('eq');
    expect(cases[0]!.ours).toBe('stagebench');
    expect(cases[0]!.impls.map((i) => i.name)).toEqual(['stagebench', 'js-biquad']);
  });

  it('uses the story default: eight active sections', () => {
    const bands = benchBands();
    expect(bands).toHaveLength(8);
    expect(bands.every((b) => b.type !== 'off')).toBe(true);
  });

  it('passes its output check (ours against js-biquad within 1e-4 on one block from rest)', () => {
    for (const impl of cases[0]!.impls) expect(() => impl.check?.()).not.toThrow();
  });

  it('carries the state from call to call: two blocks in a row are one long block', () => {
    const impls = cases[0]!.impls as EqBenchImpl[];
    const input = whiteNoise(EQ_BENCH_FRAMES, 0.5, 9);
    const twice = new Float32Array(2 * EQ_BENCH_FRAMES);
    twice.set(input);
    twice.set(input, EQ_BENCH_FRAMES);
    const ref = new Float32Array(twice.length);
    new BiquadCascade(benchBands(), EQ_BENCH_RATE).process(twice, ref);
    for (const impl of impls) {
      expect(maxAbsDiff(impl.blockFromRest(), ref.subarray(0, EQ_BENCH_FRAMES)), impl.name).toBeLessThan(1e-4);
      impl.run();
      expect(maxAbsDiff(impl.lastOutput(), ref.subarray(EQ_BENCH_FRAMES)), impl.name).toBeLessThan(1e-4);
    }
  });

  it('rejects a cascade that differs, or an output that is the input', () => {
    const input = whiteNoise(EQ_BENCH_FRAMES, 0.5, 9);
    const fixed = (name: string, out: Float32Array): EqBenchImpl => ({ name, run: () => {}, blockFromRest: () => out, lastOutput: () => out });
    const good = new Float32Array(EQ_BENCH_FRAMES);
    new JsBiquadCascade(benchBands(), EQ_BENCH_RATE).process(input, good);
    const off = good.map((v, i) => (i === 500 ? v + 1e-3 : v));
    expect(() => checkEqOutputs(fixed('a', good), fixed('b', good), input)).not.toThrow();
    expect(() => checkEqOutputs(fixed('a', good), fixed('b', off), input)).toThrow(/a and b differ by up to 1\.00e-3/);
    expect(() => checkEqOutputs(fixed('a', input), fixed('b', input), input)).toThrow(/a: the output is the input/);
  });

  it('runs with the real clock', () => {
    const results = runCase(cases[0]!, { warmupMs: 5, samples: 5, minSampleMs: 0.2, now: () => performance.now() });
    expect(results.map((r) => r.impl)).toEqual(['stagebench', 'js-biquad']);
    for (const r of results) {
      expect(r.medianUs).toBeGreaterThan(0);
      expect(r.medianUs).toBeLessThan(2000);
    }
  });
});
