/**
 * The `stagebench` command line:
 *
 *   stagebench run <stage> --input FILE [--param name=value]... [--out FILE] [--rate HZ] [--quantum N]
 *   stagebench run chain --stages a,b,... --input FILE [--param <stage>.<name>=value]... [--out FILE] [--rate HZ] [--quantum N]
 *   stagebench sweep <stage> [options]... [--param name=value]... [--json]
 *   stagebench null <stage> --input FILE [--a "p=v,..."] [--b "p=v,..."] [--b-stage OTHER] [--out FILE] [--quantum N]
 *   stagebench bench [stage] [--runs N] [--compare FILE] [--json]
 *   stagebench validate <stage|all> [--level 1..10] [--seed N] [--reproduce SEED] [--json] [--junit FILE]
 *   stagebench new <id> [--title "Title"]
 *   stagebench --help
 *
 * Generic: the stages, their parameters, their run hooks, sweeps and bench cases come from the
 * registries (dsp-stages/registry.ts, dsp-stages/node-registry.ts). `main` resolves to the exit
 * code and writes through `io`, so tests can run it in process; errors are one line on stderr
 * starting with `stagebench: `.
 */
import { formatClampNote } from '../dsp-stages/params.ts';
import { STAGES } from '../dsp-stages/registry.ts';
import { NODE_STAGES, nodeStage } from '../dsp-stages/node-registry.ts';
import { CliError, cliParamSpecs, parseRate, resolveCliParams, usage, type CliParamSpec } from '../dsp-stages/node-api.ts';
import { DEFAULT_RAW_RATE, quantumFor, readInput, runStage } from './run.ts';
import { BENCH_OPTIONS_ENV, MAX_BENCH_RUNS, benchCommand } from './bench.ts';
import { BENCH_FILES } from '../bench/index.ts';
import { DEFAULT_BENCH_OPTIONS } from '../dsp-stages/bench-harness.ts';
import { loadWasm, wasmPath } from '../dsp-stages/wasm-file.ts';
import { NEW_USAGE, REPO_ROOT, describeNewStage, newStage, parseNewArgs } from './new.ts';
import { isWavName, writeOutFile } from '../dsp-stages/out-file.ts';
import { CHAIN_ID, chainHelp, chainNotes, parseChainStages, resolveChainParams, runChain } from './chain.ts';
import type { StagebenchWasm } from '../worklet/abi.ts';
import { nullHelp, nullSide, parseSettings, runNull } from './null.ts';
import { VALIDATE_HELP, VALIDATE_USAGE, validateCommand } from './validate.ts';
import { errorMessage } from '../worklet/errors.ts';
import { parseOptions, type OptionKind, type OptionTable } from './args.ts';
import { MAX_QUANTUM_FRAMES, parseQuantumFrames } from '../worklet/quantum.ts';
import { RENDER_QUANTUM_FRAMES } from '../dsp-stages/types.ts';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
  /** Whether stderr is a terminal (progress is then one line updated in place); default false. */
  stderrIsTTY?: boolean;
}

const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  stderrIsTTY: process.stderr.isTTY === true,
};

function describeParam(p: CliParamSpec): string {
  if (p.kind === 'help') return `      ${p.name}  (${p.range})  ${p.description}`;
  const range =
    p.kind === 'number'
      ? `${p.values ? `one of ${p.values.join(', ')}` : `${p.min}..${p.max}`}${p.unit ? ` ${p.unit}` : ''}, default ${p.default}${p.integer ? ', whole number' : ''}`
      : `one of ${p.options.join(', ')}; default ${p.default}`;
  return `      ${p.name}  (${range})  ${p.description}`;
}

/** Stage ids that have a sweep, in registry order. */
function sweepStages(): string[] {
  return Object.keys(STAGES).filter((id) => NODE_STAGES[id]?.sweep);
}

export function helpText(): string {
  const stages = Object.values(STAGES)
    .map((s) => {
      const params = NODE_STAGES[s.id]?.run?.cliParams ?? cliParamSpecs(s);
      return [`    ${s.id}  ${s.title}`, ...params.map(describeParam)].join('\n');
    })
    .join('\n');
  const benchCases = BENCH_FILES.flatMap((f) => f.caseNames).join(', ');
  const runHelp = Object.keys(STAGES)
    .map((id) => NODE_STAGES[id]?.run?.help?.())
    .filter((h) => h !== undefined);
  const sweeps = sweepStages().map((id) => ({ id, sweep: NODE_STAGES[id]!.sweep! }));
  const sweepUsage = sweeps.map(({ id, sweep }) => `  stagebench sweep ${id} ${sweep.usage}`).join('\n');
  const benchHelp = BENCH_FILES.map((f) => f.help ?? '')
    .join('\n')
    .trimEnd();
  return `stagebench: run Stagebench DSP stages (the Rust wasm kernels) in Node

Usage:
  stagebench run <stage> --input FILE [--param name=value]... [--out FILE] [--rate HZ] [--quantum N]
  stagebench run chain --stages a,b,... --input FILE [--param <stage>.<name>=value]... [--out FILE] [--rate HZ] [--quantum N]
${sweepUsage}
  stagebench null <stage> --input FILE [--a "name=value,..."] [--b "name=value,..."] [--b-stage OTHER] [--out FILE] [--quantum N]
  stagebench bench [stage] [--runs N] [--compare FILE] [--json]
  ${NEW_USAGE}
  ${VALIDATE_USAGE}
  stagebench --help

run
  Feeds FILE through the stage's wasm kernel in render quanta (128 frames, or --quantum N; the
  last one zero-padded, the output trimmed back to the input length) and prints one JSON object on
  stdout (quantumFrames among its keys). Stages with their own run below (the whole file at once)
  take no --quantum; run chain takes it for every stage.
  FILE is a WAV (PCM 8/16/24/32-bit or float 32/64, any channel count, WAVE_FORMAT_EXTENSIBLE
  included) or raw little-endian float32 named *.f32 (mono, at --rate HZ, default ${DEFAULT_RAW_RATE}).
  --param name=value   set a stage parameter (repeatable); out-of-range values are clamped with a
                       note on stderr, unknown names are an error
  --out FILE           write the stage's primary output: a 32-bit float WAV (IEEE float, format
                       tag 3) at the input's rate when FILE ends in .wav, raw little-endian float32
                       otherwise (an output that is not audio, e.g. a spectrum, only as raw)
  --rate HZ            sample rate of .f32 input
  --quantum N          frames per render quantum, 1..${MAX_QUANTUM_FRAMES} (default ${RENDER_QUANTUM_FRAMES}): what a page
                       renders with ?quantum=N (a context's renderSizeHint); the kernel is created
                       for it

${runHelp.join('\n')}
${chainHelp()}
${nullHelp()}${sweeps.map(({ sweep }) => sweep.help()).join('\n')}
bench
  Times every bench case (or the given stage's) against its peers, round-robin in this process,
  and prints a table (median and p95 per call in µs, ours/peer ratio of medians), or with --json
  one object {"results": [{"stage", "case", "impl", "medianUs", "p95Us"}], "cases": [{"stage",
  "case", "ours"}]}; rows of a case that measures accuracy add "accuracy": {"trueDelaySamples",
  "snrDb", "absErrorSamples", "rmseSamples", "trials"}. Several rows from one package are named
  "package (variant)".
  --runs N   run the cases in N fresh processes, one after another (1..${MAX_BENCH_RUNS}), and print the
             median of their medians with the range, and each peer's ratio as the median and range
             of the runs' ratios (a process can stay slower for its whole life: quote several).
             --json then gives "runs" and, per result, "medianUs" (the median of the runs'),
             "p95Us" (the median p95), "runMediansUs" and "ratio": {"median", "min", "max"}.
             The reports after the table (decode) take the medians of the runs' medians;
             what a report measures itself (decode's long file) it measures once, after the runs.
  --compare FILE
             after the table, every row against an earlier run's --json output (FILE, with or
             without --runs): the medians and ranges before and now, now/before, and a verdict,
             faster or slower where the two ranges of runs do not overlap, within noise where they
             do (a side of one run has no range: no verdict). --json adds them as "compare".
  Cases: ${benchCases}.
${benchHelp}
${VALIDATE_HELP}
new
  Writes a new stage <id>, a pass-through with gain that builds, runs, benches and passes its tests
  and its story as it is: its Rust kernel, its dsp-stages/<id>/ folder and its story, and adds it
  to the two registries. Prints every file it created or changed. Refuses an id that exists or is
  not a valid stage id (lower-case words joined by "-", e.g. my-stage).

Stages and parameters:
${stages}

Environment:
  STAGEBENCH_WASM      path of the wasm module (default: rust/pkg/stagebench_dsp.wasm; build it with
                       npm run build:wasm)
  ${BENCH_OPTIONS_ENV}
                       bench timing, JSON {"warmupMs", "samples", "minSampleMs"} (default
                       ${DEFAULT_BENCH_OPTIONS.warmupMs}, ${DEFAULT_BENCH_OPTIONS.samples}, ${DEFAULT_BENCH_OPTIONS.minSampleMs}): shorter runs for tests; bench --runs hands its own to the
                       runs it starts
`;
}

interface RunArgs {
  stage: string;
  /** `--stages a,b,...` of `run chain`. */
  stages: string | null;
  input: string;
  params: Record<string, string>;
  out: string | null;
  rate: number | null;
  /** `--quantum N`; null: the default render quantum. */
  quantum: number | null;
}

/** Parses a command's arguments against its option table, with the CLI's usage errors. */
function commandOptions(args: readonly string[], command: string, table: OptionTable) {
  return parseOptions(args, table, { command, error: usage });
}

/** The options of `run` and `null` that read and write audio, and run it in render quanta. */
const AUDIO_OPTIONS = { '--input': 'value', '--out': 'value', '--rate': 'value', '--quantum': 'value' } as const satisfies OptionTable;

/** `--quantum N`'s value: null when absent, a usage error for a value parseQuantumFrames refuses. */
function quantumOption(text: string | null): number | null {
  if (text === null) return null;
  const quantum = parseQuantumFrames(text);
  if (quantum === null) throw usage(`--quantum wants a whole number of frames from 1 to ${MAX_QUANTUM_FRAMES}, got "${text}"`);
  return quantum;
}

function parseRunArgs(args: readonly string[]): RunArgs {
  const o = commandOptions(args, 'run', { ...AUDIO_OPTIONS, '--stages': 'value', '--param': 'value' });
  const stage = o.positionals[0] ?? null;
  const stages = o.value('--stages');
  const input = o.value('--input');
  const rateText = o.value('--rate');
  const params: Record<string, string> = {};
  for (const kv of o.values('--param')) parseParam(kv, params);
  if (stage === null) throw usage(`run needs a stage (one of ${Object.keys(STAGES).join(', ')}) or ${CHAIN_ID}`);
  if (stage === CHAIN_ID && stages === null) throw usage(`run ${CHAIN_ID} needs --stages a,b,...`);
  if (stage !== CHAIN_ID && stages !== null) throw usage(`--stages is for run ${CHAIN_ID}`);
  if (input === null) throw usage('run needs --input FILE');
  return {
    stage,
    stages,
    input,
    params,
    out: o.value('--out'),
    rate: rateText === null ? null : parseRate(rateText),
    quantum: quantumOption(o.value('--quantum')),
  };
}

function loadCliWasm(env: NodeJS.ProcessEnv): StagebenchWasm {
  try {
    return loadWasm(wasmPath(env));
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}

function chainCommand(a: RunArgs, io: CliIo): void {
  const { links, notes } = resolveChainParams(parseChainStages(a.stages!), a.params);
  for (const line of chainNotes(notes)) io.stderr(line);
  const input = readInput(a.input, a.rate);
  const report = runChain(links, input, loadCliWasm(io.env), a.quantum ?? RENDER_QUANTUM_FRAMES);
  if (a.out !== null) writeOutFile(a.out, report.output, input.sampleRate);
  io.stdout(`${JSON.stringify(report.summary)}\n`);
}

function runCommand(a: RunArgs, io: CliIo): void {
  let found;
  try {
    found = nodeStage(a.stage);
  } catch (err) {
    throw new CliError((err as Error).message, 2);
  }
  const { stage, node } = found;
  const hooks = node.run ?? {};
  const quantumFrames = quantumFor(stage.id, a.quantum);
  const { values, notes } = hooks.resolveParams ? hooks.resolveParams(a.params) : resolveCliParams(stage, a.params);
  for (const note of notes) io.stderr(`stagebench: note: ${formatClampNote(note)}\n`);
  const input = readInput(a.input, a.rate);
  const report = runStage({ stage, values, input, wasm: loadCliWasm(io.env), quantumFrames });
  if (a.out !== null) {
    if (!report.primaryOutput) throw new CliError(`stage ${stage.id} has no primary output to write to --out`);
    if (isWavName(a.out) && report.primaryOutput !== report.audioOutput) {
      throw new CliError(`stage ${stage.id} writes no audio to --out (its output is not a signal): name it *.f32, not ${a.out}`);
    }
    writeOutFile(a.out, [report.primaryOutput], input.sampleRate);
  }
  io.stdout(`${JSON.stringify(report.summary)}\n`);
}

function parseParam(kv: string, params: Record<string, string>): void {
  const sep = kv.indexOf('=');
  if (sep <= 0) throw usage(`--param wants name=value, got "${kv}"`);
  const name = kv.slice(0, sep);
  if (name in params) throw usage(`parameter ${name} is given twice`);
  params[name] = kv.slice(sep + 1);
}

interface SweepArgs {
  stage: string;
  params: Record<string, string>;
  options: Record<string, string | true>;
  json: boolean;
}

function parseSweepArgs(args: readonly string[]): SweepArgs {
  // every sweep's options, to know while reading which take a value; checked against the stage's after
  const sweeps = sweepStages();
  const known = sweeps.flatMap((id) => NODE_STAGES[id]!.sweep!.options.map((o) => ({ ...o, owner: id })));
  const table: Record<string, OptionKind> = { '--param': 'value', '--json': 'switch' };
  for (const k of known) table[k.flag] = k.value ? 'value' : 'switch';
  const o = commandOptions(args, 'sweep', table);
  const stage = o.positionals[0] ?? null;
  const params: Record<string, string> = {};
  for (const kv of o.values('--param')) parseParam(kv, params);
  if (stage === null) throw usage(`sweep needs a stage: ${sweeps.map((s) => `sweep ${s}`).join(' or ')}`);
  try {
    nodeStage(stage);
  } catch (err) {
    throw new CliError((err as Error).message, 2);
  }
  const sweep = NODE_STAGES[stage]?.sweep;
  if (!sweep) throw new CliError(`stage ${stage} has no sweep (there are: ${sweeps.map((s) => `sweep ${s}`).join(', ')})`, 2);
  const parsed: Record<string, string | true> = {};
  for (const g of o.given) {
    if (g.flag === '--param' || g.flag === '--json') continue;
    const owners = known.filter((k) => k.flag === g.flag).map((k) => k.owner);
    if (!owners.includes(stage)) throw usage(`${g.flag} is an option of sweep ${owners.join(' or sweep ')}, not of sweep ${stage}`);
    parsed[g.flag] = g.value;
  }
  return { stage, params, options: parsed, json: o.has('--json') };
}

interface NullArgs {
  stage: string;
  input: string;
  a: string;
  b: string;
  bStage: string | null;
  out: string | null;
  rate: number | null;
  /** `--quantum N`; null: the default render quantum. */
  quantum: number | null;
}

function parseNullArgs(args: readonly string[]): NullArgs {
  const o = commandOptions(args, 'null', { ...AUDIO_OPTIONS, '--a': 'value', '--b': 'value', '--b-stage': 'value' });
  const stage = o.positionals[0] ?? null;
  const input = o.value('--input');
  const rateText = o.value('--rate');
  if (stage === null) throw usage('null needs a stage');
  if (input === null) throw usage('null needs --input FILE');
  return {
    stage,
    input,
    a: o.value('--a') ?? '',
    b: o.value('--b') ?? '',
    bStage: o.value('--b-stage'),
    out: o.value('--out'),
    rate: rateText === null ? null : parseRate(rateText),
    quantum: quantumOption(o.value('--quantum')),
  };
}

function nullCommand(n: NullArgs, io: CliIo): void {
  const a = nullSide(n.stage, parseSettings('--a', n.a));
  const b = nullSide(n.bStage ?? n.stage, parseSettings('--b', n.b));
  const quantumFrames = quantumFor(a.side.stage.id, n.quantum);
  quantumFor(b.side.stage.id, n.quantum);
  for (const note of [...a.notes, ...b.notes]) io.stderr(`stagebench: note: ${formatClampNote(note)}\n`);
  const input = readInput(n.input, n.rate);
  const { summary, residual } = runNull(a.side, b.side, input, loadCliWasm(io.env), quantumFrames);
  if (n.out !== null) writeOutFile(n.out, [residual], input.sampleRate);
  io.stdout(`${JSON.stringify(summary)}\n`);
}

function parseBenchArgs(args: readonly string[]): { stage: string | null; json: boolean; runs: number; compare: string | null } {
  const o = commandOptions(args, 'bench', { '--json': 'switch', '--runs': 'value', '--compare': 'value' });
  const text = o.value('--runs');
  const runs = text === null ? 1 : Number(text);
  if (!Number.isInteger(runs) || runs < 1 || runs > MAX_BENCH_RUNS)
    throw usage(`--runs wants a whole number of runs from 1 to ${MAX_BENCH_RUNS}, got "${text}"`);
  return { stage: o.positionals[0] ?? null, json: o.has('--json'), runs, compare: o.value('--compare') };
}

/** The commands `main` knows, in the order the help lists them: the one list the usage errors print. */
export const COMMANDS = ['run', 'sweep', 'bench', 'validate', 'null', 'new'] as const;
const commandList = `${COMMANDS.slice(0, -1).join(', ')} or ${COMMANDS.at(-1)}`;

/** Runs the CLI; resolves to the exit code (0 ok, 1 failure, 2 usage error, others from a stage's own run command). Never rejects. */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  try {
    const [command, ...rest] = argv;
    if (command === undefined) throw usage(`missing command: ${commandList}`);
    if (command === '--help' || command === '-h' || command === 'help' || rest.includes('--help') || rest.includes('-h')) {
      io.stdout(helpText());
      return 0;
    }
    switch (command) {
      case 'run': {
        const a = parseRunArgs(rest);
        if (a.stage === CHAIN_ID) {
          chainCommand(a, io);
          return 0;
        }
        const command = STAGES[a.stage] ? NODE_STAGES[a.stage]?.run?.command : undefined;
        if (command) {
          return await command({
            input: a.input,
            params: a.params,
            out: a.out,
            rate: a.rate,
            env: io.env,
            stdout: io.stdout,
            stderr: io.stderr,
            stderrIsTTY: io.stderrIsTTY === true,
          });
        }
        runCommand(a, io);
        return 0;
      }
      case 'sweep': {
        const a = parseSweepArgs(rest);
        await NODE_STAGES[a.stage]!.sweep!.command({
          params: a.params,
          options: a.options,
          json: a.json,
          env: io.env,
          stdout: io.stdout,
          stderr: io.stderr,
          stderrIsTTY: io.stderrIsTTY === true,
        });
        return 0;
      }
      case 'bench': {
        const { stage, json, runs, compare } = parseBenchArgs(rest);
        await benchCommand({ stage, json, runs, compare, env: io.env, stdout: io.stdout, stderr: io.stderr });
        return 0;
      }
      case 'new': {
        const { id, title } = parseNewArgs(rest);
        io.stdout(describeNewStage(newStage(REPO_ROOT, id, title)));
        return 0;
      }
      case 'validate':
        return await validateCommand(rest, io);
      case 'null':
        nullCommand(parseNullArgs(rest), io);
        return 0;
      default:
        throw usage(`unknown command "${command}": use ${commandList}`);
    }
  } catch (err) {
    const cliError = err instanceof CliError;
    const message = errorMessage(err);
    // one line, whatever the message holds
    io.stderr(`stagebench: ${cliError ? '' : 'internal error: '}${message.replace(/\s*\n\s*/g, ' ')}\n`);
    return cliError ? err.exitCode : 1;
  }
}
