/**
 * The Node-side contract of a stage: what its `node.ts` gives the command line and the benchmarks
 * (run hooks, a sweep command, bench cases), and the helpers they share. Node only: never
 * imported by the AudioWorklet or the browser.
 */
import { readFileSync } from 'node:fs';
import type { ClampNote, ParamSpec, ParamValues, StageDescriptor } from './types.ts';
import { resolveParams } from './params.ts';
import type { StagebenchWasm } from '../worklet/abi.ts';
import type { BenchFile } from './bench-harness.ts';

/** An error whose message is meant for the user as it is (no stack trace). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export interface InputAudio {
  sampleRate: number;
  channels: Float32Array[];
  /** How the file was read, e.g. 'wav pcm 16-bit' or 'raw float32'. */
  description: string;
}

export interface RunRequest {
  stage: StageDescriptor;
  /** Values from `resolveCliParams` (clamped, defaults filled). */
  values: ParamValues;
  input: InputAudio;
  wasm: StagebenchWasm;
  /** Frames per render quantum (`--quantum`); absent: RENDER_QUANTUM_FRAMES. */
  quantumFrames?: number;
}

export interface RunReport {
  /** The one JSON object printed on stdout. */
  summary: Record<string, unknown>;
  /** What `--out` writes (null: the stage has none). */
  primaryOutput: Float32Array | null;
  /**
   * The stage's audio output: channel 0 through the stage, as long as the input; null for a stage
   * that only analyses (its audio passes through unchanged in a chain). `--out x.wav` writes it,
   * and only it: a primary output that is not this audio (a spectrum, scores) goes to raw float32.
   */
  audioOutput: Float32Array | null;
}

/** Everything known after a run. */
export interface RunOutcome {
  stage: string;
  params: ParamValues;
  sampleRate: number;
  /** The input channels as read (each `frames` long). */
  input: readonly Float32Array[];
  /** The kernel's audio output trimmed to the input length, or null for stages without audio output. */
  audioOutput: Float32Array | null;
}

export type SummaryValue = number | string | boolean;

/** A parameter `--help` describes in words, when a ParamSpec cannot say it (an open range, "auto or a number"). */
export interface CliParamHelp {
  kind: 'help';
  name: string;
  /** e.g. "samples, >= 0, default 1". */
  range: string;
  description: string;
}

export type CliParamSpec = ParamSpec | CliParamHelp;

/** The keys every `run` summary starts with. */
export function baseSummary(
  stage: Pick<StageDescriptor, 'id'>,
  values: ParamValues,
  input: InputAudio,
  frames: number,
  backend: 'wasm' | 'reference',
): Record<string, unknown> {
  return { stage: stage.id, params: values, sampleRate: input.sampleRate, frames, channels: input.channels.length, backend };
}

/** True when both arrays hold the same bits (so NaNs with equal payloads compare equal). */
export function bitEqual(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** Progress reporting: one line rewritten in place on a terminal, else a line every 10 %. */
export function progressReporter(
  write: (text: string) => void,
  tty: boolean,
  label: string,
  unit = 'points',
): {
  update(done: number, total: number): void;
  end(): void;
} {
  let lastShown = -1;
  let open = false;
  return {
    update(done, total) {
      const pct = Math.floor((100 * done) / total);
      if (tty) {
        if (pct === lastShown && done !== total) return;
        lastShown = pct;
        open = true;
        write(`\r${label}: ${done}/${total} ${unit} (${pct}%)`);
      } else {
        const tenth = Math.floor((10 * done) / total);
        if (tenth <= lastShown || tenth === 0) return;
        lastShown = tenth;
        write(`${label}: ${done}/${total} ${unit} (${tenth * 10}%)\n`);
      }
    },
    end() {
      if (open) write('\n');
      open = false;
    },
  };
}

/** What `stagebench run <id>` does for a stage beyond the generic path (every hook optional). */
export interface RunHooks {
  /**
   * The parameters as the CLI takes them, when they differ from the stage's (other defaults):
   * what --help lists. Default: the stage's own.
   */
  cliParams?: readonly CliParamSpec[];
  /**
   * Replaces the generic `--param` resolution (clamping against the stage's specs): turns the
   * given name=value strings into the stage's values, e.g. to accept compound values. Errors
   * meant for the user are CliErrors; clamped values are returned as notes.
   */
  resolveParams?(given: Record<string, string>): { values: ParamValues; notes: ClampNote[] };
  /**
   * Replaces the generic quantum loop (the hooks below are then unused): builds the whole report.
   * Called with a non-empty input; errors meant for the user are CliErrors.
   */
  run?(req: RunRequest): RunReport;
  /** Extra keys for the printed JSON (after the kernel's own summary). */
  summaryExtras?(run: RunOutcome): Record<string, SummaryValue>;
  /** What `--out` writes, as raw float32; default: the audio output. Null: nothing to write. */
  primaryOutput?(run: RunOutcome): Float32Array | null;
  /**
   * Replaces the whole command (reading the input, writing --out, printing): for a stage whose
   * input is not audio (decode reads encoded files). Resolves to the exit code.
   */
  command?(cmd: RunCommand): Promise<number>;
  /** The `--help` section for `run <id>` (its first line "run <id>"), when the stage has more to say. */
  help?(): string;
}

/** `stagebench run <id>` as given, for a stage's own `command`. */
export interface RunCommand extends CommandIo {
  input: string;
  params: Record<string, string>;
  out: string | null;
  /** --rate, when given. */
  rate: number | null;
}

/** Where a command writes, and its environment. */
export interface CommandIo {
  env: NodeJS.ProcessEnv;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stderr is a terminal (progress is then one line updated in place). */
  stderrIsTTY: boolean;
}

/** An option of a stage's sweep: `--name value`, or a flag without a value. */
export interface SweepOption {
  flag: `--${string}`;
  /** Whether it takes a value. */
  value: boolean;
}

/** `stagebench sweep <id>` as given: the generic options and the stage's own, unparsed. */
export interface SweepCommand extends CommandIo {
  params: Record<string, string>;
  json: boolean;
  /** The stage's options given, by flag: the value, or true for a flag without one. */
  options: Readonly<Record<string, string | true>>;
}

/** A stage's accuracy sweep on its wasm kernel (`stagebench sweep <id>`). */
export interface SweepHooks {
  /** The options besides --param and --json. */
  options: readonly SweepOption[];
  /** The usage line's options, e.g. "[--points N] [--rate HZ]". */
  usage: string;
  /** The `--help` section (its first line "sweep <id>"). */
  help(): string;
  command(cmd: SweepCommand): Promise<void>;
}

/** Everything a stage gives the Node side: `dsp-stages/<id>/node.ts` exports it as `node`. */
export interface StageNode {
  run?: RunHooks;
  sweep?: SweepHooks;
  /** Its bench cases: one file, or several (each its own set-up); read them with `stageBenchFiles`. */
  bench?: BenchFile | readonly BenchFile[];
}

/** A stage's bench files, in order (none, one or several). */
export function stageBenchFiles(node: StageNode | undefined): readonly BenchFile[] {
  const bench = node?.bench;
  return bench === undefined ? [] : 'cases' in bench ? [bench] : bench;
}

/** The parameters a stage takes on the command line: all but the live-only ones. */
export function cliParamSpecs(stage: Pick<StageDescriptor, 'params'>): ParamSpec[] {
  return stage.params.filter((p) => !p.liveOnly);
}

/** Clamps the given parameters (the stage's, live-only ones left out); unknown names are a CliError. */
export function resolveCliParams(stage: StageDescriptor, given: Record<string, string>): { values: ParamValues; notes: ClampNote[] } {
  const specs = cliParamSpecs(stage);
  const { values, notes, unknown } = resolveParams(specs, given);
  if (unknown.length > 0) {
    const known = specs.map((p) => p.name).join(', ') || 'none';
    const plural = unknown.length > 1 ? 's' : '';
    const live = unknown.filter((u) => stage.params.some((p) => p.name === u && p.liveOnly));
    const why = live.length > 0 ? `; ${live.join(', ')} ${live.length > 1 ? 'are' : 'is'} for the live stage only` : '';
    throw new CliError(
      `unknown parameter${plural} ${unknown.map((u) => `"${u}"`).join(', ')} for stage ${stage.id} (known: ${known}${why})`,
      2,
    );
  }
  return { values, notes };
}

/** `--rate HZ`: a whole number of Hz from 1 to 10,000,000; a usage error (exit 2) otherwise. */
export function parseRate(text: string): number {
  const rate = Number(text);
  if (!(Number.isInteger(rate) && rate > 0 && rate <= 10_000_000)) {
    throw usage(`--rate must be a whole number of Hz between 1 and 10000000, got "${text}"`);
  }
  return rate;
}

/**
 * The bytes of the file at `path`, or a CliError naming `what` and the problem (an empty name, not
 * found, a directory, no permission, another read error).
 */
export function readFileBytes(path: string, what: string): Uint8Array {
  if (path === '') throw new CliError(`${what}: the file name is empty`);
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`${what} not found: ${path}`);
    if (code === 'EISDIR') throw new CliError(`${what} is a directory: ${path}`);
    if (code === 'EACCES') throw new CliError(`permission denied reading ${path}`);
    throw new CliError(`cannot read ${path}: ${(err as Error).message}`);
  }
}

/** A usage error: the message and a pointer to --help, exit 2. */
export function usage(message: string): CliError {
  return new CliError(`${message} (see stagebench --help)`, 2);
}
