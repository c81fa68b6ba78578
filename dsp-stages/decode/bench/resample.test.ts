/**
 * The resampler bench case: listed under the decode stage, every row passes its check (and the
 * check refuses a wrong length or a wrong tone), the accuracy column measures what it says, and
 * the case runs with the real clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BENCH_FILES } from '../../../bench/index.ts';
import { runCase, type BenchCase } from '../../bench-harness.ts';
import { wasmInstanceFactory } from '../../wasm-file.ts';
import { RESAMPLE_CASE, resampleBench, resampleClip, resampleImpl, sineResidualDb } from './resample.ts';

let c: BenchCase;

beforeAll(async () => {
  await resampleBench.prepare!();
  c = resampleBench.cases({ newWasm: wasmInstanceFactory() })[0]!;
});

afterAll(async () => {
  await resampleBench.close!();
});

describe('decode/resample-1s', () => {
  it('is a bench file of the decode stage with its one case: ours, then libsamplerate twice', () => {
    expect(BENCH_FILES).toContain(resampleBench);
    expect(resampleBench.stage).toBe('decode');
    expect(resampleBench.caseNames).toEqual([RESAMPLE_CASE]);
    expect(c.impls.map((i) => i.name)).toEqual([
      'stagebench',
      '@alexanderolsen/libsamplerate-js (SINC_FASTEST)',
      '@alexanderolsen/libsamplerate-js (SINC_MEDIUM)',
    ]);
  });

  it('every row passes its check; ours and SINC_FASTEST leave a residual near -118 dB, SINC_MEDIUM lower', () => {
    const db = c.impls.map((impl) => {
      impl.check!();
      const a = impl.accuracy!();
      expect(a.summary).toMatch(/^sine residual -\d+\.\d \/ -\d+\.\d dB$/);
      return Math.max(a.figures.residualDb0!, a.figures.residualDb1!);
    });
    expect(db[0]).toBeLessThan(-110);
    expect(db[1]).toBeLessThan(-110);
    expect(db[2]).toBeLessThan(db[0]! - 10);
  });

  it('the check refuses a wrong length and a wrong tone', () => {
    const clip = resampleClip(); // 44100 frames: the input, not resampled
    expect(() => resampleImpl('as-is', () => clip).check!()).toThrow('as-is: 44100 and 44100 frames, expected 48000 per channel');
    // 48000 frames of the tone at the wrong rate (44.1 kHz samples read as 48 kHz)
    const wrong = [0, 1].map((c) => Float32Array.from({ length: 48000 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 997 * i) / 44100 + c)));
    expect(() => resampleImpl('wrong rate', () => wrong).check!()).toThrow(/wrong rate: channel 0 is not the 997 Hz sine at 48000 Hz/);
  });

  it('measures a residual: a known error gives its level', () => {
    const y = Float32Array.from({ length: 48000 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 997 * i) / 48000) + (i % 2 ? 1e-3 : -1e-3));
    const r = sineResidualDb(y, 48000, 997, 0.5);
    // 1e-3 RMS against 0.5 / sqrt 2: -50.97 dB
    expect(r.db).toBeCloseTo(20 * Math.log10(1e-3 / (0.5 / Math.SQRT2)), 1);
    expect(r.amplitude).toBeCloseTo(0.5, 4);
  });

  it('runs with the real clock: ours and the peers take positive times below a second', () => {
    const results = runCase(c, { warmupMs: 5, samples: 3, minSampleMs: 1, now: () => performance.now() });
    expect(results.map((r) => r.impl)).toEqual(c.impls.map((i) => i.name));
    for (const r of results) {
      expect(r.medianUs).toBeGreaterThan(0);
      expect(r.medianUs).toBeLessThan(1e6);
    }
  });
});
