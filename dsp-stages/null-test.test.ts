import { describe, expect, it } from 'vitest';
import { dbfs, matchingGain, nullTest, nullVerdict, residual, residualSpectrum, spectrumPeak } from './null-test.ts';
import { sine, whiteNoise } from './signals.ts';

const RATE = 48000;
const N = 48000;

describe('null test', () => {
  it('identical signals: bit-identical, exactly zero, no level in dB, gain 1', () => {
    const a = whiteNoise(N, 0.5, 3);
    const r = nullTest(a, a.slice());
    expect(r).toMatchObject({
      frames: N,
      maxAbsDiff: 0,
      residualRms: 0,
      residualDbfs: null,
      exactlyZero: true,
      bitIdentical: true,
      nonFinitePairs: 0,
    });
    expect(r.levelMatch).toMatchObject({ gain: 1, gainDb: 0, residualDbfs: null });
    expect(nullVerdict(r)).toBe('exactly zero (bit-identical)');
  });

  it('+0 against -0 is exactly zero but not bit-identical', () => {
    const r = nullTest(new Float32Array([0, 1]), new Float32Array([-0, 1]));
    expect([r.exactlyZero, r.bitIdentical]).toEqual([true, false]);
    expect(nullVerdict(r)).toBe('exactly zero');
  });

  it('a level difference: the residual is its share, and level matching finds the gain and nulls it', () => {
    const a = whiteNoise(N, 0.5, 4);
    const b = a.map((v) => v * 0.5); // exact in float32
    const r = nullTest(a, b);
    let sum = 0;
    for (const v of a) sum += v * v;
    const rmsA = Math.sqrt(sum / N);
    expect(r.residualRms).toBeCloseTo(0.5 * rmsA, 12);
    expect(r.residualDbfs).toBeCloseTo(20 * Math.log10(0.5 * rmsA), 10);
    expect(r.levelMatch.gain).toBeCloseTo(2, 12);
    expect(r.levelMatch.gainDb).toBeCloseTo(6.0206, 4);
    expect(r.levelMatch.maxAbsDiff).toBeLessThan(1e-12);
    expect(nullVerdict(r)).toMatch(/^residual -\d+\.\d dBFS RMS, max \|a - b\| .*; level-matched \(gain 2\.00000 \(6\.021 dB\) on b\): /);
  });

  it('the gain minimises the residual: any other gain leaves more', () => {
    const a = whiteNoise(N, 0.5, 5);
    const b = whiteNoise(N, 0.5, 6).map((v, i) => v * 0.1 + a[i]! * 0.8);
    const g = matchingGain(a, b);
    const at = (gain: number): number =>
      nullTest(
        a,
        b.map((v) => v * gain),
      ).residualRms;
    for (const d of [-1e-3, 1e-3]) expect(at(g + d)).toBeGreaterThan(at(g));
  });

  it('dBFS: RMS against 1.0; a full-scale sine reads -3.01 dBFS', () => {
    expect(dbfs(1)).toBe(0);
    expect(dbfs(0)).toBeNull();
    const r = nullTest(sine(N, RATE, 1000, 1), new Float32Array(N));
    expect(r.residualDbfs).toBeCloseTo(-3.0103, 3);
  });

  it('non-finite pairs are counted and left out; equal NaNs and infinities are not', () => {
    const a = new Float32Array([NaN, Infinity, NaN, 0.5]);
    const b = new Float32Array([NaN, Infinity, 0.25, 0.25]);
    const r = nullTest(a, b);
    expect(r.nonFinitePairs).toBe(1);
    expect(r.maxAbsDiff).toBe(0.25);
    expect(r.exactlyZero).toBe(false);
    expect(() => nullTest(new Float32Array(2), new Float32Array(3))).toThrow(/one length/);
  });

  it('the residual spectrum finds a small tone at its frequency and level', () => {
    const size = 4096;
    const hz = (100 * RATE) / size; // bin 100
    const a = whiteNoise(N, 0.3, 7);
    const tone = sine(N, RATE, hz, 1e-3);
    const b = a.map((v, i) => v - tone[i]!);
    const spectrum = residualSpectrum(residual(a, b), size);
    expect(spectrum.frames).toBe(Math.floor((N - size) / (size / 2)) + 1);
    const peak = spectrumPeak(spectrum, RATE)!;
    expect(peak.hz).toBeCloseTo(hz, 6);
    expect(peak.dbfs).toBeCloseTo(-60, 1);
    // far from the tone, only float32 rounding of b is left
    expect(spectrum.db[1000]!).toBeLessThan(-120);
    expect(spectrumPeak(residualSpectrum(new Float32Array(100), size), RATE)).toBeNull();
    expect(() => residualSpectrum(a, 1000)).toThrow(/power of two/);
  });
});
