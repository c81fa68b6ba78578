/**
 * `stagebench null <stage> --input FILE [--a "p=v,..."] [--b "p=v,..."] [--b-stage other] [--out residual.wav] [--quantum N]`:
 * an A/B null test. The input runs through the stage with the settings A, and through the stage
 * (or `--b-stage`, another stage with audio in and out) with the settings B, each as `run <stage>`
 * runs it; the arithmetic (residual, dBFS, level match, residual spectrum) is
 * dsp-stages/null-test.ts, the browser's too. Nothing here prints or exits; main.ts does that.
 */
import { nodeStage } from '../dsp-stages/node-registry.ts';
import { CliError, resolveCliParams, usage, type InputAudio } from '../dsp-stages/node-api.ts';
import { NULL_SPECTRUM_SIZE, nullSummary } from '../dsp-stages/null-test.ts';
import { RENDER_QUANTUM_FRAMES, type ClampNote, type ParamValues, type StageDescriptor } from '../dsp-stages/types.ts';
import type { StagebenchWasm } from '../worklet/abi.ts';
import { runStage } from './run.ts';

export interface NullSide {
  stage: StageDescriptor;
  values: ParamValues;
}

/** `--a` / `--b`: "name=value,name=value" (empty: the stage's defaults as `run` takes them). */
export function parseSettings(flag: string, text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of text.split(',')) {
    if (item.trim() === '') continue;
    const sep = item.indexOf('=');
    if (sep <= 0) throw usage(`${flag} wants name=value,..., got "${item}"`);
    const name = item.slice(0, sep).trim();
    if (name in out) throw usage(`${flag}: parameter ${name} is given twice`);
    out[name] = item.slice(sep + 1).trim();
  }
  return out;
}

/** A side of the test: a registered stage with audio out, its settings resolved as `run` resolves them. */
export function nullSide(id: string, given: Record<string, string>): { side: NullSide; notes: ClampNote[] } {
  let found;
  try {
    found = nodeStage(id);
  } catch (err) {
    throw new CliError((err as Error).message, 2);
  }
  const { stage, node } = found;
  if (!stage.hasAudioOutput || node.run?.command)
    throw usage(`stage ${id} writes no audio from audio: a null test compares two audio outputs`);
  const hooks = node.run ?? {};
  const { values, notes } = hooks.resolveParams ? hooks.resolveParams(given) : resolveCliParams(stage, given);
  return { side: { stage, values }, notes };
}

function audioOf(side: NullSide, input: InputAudio, wasm: StagebenchWasm, quantumFrames: number): Float32Array {
  const report = runStage({ stage: side.stage, values: side.values, input, wasm, quantumFrames });
  if (!report.audioOutput) throw new CliError(`stage ${side.stage.id} wrote no audio`);
  return report.audioOutput;
}

/** Runs both sides; returns the printed summary and the residual a − b. */
export function runNull(
  a: NullSide,
  b: NullSide,
  input: InputAudio,
  wasm: StagebenchWasm,
  quantumFrames: number = RENDER_QUANTUM_FRAMES,
): { summary: Record<string, unknown>; residual: Float32Array } {
  const outA = audioOf(a, input, wasm, quantumFrames);
  const outB = audioOf(b, input, wasm, quantumFrames);
  const { result: r, residual: diff, peak, verdict } = nullSummary(outA, outB, input.sampleRate);
  const summary = {
    stage: 'null',
    a: { stage: a.stage.id, params: a.values },
    b: { stage: b.stage.id, params: b.values },
    sampleRate: input.sampleRate,
    quantumFrames,
    frames: r.frames,
    verdict,
    exactlyZero: r.exactlyZero,
    bitIdentical: r.bitIdentical,
    maxAbsDiff: r.maxAbsDiff,
    residualRmsDbfs: r.residualDbfs,
    nonFinitePairs: r.nonFinitePairs,
    levelMatch: {
      gain: r.levelMatch.gain,
      gainDb: r.levelMatch.gainDb,
      maxAbsDiff: r.levelMatch.maxAbsDiff,
      residualRmsDbfs: r.levelMatch.residualDbfs,
    },
    spectrum: { size: NULL_SPECTRUM_SIZE, peakHz: peak?.hz ?? null, peakDbfs: peak?.dbfs ?? null },
  };
  return { summary, residual: diff };
}

/** The `--help` section of `null`. */
export function nullHelp(): string {
  return `null
  stagebench null <stage> --input FILE [--a "name=value,..."] [--b "name=value,..."] [--b-stage OTHER] [--out FILE] [--rate HZ] [--quantum N]
  An A/B null test: channel 0 of FILE through <stage> with the settings --a, and through <stage>
  (or OTHER, a stage with audio in and out) with the settings --b, each as run <stage> runs it
  (settings not given: run's defaults; out-of-range values clamped with a note; --quantum N as
  run takes it). Prints one JSON object: a and b (stage, params), sampleRate, quantumFrames,
  frames, verdict (one line: "exactly zero", or the
  levels), exactlyZero, bitIdentical, maxAbsDiff (|a - b| over the finite pairs), residualRmsDbfs
  (20 log10 of the RMS of a - b, 0 dBFS = an RMS of 1; null when exactly zero), nonFinitePairs,
  levelMatch (gain = sum(ab) / sum(b^2), the gain on b that minimises the residual, gainDb,
  maxAbsDiff and residualRmsDbfs of a - gain b) and spectrum (the residual's Welch spectrum, Hann
  frames of ${NULL_SPECTRUM_SIZE} by the FFT reference: peakHz, peakDbfs as a sine's amplitude).
  --out gets the residual a - b (a float32 WAV when FILE ends in .wav).
  e.g. stagebench null eq --input in.wav --a "bypass=on" --b ""
       stagebench null eq --input in.wav --a "band1=peaking:1000:6:1" --b "band1=peaking:1000:6:2"
       stagebench null gain --input in.wav --a "gain=1" --b-stage ring-copy
`;
}
