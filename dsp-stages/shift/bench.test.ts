/**
 * The shift bench case: every estimator passes its check on the same cross-spectrum, reports its
 * accuracy on the seeded pairs, and the helpers (parabola, padded layout) do what they say.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { wasmInstanceFactory } from '../wasm-file.ts';
import { BENCH_FILES } from '../../bench/index.ts';
import { checkImplNames, runCase, type BenchCase } from '../bench-harness.ts';
import { benchInProcess } from '../cli-testing.ts';
import {
  SHIFT_BENCH_DELAY,
  SHIFT_BENCH_IMPLS,
  SHIFT_BENCH_PAD,
  SHIFT_BENCH_SEEDS,
  hypothesisTau,
  orderedCross,
  parabolaVertex,
  refinedPeak,
  shiftAccuracy,
  shiftBench,
} from './bench.ts';

let c: BenchCase;

beforeAll(async () => {
  await shiftBench.prepare!();
  c = shiftBench.cases({ newWasm: wasmInstanceFactory() })[0]!;
});

describe('shift bench case', () => {
  it('is listed, with ours (the ramp scores) first and each estimator named package (variant)', () => {
    expect(BENCH_FILES).toContain(shiftBench);
    expect(shiftBench.caseNames).toEqual(['shift/32768x32']);
    expect(c.name).toBe('shift/32768x32');
    expect(c.stage).toBe('shift');
    expect(c.ours).toBe('stagebench (ramp scores)');
    expect(c.impls.map((i) => i.name)).toEqual([
      'stagebench (ramp scores)',
      'stagebench (centre IFFT + ramp scores)',
      '@echogarden/pffft-wasm (1 inverse FFT + parabola)',
      '@echogarden/pffft-wasm (8x zero-padded inverse FFT + parabola)',
      '@echogarden/pffft-wasm (32 inverse FFTs)',
    ]);
    expect(c.impls.map((i) => i.name)).toEqual([...SHIFT_BENCH_IMPLS]);
    expect(() => checkImplNames(c)).not.toThrow();
  });

  it('every implementation passes its check (scores, correlations and layouts against the stage)', () => {
    for (const impl of c.impls) expect(() => impl.check!(), impl.name).not.toThrow();
  });

  it("reports each estimator's accuracy on the seeded pairs: the ramps and 8x padding near exact, one parabola biased", () => {
    const acc = Object.fromEntries(c.impls.map((impl) => [impl.name, impl.accuracy!()]));
    for (const a of Object.values(acc)) {
      expect(a.figures).toMatchObject({ trueDelaySamples: SHIFT_BENCH_DELAY, snrDb: 30, trials: SHIFT_BENCH_SEEDS.length });
      expect(a.summary).toMatch(/^\|err\| \d\.\d{4}, RMSE \d\.\d{4} samples \(8 seeds\)$/);
    }
    expect(acc['stagebench (ramp scores)']!.figures.rmseSamples).toBeLessThan(0.005);
    expect(acc['stagebench (centre IFFT + ramp scores)']!.figures).toEqual(acc['stagebench (ramp scores)']!.figures);
    expect(acc['@echogarden/pffft-wasm (32 inverse FFTs)']!.figures.rmseSamples).toBeLessThan(0.005);
    expect(acc['@echogarden/pffft-wasm (8x zero-padded inverse FFT + parabola)']!.figures.rmseSamples).toBeLessThan(0.005);
    // the parabola through integer lags of a white signal's correlation peak is biased by about 0.1 sample at 0.37
    expect(acc['@echogarden/pffft-wasm (1 inverse FFT + parabola)']!.figures.absErrorSamples).toBeGreaterThan(0.05);
    // accuracy runs leave the timed pair in place: the checks still pass
    for (const impl of c.impls) expect(() => impl.check!(), impl.name).not.toThrow();
  });

  it('runs with the real clock, the accuracy beside each result', () => {
    const results = runCase(c, { warmupMs: 5, samples: 3, minSampleMs: 0.2, now: () => performance.now() });
    expect(results.map((r) => r.impl)).toEqual([...SHIFT_BENCH_IMPLS]);
    for (const r of results) {
      expect(r.medianUs).toBeGreaterThan(0);
      expect(r.medianUs).toBeLessThan(100_000);
      expect(r.accuracy?.figures.absErrorSamples).toBeGreaterThanOrEqual(0);
    }
  });
});

describe('shift bench helpers', () => {
  it("pads to the hypotheses' grid: 8x for 32 hypotheses over 4 samples (1/8 <= 4/31)", () => {
    expect(SHIFT_BENCH_PAD).toBe(8);
    expect(hypothesisTau(100, 0)).toBe(98);
    expect(hypothesisTau(100, 31)).toBe(102);
  });

  it("finds a parabola's vertex, clamped to half a step, and a refined circular peak", () => {
    // y = -(x - 0.25)^2 at -1, 0, 1
    expect(parabolaVertex(-(1.25 ** 2), -(0.25 ** 2), -(0.75 ** 2))).toBeCloseTo(0.25, 12);
    expect(parabolaVertex(0, 1, 5)).toBe(0); // not a peak
    expect(parabolaVertex(-1, 0, 0.5)).toBe(0.5); // the vertex lies beyond the neighbour: clamped
    const corr = new Float32Array(16);
    corr[15] = 1; // lag -1
    corr[14] = 0.5;
    corr[0] = 0.5;
    expect(refinedPeak(corr, 1)).toBe(-1);
    expect(refinedPeak(corr, 4)).toBe(-0.25);
  });

  it("lays out a cross-spectrum in PFFFT's ordered form, padded with the Nyquist bin halved", () => {
    const cross = Float32Array.from([1, 0, 2, 3, 4, 5, 6, 7]); // N = 6: bins 0..3
    const plain = new Float32Array(6);
    orderedCross(cross, plain);
    expect([...plain]).toEqual([1, 6, 2, 3, 4, 5]);
    const padded = new Float32Array(12);
    orderedCross(cross, padded);
    expect([...padded]).toEqual([1, 0, 2, 3, 4, 5, 3, 3.5, 0, 0, 0, 0]);
  });

  it('accuracy: |error| of the first estimate and the RMSE of all', () => {
    const a = shiftAccuracy([SHIFT_BENCH_DELAY + 0.1, SHIFT_BENCH_DELAY - 0.1, SHIFT_BENCH_DELAY + 0.1, SHIFT_BENCH_DELAY - 0.1]);
    expect(a.figures.absErrorSamples).toBeCloseTo(0.1, 9);
    expect(a.figures.rmseSamples).toBeCloseTo(0.1, 9);
    expect(a.summary).toBe('|err| 0.1000, RMSE 0.1000 samples (4 seeds)');
  });
});

describe('stagebench bench shift', () => {
  it('adds the accuracy figures to the shift rows of --json', async () => {
    const { stdout } = await benchInProcess('shift', { json: true, options: { samples: 3 } });
    const parsed = JSON.parse(stdout) as { results: { impl: string; accuracy?: Record<string, number> }[] };
    expect(parsed.results.map((r) => r.impl)).toEqual([
      'stagebench (ramp scores)',
      'stagebench (centre IFFT + ramp scores)',
      '@echogarden/pffft-wasm (1 inverse FFT + parabola)',
      '@echogarden/pffft-wasm (8x zero-padded inverse FFT + parabola)',
      '@echogarden/pffft-wasm (32 inverse FFTs)',
    ]);
    for (const r of parsed.results) {
      expect(Object.keys(r).sort()).toEqual(['accuracy', 'case', 'impl', 'medianUs', 'p95Us', 'stage']);
      expect(Object.keys(r.accuracy!).sort()).toEqual(['absErrorSamples', 'rmseSamples', 'snrDb', 'trials', 'trueDelaySamples']);
    }
  });

  it("prints each row's accuracy beside its times in the table", async () => {
    const { stdout } = await benchInProcess('shift');
    expect(stdout).toMatch(
      /shift\/32768x32\s+stagebench \(ramp scores\)\s+[\d.]+\s+[\d.]+\s+\(ours\)\s+\|err\| [\d.]+, RMSE [\d.]+ samples \(8 seeds\)/,
    );
    expect(stdout).toMatch(/shift\/32768x32\s+@echogarden\/pffft-wasm \(1 inverse FFT \+ parabola\)\s+[\d.]+\s+[\d.]+\s+[\d.]+×\s+\|err\|/);
  }, 60_000);
});
