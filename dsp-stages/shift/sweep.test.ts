import { describe, expect, it } from 'vitest';
import { loadWasm } from '../wasm-file.ts';
import { complexFft } from '../fft/reference.ts';
import { binSnr, noisyReferenceFactor, rmsBandwidth2OfFrame, spectralCrbVariance } from './crb.ts';
import { referencePower } from '../delayed-pair.ts';
import {
  SHIFT_SWEEP_RMS,
  ShiftPairGenerator,
  runShiftSweep,
  thresholdSnr,
  type ShiftSweepOptions,
  type ShiftSweepResult,
} from './sweep.ts';

const wasm = loadWasm();

/** The brief's grid: N = 4096, 30 trials per SNR at 0, 10, 20, 30 dB, both channels noisy. */
const grid = { wasm, snrsDb: [0, 10, 20, 30], trials: 30, size: 4096, hypotheses: 32, noisyReference: true, seed: 1 } as const;

const rmses = (r: ShiftSweepResult) => r.points.map((p) => p.rmse);

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
const ratios = (r: ShiftSweepResult) => r.points.map((p) => p.ratio);

function expectDecreasing(xs: number[]): void {
  for (let i = 1; i < xs.length; i++) expect(xs[i], `${xs.join(', ')}`).toBeLessThan(xs[i - 1]!);
}

describe('ShiftPairGenerator', () => {
  it('delays the reference exactly as delayedPair does (phase ramp on the periodic frame)', () => {
    const n = 1024;
    const delay = -13.37;
    const gen = new ShiftPairGenerator(n, 5);
    const reference = new Float32Array(n);
    const input = new Float32Array(n);
    gen.generate(delay, 0, true, reference, input);
    // delayedPair's method applied to this reference
    const re = Float64Array.from(reference);
    const im = new Float64Array(n);
    complexFft(re, im);
    for (let k = 0; k < n; k++) {
      const kk = k <= n / 2 ? k : k - n;
      const phi = (-2 * Math.PI * kk * delay) / n;
      const c = Math.cos(phi),
        s = Math.sin(phi),
        xr = re[k]!,
        xi = im[k]!;
      re[k] = xr * c - xi * s;
      im[k] = xr * s + xi * c;
    }
    im[n / 2] = 0;
    for (let k = 0; k < n; k++) im[k] = -im[k]!;
    complexFft(re, im);
    let worst = 0;
    let peak = 0;
    for (let i = 0; i < n; i++) {
      worst = Math.max(worst, Math.abs(re[i]! / n - input[i]!));
      peak = Math.max(peak, Math.abs(input[i]!));
    }
    expect(worst / peak).toBeLessThan(1e-6); // f32 rounding of the frames
  });

  it('reports the clean reference energy and slope energy of the frame it wrote; RMS 0.25, white', () => {
    const n = 2048;
    const gen = new ShiftPairGenerator(n, 9);
    const reference = new Float32Array(n);
    const input = new Float32Array(n);
    gen.generate(3.5, 0, false, reference, input);
    let energy = 0;
    for (const v of reference) energy += v * v;
    expect(gen.energy / energy).toBeCloseTo(1, 6);
    expect(gen.slopeEnergy / gen.energy / rmsBandwidth2OfFrame(reference)).toBeCloseTo(1, 5);
    expect(Math.sqrt(energy / n)).toBeCloseTo(0.25, 1);
    expect(gen.slopeEnergy / gen.energy).toBeCloseTo((Math.PI * Math.PI) / 3, 0);
  });

  it('adds noise of the given RMS to the input, and to the reference only when asked', () => {
    const n = 4096;
    const clean = { r: new Float32Array(n), x: new Float32Array(n) };
    const noisy = { r: new Float32Array(n), x: new Float32Array(n) };
    new ShiftPairGenerator(n, 3).generate(7.25, 0, false, clean.r, clean.x);
    // the same stream up to the noise: the same clean frames underneath
    new ShiftPairGenerator(n, 3).generate(7.25, 0.1, false, noisy.r, noisy.x);
    expect(noisy.r).toEqual(clean.r);
    let p = 0;
    for (let i = 0; i < n; i++) p += (noisy.x[i]! - clean.x[i]!) ** 2;
    expect(Math.sqrt(p / n)).toBeCloseTo(0.1, 2);
    new ShiftPairGenerator(n, 3).generate(7.25, 0.1, true, noisy.r, noisy.x);
    p = 0;
    for (let i = 0; i < n; i++) p += (noisy.r[i]! - clean.r[i]!) ** 2;
    expect(Math.sqrt(p / n)).toBeCloseTo(0.1, 2);
  });
});

describe('ShiftPairGenerator references', () => {
  it('low-passes at 0.25 and 0.4 fs (nothing above the cutoff), pink falls as 1/f; RMS 0.25 in expectation', () => {
    const n = 4096;
    const reference = new Float32Array(n);
    const input = new Float32Array(n);
    for (const [kind, cutoff, beta2] of [
      ['lowpass-0.25', 0.25, (Math.PI / 2) ** 2 / 3],
      ['lowpass-0.4', 0.4, (0.8 * Math.PI) ** 2 / 3],
    ] as const) {
      const gen = new ShiftPairGenerator(n, 4, SHIFT_SWEEP_RMS, kind);
      gen.generate(-7.3, 0, false, reference, input);
      for (const frame of [reference, input]) {
        const spec = halfSpectrum(frame);
        let inBand = 0;
        let above = 0;
        for (let k = 0; k <= n / 2; k++) {
          const p = spec[2 * k]! ** 2 + spec[2 * k + 1]! ** 2;
          if (k / n <= cutoff) inBand = Math.max(inBand, p);
          else above = Math.max(above, p);
        }
        expect(above / inBand, kind).toBeLessThan(1e-12); // f32 rounding of the frame only
      }
      expect(Math.sqrt(gen.energy / n)).toBeCloseTo(0.25, 1);
      expect(gen.slopeEnergy / gen.energy / beta2).toBeCloseTo(1, 1);
    }
    const pink = new ShiftPairGenerator(n, 4, SHIFT_SWEEP_RMS, 'pink');
    pink.generate(0, 0, false, reference, input);
    const spec = halfSpectrum(reference);
    // power per octave is about constant: bins 16..31 against 512..1023
    const band = (lo: number, hi: number) => {
      let p = 0;
      for (let k = lo; k <= hi; k++) p += spec[2 * k]! ** 2 + spec[2 * k + 1]! ** 2;
      return p;
    };
    expect(band(512, 1023) / band(16, 31)).toBeGreaterThan(0.6);
    expect(band(512, 1023) / band(16, 31)).toBeLessThan(1.6);
    expect(spec[0]! ** 2 / band(16, 31)).toBeLessThan(1e-12); // no DC (f32 rounding only)
  });

  it("fisher is the per-bin bound of crb.ts on the clean reference; for white the (2 + 1/SNR) sigma^2 / sum s'^2 of before", () => {
    const n = 2048;
    const reference = new Float32Array(n);
    const input = new Float32Array(n);
    const noiseRms = 0.05; // 14 dB
    const snr = (SHIFT_SWEEP_RMS / noiseRms) ** 2;
    for (const kind of ['white', 'lowpass-0.25', 'lowpass-0.4', 'pink'] as const) {
      for (const noisy of [false, true]) {
        // the same clean frames, without the noise, to read the clean reference
        const clean = new ShiftPairGenerator(n, 12, SHIFT_SWEEP_RMS, kind);
        clean.generate(3.5, 0, false, reference, input);
        const gen = new ShiftPairGenerator(n, 12, SHIFT_SWEEP_RMS, kind);
        gen.generate(3.5, noiseRms, noisy, new Float32Array(n), new Float32Array(n));
        const expected = referencePower(kind, n).map((p) => p * snr);
        const bound = spectralCrbVariance(binSnr(halfSpectrum(reference), noiseRms ** 2), noisy, expected);
        expect(1 / gen.fisher / bound, `${kind}, ${noisy ? 'noisy' : 'clean'} reference`).toBeCloseTo(1, 5);
        if (kind === 'white') {
          const factor = noisy ? noisyReferenceFactor(snr) : 1;
          expect(1 / gen.fisher / ((factor * noiseRms ** 2) / gen.slopeEnergy)).toBeCloseTo(1, 12);
        }
      }
    }
    expect(new ShiftPairGenerator(n, 1).fisher).toBe(0);
  });
});

describe('runShiftSweep on wasm', () => {
  it('N = 4096, 30 trials at 0..30 dB, span 2, no PHAT: RMSE falls with SNR and stays at the CRB (ratio < 1.5 at 30 dB)', async () => {
    const r = await runShiftSweep({ ...grid, span: 2, phat: false });
    expect(r.points.map((p) => p.snrDb)).toEqual([0, 10, 20, 30]);
    expectDecreasing(rmses(r));
    for (const p of r.points) {
      expect(p.trials).toBe(30);
      expect(p.outliers).toBe(0);
      expect(p.edges).toBe(0);
      expect(p.ratio).toBeCloseTo(p.rmse / p.crbStd, 12);
      expect(p.ratio, `ratio at ${p.snrDb} dB`).toBeGreaterThan(0.6);
      expect(p.ratio, `ratio at ${p.snrDb} dB`).toBeLessThan(1.5);
      expect(Math.abs(p.bias)).toBeLessThan(3 * p.crbStd); // 30 trials: |mean| ~ crbStd / 5.5
    }
    expect(r.points[3]!.ratio).toBeLessThan(1.5);
    expect(r.thresholdSnrDb).toBe(thresholdSnr(r.points));
    expect(r.elapsedMs).toBeGreaterThan(0);
  });

  it('with the CLI defaults (span 1, PHAT): RMSE falls with SNR, but PHAT stays above the bound (ratio 1.5..4 at 30 dB)', async () => {
    // Measured with seeds 1..5: ratio 1.2-1.35 at 0 dB, 2.4-2.8 at 30 dB. PHAT gives every bin the
    // same weight, and the weak bins of a white Gaussian reference's (Rayleigh) spectrum carry
    // mostly noise: the penalty grows with the SNR.
    const r = await runShiftSweep({ ...grid, span: 1, phat: true });
    expectDecreasing(rmses(r));
    for (const p of r.points) expect(p.outliers).toBe(0);
    expect(ratios(r)[0]).toBeLessThan(1.5);
    expect(ratios(r)[3]).toBeGreaterThan(1.5);
    expect(ratios(r)[3]).toBeLessThan(4);
  });

  it('span 1 leaves some trials at the grid edge, unrefined; span 2 none', async () => {
    const edges = async (span: number) => (await runShiftSweep({ ...grid, span, phat: true })).points.reduce((s, p) => s + p.edges, 0);
    expect(await edges(1)).toBeGreaterThan(0);
    expect(await edges(2)).toBe(0);
  });

  it('plain correlation attains the bound with the 2 + 1/SNR factor (300 trials, 0 and 10 dB), clean or noisy reference', async () => {
    for (const noisyReference of [true, false]) {
      const r = await runShiftSweep({ ...grid, snrsDb: [0, 10], trials: 300, span: 2, phat: false, noisyReference, seed: 2 });
      for (const p of r.points) {
        expect(p.ratio, `${noisyReference ? 'noisy' : 'clean'} reference at ${p.snrDb} dB`).toBeGreaterThan(0.88);
        expect(p.ratio, `${noisyReference ? 'noisy' : 'clean'} reference at ${p.snrDb} dB`).toBeLessThan(1.12);
      }
      if (noisyReference) {
        // against the high-SNR factor 2 alone, 0 dB would read sqrt(3/2) = 1.22 x higher
        expect(r.points[0]!.ratio * Math.sqrt(3 / 2)).toBeGreaterThan(1.12);
      }
    }
  });

  it('band-limited and pink references, plain correlation: at the bound at 15 and 30 dB (300 trials, N = 2048), unbiased', async () => {
    // Measured (seed 1, 15/30 dB): lowpass-0.25 1.03/0.93, lowpass-0.4 1.04/0.98, pink 1.03/0.99;
    // |bias| <= 0.11 sqrt(CRB). 300 trials give the ratio to about +-4 % (1 sigma), the mean to
    // sqrt(CRB) / 17. (1000 trials at N = 4096: lowpass-0.25 1.10 at 10 dB, 1.05 at 15 dB.)
    for (const reference of ['lowpass-0.25', 'lowpass-0.4', 'pink'] as const) {
      const r = await runShiftSweep({ ...grid, size: 2048, snrsDb: [15, 30], trials: 300, span: 2, phat: false, reference });
      for (const p of r.points) {
        expect(p.outliers).toBe(0);
        expect(p.ratio, `${reference} at ${p.snrDb} dB`).toBeGreaterThan(0.85);
        expect(p.ratio, `${reference} at ${p.snrDb} dB`).toBeLessThanOrEqual(1.15);
        expect(Math.abs(p.bias), `${reference} bias at ${p.snrDb} dB`).toBeLessThan(0.25 * p.crbStd);
      }
      expect(r.thresholdSnrDb).toBe(15);
    }
  });

  it('plain correlation stays at the bound as the SNR rises, 40 and 60 dB, on every reference (100 trials, N = 4096)', async () => {
    // Measured (seed 1, 150 trials): 0.94-1.10 at 40, 50 and 60 dB on all four references, |bias| <=
    // 0.12 sqrt(CRB). With the Nyquist bin in the correlation and the parabolic refinement, white
    // read 1.37, 3.39 and 8.58 (an error floor of about 1e-4 samples at N = 4096), lowpass-0.4 1.21
    // at 60 dB.
    for (const reference of ['white', 'lowpass-0.25', 'lowpass-0.4', 'pink'] as const) {
      const r = await runShiftSweep({ ...grid, snrsDb: [40, 60], trials: 100, span: 2, phat: false, reference });
      for (const p of r.points) {
        expect(p.ratio, `${reference} at ${p.snrDb} dB`).toBeLessThanOrEqual(1.2);
        expect(p.ratio, `${reference} at ${p.snrDb} dB`).toBeGreaterThan(0.8);
        expect(Math.abs(p.bias), `${reference} bias at ${p.snrDb} dB`).toBeLessThan(0.4 * p.crbStd);
      }
    }
  });

  it('low-passed at 0.25 fs, plain correlation pays for the empty band at low SNR, as predicted', async () => {
    // Three quarters of the band's w^2 carry noise only: their noise x noise term makes the
    // variance 1 + 7 / (1 + 2 rho') times the bound (rho' = 2 SNR, the in-band SNR): a ratio of
    // 1.55 at 0 dB, 1.23 at 5 dB, 1.08 at 10 dB, 1.01 at 20 dB. Measured (seed 1, 300 trials,
    // N = 2048): 1.48 at 0 dB, 0.95 at 20 dB; 1000 trials at N = 4096: 1.54, 1.21, 1.10, 0.99.
    const [zero, twenty] = (
      await runShiftSweep({ ...grid, size: 2048, snrsDb: [0, 20], trials: 300, span: 2, phat: false, reference: 'lowpass-0.25' })
    ).points;
    expect(zero!.ratio).toBeGreaterThan(1.3);
    expect(zero!.ratio).toBeLessThan(1.8);
    expect(twenty!.ratio).toBeLessThan(1.15);
    expect(zero!.outliers + twenty!.outliers).toBe(0);
  });

  it('PHAT on band-limited references: the noise-only bins weigh as much as signal bins, so the error hardly falls with SNR', async () => {
    // Measured (seed 1, 100 trials, N = 2048): ratio 8.7 at 10 dB and 81 at 30 dB (lowpass-0.25),
    // 3.2 and 26 (lowpass-0.4): the RMSE falls by 1.1 and 1.25 over 20 dB, where an estimator at
    // the bound falls by 10.
    for (const reference of ['lowpass-0.25', 'lowpass-0.4'] as const) {
      const [ten, thirty] = (await runShiftSweep({ ...grid, size: 2048, snrsDb: [10, 30], trials: 100, span: 2, phat: true, reference }))
        .points;
      expect(thirty!.rmse / ten!.rmse, reference).toBeGreaterThan(0.5);
      expect(thirty!.ratio, reference).toBeGreaterThan(10);
    }
  });

  it('finds the threshold at N = 4096: outliers below -5 dB, none from -5 dB on', async () => {
    const r = await runShiftSweep({ ...grid, snrsDb: [-15, -10, -5, 0, 5], trials: 100, span: 2, phat: false, seed: 3 });
    const [m15, m10, m5, z, p5] = r.points;
    expect(m15!.outliers).toBeGreaterThan(50);
    expect(m10!.outliers).toBeGreaterThan(0);
    expect(m10!.ratio).toBeGreaterThan(10);
    for (const p of [m5!, z!, p5!]) expect(p.outliers).toBe(0);
    expect(r.thresholdSnrDb).toBe(-5);
  });

  it('reports progress per trial, is reproducible for a seed, and makes no wasm allocation per trial', async () => {
    const calls: [number, number][] = [];
    const opts: ShiftSweepOptions = {
      ...grid,
      snrsDb: [10, 20],
      trials: 3,
      size: 1024,
      span: 1,
      phat: true,
      onProgress: (d, t) => calls.push([d, t]),
    };
    const a = await runShiftSweep(opts);
    expect(calls).toEqual(Array.from({ length: 6 }, (_, i) => [i + 1, 6]));
    const b = await runShiftSweep({ ...opts, onProgress: undefined });
    expect(b.points).toEqual(a.points);
    const c = await runShiftSweep({ ...opts, onProgress: undefined, seed: 99 });
    expect(c.points[0]!.rmse).not.toBe(a.points[0]!.rmse);
    const allocations = async (trials: number) => {
      const before = wasm.exports.alloc_count();
      await runShiftSweep({ ...opts, onProgress: undefined, trials });
      return wasm.exports.alloc_count() - before;
    };
    expect(await allocations(20)).toBe(await allocations(1));
  });
});

describe('runShiftSweep control', () => {
  const small: ShiftSweepOptions = { ...grid, size: 512, snrsDb: [20], trials: 40, span: 1, phat: false };

  it('stops when aborted from the progress callback', async () => {
    const controller = new AbortController();
    let last = 0;
    const run = runShiftSweep({
      ...small,
      signal: controller.signal,
      onProgress: (done) => {
        last = done;
        if (done === 5) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(last).toBe(5);
  });

  it('stops when aborted by a timer while it yields, with the abort reason', async () => {
    const controller = new AbortController();
    let last = 0;
    const run = runShiftSweep({ ...small, yieldEvery: 1, signal: controller.signal, onProgress: (done) => (last = done) });
    setTimeout(() => controller.abort(new Error('user stop')), 0);
    await expect(run).rejects.toThrow('user stop');
    expect(last).toBeGreaterThan(0);
    expect(last).toBeLessThan(40);
  });

  it('rejects at once with an already aborted signal, before any trial', async () => {
    let calls = 0;
    await expect(runShiftSweep({ ...small, signal: AbortSignal.abort(), onProgress: () => calls++ })).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(calls).toBe(0);
  });

  it('rejects bad options with a RangeError naming the option', async () => {
    const bad: [Partial<ShiftSweepOptions>, RegExp][] = [
      [{ size: 1000 }, /size must be one of 512, .*32768, got 1000/],
      [{ size: 65536 }, /size must be one of/],
      [{ trials: 0 }, /trials must be a whole number >= 1/],
      [{ hypotheses: 0 }, /hypotheses must be a whole number from 1 to 256, got 0/],
      [{ hypotheses: 257 }, /hypotheses must be/],
      [{ span: -1 }, /span must be a finite number of samples >= 0/],
      [{ span: Number.NaN }, /span must be/],
      [{ snrsDb: [] }, /at least one SNR/],
      [{ snrsDb: [0, Infinity] }, /every SNR must be a finite number of dB, got Infinity/],
      [{ seed: 1.5 }, /seed must be a whole number/],
      [{ yieldEvery: -1 }, /yieldEvery must be a whole number >= 0/],
      [{ reference: 'brown' as never }, /reference must be one of white, lowpass-0\.25, lowpass-0\.4, pink, got brown/],
    ];
    for (const [patch, message] of bad) {
      await expect(runShiftSweep({ ...small, ...patch })).rejects.toThrow(message);
      await expect(runShiftSweep({ ...small, ...patch })).rejects.toBeInstanceOf(RangeError);
    }
  });
});

describe('thresholdSnr', () => {
  it('is the lowest SNR from which on every ratio is <= 1.2, in any order; null when the highest fails', () => {
    const pts = (ratios: [number, number][]) => ratios.map(([snrDb, ratio]) => ({ snrDb, ratio }));
    expect(
      thresholdSnr(
        pts([
          [0, 3],
          [10, 1.1],
          [20, 1.2],
          [30, 1],
        ]),
      ),
    ).toBe(10);
    expect(
      thresholdSnr(
        pts([
          [30, 1],
          [0, 3],
          [20, 1.2],
          [10, 1.1],
        ]),
      ),
    ).toBe(10);
    expect(
      thresholdSnr(
        pts([
          [0, 1],
          [10, 1.5],
          [20, 1],
        ]),
      ),
    ).toBe(20);
    expect(
      thresholdSnr(
        pts([
          [0, 1],
          [10, 1],
          [20, 1.3],
        ]),
      ),
    ).toBeNull();
    expect(
      thresholdSnr(
        pts([
          [0, 1],
          [10, Number.NaN],
          [20, 1],
        ]),
      ),
    ).toBe(20);
    expect(
      thresholdSnr(
        pts([
          [0, 1],
          [10, 1],
        ]),
      ),
    ).toBe(0);
    expect(thresholdSnr([])).toBeNull();
  });
});
