/**
 * Plain TypeScript reference of the shift stage (rust/src/shift.rs): cross-spectrum C = X conj(R)
 * (optionally PHAT; the Nyquist bin left out), the centre from one coarse inverse transform, each
 * hypothesis scored by the correlation formula c(τ) = (1/N)[C(0) + Re{C(N/2) e^{jπτ}} +
 * 2 Σ Re{C(k) e^{j2πkτ/N}}] summed directly, and the best score refined as the stage does (the
 * quartic through two neighbours on each side, else the parabola through one). O(N·H): the
 * fallback, and the oracle of the "H inverse FFTs" comparison.
 */
import { complexFft, realFft } from '../fft/reference.ts';

export const PHAT_FLOOR = 1e-20;

export interface ShiftResult {
  taus: Float64Array;
  scores: Float64Array;
  centre: number;
  best: number;
  shift: number;
  /** Interleaved re, im of C(k), k = 0..N/2. */
  cross: Float64Array;
  /** Spectra of the input and reference frames (interleaved re, im, k = 0..N/2). */
  inputSpectrum: Float64Array;
  referenceSpectrum: Float64Array;
}

export function hypothesisTaus(centre: number, span: number, h: number): Float64Array {
  return Float64Array.from({ length: h }, (_, i) => (h === 1 ? centre : centre + span * (i / (h - 1) - 0.5)));
}

export function crossSpectrum(input: ArrayLike<number>, reference: ArrayLike<number>, phat: boolean): Float64Array {
  return crossOf(realFft(input), realFft(reference), phat);
}

/**
 * C = X conj(R) (PHAT: divided by |C|, floored) from two half spectra, with C(N/2) = 0 as the
 * stage sets it: a real frame's Nyquist bin has no phase, a delay only scales it.
 */
export function crossOf(x: Float64Array, r: Float64Array, phat: boolean): Float64Array {
  const c = new Float64Array(x.length);
  for (let k = 0; k < x.length / 2 - 1; k++) {
    const xr = x[2 * k]!,
      xi = x[2 * k + 1]!,
      rr = r[2 * k]!,
      ri = r[2 * k + 1]!;
    let cr = xr * rr + xi * ri;
    let ci = xi * rr - xr * ri;
    if (phat) {
      const m = Math.max(Math.hypot(cr, ci), PHAT_FLOOR);
      cr /= m;
      ci /= m;
    }
    c[2 * k] = cr;
    c[2 * k + 1] = ci;
  }
  return c;
}

/** c(τ) at one real lag, by the formula (O(N)). */
export function correlationAt(cross: Float64Array, tau: number): number {
  const n = cross.length - 2;
  let sum = cross[0]!;
  const w = (2 * Math.PI * tau) / n;
  for (let k = 1; k < n / 2; k++) sum += 2 * (cross[2 * k]! * Math.cos(w * k) - cross[2 * k + 1]! * Math.sin(w * k));
  sum += cross[n]! * Math.cos(Math.PI * tau) - cross[n + 1]! * Math.sin(Math.PI * tau);
  return sum / n;
}

/** c(τ) for every integer lag 0..N-1 (negative lags wrapped), by one inverse transform. */
export function integerCorrelation(cross: Float64Array): Float64Array {
  const n = cross.length - 2;
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let k = 0; k <= n / 2; k++) {
    re[k] = cross[2 * k]!;
    im[k] = -cross[2 * k + 1]!; // conjugated: the forward FFT then computes the inverse
    if (k > 0 && k < n / 2) {
      re[n - k] = cross[2 * k]!;
      im[n - k] = cross[2 * k + 1]!;
    }
  }
  complexFft(re, im);
  return re.map((v) => v / n);
}

export function estimateShift(
  input: ArrayLike<number>,
  reference: ArrayLike<number>,
  opts: { hypotheses: number; span: number; centre: number | null; phat: boolean },
): ShiftResult {
  const inputSpectrum = realFft(input);
  const referenceSpectrum = realFft(reference);
  const cross = crossOf(inputSpectrum, referenceSpectrum, opts.phat);
  const n = cross.length - 2;
  let centre = opts.centre;
  if (centre === null) {
    const c = integerCorrelation(cross);
    let best = 0;
    for (let i = 1; i < n; i++) if (c[i]! > c[best]!) best = i;
    centre = best <= n / 2 ? best : best - n;
  }
  const taus = hypothesisTaus(centre, opts.span, opts.hypotheses);
  const scores = taus.map((t) => correlationAt(cross, t));
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i]! > scores[best]!) best = i;
  let shift = taus[best]!;
  if (best > 0 && best < scores.length - 1) {
    const [a, b, c] = [scores[best - 1]!, scores[best]!, scores[best + 1]!];
    const curv = a - 2 * b + c;
    if (curv < 0) {
      let d = Math.max(-0.5, Math.min(0.5, (0.5 * (a - c)) / curv));
      if (best > 1 && best < scores.length - 2) d = quarticVertex([scores[best - 2]!, a, b, c, scores[best + 2]!], d) ?? d;
      shift += d * (taus[1]! - taus[0]!);
    }
  }
  return { taus, scores, centre, best, shift, cross, inputSpectrum, referenceSpectrum };
}

/**
 * The maximum of the quartic through five equally spaced values (offsets -2..2, in spacings) by
 * four Newton steps from `start` (the parabola's vertex), clamped to ±1/2; null when the quartic
 * is not concave on the way or a step is not finite (rust/src/shift.rs quartic_vertex).
 */
export function quarticVertex(y: readonly [number, number, number, number, number], start: number): number | null {
  const [a, b, c, d, e] = y;
  const c1 = (a - 8 * b + 8 * d - e) / 12;
  const c2 = (-a + 16 * b - 30 * c + 16 * d - e) / 12;
  const c3 = (-a + 2 * b - 2 * d + e) / 2;
  const c4 = a - 4 * b + 6 * c - 4 * d + e;
  const curvature = (u: number) => c2 + u * (c3 + (u * c4) / 2);
  let u = start;
  for (let i = 0; i < 4; i++) {
    const slope = c1 + u * (c2 + u * (c3 / 2 + (u * c4) / 6));
    if (!(curvature(u) < 0)) return null;
    u -= slope / curvature(u);
    if (!Number.isFinite(u)) return null;
  }
  if (!(curvature(u) < 0)) return null;
  return Math.max(-0.5, Math.min(0.5, u));
}
