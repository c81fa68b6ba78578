/**
 * `stagebench sweep shift [--snr LO:HI:STEP] [--trials N] [--reference KIND] [--param name=value]... [--clean-reference] [--json]`:
 * the delay-accuracy sweep (dsp-stages/shift/sweep.ts) on the wasm stage against the Cramér-Rao
 * bound, with progress on stderr and a table or one JSON object on stdout. Nothing here exits;
 * main.ts does that.
 */
import type { ParamValues } from '../types.ts';
import { SHIFT_OUTLIER_SAMPLES, SHIFT_SWEEP_MAX_DELAY, SHIFT_THRESHOLD_RATIO, runShiftSweep, type ShiftSweepResult } from './sweep.ts';
import { SHIFT_REFERENCES, type ShiftReference } from '../delayed-pair.ts';
import { CliError, progressReporter, resolveCliParams, type SweepHooks } from '../node-api.ts';
import { getStage } from '../registry.ts';
import { loadWasm, wasmPath } from '../wasm-file.ts';

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
  const bad = (why: string): CliError =>
    usage(`--snr wants LO:HI:STEP (e.g. ${DEFAULT_SHIFT_SNR}) or a list of dB values like 0,10,20; got "${text}": ${why}`);
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
  const bound =
    reference === 'white'
      ? `${cmd.cleanReference ? '1 / (SNR_E beta^2)' : '(2 + 1/SNR) / (SNR_E beta^2)'}, SNR_E and beta^2`
      : `${cmd.cleanReference ? '1 / sum_k 2 w_k^2 SNR_k' : '1 / sum_k 2 w_k^2 SNR_k^2 / (1 + 2 SNR_k)'}, SNR_k per bin`;
  const head = ['SNR dB', 'RMSE', 'sqrt(CRB)', 'ratio', 'bias', 'outliers', 'edges'];
  const body = result.points.map((p) => [
    String(p.snrDb),
    sci(p.rmse),
    sci(p.crbStd),
    Number.isFinite(p.ratio) ? p.ratio.toFixed(2) : String(p.ratio),
    sci(p.bias, true),
    String(p.outliers),
    String(p.edges),
  ]);
  const rows = [head, ...body];
  const widths = head.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const table = rows.map((r) => r.map((cell, c) => cell.padStart(widths[c]!)).join('   '));
  const highest = Math.max(...result.points.map((p) => p.snrDb));
  const threshold =
    result.thresholdSnrDb === null
      ? `none: the ratio is above ${SHIFT_THRESHOLD_RATIO} at the highest SNR (${highest} dB)`
      : `${result.thresholdSnrDb} dB (the ratio is <= ${SHIFT_THRESHOLD_RATIO} from there up)`;
  return [
    `sweep shift: N = ${size}, H = ${h}, span ${span}${spacing}, automatic centre, PHAT ${params.phat === 'on' ? 'on' : 'off'}, ` +
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
  // the stage's parameters, as for run shift; a sweep measures one exact configuration, so a
  // value that would be clamped is an error
  const { values, notes } = resolveCliParams(getStage('shift'), cmd.params);
  if (notes.length > 0) {
    const what = notes.map((n) => `${n.name}=${String(n.given)} ${n.reason}`).join('; ');
    throw usage(`bad parameter${notes.length > 1 ? 's' : ''}: ${what}`);
  }
  for (const name of ['centreMode', 'centre']) {
    if (name in cmd.params) {
      throw usage(
        `bad parameter: ${name}=${cmd.params[name]} has no place in sweep shift: every trial has its own delay, found by the automatic centre`,
      );
    }
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
      phat: values.phat === 'on',
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

/** `stagebench sweep shift`: its options and help. */
export const shiftSweep: SweepHooks = {
  options: [
    { flag: '--snr', value: true },
    { flag: '--trials', value: true },
    { flag: '--reference', value: true },
    { flag: '--clean-reference', value: false },
  ],
  usage: '[--snr LO:HI:STEP] [--trials N] [--reference KIND] [--param name=value]... [--clean-reference] [--json]',
  help: () => `sweep shift
  Delay accuracy of the shift stage on wasm against the Cramér-Rao bound (CRB). For each SNR
  (dB per sample) of --snr, LO:HI:STEP or a list like 0,10,20 (default ${DEFAULT_SHIFT_SNR}), --trials
  pairs (default ${DEFAULT_SHIFT_TRIALS}, at most ${MAX_SHIFT_TRIALS}): a Gaussian reference and its copy delayed by a
  seeded random fractional delay (uniform in +-${SHIFT_SWEEP_MAX_DELAY} samples; exact, circular on the frame), each
  with independent white noise at the SNR (--clean-reference: none on the reference), and one
  analysis each with the automatic centre. --reference picks the reference's spectrum, one of
  ${SHIFT_REFERENCES.join(', ')} (default white): low-passed means nothing above 0.25
  or 0.4 of the sample rate, pink a power falling as 1/f. Per SNR: RMSE and bias of the refined
  shift, sqrt(CRB), the ratio RMSE / sqrt(CRB), outliers (|error| > ${SHIFT_OUTLIER_SAMPLES} sample, kept in the RMSE)
  and edges (trials whose best hypothesis is the first or last of the grid, so not refined);
  then the threshold SNR, from which on the ratio stays <= ${SHIFT_THRESHOLD_RATIO}.
  CRB, per DFT bin k of each trial's clean reference (SNR_k its power there over the noise's,
  w_k = 2 pi k / N): var >= 1 / sum_k 2 w_k^2 SNR_k^2 / (1 + 2 SNR_k) with both channels noisy,
  1 / sum_k 2 w_k^2 SNR_k with a clean reference. For a white reference these are
  (2 + 1/SNR) / (SNR_E beta^2) and 1 / (SNR_E beta^2) (SNR_E the energy SNR, beta^2 the RMS
  bandwidth, about pi^2/3 (rad/sample)^2); for a coloured one the bins of low SNR (an empty
  band) count for the little they carry.
  Parameters hypotheses, span, phat and size as for run shift (the centre is always auto); a
  value run would clamp is an error here.
  Progress goes to stderr; stdout gets the table, or with --json one object {"stage", "params",
  "trials", "noisyReference", "reference", "maxDelay", "seed", "points": [{"snrDb", "rmse",
  "bias", "crbStd", "ratio", "outliers", "edges", "trials"}], "thresholdSnrDb", "thresholdRatio",
  "elapsedMs"}.
  The defaults (11 SNRs x 200 trials = 2200 analyses at N = 32768) take about 15 s (measured on
  a 2-core machine); size=4096 about 8 times less.
  e.g. stagebench sweep shift --snr 0:30:10 --trials 50 --param size=4096 --param span=2
       stagebench sweep shift --reference lowpass-0.4 --param phat=on
`,
  command: (cmd) => {
    const o = cmd.options;
    return shiftSweepCommand({
      params: cmd.params,
      snrsDb: parseSnrGrid(typeof o['--snr'] === 'string' ? o['--snr'] : DEFAULT_SHIFT_SNR),
      trials: typeof o['--trials'] === 'string' ? parseTrials(o['--trials']) : DEFAULT_SHIFT_TRIALS,
      reference: typeof o['--reference'] === 'string' ? parseReference(o['--reference']) : 'white',
      cleanReference: o['--clean-reference'] === true,
      json: cmd.json,
      env: cmd.env,
      stdout: cmd.stdout,
      stderr: cmd.stderr,
      stderrIsTTY: cmd.stderrIsTTY,
    });
  },
};
