/**
 * `stagebench run shift`: one analysis of a stereo input on the wasm shift stage: channel 0 is the
 * reference, channel 1 the delayed input, both frames the LAST `size` samples. Prints the refined
 * shift (positive: channel 1 lags channel 0), the best hypothesis, the H scores and their lags;
 * `--out` gets the scores as float32.
 *
 * The parameters are the stage's own (params.ts: size, hypotheses, span, centreMode, centre,
 * phat), resolved and clamped with notes like every stage's; spread and mode are live-only.
 */
import { statusMessage } from '../../worklet/abi.ts';
import { CliError, baseSummary, type RunReport, type RunRequest } from '../node-api.ts';
import { firstNonFinite } from '../fft/cli.ts';
import { bindShift, type ShiftExports } from './bindings.ts';

/** What the run summary calls each weighting. */
export const SHIFT_WEIGHTINGS = { off: 'correlation', on: 'phat' } as const;

/** The lag of hypothesis `h` of `count` (rust/src/shift.rs hypothesis_tau). */
export function hypothesisTau(centre: number, span: number, h: number, count: number): number {
  return count >= 2 ? centre + span * (h / (count - 1) - 0.5) : centre;
}

export function runShift(req: RunRequest): RunReport {
  const { stage, values, input, wasm } = req;
  const nChannels = input.channels.length;
  if (nChannels < 2) {
    throw new CliError(
      `run shift needs a stereo input (channel 0 the reference, channel 1 the delayed input); the input has ${nChannels} channel${nChannels === 1 ? '' : 's'}`,
    );
  }
  const frames = input.channels[0]!.length;
  const size = values.size as number;
  const hypotheses = values.hypotheses as number;
  const span = values.span as number;
  const centre = values.centreMode === 'fixed' ? (values.centre as number) : null;
  const phat = values.phat === 'on';
  if (frames < size) {
    throw new CliError(`input has ${frames} frames, fewer than size=${size}; pass a smaller --param size`);
  }
  const start = frames - size;
  const reference = input.channels[0]!.subarray(start);
  const delayed = input.channels[1]!.subarray(start);
  for (const [channel, frame] of [
    [0, reference],
    [1, delayed],
  ] as const) {
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
    weighting: phat ? SHIFT_WEIGHTINGS.on : SHIFT_WEIGHTINGS.off,
    frameStart: start,
    allocationsDuringProcess,
  };
  return { summary, primaryOutput: scores, audioOutput: null };
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
  Parameters (the stage's own, below under "Stages and parameters"): size, hypotheses, span,
  centreMode (auto: the integer lag of the correlation peak, one inverse FFT; fixed: centre),
  centre and phat (off, the default: plain cross-correlation, the maximum-likelihood weighting
  for a delayed copy in white noise: unbiased and at the Cramér-Rao bound for white,
  band-limited and pink references, as stagebench sweep shift --reference shows; on: PHAT, the
  cross-spectrum over its magnitude, which weighs the noise-only bins of an empty band like
  signal bins, so on a band-limited reference its error stops falling with SNR). Values out of
  range are clamped with a note, as for every stage.
  The JSON adds shift (the refined delay, samples; positive: channel 1 lags), best (index of the
  best hypothesis), bestTau (its lag), scores (the H scores), centre (the grid's centre used),
  taus (the H lags), phat (true/false), weighting ("correlation" or "phat"), frameStart and
  allocationsDuringProcess; --out gets the H scores as float32.
  e.g. stagebench run shift --input stereo.wav --param span=2 --out scores.f32
`;
}
