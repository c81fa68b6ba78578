/**
 * `stagebench run chain --stages a,b,... --input FILE [--param <stage>.<name>=value]... [--out FILE] [--quantum N]`:
 * the registered stages in order on one wasm instance, each stage's audio output the next one's
 * input: the chain core the AudioWorklet processor runs (worklet/chain.ts), quantum by quantum
 * (128 frames or `--quantum`, the last one zero-padded), with each stage's offline settings. A stage that only
 * analyses (no audio output: fft, shift) passes its input on unchanged; an audio stage writes
 * channel 0 and a second channel passes on as it came. Nothing here prints or exits; main.ts does
 * that.
 *
 * Each stage's call is timed in every quantum (process.hrtime): median and p99 µs per quantum and
 * the median's share of the quantum's deadline at the input rate; the chain's total is taken per
 * quantum (the sum of the stages' times for that quantum), then its median and p99. A link's
 * figures are what `run <stage>` prints on the audio that reached it in the chain (that command's
 * JSON without the keys every run starts with), run after the chain.
 */
import { formatClampNote } from '../dsp-stages/params.ts';
import { STAGES } from '../dsp-stages/registry.ts';
import { nodeStage } from '../dsp-stages/node-registry.ts';
import { CliError, baseSummary, resolveCliParams, usage, type InputAudio } from '../dsp-stages/node-api.ts';
import { RENDER_QUANTUM_FRAMES, quantumDeadlineUs, type ClampNote, type ParamValues, type StageDescriptor } from '../dsp-stages/types.ts';
import { statusMessage, type StagebenchWasm } from '../worklet/abi.ts';
import { createChain, parseChainIds, splitChainParamName } from '../worklet/chain.ts';
import { percentile } from '../worklet/stats.ts';
import { runStage } from './run.ts';

/** The pseudo-stage id of `run chain` (reserved: `new` refuses it as a stage id). */
export const CHAIN_ID = 'chain';

/** Kernel time per quantum: median, p99 (nearest rank), and the median's share of the deadline. */
export interface KernelTime {
  medianUs: number;
  p99Us: number;
  /** medianUs as % of one quantum's deadline at the input rate. */
  deadlinePct: number;
}

export interface ChainLink {
  stage: StageDescriptor;
  values: ParamValues;
}

export interface ChainLinkReport {
  stage: string;
  params: ParamValues;
  /** Whether the stage wrote the audio the next link gets (false: it analysed and passed its input on). */
  audio: boolean;
  /** What `run <stage>` prints on this link's input, without the keys every run starts with. */
  figures: Record<string, unknown>;
  kernel: KernelTime;
}

export interface ChainReport {
  summary: {
    stage: typeof CHAIN_ID;
    stages: string[];
    sampleRate: number;
    frames: number;
    channels: number;
    quanta: number;
    quantumFrames: number;
    deadlineUs: number;
    links: ChainLinkReport[];
    total: KernelTime;
  };
  /** The chain's output: the last audio stage's output, or the input's channels when no stage writes audio. */
  output: Float32Array[];
}

/** Rounded for printing: µs to 3 decimals, percentages to 4. */
const round = (x: number, digits: number): number => Number(x.toFixed(digits));

function kernelTime(quantumUs: readonly number[], deadlineUs: number): KernelTime {
  const sorted = [...quantumUs].sort((a, b) => a - b);
  const medianUs = percentile(sorted, 50);
  return {
    medianUs: round(medianUs, 3),
    p99Us: round(percentile(sorted, 99), 3),
    deadlinePct: round((100 * medianUs) / deadlineUs, 4),
  };
}

/**
 * The chain's stages from `--stages a,b,...`: registered, each once, and each one that runs on
 * audio (a stage whose `run` is its own command, e.g. decode, reads something else). Usage
 * errors (exit 2) otherwise.
 */
export function parseChainStages(text: string): StageDescriptor[] {
  let ids: string[];
  try {
    ids = parseChainIds(text);
  } catch {
    throw usage(`--stages wants stage ids separated by commas, got "${text}"`);
  }
  const seen = new Set<string>();
  return ids.map((id) => {
    let found;
    try {
      found = nodeStage(id);
    } catch (err) {
      throw new CliError((err as Error).message, 2);
    }
    if (seen.has(id)) throw usage(`stage ${id} is in --stages twice: a chain holds each stage once`);
    seen.add(id);
    if (found.node.run?.command) throw usage(`stage ${id} cannot be in a chain: run ${id} reads its own kind of file, not audio`);
    return found.stage;
  });
}

/**
 * `--param <stage>.<name>=value` of a chain, resolved per stage as `run <stage>` resolves its own
 * (with its hooks, or clamped against its specs). An unknown stage or parameter is a usage error
 * (exit 2); clamped values come back as notes, their names prefixed with the stage.
 */
export function resolveChainParams(
  stages: readonly StageDescriptor[],
  given: Record<string, string>,
): { links: ChainLink[]; notes: ClampNote[] } {
  const byStage = new Map<string, Record<string, string>>(stages.map((s) => [s.id, {}]));
  const ids = stages.map((s) => s.id);
  for (const [name, value] of Object.entries(given)) {
    let split: { stage: string; param: string };
    try {
      split = splitChainParamName(name, ids, `--stages ${ids.join(',')}`);
    } catch (err) {
      throw usage((err as Error).message);
    }
    byStage.get(split.stage)![split.param] = value;
  }
  const notes: ClampNote[] = [];
  const links = stages.map((stage) => {
    const hooks = nodeStage(stage.id).node.run ?? {};
    const mine = byStage.get(stage.id)!;
    const resolved = hooks.resolveParams ? hooks.resolveParams(mine) : resolveCliParams(stage, mine);
    for (const note of resolved.notes) notes.push({ ...note, name: `${stage.id}.${note.name}` });
    return { stage, values: resolved.values };
  });
  return { links, notes };
}

/** The clamp notes as `run` prints them. */
export function chainNotes(notes: readonly ClampNote[]): string[] {
  return notes.map((note) => `stagebench: note: ${formatClampNote(note)}\n`);
}

/**
 * Runs the chain over `input` on `wasm` (one instance, re-initialised: worklet/chain.ts), then
 * `run <stage>` of each link on the audio that reached it, for its figures.
 */
export function runChain(
  links: readonly ChainLink[],
  input: InputAudio,
  wasm: StagebenchWasm,
  quantumFrames: number = RENDER_QUANTUM_FRAMES,
): ChainReport {
  const frames = input.channels[0]?.length ?? 0;
  if (input.channels.length === 0 || frames === 0) throw new CliError('the input has no audio frames');
  const Q = quantumFrames;
  const deadlineUs = quantumDeadlineUs(input.sampleRate, Q);
  const quanta = Math.ceil(frames / Q);
  const chain = createChain({
    wasm,
    stages: links.map((l) => ({ stage: l.stage.id, params: l.values })),
    sampleRate: input.sampleRate,
    quantumFrames: Q,
    offline: true,
  });
  const refused = chain.links.find((l) => l.fallbackReason !== null);
  if (refused) throw new CliError(refused.fallbackReason!);
  const quantumUs = links.map(() => new Array<number>(quanta));
  const totalUs = new Array<number>(quanta).fill(0);
  // what reaches each link over the whole file (its channels), and the chain's output
  const reached: Float32Array[][] = [];
  let output: Float32Array[] = input.channels;
  const padded = input.channels.map(() => new Float32Array(Q));
  for (let q = 0; q < quanta; q++) {
    const start = q * Q;
    const end = Math.min(frames, start + Q);
    padded.forEach((buf, ch) => {
      buf.set(input.channels[ch]!.subarray(start, end));
      if (end - start < Q) buf.fill(0, end - start);
    });
    let channels: readonly Float32Array[] = padded;
    let audio = false;
    for (let i = 0; i < links.length; i++) {
      const into = (reached[i] ??= channels.map(() => new Float32Array(frames)));
      channels.forEach((c, ch) => into[ch]?.set(c.subarray(0, end - start), start));
      const t0 = process.hrtime.bigint();
      channels = chain.step(i, channels);
      const us = Number(process.hrtime.bigint() - t0) / 1000;
      if (chain.lastStatus < 0) {
        throw new CliError(`stage ${links[i]!.stage.id} failed at quantum ${q} (frame ${start}): ${statusMessage(chain.lastStatus)}`);
      }
      quantumUs[i]![q] = us;
      totalUs[q]! += us;
      audio ||= links[i]!.stage.hasAudioOutput;
    }
    // after an audio stage the output is its channel 0 (as run <stage> writes it); else the input's channels
    if (q === 0) output = audio ? [new Float32Array(frames)] : input.channels;
    if (audio) output[0]!.set(channels[0]!.subarray(0, end - start), start);
  }
  const reports = links.map(({ stage, values }, i): ChainLinkReport => {
    const current: InputAudio = {
      sampleRate: input.sampleRate,
      channels: reached[i]!,
      description: i === 0 ? input.description : `the audio after ${links[i - 1]!.stage.id}`,
    };
    const report = runStage({ stage, values, input: current, wasm, quantumFrames: Q });
    const base = new Set(Object.keys(baseSummary(stage, values, current, frames, 'wasm')));
    const figures = Object.fromEntries(Object.entries(report.summary).filter(([key]) => !base.has(key)));
    return { stage: stage.id, params: values, audio: stage.hasAudioOutput, figures, kernel: kernelTime(quantumUs[i]!, deadlineUs) };
  });
  return {
    summary: {
      stage: CHAIN_ID,
      stages: links.map((l) => l.stage.id),
      sampleRate: input.sampleRate,
      frames,
      channels: input.channels.length,
      quanta,
      quantumFrames: Q,
      deadlineUs: round(deadlineUs, 3),
      links: reports,
      total: kernelTime(totalUs, deadlineUs),
    },
    output,
  };
}

/** The `--help` section of `run chain`. */
export function chainHelp(): string {
  const ids = Object.keys(STAGES).filter((id) => !nodeStage(id).node.run?.command);
  return `run chain
  stagebench run chain --stages a,b,... --input FILE [--param <stage>.<name>=value]... [--out FILE] [--rate HZ] [--quantum N]
  Runs the stages in order on one wasm instance, each stage's audio output the next one's input
  (channel 0, as run <stage> writes it; a second channel passes on as it came), quantum by
  quantum (128 frames, or --quantum N, each stage created for it) as the AudioWorklet processor
  runs a chain; a stage without audio output (an analysis) reports its figures and passes its
  input on. Stages: ${ids.join(', ')}; each at most once.
  Parameters are the stages' own, prefixed with the stage: --param eq.band1=peaking:1000:6:1.
  Prints one JSON object: stage "chain", stages, sampleRate, frames, channels, quanta,
  quantumFrames, deadlineUs (one quantum at the input rate), links (per stage: stage, params,
  audio, figures = what run <stage> prints on the audio that reaches it, without the keys every
  run starts with, and kernel = {medianUs, p99Us, deadlinePct}: its wasm kernel timed quantum by
  quantum, the median's share of the deadline) and total (the same of the per-quantum sum).
  --out gets the chain's output (a float32 WAV when FILE ends in .wav).
  e.g. stagebench run chain --stages eq,fft --input in.wav --param eq.band1=peaking:1000:6:1 --out out.wav
`;
}
