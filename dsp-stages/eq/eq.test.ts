import { describe, expect, it } from 'vitest';
import { biquadCoefficients, biquadResponseDb, cascadeResponseDb } from './coefficients.ts';
import { DEFAULT_BANDS, eqBands, parseBandSpec, type EqBand } from './params.ts';
import { BiquadCascade } from './reference.ts';
import { ResponseMeter } from './response.ts';
import { sine, whiteNoise } from '../signals.ts';
import { defaultParams } from '../params.ts';
import { eqParams } from './params.ts';
import { bindEq } from './bindings.ts';

const FS = 48_000;
const band = (type: EqBand['type'], frequencyHz: number, gainDb: number, q: number): EqBand => ({ type, frequencyHz, gainDb, q });

describe('Web Audio biquad coefficients', () => {
  it('peaking reaches its gain at the centre, 0 dB far away', () => {
    const c = biquadCoefficients(band('peaking', 1000, 6, 1), FS);
    expect(biquadResponseDb(c, 1000, FS)).toBeCloseTo(6, 9);
    expect(biquadResponseDb(c, 20, FS)).toBeCloseTo(0, 2);
  });

  it('shelves reach their gain at DC and Nyquist, half of it (in dB) at the corner', () => {
    const lo = biquadCoefficients(band('lowshelf', 200, 8, 1), FS);
    expect(biquadResponseDb(lo, 1e-3, FS)).toBeCloseTo(8, 6);
    expect(biquadResponseDb(lo, 200, FS)).toBeCloseTo(4, 6);
    const hi = biquadCoefficients(band('highshelf', 5000, -6, 1), FS);
    expect(biquadResponseDb(hi, FS / 2, FS)).toBeCloseTo(-6, 6);
    expect(biquadResponseDb(hi, 5000, FS)).toBeCloseTo(-3, 6);
  });

  it('lowpass and highpass peak at the corner by Q in dB (Web Audio convention)', () => {
    expect(biquadResponseDb(biquadCoefficients(band('lowpass', 2000, 0, 6), FS), 2000, FS)).toBeCloseTo(6, 6);
    expect(biquadResponseDb(biquadCoefficients(band('highpass', 2000, 0, -3), FS), 2000, FS)).toBeCloseTo(-3, 6);
  });

  it('bandpass is 0 dB at the centre; notch is a null there', () => {
    expect(biquadResponseDb(biquadCoefficients(band('bandpass', 3000, 0, 4), FS), 3000, FS)).toBeCloseTo(0, 9);
    expect(biquadResponseDb(biquadCoefficients(band('notch', 3000, 0, 4), FS), 3000, FS)).toBeLessThan(-200);
  });

  it('off is the identity', () => {
    expect(biquadCoefficients(band('off', 1000, 12, 3), FS)).toEqual({ b0: 1, b1: 0, b2: 0, a1: 0, a2: 0 });
  });
});

describe('reference cascade', () => {
  it('a steady sine comes out at the designed level', () => {
    const bands = eqBands(defaultParams(eqParams));
    expect(bands).toEqual(DEFAULT_BANDS);
    const cascade = new BiquadCascade(bands, FS);
    const sections = bands.map((b) => biquadCoefficients(b, FS));
    for (const f of [100, 1000, 3000, 10000]) {
      cascade.reset();
      const x = sine(FS, FS, f, 0.25);
      const y = new Float32Array(x.length);
      cascade.process(x, y);
      let peak = 0;
      for (let i = FS / 2; i < FS; i++) peak = Math.max(peak, Math.abs(y[i]!));
      expect(20 * Math.log10(peak / 0.25)).toBeCloseTo(cascadeResponseDb(sections, f, FS), 1);
    }
  });

  it('the response meter recovers the designed response from noise', () => {
    const bands = [band('peaking', 1000, 6, 1), band('lowshelf', 150, -4, 1)];
    const cascade = new BiquadCascade(bands, FS);
    const sections = bands.map((b) => biquadCoefficients(b, FS));
    const meter = new ResponseMeter(4096);
    const x = whiteNoise(4096 * 40, 0.5, 3);
    const y = new Float32Array(x.length);
    cascade.process(x, y);
    for (let f = 1; f < 40; f++) meter.add(x.subarray(f * 4096, (f + 1) * 4096), y.subarray(f * 4096, (f + 1) * 4096));
    for (const k of [10, 85, 200, 600]) {
      expect(Math.abs(meter.responseDb(k) - cascadeResponseDb(sections, meter.binHz(k, FS), FS))).toBeLessThan(0.3);
    }
  });
});

describe('CLI band values', () => {
  it('parses type:frequency:gain:Q and reports bad ones', () => {
    expect(parseBandSpec('peaking:1000:6:1.0')).toEqual(band('peaking', 1000, 6, 1));
    expect(() => parseBandSpec('wobble:1:2:3')).toThrow(/band type "wobble"/);
    expect(() => parseBandSpec('peaking:abc:6:1')).toThrow(/frequency "abc" is not a number/);
  });
});

describe('EQ stage on wasm', () => {
  it('the SIMD and scalar kernels agree inside wasm (bit for bit, a zero of either sign)', async () => {
    const { loadWasm } = await import('../wasm-file.ts');
    const wasm = loadWasm();
    expect(bindEq(wasm).eq_simd_enabled()).toBe(1);
    expect(bindEq(wasm).eq_selftest()).toBe(0);
  });

  it('the live kernel follows the reference cascade, allocates nothing, and its designed curve matches ours', async () => {
    const { loadWasm } = await import('../wasm-file.ts');
    const { eqStage } = await import('./index.ts');
    const wasm = loadWasm();
    const params = defaultParams(eqParams);
    const kernel = eqStage.createWasmKernel(wasm, params, FS);
    const cascade = new BiquadCascade(eqBands(params), FS);
    const x = whiteNoise(128 * 200, 0.5, 4);
    const ours = new Float32Array(x.length);
    const ref = new Float32Array(x.length);
    const out = new Float32Array(128);
    const allocs = wasm.exports.alloc_count();
    for (let q = 0; q < 200; q++) {
      expect(kernel.process([x.subarray(q * 128, q * 128 + 128)], out)).toBe(0);
      ours.set(out, q * 128);
    }
    expect(wasm.exports.alloc_count()).toBe(allocs);
    cascade.process(x, ref);
    let worst = 0;
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(ours[i]! - ref[i]!));
    // the stage rounds each section's output to f32 (as the browser does); the reference keeps f64
    expect(worst).toBeLessThan(1e-3);
    const sections = eqBands(params).map((b) => biquadCoefficients(b, FS));
    for (const f of [50, 400, 1000, 6100 * 1.01, 12000]) {
      expect(bindEq(wasm).eq_response_db(f)).toBeCloseTo(cascadeResponseDb(sections, f, FS), 3);
    }
  });
});

describe('precision fast', () => {
  /** Largest |a - b|. */
  const worstDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

  /** The stage's live kernel at `params` over `x` in quanta of 128, and the allocations it made. */
  async function live(params: ReturnType<typeof defaultParams>, x: Float32Array) {
    const { loadWasm } = await import('../wasm-file.ts');
    const { eqStage } = await import('./index.ts');
    const wasm = loadWasm();
    const kernel = eqStage.createWasmKernel(wasm, params, FS);
    const ours = new Float32Array(x.length);
    const out = new Float32Array(128);
    const allocs = wasm.exports.alloc_count();
    for (let q = 0; q < x.length / 128; q++) {
      expect(kernel.process([x.subarray(q * 128, q * 128 + 128)], out)).toBe(0);
      ours.set(out, q * 128);
    }
    return { ours, allocations: wasm.exports.alloc_count() - allocs, kernel };
  }

  it('the wasm fast mode matches the f32 reference within 1e-5 and the f64 cascade within 2e-3, allocating nothing', async () => {
    const { createEqReference, FastBiquadCascade } = await import('./reference.ts');
    const x = whiteNoise(128 * 200, 0.5, 4);
    for (const preset of ['custom', 'loudness', 'telephone', 'de-esser']) {
      const params = { ...defaultParams(eqParams), preset, precision: 'fast' };
      const { ours, allocations } = await live(params, x);
      expect(allocations).toBe(0);
      const fast = new Float32Array(x.length);
      new FastBiquadCascade(eqBands(params), FS).process(x, fast);
      const exact = new Float32Array(x.length);
      new BiquadCascade(eqBands(params), FS).process(x, exact);
      // the same f32 arithmetic: apart from an f64 coefficient that rounds to the other f32, bit for bit
      expect(worstDiff(ours, fast), preset).toBeLessThan(1e-5);
      expect(worstDiff(ours, exact), preset).toBeLessThan(2e-3);
      expect(worstDiff(ours, exact), `${preset}: fast is not the exact arithmetic`).toBeGreaterThan(0);
      // the reference kernel honours the parameter
      const reference = createEqReference(params, FS);
      const refOut = new Float32Array(x.length);
      for (let q = 0; q < x.length / 128; q++)
        reference.process([x.subarray(q * 128, q * 128 + 128)], refOut.subarray(q * 128, q * 128 + 128));
      expect(worstDiff(refOut, fast), preset).toBe(0);
    }
  });

  it('switching precision on the live kernel changes the arithmetic, not the level; exact is unchanged', async () => {
    const x = whiteNoise(128 * 100, 0.5, 8);
    const params = defaultParams(eqParams);
    const exact = await live(params, x);
    const fast = await live({ ...params, precision: 'fast' }, x);
    const switched = await live(params, x.subarray(0, 128 * 50));
    switched.kernel.setParam('precision', 'fast');
    const tail = new Float32Array(128 * 50);
    const out = new Float32Array(128);
    for (let q = 0; q < 50; q++) {
      expect(switched.kernel.process([x.subarray((50 + q) * 128, (51 + q) * 128)], out)).toBe(0);
      tail.set(out, q * 128);
    }
    const reference = new Float32Array(x.length);
    new BiquadCascade(eqBands(params), FS).process(x, reference);
    expect(worstDiff(exact.ours, reference)).toBeLessThan(1e-3);
    expect(worstDiff(exact.ours, fast.ours)).toBeGreaterThan(0);
    expect(worstDiff(tail, fast.ours.subarray(128 * 50))).toBeLessThan(2e-3);
    expect(worstDiff(tail, exact.ours.subarray(128 * 50))).toBeGreaterThan(0);
  });
});
