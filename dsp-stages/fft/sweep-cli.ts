/**
 * `stagebench sweep fft [--points N] [--param name=value]... [--rate HZ] [--json]`: the peak
 * accuracy sweep (dsp-stages/fft/sweep.ts) on the wasm stage, with progress on stderr and a table
 * or one JSON object on stdout. Nothing here exits; the CLI does that.
 */
import { numberParam } from '../params.ts';
import type { ParamValues } from '../types.ts';
import type { FftWindow } from './params.ts';
import { SWEEP_LEVEL_DB, runPeakSweep, type PeakSweepPoint, type PeakSweepResult } from './sweep.ts';
import { CliError, parseRate, progressReporter, resolveCliParams, usage, type SweepHooks } from '../node-api.ts';
import { getStage } from '../registry.ts';
import { loadWasm, wasmPath } from '../wasm-file.ts';
import { bindFft } from './bindings.ts';

export const DEFAULT_SWEEP_POINTS = 200;
export const MAX_SWEEP_POINTS = 100_000;
export const DEFAULT_SWEEP_RATE = 48000;
export const SWEEP_F_MIN_HZ = 20;
export const SWEEP_F_MAX_HZ = 20000;
/** Live-scheduling parameters of the stage, meaningless for one analysis per point. */
const UNUSED_PARAMS = ['hop', 'spread'];
/** Rows of the readable table (the worst point is added when it is not among them). */
const TABLE_ROWS = 12;

export interface FftSweepCommand {
  /** --param values as given (strings). */
  params: Record<string, string>;
  points: number;
  sampleRate: number;
  json: boolean;
  env: NodeJS.ProcessEnv;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stderr is a terminal: progress is then one line rewritten in place. */
  stderrIsTTY: boolean;
}

/** The object printed with --json. */
export function sweepJson(params: ParamValues, result: PeakSweepResult): Record<string, unknown> {
  return {
    stage: 'fft',
    params,
    sampleRate: result.sampleRate,
    points: result.points,
    meanAbsErrorHz: result.meanAbsErrorHz,
    maxAbsErrorHz: result.maxAbsErrorHz,
    rmsErrorHz: result.rmsErrorHz,
    worstHz: result.worstHz,
    levelErrorMaxDb: result.levelErrorMaxDb,
  };
}

/** A figure in Hz or dB: fixed for ordinary sizes, exponential for tiny ones. */
export function formatSmall(x: number, sign = false): string {
  if (!Number.isFinite(x)) return String(x);
  const text = x !== 0 && Math.abs(x) < 0.01 ? x.toExponential(2) : x.toFixed(4);
  return sign && x >= 0 ? `+${text}` : text;
}

/** Indices of about `rows` points spread evenly over the sweep, plus the worst one. */
export function sampleRows(points: readonly PeakSweepPoint[], rows: number, worstHz: number): number[] {
  const picked = new Set<number>();
  const n = points.length;
  const m = Math.min(rows, n);
  for (let i = 0; i < m; i++) picked.add(m <= 1 ? 0 : Math.round((i * (n - 1)) / (m - 1)));
  const worst = points.findIndex((p) => p.frequencyHz === worstHz);
  if (worst >= 0) picked.add(worst);
  return [...picked].sort((a, b) => a - b);
}

export function formatSweepTable(result: PeakSweepResult, simd: boolean): string {
  const { points } = result;
  const worst = points.findIndex((p) => p.frequencyHz === result.worstHz);
  const head = ['frequency Hz', 'estimate Hz', 'error Hz', 'level dBFS', ''];
  const body = sampleRows(points, TABLE_ROWS, result.worstHz).map((i) => {
    const p = points[i]!;
    return [
      p.frequencyHz.toFixed(4),
      p.estimateHz.toFixed(4),
      formatSmall(p.errorHz, true),
      p.levelDb.toFixed(4),
      i === worst ? '<- worst' : '',
    ];
  });
  const rows = [head, ...body];
  const widths = head.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const table = rows.map((r) =>
    r
      .map((cell, c) => (c < 4 ? cell.padStart(widths[c]!) : cell))
      .join('  ')
      .trimEnd(),
  );
  const beta = result.window === 'kaiser' ? ` (beta ${result.beta})` : '';
  const lines = [
    `sweep fft: N = ${result.size}, ${result.window} window${beta}, ${result.sampleRate} Hz (bin ${result.binHz.toPrecision(5)} Hz), ` +
      `${points.length} sines of amplitude 0.5 between ${formatHz(points[0]?.frequencyHz)} and ${formatHz(points[points.length - 1]?.frequencyHz)}, ` +
      `wasm${simd ? ' SIMD' : ''}, ${result.elapsedMs.toFixed(0)} ms`,
    '',
    ...table,
    '',
    `mean |error|   ${formatSmall(result.meanAbsErrorHz)} Hz`,
    `max |error|    ${formatSmall(result.maxAbsErrorHz)} Hz at ${result.worstHz.toFixed(4)} Hz`,
    `RMS error      ${formatSmall(result.rmsErrorHz)} Hz (${formatSmall(result.rmsErrorHz / result.binHz)} bin)`,
    `level error    max ${formatSmall(result.levelErrorMaxDb)} dB (the sines are at ${SWEEP_LEVEL_DB.toFixed(2)} dBFS)`,
  ];
  return lines.join('\n');
}

function formatHz(hz: number | undefined): string {
  if (hz === undefined) return '?';
  return hz >= 1000 ? `${(hz / 1000).toFixed(2)} kHz` : `${hz.toFixed(1)} Hz`;
}

export async function sweepCommand(cmd: FftSweepCommand): Promise<void> {
  const stage = getStage('fft');
  const { values, notes } = resolveCliParams(stage, cmd.params);
  // a sweep measures one exact configuration: a value that would be clamped is an error
  if (notes.length > 0) {
    const what = notes.map((n) => `${n.name}=${String(n.given)} ${n.reason}`).join('; ');
    throw new CliError(`bad parameter${notes.length > 1 ? 's' : ''}: ${what}`, 2);
  }
  for (const name of UNUSED_PARAMS) {
    if (name in cmd.params) cmd.stderr(`stagebench: note: ${name} has no effect on a sweep (one whole analysis per point)\n`);
  }
  const fMaxHz = Math.min(SWEEP_F_MAX_HZ, Math.floor(0.45 * cmd.sampleRate));
  if (fMaxHz < SWEEP_F_MIN_HZ) {
    throw new CliError(`--rate ${cmd.sampleRate} is too low for a sweep from ${SWEEP_F_MIN_HZ} Hz`, 2);
  }
  let wasm;
  try {
    wasm = loadWasm(wasmPath(cmd.env));
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  const progress = progressReporter(cmd.stderr, cmd.stderrIsTTY, 'sweep fft');
  let result: PeakSweepResult;
  try {
    result = await runPeakSweep({
      wasm,
      sampleRate: cmd.sampleRate,
      size: numberParam(values, 'size'),
      window: values.window as FftWindow,
      beta: numberParam(values, 'beta'),
      points: cmd.points,
      fMinHz: SWEEP_F_MIN_HZ,
      fMaxHz,
      onProgress: progress.update,
    });
  } catch (err) {
    if (err instanceof RangeError) throw new CliError(err.message, 2);
    throw new CliError(`sweep failed: ${(err as Error).message}`);
  } finally {
    progress.end();
  }
  if (cmd.json) {
    cmd.stdout(`${JSON.stringify(sweepJson(values, result))}\n`);
  } else {
    cmd.stdout(`${formatSweepTable(result, bindFft(wasm).fft_simd_enabled() === 1)}\n`);
  }
}

function parsePoints(text: string): number {
  const n = Number(text);
  if (!(text.trim() !== '' && Number.isInteger(n) && n >= 1 && n <= MAX_SWEEP_POINTS)) {
    throw usage(`--points must be a whole number from 1 to ${MAX_SWEEP_POINTS}, got "${text}"`);
  }
  return n;
}

/** `stagebench sweep fft`: its options and help. */
export const fftSweep: SweepHooks = {
  options: [
    { flag: '--points', value: true },
    { flag: '--rate', value: true },
  ],
  usage: '[--points N] [--param name=value]... [--rate HZ] [--json]',
  help: () => `sweep fft
  Peak-frequency accuracy of the spectrum stage on wasm: --points sines (default ${DEFAULT_SWEEP_POINTS}, at
  most ${MAX_SWEEP_POINTS}) of amplitude 0.5, log-spaced from ${SWEEP_F_MIN_HZ} Hz to ${SWEEP_F_MAX_HZ / 1000} kHz (at most 0.45 x
  the rate), each off the bin centres by a seeded random offset of up to half a bin and with a
  seeded random phase, one frame (one whole analysis) each.
  Progress goes to stderr; stdout gets a table of sampled points and the statistics (mean, max
  and RMS frequency error in Hz, the worst frequency, the largest level error in dB), or with
  --json one object {"stage", "params", "sampleRate", "points": [{"frequencyHz", "estimateHz",
  "errorHz", "levelDb"}], "meanAbsErrorHz", "maxAbsErrorHz", "rmsErrorHz", "worstHz",
  "levelErrorMaxDb"}. Parameters size, window and beta as for run; a value that run would clamp
  is an error here. --rate HZ sets the sample rate (default ${DEFAULT_SWEEP_RATE}).
`,
  command: (cmd) => {
    const points = cmd.options['--points'];
    const rate = cmd.options['--rate'];
    return sweepCommand({
      params: cmd.params,
      points: typeof points === 'string' ? parsePoints(points) : DEFAULT_SWEEP_POINTS,
      sampleRate: typeof rate === 'string' ? parseRate(rate) : DEFAULT_SWEEP_RATE,
      json: cmd.json,
      env: cmd.env,
      stdout: cmd.stdout,
      stderr: cmd.stderr,
      stderrIsTTY: cmd.stderrIsTTY,
    });
  },
};
