/**
 * Peak-frequency accuracy sweep of the spectrum stage: sines at log-spaced frequencies (each
 * moved off the bin centres by a seeded random offset of up to ±0.5 bin, less within a bin of
 * 0 Hz or of the Nyquist frequency, and given a seeded random phase), one frame each, analysed
 * by the wasm stage or by the TypeScript reference; the peak estimate is compared with the true
 * frequency and the peak level with the sine's level.
 *
 * Runs in Node (the CLI's `stagebench sweep fft`, the unit tests) and in the browser (a story):
 * no Node or DOM imports. It is async only so that a page can paint while it runs (`yieldEvery`)
 * and abort it (`signal`); the work itself is synchronous between yields.
 */
import { statusMessage, type StagebenchWasm } from '../../worklet/abi.ts';
import { mulberry32 } from '../signals.ts';
import { FFT_SIZES, FFT_WINDOWS, WINDOW_IDS, type FftWindow } from './params.ts';
import { analyseFrame, periodicWindow } from './reference.ts';
import { bindFft } from './bindings.ts';

/** Amplitude of every test sine. */
export const SWEEP_AMPLITUDE = 0.5;
/** Its level in dBFS (about -6.02), the target of `levelDb`. */
export const SWEEP_LEVEL_DB = 20 * Math.log10(SWEEP_AMPLITUDE);

export interface PeakSweepOptions {
  /** A wasm instance to run the stage on (the sweep re-`init`s it: it takes the instance over), or null for the TypeScript reference. */
  wasm: StagebenchWasm | null;
  sampleRate: number;
  /** FFT size N, one of FFT_SIZES. */
  size: number;
  window: FftWindow;
  /** Kaiser shape (ignored by the other windows), 0..20. */
  beta: number;
  /** Number of test frequencies, >= 1. */
  points: number;
  /** Lowest test frequency before the random offset; default 20 Hz. */
  fMinHz?: number;
  /** Highest test frequency before the random offset; default 20000 Hz; must be below sampleRate / 2. */
  fMaxHz?: number;
  /** Seed of the offsets and phases; default 1. */
  seed?: number;
  /** Called after every point with the points done so far and the total. */
  onProgress?: (done: number, total: number) => void;
  /** Await a macrotask every this many points (so a browser can paint); 0 or absent: never. */
  yieldEvery?: number;
  /** Checked before every point; an abort rejects the promise with the signal's reason. */
  signal?: AbortSignal;
}

export interface PeakSweepPoint {
  /** The sine's true frequency. */
  frequencyHz: number;
  /** The stage's peak estimate (peak bin × sampleRate / N). */
  estimateHz: number;
  /** estimateHz - frequencyHz. */
  errorHz: number;
  /** The stage's interpolated peak level, dBFS (the sine is at SWEEP_LEVEL_DB). */
  levelDb: number;
}

export interface PeakSweepResult {
  backend: 'wasm' | 'reference';
  sampleRate: number;
  size: number;
  window: FftWindow;
  beta: number;
  /** Bin spacing, sampleRate / N. */
  binHz: number;
  points: PeakSweepPoint[];
  meanAbsErrorHz: number;
  maxAbsErrorHz: number;
  rmsErrorHz: number;
  /** Frequency of the point with the largest |error|. */
  worstHz: number;
  /** max |levelDb - SWEEP_LEVEL_DB| over the points. */
  levelErrorMaxDb: number;
  /** Wall time of the sweep, ms (yields included). */
  elapsedMs: number;
}

/** The sweep's option checks: a RangeError naming the bad option. */
export function checkPeakSweepOptions(opts: PeakSweepOptions): { fMinHz: number; fMaxHz: number } {
  const { sampleRate, size, window, beta, points } = opts;
  const fMinHz = opts.fMinHz ?? 20;
  const fMaxHz = opts.fMaxHz ?? 20000;
  if (!(Number.isFinite(sampleRate) && sampleRate > 0))
    throw new RangeError(`sampleRate must be a positive number of Hz, got ${sampleRate}`);
  if (!(FFT_SIZES as readonly number[]).includes(size)) throw new RangeError(`size must be one of ${FFT_SIZES.join(', ')}, got ${size}`);
  if (!(FFT_WINDOWS as readonly string[]).includes(window))
    throw new RangeError(`window must be one of ${FFT_WINDOWS.join(', ')}, got ${String(window)}`);
  if (!(Number.isFinite(beta) && beta >= 0 && beta <= 20)) throw new RangeError(`beta must be within 0..20, got ${beta}`);
  if (!(Number.isInteger(points) && points >= 1)) throw new RangeError(`points must be a whole number >= 1, got ${points}`);
  if (!(Number.isFinite(fMinHz) && fMinHz > 0)) throw new RangeError(`fMinHz must be above 0 Hz, got ${fMinHz}`);
  if (!(Number.isFinite(fMaxHz) && fMaxHz >= fMinHz)) throw new RangeError(`fMaxHz must be at least fMinHz (${fMinHz} Hz), got ${fMaxHz}`);
  if (!(fMaxHz < sampleRate / 2)) throw new RangeError(`fMaxHz (${fMaxHz} Hz) must be below the Nyquist frequency (${sampleRate / 2} Hz)`);
  if (opts.yieldEvery !== undefined && !(Number.isInteger(opts.yieldEvery) && opts.yieldEvery >= 0)) {
    throw new RangeError(`yieldEvery must be a whole number >= 0, got ${opts.yieldEvery}`);
  }
  return { fMinHz, fMaxHz };
}

/** Analyses one frame: its peak (fractional bin) and level (dBFS); the returned object may be reused. */
type Analyser = (frame: Float32Array) => { bin: number; db: number };

function wasmAnalyser(wasm: StagebenchWasm, size: number, window: FftWindow, beta: number): Analyser {
  const fx = bindFft(wasm);
  wasm.init(size);
  const rc = fx.fft_create(size, WINDOW_IDS[window], beta);
  if (rc < 0) throw new Error(`fft_create(${size}) failed: ${statusMessage(rc)}`);
  // the ring holds exactly N samples: the frame fills it, and with the write position back at 0
  // the newest N samples are the frame, oldest first
  const result = { bin: 0, db: 0 };
  return (frame) => {
    wasm.inputRing().set(frame, 0);
    wasm.exports.set_write_pos(0);
    const status = fx.fft_process();
    if (status < 0) throw new Error(`fft_process failed: ${statusMessage(status)}`);
    result.bin = fx.fft_peak_bin();
    result.db = fx.fft_peak_db();
    return result;
  };
}

function referenceAnalyser(size: number, window: FftWindow, beta: number): Analyser {
  const w = periodicWindow(window, beta, size);
  return (frame) => {
    const a = analyseFrame(frame, w);
    return { bin: a.peakBin, db: a.peakDb };
  };
}

const macrotask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** Runs the sweep; see the module comment. Rejects with a RangeError on bad options. */
export async function runPeakSweep(opts: PeakSweepOptions): Promise<PeakSweepResult> {
  const { fMinHz, fMaxHz } = checkPeakSweepOptions(opts);
  const { wasm, sampleRate, size, window, beta, points: total, signal, onProgress } = opts;
  const yieldEvery = opts.yieldEvery ?? 0;
  signal?.throwIfAborted();
  const t0 = performance.now();
  const analyse = wasm ? wasmAnalyser(wasm, size, window, beta) : referenceAnalyser(size, window, beta);
  const binHz = sampleRate / size;
  const rand = mulberry32(opts.seed ?? 1);
  const frame = new Float32Array(size);
  const points: PeakSweepPoint[] = [];
  const ratio = fMaxHz / fMinHz;
  let sumAbs = 0;
  let sumSq = 0;
  let maxAbs = -1;
  let worstHz = NaN;
  let levelErrorMax = 0;
  for (let i = 0; i < total; i++) {
    signal?.throwIfAborted();
    const nominal = total === 1 ? fMinHz : fMinHz * Math.pow(ratio, i / (total - 1));
    // up to ±0.5 bin, less where half a bin would reach 0 Hz or the Nyquist frequency
    const maxOffset = Math.min(binHz / 2, nominal / 2, (sampleRate / 2 - nominal) / 2);
    const frequencyHz = nominal + (2 * rand() - 1) * maxOffset;
    const phase = 2 * Math.PI * rand();
    const w = (2 * Math.PI * frequencyHz) / sampleRate;
    for (let n = 0; n < size; n++) frame[n] = SWEEP_AMPLITUDE * Math.sin(w * n + phase);
    const { bin, db } = analyse(frame);
    const estimateHz = (bin * sampleRate) / size;
    const errorHz = estimateHz - frequencyHz;
    const abs = Math.abs(errorHz);
    points.push({ frequencyHz, estimateHz, errorHz, levelDb: db });
    // NaN (a broken estimate) counts as the worst possible error
    if (!(abs <= maxAbs)) {
      maxAbs = Number.isNaN(abs) ? Infinity : abs;
      worstHz = frequencyHz;
    }
    sumAbs += abs;
    sumSq += errorHz * errorHz;
    const levelError = Math.abs(db - SWEEP_LEVEL_DB);
    levelErrorMax = Number.isNaN(levelError) ? Infinity : Math.max(levelErrorMax, levelError);
    onProgress?.(i + 1, total);
    if (yieldEvery > 0 && (i + 1) % yieldEvery === 0 && i + 1 < total) {
      await macrotask();
    }
  }
  signal?.throwIfAborted();
  return {
    backend: wasm ? 'wasm' : 'reference',
    sampleRate,
    size,
    window,
    beta,
    binHz,
    points,
    meanAbsErrorHz: sumAbs / total,
    maxAbsErrorHz: maxAbs,
    rmsErrorHz: Math.sqrt(sumSq / total),
    worstHz,
    levelErrorMaxDb: levelErrorMax,
    elapsedMs: performance.now() - t0,
  };
}
