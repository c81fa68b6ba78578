/**
 * `stagebench run chain --stages a,b,... --input FILE [--param <stage>.<name>=value]... [--out FILE]`:
 * the registered stages in order on one wasm module, each stage's audio output the next one's
 * input. A stage that only analyses (no audio output: fft, shift) reports its figures and passes
 * its input on unchanged. Nothing here prints or exits; main.ts does that.
 *
 * Each link is what `run <stage>` does on the audio that reaches it (its figures are that
 * command's JSON without the keys every run starts with), then its wasm kernel timed quantum by
 * quantum over the same audio (`runQuanta`): median and p99 µs per 128-frame quantum and the
 * median's share of the quantum's deadline at the input rate. The chain's total is taken per
 * quantum (the sum of the stages' times for that quantum), then its median and p99. The stages
 * run one after another over the whole file; each is causal and sees only what the one before it
 * wrote, so the output is the one a quantum-by-quantum chain gives.
 */
import { formatClampNote } from '../dsp-stages/params.ts';
import { STAGES } from '../dsp-stages/registry.ts';
import { nodeStage } from '../dsp-stages/node-registry.ts';
import { CliError, baseSummary, resolveCliParams, usage, type InputAudio } from '../dsp-stages/node-api.ts';
import { RENDER_QUANTUM_FRAMES, quantumDeadlineUs, type ClampNote, type ParamValues, type StageDescriptor } from '../dsp-stages/types.ts';
import type { StagebenchWasm } from '../worklet/abi.ts';
import { percentile } from '../worklet/stats.ts';
import { runQuanta, runStage } from './run.ts';

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
  const ids = text.split(',').map((s) => s.trim());
  if (ids.some((id) => id === '')) throw usage(`--stages wants stage ids separated by commas, got "${text}"`);
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
  for (const [name, value] of Object.entries(given)) {
    const dot = name.indexOf('.');
    if (dot <= 0 || dot === name.length - 1) {
      throw usage(`a chain parameter is <stage>.<name>=value (e.g. ${stages[0]!.id}.<name>), got "${name}"`);
    }
    const id = name.slice(0, dot);
    const params = byStage.get(id);
    if (!params) {
      throw usage(`parameter ${name}: stage ${id} is not in the chain (--stages ${stages.map((s) => s.id).join(',')})`);
    }
    params[name.slice(dot + 1)] = value;
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

/** Runs the chain over `input` on `wasm` (one module; each stage re-initialises its runtime). */
export function runChain(links: readonly ChainLink[], input: InputAudio, wasm: StagebenchWasm): ChainReport {
  const frames = input.channels[0]?.length ?? 0;
  if (input.channels.length === 0 || frames === 0) throw new CliError('the input has no audio frames');
  const deadlineUs = quantumDeadlineUs(input.sampleRate);
  const quanta = Math.ceil(frames / RENDER_QUANTUM_FRAMES);
  const totalUs = new Array<number>(quanta).fill(0);
  let current = input;
  const reports: ChainLinkReport[] = [];
  for (const { stage, values } of links) {
    const req = { stage, values, input: current, wasm };
    const report = runStage(req);
    const base = new Set(Object.keys(baseSummary(stage, values, current, frames, 'wasm')));
    const figures = Object.fromEntries(Object.entries(report.summary).filter(([key]) => !base.has(key)));
    const { quantumUs } = runQuanta(req, true);
    quantumUs.forEach((us, q) => (totalUs[q]! += us));
    reports.push({
      stage: stage.id,
      params: values,
      audio: report.audioOutput !== null,
      figures,
      kernel: kernelTime(quantumUs, deadlineUs),
    });
    if (report.audioOutput) {
      current = { sampleRate: current.sampleRate, channels: [report.audioOutput], description: `the output of ${stage.id}` };
    }
  }
  return {
    summary: {
      stage: CHAIN_ID,
      stages: links.map((l) => l.stage.id),
      sampleRate: input.sampleRate,
      frames,
      channels: input.channels.length,
      quanta,
      quantumFrames: RENDER_QUANTUM_FRAMES,
      deadlineUs: round(deadlineUs, 3),
      links: reports,
      total: kernelTime(totalUs, deadlineUs),
    },
    output: current.channels,
  };
}

/** The `--help` section of `run chain`. */
export function chainHelp(): string {
  const ids = Object.keys(STAGES).filter((id) => !nodeStage(id).node.run?.command);
  return `run chain
  stagebench run chain --stages a,b,... --input FILE [--param <stage>.<name>=value]... [--out FILE] [--rate HZ]
  Runs the stages in order on one wasm module, each stage's audio output the next one's input
  (channel 0, as run <stage> writes it); a stage without audio output (an analysis) reports its
  figures and passes its input on. Stages: ${ids.join(', ')}; each at most once.
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
