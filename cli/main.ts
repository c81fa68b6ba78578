/**
 * The `stagebench` command line:
 *
 *   stagebench run <stage> --input FILE [--param name=value]... [--out FILE] [--rate HZ]
 *   stagebench sweep fft [--points N] [--param name=value]... [--rate HZ] [--json]
 *   stagebench bench [stage] [--json]
 *   stagebench --help
 *
 * `main` resolves to the exit code and writes through `io`, so tests can run it in process;
 * errors are one line on stderr starting with `stagebench: `.
 */
import { writeFileSync } from 'node:fs';
import { STAGES, getStage } from '../dsp-stages/registry.ts';
import { formatClampNote } from '../dsp-stages/params.ts';
import type { ParamSpec } from '../dsp-stages/types.ts';
import { EQ_PRESETS, EQ_TYPES } from '../dsp-stages/eq/params.ts';
import { CliError, DEFAULT_RAW_RATE, readInput, resolveCliParams, runStage } from './run.ts';
import { benchCommand } from './bench.ts';
import { BENCH_FILES } from '../bench/index.ts';
import { DEFAULT_SWEEP_POINTS, DEFAULT_SWEEP_RATE, MAX_SWEEP_POINTS, SWEEP_F_MAX_HZ, SWEEP_F_MIN_HZ, sweepCommand } from './sweep.ts';
import { loadWasm, wasmPath } from './wasm-file.ts';
import { f32ToBytes } from './wav.ts';
import { stageHooks } from './stage-hooks.ts';
import { DBFS_FLOOR } from './eq-run.ts';

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

function describeParam(p: ParamSpec): string {
  const range = p.kind === 'number'
    ? `${p.values ? `one of ${p.values.join(', ')}` : `${p.min}..${p.max}`}${p.unit ? ` ${p.unit}` : ''}, default ${p.default}${p.integer ? ', whole number' : ''}`
    : `one of ${p.options.join(', ')}; default ${p.default}`;
  return `      ${p.name}  (${range})  ${p.description}`;
}

export function helpText(): string {
  const stages = Object.values(STAGES)
    .map((s) => [`    ${s.id}  ${s.title}`, ...(stageHooks(s.id).cliParams ?? s.params).map(describeParam)].join('\n'))
    .join('\n');
  const benchCases = BENCH_FILES.flatMap((f) => f.caseNames).join(', ');
  return `stagebench: run Stagebench DSP stages (the Rust wasm kernels) in Node

Usage:
  stagebench run <stage> --input FILE [--param name=value]... [--out FILE] [--rate HZ]
  stagebench sweep fft [--points N] [--param name=value]... [--rate HZ] [--json]
  stagebench bench [stage] [--json]
  stagebench --help

run
  Feeds FILE through the stage's wasm kernel in 128-frame render quanta (the last one zero-padded,
  the output trimmed back to the input length) and prints one JSON object on stdout.
  FILE is a WAV (PCM 8/16/24/32-bit or float 32/64, any channel count, WAVE_FORMAT_EXTENSIBLE
  included) or raw little-endian float32 named *.f32 (mono, at --rate HZ, default ${DEFAULT_RAW_RATE}).
  --param name=value   set a stage parameter (repeatable); out-of-range values are clamped with a
                       note on stderr, unknown names are an error
  --out FILE           write the stage's primary output as raw little-endian float32
  --rate HZ            sample rate of .f32 input

run fft
  Analyses the LAST size samples of channel 0 once (window, real FFT, dB, refined peak) on the
  wasm stage; hop and spread are not used. The input must hold at least size frames, all of
  them finite.
  The JSON adds size, window, beta, frameStart, binHz, peakHz and peakDb; --out gets the complex
  spectrum: size + 2 floats, interleaved re, im for k = 0..size/2, unnormalised.
  e.g. stagebench run fft --input tone.wav --param size=32768 --param window=kaiser \\
         --param beta=9 --out spec.f32

run eq
  Filters channel 0 through the wasm 8-band EQ (eq_create at the file's rate, the bands, then
  eq_reset, so it starts settled at the settings, with no fade-in) and writes the filtered samples
  to --out (float32, as many as the input).
  --param bandN=type:frequencyHz:gainDb:Q   band N = 1..8, e.g. band1=peaking:1000:6:1.0
      type: ${EQ_TYPES.join(', ')}
      Q: linear for peaking, bandpass and notch; in dB for lowpass and highpass; unused by the
      shelves. Gain: used by peaking and the shelves. Empty or missing fields: 1000 Hz, 0 dB, Q 1.
  --param bandNType=... bandNFrequencyHz=... bandNGainDb=... bandNQ=...
      the same, field by field (a band given field by field needs its type)
  Bands not given are OFF: unlike the story, run eq does not start from the default bands (the
  band defaults listed under "Stages and parameters" are the CLI's).
  --param preset=NAME  replaces the bands (not together with band parameters); NAME is one of
                       ${EQ_PRESETS.filter((p) => p !== 'custom').join(', ')}
  --param bypass=on    the output is the input, bit for bit
  A malformed band, an unknown type, a choice not listed or a value that is not a finite number
  is an error; numbers out of range are clamped with a note.
  A 128-frame quantum holding a NaN or an infinity comes out silent and resets the filters, as
  in the live stage. The JSON adds bands (the 8 resolved {type, frequencyHz, gainDb, q}), bypass,
  nanQuanta (quanta silenced), inputPeakDbfs, inputRmsDbfs (of the finite input samples),
  outputPeakDbfs, outputRmsDbfs (${DBFS_FLOOR} for silence) and simd.
  e.g. stagebench run eq --input voice.wav --param band1=highpass:80:0:0 \\
         --param band2=peaking:3000:4:1.5 --out voice-eq.f32

sweep fft
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

bench
  Times every bench case (or the given stage's) against its peers, round-robin in this process,
  and prints a table (median and p95 per call in µs, ours/peer ratio of medians), or with --json
  one object {"results": [{"stage", "case", "impl", "medianUs", "p95Us"}]}.
  Cases: ${benchCases}.
  eq/8x1024 times 1024 samples (+-0.5 noise, 48 kHz) through the EQ with the story's default
  8 bands, all active: the wasm eq_process_buffer on scratch buffers (128-frame quanta, state
  carried from call to call) against js-biquad, a plain JavaScript Direct Form II transposed
  cascade of the same 8 sections (Float64Array state, Float32Array in and out), after checking
  that both outputs of one block agree within 1e-4.
  The fft cases time one plain real FFT (no window) of size 512, 4096 and 32768 on the wasm
  (fft_transform) against @echogarden/pffft-wasm (SIMD build), fft.js and kissfft-js, after
  checking each peer's output against ours.

Stages and parameters:
${stages}

Environment:
  STAGEBENCH_WASM      path of the wasm module (default: rust/pkg/stagebench_dsp.wasm; build it with
                       npm run build:wasm)
`;
}

interface RunArgs {
  stage: string;
  input: string;
  params: Record<string, string>;
  out: string | null;
  rate: number | null;
}

function usage(message: string): CliError {
  return new CliError(`${message} (see stagebench --help)`, 2);
}

/** Splits `--flag=value` and takes the next argument for `--flag value`. */
function* options(args: readonly string[]): Generator<{ flag: string | null; value: string; next: () => string }> {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg.startsWith('--') && arg.length > 2) {
      const eq = arg.indexOf('=');
      const flag = eq > 0 ? arg.slice(0, eq) : arg;
      const inline = eq > 0 ? arg.slice(eq + 1) : null;
      yield {
        flag,
        value: arg,
        next: () => {
          if (inline !== null) return inline;
          const v = args[i + 1];
          if (v === undefined || (v.startsWith('--') && v.length > 2)) throw usage(`${flag} needs a value`);
          i++;
          return v;
        },
      };
    } else {
      yield { flag: null, value: arg, next: () => arg };
    }
  }
}

function parseRate(text: string): number {
  const rate = Number(text);
  if (!(Number.isInteger(rate) && rate > 0 && rate <= 10_000_000)) {
    throw usage(`--rate must be a whole number of Hz between 1 and 10000000, got "${text}"`);
  }
  return rate;
}

function parseRunArgs(args: readonly string[]): RunArgs {
  let stage: string | null = null;
  let input: string | null = null;
  let out: string | null = null;
  let rate: number | null = null;
  const params: Record<string, string> = {};
  for (const opt of options(args)) {
    switch (opt.flag) {
      case null:
        if (stage !== null) throw usage(`unexpected argument "${opt.value}"`);
        stage = opt.value;
        break;
      case '--input':
        input = opt.next();
        break;
      case '--out':
        out = opt.next();
        break;
      case '--rate':
        rate = parseRate(opt.next());
        break;
      case '--param':
        parseParam(opt.next(), params);
        break;
      default:
        throw usage(`unknown option ${opt.flag} for run`);
    }
  }
  if (stage === null) throw usage(`run needs a stage (one of ${Object.keys(STAGES).join(', ')})`);
  if (input === null) throw usage('run needs --input FILE');
  return { stage, input, params, out, rate };
}

function runCommand(args: readonly string[], io: CliIo): void {
  const a = parseRunArgs(args);
  let stage;
  try {
    stage = getStage(a.stage);
  } catch (err) {
    throw new CliError((err as Error).message, 2);
  }
  const hooks = stageHooks(stage.id);
  const { values, notes } = hooks.resolveParams ? hooks.resolveParams(a.params) : resolveCliParams(stage, a.params);
  for (const note of notes) io.stderr(`stagebench: note: ${formatClampNote(note)}\n`);
  const input = readInput(a.input, a.rate);
  let wasm;
  try {
    wasm = loadWasm(wasmPath(io.env));
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  const report = runStage({ stage, values, input, wasm });
  if (a.out !== null) {
    if (!report.primaryOutput) throw new CliError(`stage ${stage.id} has no primary output to write to --out`);
    try {
      writeFileSync(a.out, f32ToBytes(report.primaryOutput));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such directory' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
      throw new CliError(`cannot write ${a.out}: ${why}`);
    }
  }
  io.stdout(`${JSON.stringify(report.summary)}\n`);
}

interface SweepArgs {
  stage: string;
  params: Record<string, string>;
  points: number;
  rate: number;
  json: boolean;
}

function parsePoints(text: string): number {
  const n = Number(text);
  if (!(text.trim() !== '' && Number.isInteger(n) && n >= 1 && n <= MAX_SWEEP_POINTS)) {
    throw usage(`--points must be a whole number from 1 to ${MAX_SWEEP_POINTS}, got "${text}"`);
  }
  return n;
}

function parseParam(kv: string, params: Record<string, string>): void {
  const eq = kv.indexOf('=');
  if (eq <= 0) throw usage(`--param wants name=value, got "${kv}"`);
  const name = kv.slice(0, eq);
  if (name in params) throw usage(`parameter ${name} is given twice`);
  params[name] = kv.slice(eq + 1);
}

function parseSweepArgs(args: readonly string[]): SweepArgs {
  let stage: string | null = null;
  let points = DEFAULT_SWEEP_POINTS;
  let rate = DEFAULT_SWEEP_RATE;
  let json = false;
  const params: Record<string, string> = {};
  for (const opt of options(args)) {
    switch (opt.flag) {
      case null:
        if (stage !== null) throw usage(`unexpected argument "${opt.value}"`);
        stage = opt.value;
        break;
      case '--points':
        points = parsePoints(opt.next());
        break;
      case '--rate':
        rate = parseRate(opt.next());
        break;
      case '--param':
        parseParam(opt.next(), params);
        break;
      case '--json':
        if (opt.value !== '--json') throw usage('--json takes no value');
        json = true;
        break;
      default:
        throw usage(`unknown option ${opt.flag} for sweep`);
    }
  }
  if (stage === null) throw usage('sweep needs a stage: sweep fft');
  return { stage, params, points, rate, json };
}

function parseBenchArgs(args: readonly string[]): { stage: string | null; json: boolean } {
  let stage: string | null = null;
  let json = false;
  for (const opt of options(args)) {
    if (opt.flag === '--json') {
      if (opt.value !== '--json') throw usage('--json takes no value');
      json = true;
    } else if (opt.flag === null) {
      if (stage !== null) throw usage(`unexpected argument "${opt.value}"`);
      stage = opt.value;
    } else {
      throw usage(`unknown option ${opt.flag} for bench`);
    }
  }
  return { stage, json };
}

/** Runs the CLI; resolves to the exit code (0 ok, 1 failure, 2 usage error). Never rejects. */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  try {
    const [command, ...rest] = argv;
    if (command === undefined) throw usage('missing command: run, sweep or bench');
    if (command === '--help' || command === '-h' || command === 'help' || rest.includes('--help') || rest.includes('-h')) {
      io.stdout(helpText());
      return 0;
    }
    switch (command) {
      case 'run':
        runCommand(rest, io);
        return 0;
      case 'sweep': {
        const a = parseSweepArgs(rest);
        await sweepCommand({
          stage: a.stage,
          params: a.params,
          points: a.points,
          sampleRate: a.rate,
          json: a.json,
          env: io.env,
          stdout: io.stdout,
          stderr: io.stderr,
          stderrIsTTY: io.stderrIsTTY === true,
        });
        return 0;
      }
      case 'bench': {
        const { stage, json } = parseBenchArgs(rest);
        await benchCommand({ stage, json, env: io.env, stdout: io.stdout, stderr: io.stderr });
        return 0;
      }
      default:
        throw usage(`unknown command "${command}": use run, sweep or bench`);
    }
  } catch (err) {
    const cliError = err instanceof CliError;
    const message = err instanceof Error ? err.message : String(err);
    // one line, whatever the message holds
    io.stderr(`stagebench: ${cliError ? '' : 'internal error: '}${message.replace(/\s*\n\s*/g, ' ')}\n`);
    return cliError ? err.exitCode : 1;
  }
}
