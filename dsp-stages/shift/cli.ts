/**
 * `stagebench run shift`: one analysis of a stereo input on the wasm shift stage: channel 0 is the
 * reference, channel 1 the delayed input, both frames the LAST `size` samples. Prints the refined
 * shift (positive: channel 1 lags channel 0), the best hypothesis, the H scores and their lags;
 * `--out` gets the scores as float32.
 *
 * The CLI defines the stage's parameters itself (SHIFT_CLI_PARAMS; they need not match the
 * workbench's): hypotheses, span, centre (auto or a number), phat (0/1, default 0 as the
 * workbench's off: plain correlation) and size. They are checked strictly: a value out of range is
 * an error, not clamped, since one analysis is one exact configuration.
 */
import type { NumberParam, ParamValues } from '../types.ts';
import { SHIFT_MAX_HYPOTHESES, SHIFT_SIZES } from './sweep.ts';
import { statusMessage } from '../../worklet/abi.ts';
import { CliError, baseSummary, type RunReport, type RunRequest, type CliParamSpec } from '../node-api.ts';
import { firstNonFinite } from '../fft/cli.ts';
import { bindShift, type ShiftExports } from './bindings.ts';

export const SHIFT_TITLE = 'Shift hypotheses (delay of channel 1 against channel 0)';

const hypothesesSpec: NumberParam = {
  kind: 'number', name: 'hypotheses', label: 'Hypotheses H', unit: '', min: 1, max: SHIFT_MAX_HYPOTHESES, step: 1, default: 32, integer: true,
  description: 'Number of lags scored around the centre.',
};
const sizeSpec: NumberParam = {
  kind: 'number', name: 'size', label: 'Frame size N', unit: 'samples', min: SHIFT_SIZES[0], max: SHIFT_SIZES[SHIFT_SIZES.length - 1]!, step: 1,
  default: 32768, integer: true, values: SHIFT_SIZES, description: 'Length of both frames: the last size samples of each channel.',
};
const phatSpec: NumberParam = {
  kind: 'number', name: 'phat', label: 'PHAT', unit: '', min: 0, max: 1, step: 1, default: 0, integer: true, values: [0, 1],
  description:
    '0 (the default): plain cross-correlation, maximum likelihood for a delayed copy in white noise, at the Cramér-Rao bound ' +
    'for white, band-limited and pink references; 1: PHAT, the cross-spectrum whitened (C/|C|) before scoring, which weighs ' +
    'noise-only bins (an empty band) like signal bins, so on band-limited input its error stops falling with SNR.',
};

/** The parameters of `run shift` and `sweep shift`, as --help lists them. */
export const SHIFT_CLI_PARAMS: readonly CliParamSpec[] = [
  hypothesesSpec,
  { kind: 'help', name: 'span', range: 'samples, >= 0, default 2', description: 'Width of the hypothesis grid, from centre - span/2 to centre + span/2.' },
  { kind: 'help', name: 'centre', range: 'auto or a number of samples, default auto', description: 'auto: the integer lag of the correlation peak; a number: that lag.' },
  phatSpec,
  sizeSpec,
];

/**
 * The defaults of SHIFT_CLI_PARAMS, as the stage's params: span 2 keeps the refined shift off the
 * grid's edges (the centre is an integer lag); phat 0, plain correlation (see phatSpec).
 */
export const SHIFT_DEFAULTS = { hypotheses: 32, span: 2, centre: 'auto', phat: 0, size: 32768 } as const;

/** What the run summary calls each weighting. */
export const SHIFT_WEIGHTINGS = { 0: 'correlation', 1: 'phat' } as const;

const usage = (message: string): CliError => new CliError(`${message} (see stagebench --help)`, 2);

function parseNumber(name: string, text: string): number {
  const x = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(x)) throw usage(`bad parameter: ${name}=${text} is not a finite number`);
  return x;
}

function parseWhole(spec: NumberParam, text: string): number {
  const x = text.trim() === '' ? NaN : Number(text);
  const range = spec.values ? `one of ${spec.values.join(', ')}` : `a whole number from ${spec.min} to ${spec.max}`;
  if (!Number.isInteger(x) || (spec.values ? !spec.values.includes(x) : x < spec.min || x > spec.max)) {
    throw usage(`bad parameter: ${spec.name}=${text} must be ${range}`);
  }
  return x;
}

/**
 * The `--param` values of `run shift` (and `sweep shift`) checked and filled with the defaults:
 * `{ hypotheses, span, centre: 'auto' | number, phat: 0 | 1, size }`. Unknown names and bad
 * values are CliErrors (exit 2); nothing is clamped.
 */
export function resolveShiftCliParams(given: Record<string, string>): { values: ParamValues; notes: [] } {
  const known = SHIFT_CLI_PARAMS.map((p) => p.name);
  const unknown = Object.keys(given).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    const plural = unknown.length > 1 ? 's' : '';
    throw usage(`unknown parameter${plural} ${unknown.map((u) => `"${u}"`).join(', ')} for stage shift (known: ${known.join(', ')})`);
  }
  const values: ParamValues = { ...SHIFT_DEFAULTS };
  if (given.hypotheses !== undefined) values.hypotheses = parseWhole(hypothesesSpec, given.hypotheses);
  if (given.size !== undefined) values.size = parseWhole(sizeSpec, given.size);
  if (given.phat !== undefined) values.phat = parseWhole(phatSpec, given.phat);
  if (given.span !== undefined) {
    const span = parseNumber('span', given.span);
    if (span < 0) throw usage(`bad parameter: span=${given.span} must be >= 0 samples`);
    values.span = span;
  }
  if (given.centre !== undefined) {
    const text = given.centre.trim();
    if (text !== 'auto') {
      const x = text === '' ? NaN : Number(text);
      if (!Number.isFinite(x)) throw usage(`bad parameter: centre=${given.centre} must be auto or a finite number of samples`);
      values.centre = x;
    }
  }
  return { values, notes: [] };
}

/** The lag of hypothesis `h` of `count` (rust/src/shift.rs hypothesis_tau). */
export function hypothesisTau(centre: number, span: number, h: number, count: number): number {
  return count >= 2 ? centre + span * (h / (count - 1) - 0.5) : centre;
}

export function runShift(req: RunRequest): RunReport {
  const { stage, values, input, wasm } = req;
  const nChannels = input.channels.length;
  if (nChannels < 2) {
    throw new CliError(`run shift needs a stereo input (channel 0 the reference, channel 1 the delayed input); the input has ${nChannels} channel${nChannels === 1 ? '' : 's'}`);
  }
  const frames = input.channels[0]!.length;
  const size = values.size as number;
  const hypotheses = values.hypotheses as number;
  const span = values.span as number;
  const centre = values.centre === 'auto' ? null : (values.centre as number);
  const phat = values.phat === 1;
  if (frames < size) {
    throw new CliError(`input has ${frames} frames, fewer than size=${size}; pass a smaller --param size`);
  }
  const start = frames - size;
  const reference = input.channels[0]!.subarray(start);
  const delayed = input.channels[1]!.subarray(start);
  for (const [channel, frame] of [[0, reference], [1, delayed]] as const) {
    const bad = firstNonFinite(frame);
    if (bad >= 0) {
      const value = frame[bad]!;
      const what = Number.isNaN(value) ? 'NaN' : value > 0 ? '+Infinity' : '-Infinity';
      throw new CliError(
        `input sample ${start + bad} (channel ${channel}) is ${what}: the analysed frames (samples ${start}..${frames - 1} of channels 0 and 1) must be finite`,
      );
    }
  }
  const fail = (what: string): CliError => new CliError(`stage ${stage.id} could not start on wasm: ${what}`);
  let x: ShiftExports;
  try {
    x = bindShift(wasm);
    wasm.init(128);
  } catch (err) {
    throw fail((err as Error).message);
  }
  const created = x.shift_create(size, hypotheses);
  if (created < 0) throw fail(`shift_create(${size}, ${hypotheses}): ${statusMessage(created)}`);
  const set = x.shift_set_params(span, centre ?? NaN, phat ? 1 : 0);
  if (set < 0) throw fail(`shift_set_params(span ${span}, centre ${centre ?? 'auto'}): ${statusMessage(set)}`);
  // views made after the allocations; processing never grows the memory
  wasm.f32(x.shift_reference_ptr(), size).set(reference);
  wasm.f32(x.shift_input_ptr(), size).set(delayed);

  const allocBefore = wasm.exports.alloc_count();
  const status = x.shift_process();
  const allocationsDuringProcess = wasm.exports.alloc_count() - allocBefore;
  if (status < 0) throw new CliError(`stage ${stage.id} failed: shift_process: ${statusMessage(status)}`);

  const scores = wasm.f32(x.shift_scores_ptr(), x.shift_count()).slice();
  const usedCentre = x.shift_centre();
  const taus = Array.from({ length: hypotheses }, (_, h) => hypothesisTau(usedCentre, span, h, hypotheses));
  const summary: Record<string, unknown> = {
    ...baseSummary(stage, values, input, frames, 'wasm'),
    shift: x.shift_value(),
    best: x.shift_best(),
    bestTau: x.shift_best_tau(),
    scores: Array.from(scores),
    centre: usedCentre,
    taus,
    phat,
    weighting: phat ? SHIFT_WEIGHTINGS[1] : SHIFT_WEIGHTINGS[0],
    frameStart: start,
    allocationsDuringProcess,
  };
  return { summary, primaryOutput: scores };
}

/** The `--help` section of `run shift`. */
export function shiftRunHelp(): string {
  return `run shift
  The delay of channel 1 (the input) against channel 0 (the reference) on the wasm shift stage:
  both frames are the LAST size samples of their channel; the input needs two channels (more are
  ignored), at least size frames, all finite in the analysed frames. H hypotheses are scored from
  the cross-spectrum at lags centre + span (h/(H-1) - 1/2), h = 0..H-1; the best one is refined
  by the quartic through its scores and two neighbours' on each side (next to the grid's ends the
  parabola through one on each side; not at either end).
  --param hypotheses=H   1..256, default 32
  --param span=S         grid width in samples, >= 0, default 2
  --param centre=auto|C  auto (default): the integer lag of the correlation peak (one inverse
                         FFT); a number: that lag, samples
  --param phat=0|1       0 (default): plain cross-correlation, the maximum-likelihood weighting
                         for a delayed copy in white noise: unbiased and at the Cramér-Rao bound
                         for white, band-limited and pink references (stagebench sweep shift
                         --reference shows it). 1: PHAT (the cross-spectrum over its magnitude),
                         which weighs the noise-only bins of an empty band like signal bins: on a
                         band-limited reference its error stops falling with SNR
  --param size=N         512..32768, a power of two, default 32768
  A value out of range or malformed is an error here (nothing is clamped).
  The JSON adds shift (the refined delay, samples; positive: channel 1 lags), best (index of the
  best hypothesis), bestTau (its lag), scores (the H scores), centre (the grid's centre used),
  taus (the H lags), phat (true/false), weighting ("correlation" or "phat"), frameStart and
  allocationsDuringProcess; --out gets the H scores as float32.
  e.g. stagebench run shift --input stereo.wav --param span=2 --out scores.f32
`;
}
