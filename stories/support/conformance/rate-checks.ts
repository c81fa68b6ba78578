/**
 * Checks of a render at one sample rate: the wasm output and figures against the reference's, and
 * the stage's own property (bit-exact copy, gain, tone peak, EQ design, shift estimate).
 */
import type { ParamValues } from '../../../dsp-stages/types.ts';
import { biquadCoefficients, cascadeResponseDb } from '../../../dsp-stages/eq/coefficients.ts';
import { eqBands } from '../../../dsp-stages/eq/params.ts';
import { realFft } from '../../../dsp-stages/fft/reference.ts';
import type { Check } from './board.ts';
import { compareSamples, formatFigure as fmt } from '../../../dsp-stages/conformance/numbers.ts';
import { figureValue, type RateProperty } from '../../../dsp-stages/conformance-types.ts';

/** The wasm output against the reference's, within the stage's tolerance (0: bit for bit). */
export function checkOutputAgainstReference(wasm: Float32Array, reference: Float32Array, tolerance: number): Check {
  const c = compareSamples(wasm, reference);
  if (tolerance === 0) {
    return {
      check: 'output = reference, bit for bit',
      figure: `${c.bitMismatches} of ${c.length} samples differ`,
      ok: c.bitMismatches === 0,
    };
  }
  return {
    check: `output vs reference, |diff| ≤ ${tolerance}`,
    figure: `max |diff| ${fmt(c.maxAbsDiff)}${c.finiteMismatches ? `, ${c.finiteMismatches} non-finite mismatches` : ''}`,
    ok: c.maxAbsDiff <= tolerance && c.finiteMismatches === 0,
  };
}

/** Each published figure against the reference's: finite, and within tol × max(1, |ref|). */
export function checkFiguresAgainstReference(
  names: readonly string[],
  wasm: ArrayLike<number>,
  reference: ArrayLike<number>,
  tolerance: number,
): Check[] {
  return names.map((name, i) => {
    const a = wasm[i]!,
      b = reference[i]!;
    const bound = tolerance * Math.max(1, Math.abs(b));
    const ok = Number.isFinite(a) && Number.isFinite(b) && Math.abs(a - b) <= bound;
    return { check: `figure ${name} vs reference, ≤ ${fmt(bound)}`, figure: `${fmt(a, 6)} vs ${fmt(b, 6)}`, ok };
  });
}

export function checkBitExact(what: string, actual: Float32Array, expected: Float32Array): Check {
  const c = compareSamples(actual, expected);
  return {
    check: `${what}, bit for bit`,
    figure: `${c.bitMismatches} of ${c.length} samples differ${c.first >= 0 ? ` (first at ${c.first})` : ''}`,
    ok: c.bitMismatches === 0,
  };
}

/**
 * The peak figures of a spectrum stage against a sine of known frequency and amplitude: within
 * 0.01 bin and 0.05 dB. `figures` in the order of `figureNames` (the stage's `figures`).
 */
export function checkTonePeak(
  figures: ArrayLike<number>,
  figureNames: readonly string[],
  p: Extract<RateProperty, { kind: 'tone-peak' }>,
  rate: number,
  toneHz: number,
  amplitude: number,
): Check[] {
  const bin = rate / p.fftSize;
  const hz = figureValue(figureNames, figures, p.hzFigure),
    db = figureValue(figureNames, figures, p.dbFigure);
  const wantDb = 20 * Math.log10(amplitude);
  const errBins = Math.abs(hz - toneHz) / bin;
  return [
    {
      check: `peak within 0.01 bin (${fmt(0.01 * bin, 4)} Hz) of ${toneHz} Hz`,
      figure: `${fmt(hz, 4)} Hz (${fmt(errBins, 5)} bin)`,
      ok: errBins <= 0.01,
    },
    { check: `peak level within 0.05 dB of ${fmt(wantDb, 2)} dBFS`, figure: `${fmt(db, 3)} dBFS`, ok: Math.abs(db - wantDb) <= 0.05 },
  ];
}

/** Frames of the EQ's impulse render. */
export const EQ_IMPULSE_FRAMES = 65536;

/**
 * The EQ's impulse response, transformed, against the designed response of its bands: within
 * 0.1 dB from 30 Hz to min(16 kHz, 0.45 fs), wherever the design is above −60 dB (below that the
 * f32 output's rounding decides).
 */
export function checkEqDesign(impulseResponse: Float32Array, params: ParamValues, rate: number): Check {
  const n = impulseResponse.length;
  const spectrum = realFft(impulseResponse);
  const sections = eqBands(params).map((b) => biquadCoefficients(b, rate));
  const top = Math.min(16_000, 0.45 * rate);
  let worst = 0,
    worstHz = 0,
    bins = 0;
  for (let k = 1; k <= n / 2; k++) {
    const hz = (k * rate) / n;
    if (hz < 30 || hz > top) continue;
    const designed = cascadeResponseDb(sections, hz, rate);
    if (designed < -60) continue;
    const measured = 10 * Math.log10(spectrum[2 * k]! ** 2 + spectrum[2 * k + 1]! ** 2);
    bins++;
    const err = Math.abs(measured - designed);
    if (!(err <= worst)) {
      worst = err;
      worstHz = hz;
    }
  }
  return {
    check: `impulse response = design within 0.1 dB, 30 Hz – ${fmt(top / 1000, 2)} kHz`,
    figure: `max ${fmt(worst, 4)} dB at ${worstHz.toFixed(0)} Hz over ${bins} bins`,
    ok: bins > 1000 && worst <= 0.1,
  };
}

/** The shift stage's estimate against the true delay. `figures` in the order of `figureNames` (the stage's `figures`). */
export function checkShiftDelay(
  figures: ArrayLike<number>,
  figureNames: readonly string[],
  p: Extract<RateProperty, { kind: 'shift-delay' }>,
): Check {
  const est = figureValue(figureNames, figures, p.figure);
  return {
    check: `estimate within ${p.tolerance} of the true ${p.delay} samples (${p.snrDb} dB SNR)`,
    figure: `${fmt(est, 4)} samples (error ${fmt(est - p.delay, 4)})`,
    ok: Math.abs(est - p.delay) <= p.tolerance,
  };
}
