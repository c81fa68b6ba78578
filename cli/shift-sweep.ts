/**
 * `stagebench sweep shift [--snr LO:HI:STEP] [--trials N] [--reference KIND] [--param name=value]... [--clean-reference] [--json]`:
 * the delay-accuracy sweep (dsp-stages/shift/sweep.ts) on the wasm stage against the Cramér-Rao
 * bound, with progress on stderr and a table or one JSON object on stdout. Nothing here exits;
 * main.ts does that.
 */
import type { ParamValues } from '../dsp-stages/types.ts';
import {
  SHIFT_OUTLIER_SAMPLES, SHIFT_SWEEP_MAX_DELAY, SHIFT_THRESHOLD_RATIO, runShiftSweep, type ShiftSweepResult,
} from '../dsp-stages/shift/sweep.ts';
import { SHIFT_REFERENCES, type ShiftReference } from '../dsp-stages/delayed-pair.ts';
import { CliError } from './errors.ts';
import { resolveShiftCliParams } from './shift-run.ts';
import { progressReporter } from './sweep.ts';
import { loadWasm, wasmPath } from '../dsp-stages/wasm-file.ts';

export const DEFAULT_SHIFT_SNR = '-10:40:5';
export const DEFAULT_SHIFT_TRIALS = 200;
export const MAX_SHIFT_TRIALS = 100_000;
/** Most SNRs in one grid. */
export const MAX_SHIFT_SNRS = 1000;
/** The sweep's seed (delays, signals, noise): fixed, so a run is reproducible. */
export const SHIFT_SWEEP_SEED = 1;

export interface ShiftSweepCommand {
  /** --param values as given (strings). */
  params: Record<string, string>;
  snrsDb: number[];
  trials: number;
  /** The reference's spectrum; default white. */
  reference?: ShiftReference;
  cleanReference: boolean;
  json: boolean;
  env: NodeJS.ProcessEnv;
  stdout(text: string): void;
  stderr(text: string): void;
  stderrIsTTY: boolean;
}

const usage = (message: string): CliError => new CliError(`${message} (see stagebench --help)`, 2);

/**
 * `LO:HI:STEP` (LO, LO + STEP, ... up to HI, STEP > 0), or a comma-separated list of SNRs, or
 * one SNR, in dB. Throws a usage CliError otherwise.
 */
export function parseSnrGrid(text: string): number[] {
  const bad = (why: string): CliError => usage(`--snr wants LO:HI:STEP (e.g. ${DEFAULT_SHIFT_SNR}) or a list of dB values like 0,10,20; got "${text}": ${why}`);
  const num = (s: string): number => {
    const x = s.trim() === '' ? NaN : Number(s);
    if (!Number.isFinite(x)) throw bad(`"${s}" is not a finite number`);
    return x;
  };
  let snrs: number[];
  if (text.includes(':')) {
    const parts = text.split(':');
    if (parts.length !== 3) throw bad('three fields are needed');
    const [lo, hi, step] = parts.map(num) as [number, number, number];
    if (!(step > 0)) throw bad('STEP must be above 0');
    if (hi < lo) throw bad('HI is below LO');
    const count = Math.floor((hi - lo) / step + 1e-9) + 1;
    if (count > MAX_SHIFT_SNRS) throw bad(`more than ${MAX_SHIFT_SNRS} SNRs`);
    // LO + i STEP, rounded to 1e-9 dB so that 0.1 steps print as 0.1, 0.2...
    snrs = Array.from({ length: count }, (_, i) => Math.round((lo + i * step) * 1e9) / 1e9);
  } else {
    snrs = text.split(',').map(num);
    if (snrs.length > MAX_SHIFT_SNRS) throw bad(`more than ${MAX_SHIFT_SNRS} SNRs`);
  }
  return snrs;
}

export function parseTrials(text: string): number {
  const n = Number(text);
  if (!(text.trim() !== '' && Number.isInteger(n) && n >= 1 && n <= MAX_SHIFT_TRIALS)) {
    throw usage(`--trials must be a whole number from 1 to ${MAX_SHIFT_TRIALS}, got "${text}"`);
  }
  return n;
}

/** `--reference KIND`: one of SHIFT_REFERENCES. Throws a usage CliError otherwise. */
export function parseReference(text: string): ShiftReference {
  const kind = SHIFT_REFERENCES.find((r) => r === text);
  if (kind === undefined) throw usage(`--reference must be one of ${SHIFT_REFERENCES.join(', ')}, got "${text}"`);
  return kind;
}

/** How the table's first line names a reference. */
const REFERENCE_LABELS: Record<ShiftReference, string> = {
  white: 'white Gaussian reference',
  'lowpass-0.25': 'Gaussian reference low-passed at 0.25 fs',
  'lowpass-0.4': 'Gaussian reference low-passed at 0.4 fs',
  pink: 'pink Gaussian reference',
};

type TableCommand = Pick<ShiftSweepCommand, 'trials' | 'cleanReference' | 'reference'>;

/** The object printed with --json. */
export function shiftSweepJson(params: ParamValues, cmd: TableCommand, result: ShiftSweepResult): Record<string, unknown> {
  return {
    stage: 'shift',
    params,
    trials: cmd.trials,
    noisyReference: !cmd.cleanReference,
    reference: cmd.reference ?? 'white',
    maxDelay: SHIFT_SWEEP_MAX_DELAY,
    seed: SHIFT_SWEEP_SEED,
    points: result.points,
    thresholdSnrDb: result.thresholdSnrDb,
    thresholdRatio: SHIFT_THRESHOLD_RATIO,
    elapsedMs: result.elapsedMs,
  };
}

/** Three significant digits, exponential: RMSE and CRB run from about 1e-5 to 1e+1 samples. */
function sci(x: number, sign = false): string {
  if (!Number.isFinite(x)) return String(x);
  const text = x.toExponential(2);
  return sign && x >= 0 ? `+${text}` : text;
}

function formatDuration(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(0)} ms`;
}

export function formatShiftSweepTable(params: ParamValues, cmd: TableCommand, result: ShiftSweepResult): string {
  const size = params.size as number;
  const h = params.hypotheses as number;
  const span = params.span as number;
  const reference = cmd.reference ?? 'white';
  const spacing = h >= 2 ? ` (spacing ${(span / (h - 1)).toPrecision(3)})` : '';
  const noise = cmd.cleanReference ? 'clean reference, noise on channel 1' : 'independent noise on both channels';
  // the white formulas where they hold, the per-bin sums (which they reduce to) otherwise
  const bound = reference === 'white'
    ? `${cmd.cleanReference ? '1 / (SNR_E beta^2)' : '(2 + 1/SNR) / (SNR_E beta^2)'}, SNR_E and beta^2`
    : `${cmd.cleanReference ? '1 / sum_k 2 w_k^2 SNR_k' : '1 / sum_k 2 w_k^2 SNR_k^2 / (1 + 2 SNR_k)'}, SNR_k per bin`;
  const head = ['SNR dB', 'RMSE', 'sqrt(CRB)', 'ratio', 'bias', 'outliers', 'edges'];
  const body = result.points.map((p) => [
    String(p.snrDb), sci(p.rmse), sci(p.crbStd), Number.isFinite(p.ratio) ? p.ratio.toFixed(2) : String(p.ratio), sci(p.bias, true), String(p.outliers), String(p.edges),
  ]);
  const rows = [head, ...body];
  const widths = head.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const table = rows.map((r) => r.map((cell, c) => cell.padStart(widths[c]!)).join('   '));
  const highest = Math.max(...result.points.map((p) => p.snrDb));
  const threshold = result.thresholdSnrDb === null
    ? `none: the ratio is above ${SHIFT_THRESHOLD_RATIO} at the highest SNR (${highest} dB)`
    : `${result.thresholdSnrDb} dB (the ratio is <= ${SHIFT_THRESHOLD_RATIO} from there up)`;
  return [
    `sweep shift: N = ${size}, H = ${h}, span ${span}${spacing}, automatic centre, PHAT ${params.phat === 1 ? 'on' : 'off'}, ` +
      `${noise}, ${REFERENCE_LABELS[reference]}, delays uniform in +-${SHIFT_SWEEP_MAX_DELAY} samples, ${cmd.trials} trials per SNR, wasm, ${formatDuration(result.elapsedMs)}`,
    `CRB: var >= ${bound} from each trial's clean reference; ratio = RMSE / sqrt(CRB); all in samples`,
    '',
    ...table,
    '',
    `threshold SNR  ${threshold}`,
    `outliers: |error| > ${SHIFT_OUTLIER_SAMPLES} sample (in the RMSE); edges: best hypothesis first or last of the grid (not refined)`,
  ].join('\n');
}

export async function shiftSweepCommand(cmd: ShiftSweepCommand): Promise<void> {
  // phat 0 (plain correlation) unless asked, as for run shift
  const { values } = resolveShiftCliParams(cmd.params);
  if (values.centre !== 'auto') {
    throw usage(`bad parameter: centre=${cmd.params.centre} has no place in sweep shift: every trial has its own delay, found by the automatic centre`);
  }
  let wasm;
  try {
    wasm = loadWasm(wasmPath(cmd.env));
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  const progress = progressReporter(cmd.stderr, cmd.stderrIsTTY, 'sweep shift', 'trials');
  let result: ShiftSweepResult;
  try {
    result = await runShiftSweep({
      wasm,
      snrsDb: cmd.snrsDb,
      trials: cmd.trials,
      size: values.size as number,
      hypotheses: values.hypotheses as number,
      span: values.span as number,
      phat: values.phat === 1,
      noisyReference: !cmd.cleanReference,
      reference: cmd.reference ?? 'white',
      seed: SHIFT_SWEEP_SEED,
      onProgress: progress.update,
    });
  } catch (err) {
    if (err instanceof RangeError) throw new CliError(err.message, 2);
    throw new CliError(`sweep failed: ${(err as Error).message}`);
  } finally {
    progress.end();
  }
  if (cmd.json) {
    cmd.stdout(`${JSON.stringify(shiftSweepJson(values, cmd, result))}\n`);
  } else {
    cmd.stdout(`${formatShiftSweepTable(values, cmd, result)}\n`);
  }
}
