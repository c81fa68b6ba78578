/**
 * Plain TypeScript reference of the 8-band EQ: a cascade of Direct Form II transposed biquads in
 * f64 with the Web Audio coefficients (coefficients.ts); with precision `fast`, the wasm fast
 * kernel's f32 arithmetic emulated with Math.fround (FastBiquadCascade), which the wasm stage
 * matches within 1e-5 (the f64 cascade is within ~1e-5 of it on ordinary settings). No parameter smoothing: the reference
 * jumps, which the tests use to show what the wasm stage's smoothing removes. A quantum with NaN
 * or Inf input gives silence, resets the states and counts, as the wasm stage does.
 */
import type { ParamValues, StageKernel } from '../types.ts';
import { biquadCoefficients, type Biquad } from './coefficients.ts';
import { eqBands, eqFast, type EqBand } from './params.ts';
import { allFinite } from '../signals.ts';

/** Input samples kept for the measured-response frames (input, then output). */
export const RESPONSE_FRAME = 4096;

/**
 * Collects input and output quanta into frames of RESPONSE_FRAME samples for the measured
 * response; `version` advances with every complete frame. Allocation-free after construction.
 */
export class ResponseFrames {
  private readonly input = new Float32Array(RESPONSE_FRAME);
  private readonly output = new Float32Array(RESPONSE_FRAME);
  private filled = 0;
  version = 0;

  /**
   * Adds one quantum (input and output of equal length). A quantum that divides RESPONSE_FRAME
   * (128, 256, 1024...) is copied whole; any other length (441) is split where a frame completes,
   * the rest starting the next frame. Allocation-free.
   */
  add(input: Float32Array, output: Float32Array): void {
    const n = input.length;
    if (n <= RESPONSE_FRAME - this.filled) {
      this.input.set(input, this.filled);
      this.output.set(output, this.filled);
      this.filled += n;
    } else {
      for (let i = 0; i < n; i++) {
        this.input[this.filled] = input[i]!;
        this.output[this.filled] = output[i]!;
        if (++this.filled === RESPONSE_FRAME) this.complete();
      }
    }
    if (this.filled === RESPONSE_FRAME) this.complete();
  }

  private complete(): void {
    this.filled = 0;
    this.version++;
  }

  /** Writes the last complete frame: input, then output (2 × RESPONSE_FRAME floats). */
  copyTo(frame: Float32Array): void {
    frame.set(this.input, 0);
    frame.set(this.output, RESPONSE_FRAME);
  }
}

export class BiquadCascade {
  private sections: Biquad[] = [];
  private s1: Float64Array;
  private s2: Float64Array;

  constructor(bands: readonly EqBand[], sampleRate: number) {
    this.s1 = new Float64Array(bands.length);
    this.s2 = new Float64Array(bands.length);
    this.setBands(bands, sampleRate);
  }

  setBands(bands: readonly EqBand[], sampleRate: number): void {
    this.sections = bands.map((b) => biquadCoefficients(b, sampleRate));
  }

  reset(): void {
    this.s1.fill(0);
    this.s2.fill(0);
  }

  /** Filters `input` into `output` (may be the same array). Allocation-free. */
  process(input: Float32Array, output: Float32Array): void {
    const secs = this.sections;
    const s1 = this.s1;
    const s2 = this.s2;
    for (let i = 0; i < input.length; i++) {
      let x = input[i]!;
      for (let k = 0; k < secs.length; k++) {
        const c = secs[k]!;
        const y = c.b0 * x + s1[k]!;
        s1[k] = c.b1 * x - c.a1 * y + s2[k]!;
        s2[k] = c.b2 * x - c.a2 * y;
        x = y;
      }
      output[i] = x;
    }
  }
}

/**
 * A section's coefficients in the wasm `fast` kernel's delta form (rust/src/stages/eq/fast.rs),
 * derived from the biquad in f64 and rounded to f32: [b0, e1, e2, r1, alpha2] with
 * alpha2 = 1 + a1 + a2, r1 = -1 - a1, e1 = b1 - b0 a1, e2 = (b0 + b1 + b2) - b0 alpha2.
 */
export function fastDeltaCoefficients(c: Biquad): [number, number, number, number, number] {
  const f = Math.fround;
  const alpha2 = 1 + c.a1 + c.a2;
  const e1 = c.b1 - c.b0 * c.a1;
  const e2 = c.b0 + c.b1 + c.b2 - c.b0 * alpha2;
  return [f(c.b0), f(e1), f(e2), f(-1 - c.a1), f(alpha2)];
}

/**
 * The wasm `fast` kernel's arithmetic: per section the delta form of the transposed direct form
 * (y = b0 x + w1, w1 = r1 w1 + (w2 + e1 x), w2 = (w2 + e2 x) - alpha2 w1, with the w1 before the
 * step) on the coefficients of fastDeltaCoefficients, every product and sum rounded to f32 (a
 * single f64 operation on f32 values, then Math.fround, is the correctly rounded f32 result).
 */
export class FastBiquadCascade {
  private coefs = new Float64Array(0);
  /** Identity sections, which the stage skips. */
  private skip: boolean[] = [];
  private readonly state: Float64Array;
  private readonly sections: number;

  constructor(bands: readonly EqBand[], sampleRate: number) {
    this.sections = bands.length;
    this.state = new Float64Array(2 * bands.length);
    this.setBands(bands, sampleRate);
  }

  setBands(bands: readonly EqBand[], sampleRate: number): void {
    const biquads = bands.map((b) => biquadCoefficients(b, sampleRate));
    this.skip = biquads.map((c) => c.b0 === 1 && c.b1 === 0 && c.b2 === 0 && c.a1 === 0 && c.a2 === 0);
    this.coefs = Float64Array.from(biquads.flatMap(fastDeltaCoefficients));
  }

  reset(): void {
    this.state.fill(0);
  }

  /** Filters `input` into `output` (may be the same array). Allocation-free. */
  process(input: Float32Array, output: Float32Array): void {
    const f = Math.fround;
    const c = this.coefs;
    const st = this.state;
    for (let i = 0; i < input.length; i++) {
      let x = input[i]!;
      for (let k = 0; k < this.sections; k++) {
        if (this.skip[k]) continue;
        const b0 = c[5 * k]!,
          e1 = c[5 * k + 1]!,
          e2 = c[5 * k + 2]!,
          r1 = c[5 * k + 3]!,
          alpha2 = c[5 * k + 4]!;
        const w1 = st[2 * k]!,
          w2 = st[2 * k + 1]!;
        const y = f(f(b0 * x) + w1);
        st[2 * k] = f(f(r1 * w1) + f(w2 + f(e1 * x)));
        st[2 * k + 1] = f(f(w2 + f(e2 * x)) - f(alpha2 * w1));
        x = y;
      }
      output[i] = x;
    }
  }
}

export function createEqReference(params: ParamValues, sampleRate: number): StageKernel {
  const make = (p: ParamValues) => (eqFast(p) ? new FastBiquadCascade(eqBands(p), sampleRate) : new BiquadCascade(eqBands(p), sampleRate));
  let cascade = make(params);
  let bypass = params.bypass === 'on';
  let nanQuanta = 0;
  const frames = new ResponseFrames();
  let current = { ...params };
  return {
    backend: 'reference',
    visualLength: 2 * RESPONSE_FRAME,
    process(inputs, output) {
      const input = inputs[0]!;
      const out = output!;
      if (!allFinite(input)) {
        out.fill(0);
        cascade.reset();
        nanQuanta++;
      } else if (bypass) {
        out.set(input);
      } else {
        cascade.process(input, out);
      }
      frames.add(input, out);
      return 0;
    },
    setParam(name, value) {
      current = { ...current, [name]: value };
      if (name === 'bypass') bypass = value === 'on';
      // a precision change restarts the filters from rest (the wasm stage carries its state over)
      else if (name === 'precision') cascade = make(current);
      else cascade.setBands(eqBands(current), sampleRate);
    },
    visualVersion: () => frames.version,
    publish(frame, figures) {
      frames.copyTo(frame);
      figures[0] = nanQuanta;
    },
    summary: () => ({ nanQuanta }),
  };
}
