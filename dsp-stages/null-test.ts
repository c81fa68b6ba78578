/**
 * The arithmetic of an A/B null test, shared by the CLI (`stagebench null`) and the browser:
 * the residual a − b, its level in dBFS, the level match (the gain on b that minimises the
 * residual), and the residual's spectrum by the FFT stage's TypeScript reference. Plain
 * TypeScript: no Node, no DOM, no Web Audio, safe in the worklet.
 *
 * dBFS here is 20 log10 of an RMS (or of a sine's amplitude, for the spectrum) against 1.0, the
 * convention of `run eq`'s levels: a full-scale sine's RMS reads −3.01 dBFS. A residual that is
 * exactly zero has no level in dB: it is reported as null, with `exactlyZero`.
 */
import { coherentGain, periodicWindow, realFft } from './fft/reference.ts';

/** How close a pair of signals is, before and after matching b's level to a's. */
export interface NullLevels {
  /** Largest |a − g·b| over the samples where both are finite. */
  maxAbsDiff: number;
  /** RMS of a − g·b over those samples. */
  residualRms: number;
  /** 20 log10(residualRms), or null when the residual is exactly zero. */
  residualDbfs: number | null;
}

export interface NullResult extends NullLevels {
  frames: number;
  /** The residual a − b is zero at every finite pair and no pair differs in finiteness. */
  exactlyZero: boolean;
  /** a and b hold the same bits (NaN payloads and the sign of zero included). */
  bitIdentical: boolean;
  /** Pairs where exactly one of a, b is finite, or both are infinite with different values: left out of the figures. */
  nonFinitePairs: number;
  /**
   * b scaled by the least-squares gain g = Σab / Σb² (the g that minimises Σ(a − g·b)²; 1 when b
   * is silent), and what is left: a residual that vanishes here differs only in level.
   */
  levelMatch: NullLevels & { gain: number; gainDb: number | null };
}

/** 20 log10(x) for x > 0; null for 0 (no level). */
export function dbfs(x: number): number | null {
  return x > 0 ? 20 * Math.log10(x) : null;
}

function pairUsable(x: number, y: number): boolean {
  return Number.isFinite(x) && Number.isFinite(y);
}

function levels(a: Float32Array, b: Float32Array, gain: number): NullLevels {
  let max = 0;
  let sum = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (!pairUsable(x, y)) continue;
    const d = Math.abs(x - gain * y);
    if (d > max) max = d;
    sum += d * d;
    n++;
  }
  const residualRms = n > 0 ? Math.sqrt(sum / n) : 0;
  return { maxAbsDiff: max, residualRms, residualDbfs: dbfs(residualRms) };
}

/** The least-squares gain on b towards a: Σab / Σb² over the finite pairs; 1 when b is silent there. */
export function matchingGain(a: Float32Array, b: Float32Array): number {
  let ab = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (!pairUsable(x, y)) continue;
    ab += x * y;
    bb += y * y;
  }
  return bb > 0 ? ab / bb : 1;
}

/** Compares a with b (the same length). */
export function nullTest(a: Float32Array, b: Float32Array): NullResult {
  if (a.length !== b.length) throw new Error(`a null test needs two signals of one length, got ${a.length} and ${b.length}`);
  const abits = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const bbits = new Uint32Array(b.buffer, b.byteOffset, b.length);
  let bitIdentical = true;
  let nonFinitePairs = 0;
  for (let i = 0; i < a.length; i++) {
    if (abits[i] !== bbits[i]) bitIdentical = false;
    const x = a[i]!;
    const y = b[i]!;
    if (!pairUsable(x, y) && !(Object.is(x, y) || (Number.isNaN(x) && Number.isNaN(y)))) nonFinitePairs++;
  }
  const plain = levels(a, b, 1);
  const gain = matchingGain(a, b);
  const matched = levels(a, b, gain);
  return {
    frames: a.length,
    ...plain,
    exactlyZero: plain.maxAbsDiff === 0 && nonFinitePairs === 0,
    bitIdentical,
    nonFinitePairs,
    levelMatch: { gain, gainDb: dbfs(Math.abs(gain)), ...matched },
  };
}

/** a − g·b, sample by sample, as float32 (what `--out` writes). */
export function residual(a: Float32Array, b: Float32Array, gain = 1): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! - gain * b[i]!;
  return out;
}

/** The residual's spectrum: per bin k = 0..size/2, the level in dBFS of a sine at that bin (null: no energy). */
export interface ResidualSpectrum {
  size: number;
  /** Frames averaged (Hann, 50 % overlap; one zero-padded frame for a shorter signal). */
  frames: number;
  db: (number | null)[];
}

/**
 * Welch's average of the residual's power spectrum: Hann-windowed frames of `size` (a power of
 * two) with 50 % overlap through the FFT reference (`realFft`), the power averaged, scaled so a
 * sine of amplitude A centred on a bin reads 20 log10(A). Non-finite samples count as 0.
 */
export function residualSpectrum(x: Float32Array, size = 4096): ResidualSpectrum {
  if (!(size >= 2 && (size & (size - 1)) === 0)) throw new Error(`spectrum size ${size} is not a power of two`);
  const window = periodicWindow('hann', 0, size);
  const ref = (size * coherentGain(window)) / 2;
  const hop = size / 2;
  const starts: number[] = [];
  for (let s = 0; s + size <= x.length; s += hop) starts.push(s);
  if (starts.length === 0) starts.push(0);
  const power = new Float64Array(size / 2 + 1);
  const frame = new Float64Array(size);
  for (const s of starts) {
    for (let i = 0; i < size; i++) {
      const v = x[s + i];
      frame[i] = v !== undefined && Number.isFinite(v) ? v * window[i]! : 0;
    }
    const spectrum = realFft(frame);
    for (let k = 0; k <= size / 2; k++) power[k]! += spectrum[2 * k]! ** 2 + spectrum[2 * k + 1]! ** 2;
  }
  const db = Array.from(power, (p) => {
    const amplitude = Math.sqrt(p / starts.length) / ref;
    return dbfs(amplitude);
  });
  return { size, frames: starts.length, db };
}

/** The loudest bin of a residual spectrum (k >= 1), its frequency at `sampleRate`; null when it holds no energy. */
export function spectrumPeak(spectrum: ResidualSpectrum, sampleRate: number): { hz: number; dbfs: number } | null {
  let best: { hz: number; dbfs: number } | null = null;
  spectrum.db.forEach((db, k) => {
    if (k === 0 || db === null) return;
    if (best === null || db > best.dbfs) best = { hz: (k * sampleRate) / spectrum.size, dbfs: db };
  });
  return best;
}

/** One line for people: "exactly zero", or the residual's level before and after level matching. */
export function nullVerdict(r: NullResult): string {
  if (r.bitIdentical) return 'exactly zero (bit-identical)';
  if (r.exactlyZero) return 'exactly zero';
  const db = (x: number | null): string => (x === null ? 'exactly zero' : `${x.toFixed(1)} dBFS`);
  const gain = r.levelMatch.gainDb === null ? 'gain 0' : `gain ${r.levelMatch.gain.toPrecision(6)} (${r.levelMatch.gainDb.toFixed(3)} dB)`;
  return `residual ${db(r.residualDbfs)} RMS, max |a - b| ${r.maxAbsDiff.toExponential(3)}; level-matched (${gain} on b): ${db(r.levelMatch.residualDbfs)} RMS`;
}

/** Samples per frame of the residual's spectrum in a null test's summary (CLI and workbench). */
export const NULL_SPECTRUM_SIZE = 4096;

/** A null test of two outputs as `stagebench null` prints it and the workbench's A/B shows it. */
export interface NullSummary {
  result: NullResult;
  /** a − b. */
  residual: Float32Array;
  spectrum: ResidualSpectrum;
  peak: { hz: number; dbfs: number } | null;
  verdict: string;
}

/** The null test of outputs a and b at `sampleRate`: figures, residual, its spectrum and loudest bin, the verdict. */
export function nullSummary(a: Float32Array, b: Float32Array, sampleRate: number): NullSummary {
  const result = nullTest(a, b);
  const diff = residual(a, b);
  const spectrum = residualSpectrum(diff, NULL_SPECTRUM_SIZE);
  return { result, residual: diff, spectrum, peak: spectrumPeak(spectrum, sampleRate), verdict: nullVerdict(result) };
}
