/**
 * Biquad coefficients exactly as the Web Audio specification defines BiquadFilterNode (the
 * Audio EQ Cookbook with Web Audio's conventions: Q in dB for lowpass and highpass, shelf slope
 * S = 1), in f64, normalised by a0. Shared by the TypeScript reference, the designed-response
 * plot and the tests; rust/src/eq.rs computes the same in Rust.
 */
import type { EqBand } from './params.ts';

export interface Biquad {
  b0: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number;
}

export const IDENTITY: Biquad = { b0: 1, b1: 0, b2: 0, a1: 0, a2: 0 };

export function biquadCoefficients(band: EqBand, sampleRate: number): Biquad {
  if (band.type === 'off') return IDENTITY;
  const nyquist = sampleRate / 2;
  const f = Math.min(Math.max(band.frequencyHz, 0), nyquist) / nyquist; // normalised 0..1
  const A = Math.pow(10, band.gainDb / 40);
  const w0 = Math.PI * f;
  const cos = Math.cos(w0);
  const sin = Math.sin(w0);
  const norm = (b0: number, b1: number, b2: number, a0: number, a1: number, a2: number): Biquad => ({
    b0: b0 / a0,
    b1: b1 / a0,
    b2: b2 / a0,
    a1: a1 / a0,
    a2: a2 / a0,
  });
  switch (band.type) {
    case 'lowpass': {
      if (f >= 1) return IDENTITY;
      if (f <= 0) return { b0: 0, b1: 0, b2: 0, a1: 0, a2: 0 };
      const alpha = sin / (2 * Math.pow(10, band.q / 20));
      return norm((1 - cos) / 2, 1 - cos, (1 - cos) / 2, 1 + alpha, -2 * cos, 1 - alpha);
    }
    case 'highpass': {
      if (f >= 1) return { b0: 0, b1: 0, b2: 0, a1: 0, a2: 0 };
      if (f <= 0) return IDENTITY;
      const alpha = sin / (2 * Math.pow(10, band.q / 20));
      return norm((1 + cos) / 2, -(1 + cos), (1 + cos) / 2, 1 + alpha, -2 * cos, 1 - alpha);
    }
    case 'bandpass': {
      if (f <= 0 || f >= 1) return { b0: 0, b1: 0, b2: 0, a1: 0, a2: 0 };
      if (band.q <= 0) return IDENTITY;
      const alpha = sin / (2 * band.q);
      return norm(alpha, 0, -alpha, 1 + alpha, -2 * cos, 1 - alpha);
    }
    case 'notch': {
      if (f <= 0 || f >= 1) return IDENTITY;
      if (band.q <= 0) return { b0: 0, b1: 0, b2: 0, a1: 0, a2: 0 };
      const alpha = sin / (2 * band.q);
      return norm(1, -2 * cos, 1, 1 + alpha, -2 * cos, 1 - alpha);
    }
    case 'peaking': {
      if (f <= 0 || f >= 1) return IDENTITY;
      if (band.q <= 0) return { b0: A * A, b1: 0, b2: 0, a1: 0, a2: 0 };
      const alpha = sin / (2 * band.q);
      return norm(1 + alpha * A, -2 * cos, 1 - alpha * A, 1 + alpha / A, -2 * cos, 1 - alpha / A);
    }
    case 'lowshelf': {
      if (f >= 1) return { b0: A * A, b1: 0, b2: 0, a1: 0, a2: 0 };
      if (f <= 0) return IDENTITY;
      const alpha = (sin / 2) * Math.sqrt(2); // S = 1
      const k = 2 * Math.sqrt(A) * alpha;
      return norm(
        A * (A + 1 - (A - 1) * cos + k),
        2 * A * (A - 1 - (A + 1) * cos),
        A * (A + 1 - (A - 1) * cos - k),
        A + 1 + (A - 1) * cos + k,
        -2 * (A - 1 + (A + 1) * cos),
        A + 1 + (A - 1) * cos - k,
      );
    }
    case 'highshelf': {
      if (f >= 1) return IDENTITY;
      if (f <= 0) return { b0: A * A, b1: 0, b2: 0, a1: 0, a2: 0 };
      const alpha = (sin / 2) * Math.sqrt(2);
      const k = 2 * Math.sqrt(A) * alpha;
      return norm(
        A * (A + 1 + (A - 1) * cos + k),
        -2 * A * (A - 1 + (A + 1) * cos),
        A * (A + 1 + (A - 1) * cos - k),
        A + 1 - (A - 1) * cos + k,
        2 * (A - 1 - (A + 1) * cos),
        A + 1 - (A - 1) * cos - k,
      );
    }
  }
}

/** |H(e^{jω})| of one biquad at `frequencyHz`, in dB. */
export function biquadResponseDb(c: Biquad, frequencyHz: number, sampleRate: number): number {
  const w = (2 * Math.PI * frequencyHz) / sampleRate;
  const c1 = Math.cos(w),
    s1 = Math.sin(w),
    c2 = Math.cos(2 * w),
    s2 = Math.sin(2 * w);
  const nr = c.b0 + c.b1 * c1 + c.b2 * c2,
    ni = -(c.b1 * s1 + c.b2 * s2);
  const dr = 1 + c.a1 * c1 + c.a2 * c2,
    di = -(c.a1 * s1 + c.a2 * s2);
  return 10 * Math.log10((nr * nr + ni * ni) / (dr * dr + di * di));
}

/** The designed response of a cascade at `frequencyHz`, dB (sum of the sections'). */
export function cascadeResponseDb(sections: readonly Biquad[], frequencyHz: number, sampleRate: number): number {
  return sections.reduce((db, c) => db + biquadResponseDb(c, frequencyHz, sampleRate), 0);
}
