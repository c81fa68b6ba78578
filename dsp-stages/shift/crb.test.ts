import { describe, expect, it } from 'vitest';
import { complexFft } from '../fft/reference.ts';
import { mulberry32 } from '../signals.ts';
import { gaussian } from '../delayed-pair.ts';
import {
  NOISY_REFERENCE_FACTOR_HIGH_SNR,
  WHITE_BETA2_LIMIT,
  binSnr,
  crbStd,
  crbVariance,
  delayFisherInformation,
  energySnr,
  noisyReferenceFactor,
  noisyReferenceShare,
  rmsBandwidth2,
  rmsBandwidth2OfFrame,
  spectralCrbStd,
  spectralCrbVariance,
  whiteBeta2,
  whiteCrbStd,
} from './crb.ts';

/** The half spectrum (N + 2 numbers, re/im of bins 0..N/2) of a real frame. */
function halfSpectrum(frame: ArrayLike<number>): Float64Array {
  const n = frame.length;
  const re = Float64Array.from(frame);
  const im = new Float64Array(n);
  complexFft(re, im);
  const out = new Float64Array(n + 2);
  for (let k = 0; k <= n / 2; k++) {
    out[2 * k] = re[k]!;
    out[2 * k + 1] = im[k]!;
  }
  return out;
}

function whiteFrame(n: number, seed: number): Float64Array {
  const g = gaussian(mulberry32(seed));
  return Float64Array.from({ length: n }, () => g());
}

describe('RMS bandwidth', () => {
  it('of a flat spectrum is pi^2/3 (1 + 2/N^2), the closed form of (1/N) sum (2 pi k / N)^2', () => {
    for (const n of [4, 16, 512, 4096]) {
      let direct = 0;
      for (let k = -n / 2 + 1; k <= n / 2; k++) direct += ((2 * Math.PI * k) / n) ** 2;
      expect(whiteBeta2(n)).toBeCloseTo(direct / n, 12);
      // an impulse has an exactly flat spectrum
      const impulse = new Float64Array(n);
      impulse[3 % n] = 1;
      expect(rmsBandwidth2(halfSpectrum(impulse))).toBeCloseTo(whiteBeta2(n), 12);
      expect(rmsBandwidth2OfFrame(impulse)).toBeCloseTo(whiteBeta2(n), 10);
    }
    expect(whiteBeta2(32768)).toBeCloseTo(WHITE_BETA2_LIMIT, 7);
    expect(WHITE_BETA2_LIMIT).toBeCloseTo(3.289868, 6);
  });

  it('of white Gaussian noise is about pi^2/3 (within 5 % at N = 4096)', () => {
    for (const seed of [1, 2, 3]) {
      const b2 = rmsBandwidth2(halfSpectrum(whiteFrame(4096, seed)));
      expect(Math.abs(b2 / WHITE_BETA2_LIMIT - 1)).toBeLessThan(0.05);
    }
  });

  it('of a sine on bin k0 is (2 pi k0 / N)^2; the half-spectrum and direct-DFT forms agree', () => {
    const n = 256;
    const k0 = 37;
    const sine = Float64Array.from({ length: n }, (_, i) => Math.cos((2 * Math.PI * k0 * i) / n + 0.3));
    expect(rmsBandwidth2(halfSpectrum(sine))).toBeCloseTo(((2 * Math.PI * k0) / n) ** 2, 10);
    const noise = whiteFrame(n, 9);
    expect(rmsBandwidth2(halfSpectrum(noise))).toBeCloseTo(rmsBandwidth2OfFrame(noise), 9);
  });

  it("equals sum s'(n)^2 / sum s(n)^2 for the periodic band-limited derivative", () => {
    // s'(n) from the spectrum: the derivative of the periodic interpolation is IDFT(i w_k X_k)
    const n = 128;
    const s = whiteFrame(n, 4);
    const re = Float64Array.from(s);
    const im = new Float64Array(n);
    complexFft(re, im);
    const dre = new Float64Array(n);
    const dim = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      const kk = k < n / 2 ? k : k > n / 2 ? k - n : 0; // the Nyquist term's derivative vanishes at integer n
      const w = (2 * Math.PI * kk) / n;
      dre[k] = -w * im[k]!;
      dim[k] = -(w * re[k]!); // conj for the inverse by a forward FFT
    }
    complexFft(dre, dim);
    let num = 0;
    let den = 0;
    for (let i = 0; i < n; i++) {
      num += (dre[i]! / n) ** 2;
      den += s[i]! ** 2;
    }
    // the Nyquist bin counts in beta^2 with pi^2 |X|^2, but its sampled derivative is zero: O(1/N)
    const spec = halfSpectrum(s);
    const nyq = (Math.PI ** 2 * spec[n]! ** 2) / n;
    expect(num / den).toBeCloseTo(rmsBandwidth2OfFrame(s) - nyq / den, 9);
  });

  it('rejects a malformed half spectrum', () => {
    expect(() => rmsBandwidth2(new Float64Array(3))).toThrow(RangeError);
    expect(() => rmsBandwidth2OfFrame([1])).toThrow(RangeError);
  });
});

describe('crbStd', () => {
  it('matches the white-noise closed form sqrt(3 / (pi^2 N SNR))', () => {
    for (const [n, snrDb] of [
      [4096, 30],
      [32768, 0],
      [512, -10],
    ] as const) {
      const snr = 10 ** (snrDb / 10);
      const closed = Math.sqrt(3 / (Math.PI ** 2 * n * snr));
      expect(crbStd(energySnr(n, snrDb), WHITE_BETA2_LIMIT)).toBeCloseTo(closed, 14);
      expect(whiteCrbStd(n, snrDb) / closed).toBeCloseTo(1 / Math.sqrt(1 + 2 / (n * n)), 14); // the discrete flat spectrum
    }
    // N = 4096 at 30 dB, clean reference: 2.72e-4 samples
    expect(whiteCrbStd(4096, 30)).toBeCloseTo(2.7241e-4, 8);
  });

  it('with a noisy reference: variance x (2 + 1/SNR), x2 at high SNR', () => {
    expect(noisyReferenceFactor(Infinity)).toBe(NOISY_REFERENCE_FACTOR_HIGH_SNR);
    expect(noisyReferenceFactor(1)).toBe(3);
    expect(noisyReferenceFactor(0.1)).toBeCloseTo(12, 12);
    const clean = whiteCrbStd(4096, 40);
    const noisy = whiteCrbStd(4096, 40, true);
    expect(noisy / clean).toBeCloseTo(Math.sqrt(2 + 1e-4), 12);
    expect(whiteCrbStd(4096, 0, true) / whiteCrbStd(4096, 0)).toBeCloseTo(Math.sqrt(3), 12);
    expect(crbVariance(100, 2, 2)).toBe(0.01);
  });

  it('rejects a non-positive SNR, bandwidth or a factor below 1', () => {
    expect(() => crbStd(0, 1)).toThrow(RangeError);
    expect(() => crbStd(1, NaN)).toThrow(RangeError);
    expect(() => crbStd(1, 1, 0.5)).toThrow(RangeError);
    expect(() => noisyReferenceFactor(0)).toThrow(RangeError);
  });
});

describe('spectralCrbVariance (per-bin SNR)', () => {
  const flat = (n: number, rho: number) => new Float64Array(n / 2 + 1).fill(rho);

  it('reduces to the white formulas for a flat spectrum: 1 / (SNR_E beta^2) clean, (2 + 1/SNR) / (SNR_E beta^2) noisy', () => {
    for (const n of [4, 512, 4096, 32768]) {
      for (const snrDb of [-10, 0, 10, 40]) {
        const rho = 10 ** (snrDb / 10);
        const clean = crbVariance(energySnr(n, snrDb), whiteBeta2(n));
        const noisy = crbVariance(energySnr(n, snrDb), whiteBeta2(n), noisyReferenceFactor(rho));
        expect(spectralCrbVariance(flat(n, rho), false) / clean).toBeCloseTo(1, 12);
        expect(spectralCrbVariance(flat(n, rho), true) / noisy).toBeCloseTo(1, 12);
        expect(spectralCrbStd(flat(n, rho), true)).toBeCloseTo(whiteCrbStd(n, snrDb, true), 12);
      }
    }
  });

  it("from a realised white frame: the clean bound is sigma^2 / sum s'^2, the noisy one that times 2 + 1/rho with the flat expected SNR", () => {
    const n = 4096;
    const frame = whiteFrame(n, 11).map((v) => 0.25 * v);
    const spectrum = halfSpectrum(frame);
    const sigma2 = 0.01;
    const rho = 0.0625 / sigma2; // the process's per-sample SNR
    let energy = 0;
    for (const v of frame) energy += v * v;
    const slopeEnergy = rmsBandwidth2(spectrum) * energy; // sum_n s'(n)^2 of the periodic interpolation
    const snr = binSnr(spectrum, sigma2);
    expect(spectralCrbVariance(snr, false)).toBeCloseTo(sigma2 / slopeEnergy, 14);
    expect(spectralCrbVariance(snr, true, flat(n, rho)) / ((noisyReferenceFactor(rho) * sigma2) / slopeEnergy)).toBeCloseTo(1, 12);
    // with the realised SNR in the factor too (the default), a random spectrum gains a little
    // over the flat one by convexity: rho^2 / (1 + 2 rho) is convex
    expect(spectralCrbVariance(snr, true)).toBeLessThan(spectralCrbVariance(snr, true, flat(n, rho)));
  });

  it("is Knapp and Carter's 1 / sum_k 2 w_k^2 rho_k^2 / (1 + 2 rho_k) over the half spectrum; brick-wall low-pass in closed form", () => {
    const n = 1024;
    const cutoff = 0.25;
    const big = Math.floor(cutoff * n); // bins 0..K pass
    for (const snrDb of [-5, 0, 20]) {
      // the process's power in the pass band: N / (2K + 1) times the white level (same total power)
      const inBand = 10 ** (snrDb / 10) * (n / (2 * big + 1));
      const snr = Float64Array.from({ length: n / 2 + 1 }, (_, k) => (k <= big ? inBand : 0));
      let direct = 0;
      for (let k = 1; k <= big; k++) direct += (2 * ((2 * Math.PI * k) / n) ** 2 * inBand ** 2) / (1 + 2 * inBand);
      expect(spectralCrbVariance(snr, true) * direct).toBeCloseTo(1, 12);
      // sum_{k=-K}^{K} w_k^2 = 2 (2 pi / N)^2 K (K + 1) (2K + 1) / 6
      const sumW2 = (2 * ((2 * Math.PI) / n) ** 2 * big * (big + 1) * (2 * big + 1)) / 6;
      expect(spectralCrbVariance(snr, false) * sumW2 * inBand).toBeCloseTo(1, 12);
      expect((spectralCrbVariance(snr, true) * sumW2 * inBand) / noisyReferenceFactor(inBand)).toBeCloseTo(1, 12);
      // the white formula with the band's beta^2 and the per-sample SNR says the same only at high SNR
      const white = crbVariance(energySnr(n, snrDb), sumW2 / (2 * big + 1), noisyReferenceFactor(10 ** (snrDb / 10)));
      const ratio = spectralCrbVariance(snr, true) / white;
      if (snrDb >= 20) expect(ratio).toBeCloseTo(1, 2);
      else expect(ratio).toBeLessThan(1); // the in-band SNR is twice the per-sample one: a smaller 1/rho term
    }
  });

  it('counts the Nyquist bin once and nothing from empty bins or DC', () => {
    const n = 16;
    const only = (k: number) => Float64Array.from({ length: n / 2 + 1 }, (_, i) => (i === k ? 1 : 0));
    expect(delayFisherInformation(only(0), false)).toBe(0);
    expect(delayFisherInformation(only(3), false)).toBeCloseTo(2 * ((2 * Math.PI * 3) / n) ** 2, 14);
    expect(delayFisherInformation(only(n / 2), false)).toBeCloseTo(Math.PI ** 2, 14);
    expect(delayFisherInformation(only(3), true)).toBeCloseTo((2 * ((2 * Math.PI * 3) / n) ** 2) / 3, 14);
    expect(spectralCrbVariance(new Float64Array(n / 2 + 1), true)).toBe(Infinity);
    expect(noisyReferenceShare(0)).toBe(0);
    expect(noisyReferenceShare(1)).toBeCloseTo(1 / 3, 15);
    expect(noisyReferenceShare(Infinity)).toBe(0.5);
  });

  it('rejects malformed input', () => {
    expect(() => delayFisherInformation([1], false)).toThrow(RangeError);
    expect(() => delayFisherInformation([1, -1], false)).toThrow(RangeError);
    expect(() => delayFisherInformation([1, NaN], true)).toThrow(RangeError);
    expect(() => delayFisherInformation([1, 1], true, [1])).toThrow(RangeError);
    expect(() => noisyReferenceShare(-1)).toThrow(RangeError);
    expect(() => binSnr(new Float64Array(3), 1)).toThrow(RangeError);
    expect(() => binSnr(new Float64Array(4), 0)).toThrow(RangeError);
  });
});
