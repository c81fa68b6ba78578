/**
 * What `stagebench run` does per stage beyond the generic path. The generic path (in run.ts)
 * feeds every channel to the stage's wasm kernel quantum by quantum and collects its audio
 * output; a stage adds an entry here, by id, for extra summary figures or a primary output other
 * than its audio output (a spectrum, decoded bytes...), or replaces the whole run (fft: one
 * analysis of the newest N samples).
 *
 * A stage the CLI runs before it is in dsp-stages/registry.ts (CLI_ONLY_STAGES) needs hooks with
 * `run`, `resolveParams` and `cliParams`; once registered, the registry's descriptor is used for
 * its id and title and the hooks still decide the rest, so the CLI works either way.
 */
import { STAGES } from '../dsp-stages/registry.ts';
import type { ClampNote, ParamSpec, ParamValues, StageDescriptor } from '../dsp-stages/types.ts';
import type { RunReport, RunRequest } from './run.ts';
import { runFft } from './fft-run.ts';
import { EQ_CLI_PARAMS, resolveEqCliParams, runEq } from './eq-run.ts';
import { SHIFT_CLI_PARAMS, SHIFT_TITLE, resolveShiftCliParams, runShift } from './shift-run.ts';

/** What the CLI needs to know of a stage it runs through its hooks alone: id and title. */
export type StageInfo = Pick<StageDescriptor, 'id' | 'title'>;

/** A parameter `--help` describes in words, when a ParamSpec cannot say it (an open range, "auto or a number"). */
export interface CliParamHelp {
  kind: 'help';
  name: string;
  /** e.g. "samples, >= 0, default 1". */
  range: string;
  description: string;
}

export type CliParamSpec = ParamSpec | CliParamHelp;

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

export interface CliStageHooks {
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
}

/** True when both arrays hold the same bits (so NaNs with equal payloads compare equal). */
export function bitEqual(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

export const CLI_STAGE_HOOKS: Readonly<Record<string, CliStageHooks>> = {
  'ring-copy': {
    summaryExtras: (run) => ({
      bitExact: run.audioOutput !== null && bitEqual(run.input[0]!, run.audioOutput),
    }),
  },
  fft: { run: runFft },
  eq: { run: runEq, resolveParams: resolveEqCliParams, cliParams: EQ_CLI_PARAMS },
  shift: { run: runShift, resolveParams: resolveShiftCliParams, cliParams: SHIFT_CLI_PARAMS },
};

/** Stages the CLI runs whether or not the registry has them yet (their hooks do everything). */
export const CLI_ONLY_STAGES: Readonly<Record<string, StageInfo>> = {
  shift: { id: 'shift', title: SHIFT_TITLE },
};

export function stageHooks(id: string): CliStageHooks {
  return CLI_STAGE_HOOKS[id] ?? {};
}

/** Every stage id the CLI knows: the registry's, then the CLI-only ones not registered yet. */
export function knownStageIds(): string[] {
  return [...Object.keys(STAGES), ...Object.keys(CLI_ONLY_STAGES).filter((id) => !(id in STAGES))];
}

/** The registry's descriptor, else the CLI-only stage; an Error naming the known stages otherwise. */
export function cliStage(id: string): StageDescriptor | StageInfo {
  const stage = STAGES[id] ?? CLI_ONLY_STAGES[id];
  if (!stage) throw new Error(`unknown stage "${id}" (known: ${knownStageIds().join(', ')})`);
  return stage;
}
