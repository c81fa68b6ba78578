/**
 * `stagebench run`: read the input, run a stage's wasm kernel over it in render quanta, report.
 * Nothing here prints or exits; main.ts does that.
 */
import { extname } from 'node:path';
import { RENDER_QUANTUM_FRAMES, type StageKernel } from '../dsp-stages/types.ts';
import { withOfflineParams } from '../dsp-stages/params.ts';
import { statusMessage } from '../worklet/abi.ts';
import { parseWav, readF32 } from '../dsp-stages/wav.ts';
import { nodeStage } from '../dsp-stages/node-registry.ts';
import {
  CliError,
  baseSummary,
  usage,
  readFileBytes,
  type InputAudio,
  type RunOutcome,
  type RunReport,
  type RunRequest,
  type SummaryValue,
} from '../dsp-stages/node-api.ts';

export { CliError };

export const DEFAULT_RAW_RATE = 48000;

/**
 * Reads a WAV (by extension or by its RIFF header) or raw little-endian float32 (`.f32`, at
 * `rate` Hz, default 48000). `rate` given with a WAV must match the file's rate.
 */
export function readInput(path: string, rate: number | null): InputAudio {
  const bytes = readFileBytes(path, 'input file');
  const ext = extname(path).toLowerCase();
  const looksRiff = bytes.byteLength >= 4 && String.fromCharCode(...bytes.subarray(0, 4)) === 'RIFF';
  if (ext === '.f32') {
    let samples: Float32Array;
    try {
      samples = readF32(bytes);
    } catch (err) {
      throw new CliError(`${path}: ${(err as Error).message}`);
    }
    return { sampleRate: rate ?? DEFAULT_RAW_RATE, channels: [samples], description: 'raw float32' };
  }
  if (ext === '.wav' || ext === '.wave' || looksRiff) {
    let wav;
    try {
      wav = parseWav(bytes);
    } catch (err) {
      throw new CliError(`${path}: ${(err as Error).message}`);
    }
    if (rate !== null && rate !== wav.sampleRate) {
      throw new CliError(`--rate ${rate} conflicts with the sample rate of ${path} (${wav.sampleRate} Hz); --rate is for .f32 input`);
    }
    const ext = wav.extensible ? ' (extensible)' : '';
    return {
      sampleRate: wav.sampleRate,
      channels: wav.channels,
      description: `wav ${wav.format} ${wav.bitsPerSample}-bit${ext}`,
    };
  }
  throw new CliError(`cannot tell the format of ${path}: give a .wav file, or raw little-endian float32 named *.f32`);
}

/** What `runQuanta` leaves: the kernel (for its summary), its audio output and what it cost. */
export interface QuantaRun {
  kernel: StageKernel;
  /** The audio output trimmed to the input length, or null for a stage without audio output. */
  audioOutput: Float32Array | null;
  allocationsDuringProcess: number;
  /** With `timed`: each quantum's `process` call, µs (process.hrtime), in quantum order; else empty. */
  quantumUs: number[];
}

/**
 * Runs the stage's wasm kernel (its offline settings, created for `req.quantumFrames`-frame
 * quanta, default 128) over every input channel in quanta of that size, the last one
 * zero-padded. `timed`: each quantum's `process` call is timed (the kernel and its JS glue, as
 * the budgets' kernel time).
 */
export function runQuanta(req: RunRequest, timed = false): QuantaRun {
  const { stage, values, input, wasm } = req;
  const Q = req.quantumFrames ?? RENDER_QUANTUM_FRAMES;
  const frames = input.channels[0]?.length ?? 0;
  let kernel;
  try {
    // a file has no deadline: the stage's offline settings, as in an OfflineAudioContext render
    kernel = stage.createWasmKernel(wasm, withOfflineParams(stage, values), input.sampleRate, Q);
  } catch (err) {
    throw new CliError(`stage ${stage.id} could not start on wasm: ${(err as Error).message}`);
  }
  const quanta = Math.ceil(frames / Q);
  const quantumInputs = input.channels.map(() => new Float32Array(Q));
  const quantumOutput = stage.hasAudioOutput ? new Float32Array(Q) : null;
  const audioOutput = stage.hasAudioOutput ? new Float32Array(quanta * Q) : null;
  const quantumUs: number[] = timed ? new Array<number>(quanta) : [];

  const allocBefore = wasm.exports.alloc_count();
  for (let q = 0; q < quanta; q++) {
    const start = q * Q;
    const end = Math.min(frames, start + Q);
    for (let ch = 0; ch < input.channels.length; ch++) {
      const buf = quantumInputs[ch]!;
      buf.set(input.channels[ch]!.subarray(start, end));
      if (end - start < Q) buf.fill(0, end - start);
    }
    const t0 = timed ? process.hrtime.bigint() : 0n;
    const status = kernel.process(quantumInputs, quantumOutput);
    if (timed) quantumUs[q] = Number(process.hrtime.bigint() - t0) / 1000;
    if (status < 0) {
      throw new CliError(`stage ${stage.id} failed at quantum ${q} (frame ${start}): ${statusMessage(status)}`);
    }
    if (audioOutput && quantumOutput) audioOutput.set(quantumOutput, start);
  }
  const allocationsDuringProcess = wasm.exports.alloc_count() - allocBefore;
  return { kernel, audioOutput: audioOutput ? audioOutput.subarray(0, frames) : null, allocationsDuringProcess, quantumUs };
}

/**
 * The render quantum `run <stage>` and `null` use for `stageId`: `quantum` (`--quantum N`) or the
 * default. A usage error when a quantum other than the default is asked of a stage whose run takes
 * the whole file at once (its CLI hooks' `run`: no quanta there).
 */
export function quantumFor(stageId: string, quantum: number | null): number {
  const q = quantum ?? RENDER_QUANTUM_FRAMES;
  if (q !== RENDER_QUANTUM_FRAMES && nodeStage(stageId).node.run?.run) {
    throw usage(`stage ${stageId} takes the whole file at once, not in render quanta: --quantum is for the other stages and run chain`);
  }
  return q;
}

/**
 * Runs the stage's wasm kernel over every input channel in render quanta (`req.quantumFrames`,
 * default 128; the last one zero-padded), collects its audio output trimmed to the input length,
 * and builds the report. A stage whose CLI hooks have `run` (e.g. one analysis of the newest
 * samples) runs that instead (not in quanta: `quantumFrames` does not apply).
 */
export function runStage(req: RunRequest): RunReport {
  const { stage, values, input } = req;
  const frames = input.channels[0]?.length ?? 0;
  if (input.channels.length === 0 || frames === 0) throw new CliError('the input has no audio frames');
  const hooks = nodeStage(stage.id).node.run ?? {};
  if (hooks.run) return hooks.run(req);
  const { kernel, audioOutput, allocationsDuringProcess } = runQuanta(req);

  const outcome: RunOutcome = {
    stage: stage.id,
    params: values,
    sampleRate: input.sampleRate,
    input: input.channels,
    audioOutput,
  };
  const summary = baseSummary(stage, values, input, frames, kernel.backend);
  const add = (extra: Record<string, SummaryValue>, from: string): void => {
    for (const [key, value] of Object.entries(extra)) {
      if (key in summary) throw new Error(`${from} key "${key}" collides with another summary key`);
      summary[key] = value;
    }
  };
  add(kernel.summary(), `stage ${stage.id} summary()`);
  add({ quantumFrames: req.quantumFrames ?? RENDER_QUANTUM_FRAMES, allocationsDuringProcess }, 'run');
  if (hooks.summaryExtras) add(hooks.summaryExtras(outcome), `CLI hook summaryExtras for ${stage.id}`);
  const primaryOutput = hooks.primaryOutput ? hooks.primaryOutput(outcome) : outcome.audioOutput;
  return { summary, primaryOutput, audioOutput: outcome.audioOutput };
}
