/**
 * Plain TypeScript reference of the 8-band EQ: a cascade of Direct Form II transposed biquads in
 * f64 with the Web Audio coefficients (coefficients.ts); with precision `fast`, the wasm fast
 * kernel's f32 arithmetic emulated with Math.fround (FastBiquadCascade), which the wasm stage
 * matches within 1e-5 (the f64 cascade is within 2e-3 of it on ordinary settings). No parameter smoothing: the reference
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
 * The wasm `fast` kernel's arithmetic: per section, coefficients rounded to f32 and the transposed
 * form with a delayed state update (y = (b0 x + p1) - a1 y1, p1 = (b1 x + q2) - a2 y1, q2 = b2 x),
 * every product and sum rounded to f32 (a single f64 operation on f32 values, then
 * Math.fround, is the correctly rounded f32 result).
 */
export class FastBiquadCascade {
  private coefs = new Float64Array(0);
  private readonly state: Float64Array;
  private readonly sections: number;

  constructor(bands: readonly EqBand[], sampleRate: number) {
    this.sections = bands.length;
    this.state = new Float64Array(3 * bands.length);
    this.setBands(bands, sampleRate);
  }

  setBands(bands: readonly EqBand[], sampleRate: number): void {
    const f = Math.fround;
    this.coefs = Float64Array.from(
      bands.flatMap((b) => {
        const c = biquadCoefficients(b, sampleRate);
        return [c.b0, c.b1, c.b2, c.a1, c.a2].map(f);
      }),
    );
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
        const b0 = c[5 * k]!,
          b1 = c[5 * k + 1]!,
          b2 = c[5 * k + 2]!,
          a1 = c[5 * k + 3]!,
          a2 = c[5 * k + 4]!;
        // identity sections are skipped by the stage
        if (b0 === 1 && b1 === 0 && b2 === 0 && a1 === 0 && a2 === 0) continue;
        const y1 = st[3 * k]!;
        const y = f(f(f(b0 * x) + st[3 * k + 1]!) - f(a1 * y1));
        st[3 * k + 1] = f(f(f(b1 * x) + st[3 * k + 2]!) - f(a2 * y1));
        st[3 * k + 2] = f(b2 * x);
        st[3 * k] = y;
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
