/**
 * The `stagebench` command line:
 *
 *   stagebench run <stage> --input FILE [--param name=value]... [--out FILE] [--rate HZ]
 *   stagebench sweep fft [--points N] [--param name=value]... [--rate HZ] [--json]
 *   stagebench sweep shift [--snr LO:HI:STEP] [--trials N] [--reference KIND] [--param name=value]... [--clean-reference] [--json]
 *   stagebench bench [stage] [--json]
 *   stagebench --help
 *
 * `main` resolves to the exit code and writes through `io`, so tests can run it in process;
 * errors are one line on stderr starting with `stagebench: `.
 */
import { writeFileSync } from 'node:fs';
import { formatClampNote } from '../dsp-stages/params.ts';
import { SHIFT_OUTLIER_SAMPLES, SHIFT_SWEEP_MAX_DELAY, SHIFT_THRESHOLD_RATIO } from '../dsp-stages/shift/sweep.ts';
import { EQ_PRESETS, EQ_TYPES } from '../dsp-stages/eq/params.ts';
import { CliError, DEFAULT_RAW_RATE, readInput, resolveCliParams, runStage } from './run.ts';
import { benchCommand } from './bench.ts';
import { BENCH_FILES } from '../bench/index.ts';
import { DEFAULT_SWEEP_POINTS, DEFAULT_SWEEP_RATE, MAX_SWEEP_POINTS, SWEEP_F_MAX_HZ, SWEEP_F_MIN_HZ, SWEEP_STAGES, sweepCommand } from './sweep.ts';
import { DEFAULT_SHIFT_SNR, DEFAULT_SHIFT_TRIALS, MAX_SHIFT_TRIALS, parseReference, parseSnrGrid, parseTrials, shiftSweepCommand } from './shift-sweep.ts';
import { SHIFT_REFERENCES, type ShiftReference } from '../dsp-stages/delayed-pair.ts';
import { loadWasm, wasmPath } from '../dsp-stages/wasm-file.ts';
import { f32ToBytes } from '../dsp-stages/wav.ts';
import { cliStage, knownStageIds, stageHooks, type CliParamSpec } from './stage-hooks.ts';
import { DBFS_FLOOR } from './eq-run.ts';
import { DECODE_STAGE_ID, decodeHelpText, runDecodeCommand } from './decode-run.ts';

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
  const range = p.kind === 'number'
    ? `${p.values ? `one of ${p.values.join(', ')}` : `${p.min}..${p.max}`}${p.unit ? ` ${p.unit}` : ''}, default ${p.default}${p.integer ? ', whole number' : ''}`
    : `one of ${p.options.join(', ')}; default ${p.default}`;
  return `      ${p.name}  (${range})  ${p.description}`;
}

export function helpText(): string {
  const stages = knownStageIds()
    .map((id) => {
      const s = cliStage(id);
      const params = stageHooks(id).cliParams ?? ('params' in s ? s.params : []);
      return [`    ${s.id}  ${s.title}`, ...params.map(describeParam)].join('\n');
    })
    .join('\n');
  const benchCases = BENCH_FILES.flatMap((f) => f.caseNames).join(', ');
  return `stagebench: run Stagebench DSP stages (the Rust wasm kernels) in Node

Usage:
  stagebench run <stage> --input FILE [--param name=value]... [--out FILE] [--rate HZ]
  stagebench sweep fft [--points N] [--param name=value]... [--rate HZ] [--json]
  stagebench sweep shift [--snr LO:HI:STEP] [--trials N] [--reference KIND] [--param name=value]... [--clean-reference] [--json]
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

run shift
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

${decodeHelpText()}
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

sweep shift
  Delay accuracy of the shift stage on wasm against the Cramér-Rao bound (CRB). For each SNR
  (dB per sample) of --snr, LO:HI:STEP or a list like 0,10,20 (default ${DEFAULT_SHIFT_SNR}), --trials
  pairs (default ${DEFAULT_SHIFT_TRIALS}, at most ${MAX_SHIFT_TRIALS}): a Gaussian reference and its copy delayed by a
  seeded random fractional delay (uniform in +-${SHIFT_SWEEP_MAX_DELAY} samples; exact, circular on the frame), each
  with independent white noise at the SNR (--clean-reference: none on the reference), and one
  analysis each with the automatic centre. --reference picks the reference's spectrum, one of
  ${SHIFT_REFERENCES.join(', ')} (default white): low-passed means nothing above 0.25
  or 0.4 of the sample rate, pink a power falling as 1/f. Per SNR: RMSE and bias of the refined
  shift, sqrt(CRB), the ratio RMSE / sqrt(CRB), outliers (|error| > ${SHIFT_OUTLIER_SAMPLES} sample, kept in the RMSE)
  and edges (trials whose best hypothesis is the first or last of the grid, so not refined);
  then the threshold SNR, from which on the ratio stays <= ${SHIFT_THRESHOLD_RATIO}.
  CRB, per DFT bin k of each trial's clean reference (SNR_k its power there over the noise's,
  w_k = 2 pi k / N): var >= 1 / sum_k 2 w_k^2 SNR_k^2 / (1 + 2 SNR_k) with both channels noisy,
  1 / sum_k 2 w_k^2 SNR_k with a clean reference. For a white reference these are
  (2 + 1/SNR) / (SNR_E beta^2) and 1 / (SNR_E beta^2) (SNR_E the energy SNR, beta^2 the RMS
  bandwidth, about pi^2/3 (rad/sample)^2); for a coloured one the bins of low SNR (an empty
  band) count for the little they carry.
  Parameters hypotheses, span, phat and size as for run shift (the centre is always auto).
  Progress goes to stderr; stdout gets the table, or with --json one object {"stage", "params",
  "trials", "noisyReference", "reference", "maxDelay", "seed", "points": [{"snrDb", "rmse",
  "bias", "crbStd", "ratio", "outliers", "edges", "trials"}], "thresholdSnrDb", "thresholdRatio",
  "elapsedMs"}.
  The defaults (11 SNRs x 200 trials = 2200 analyses at N = 32768) take about 15 s (measured on
  a 2-core machine); size=4096 about 8 times less.
  e.g. stagebench sweep shift --snr 0:30:10 --trials 50 --param size=4096 --param span=2
       stagebench sweep shift --reference lowpass-0.4 --param phat=1

bench
  Times every bench case (or the given stage's) against its peers, round-robin in this process,
  and prints a table (median and p95 per call in µs, ours/peer ratio of medians), or with --json
  one object {"results": [{"stage", "case", "impl", "medianUs", "p95Us"}]}; rows of a case that
  measures accuracy (shift) add "accuracy": {"trueDelaySamples", "snrDb", "absErrorSamples",
  "rmseSamples", "trials"}. Several rows from one package are named "package (variant)".
  Cases: ${benchCases}.
  eq/8x128 and eq/8x1024 time one block (+-0.5 noise, 48 kHz) through the EQ with the story's
  default 8 bands, all active, state carried from call to call: 128 frames is one render quantum
  as the worklet runs it (the EQ created for 128-frame quanta); 1024 frames is one block of an EQ
  created for 1024-frame blocks. Ours is the wasm eq_process_buffer on scratch buffers; the peers
  are a hand-written JS DF2T cascade (Direct Form II transposed, the same 8 sections, Float64Array
  state) and fili's IirFilter.multiStep given the same sections' coefficients, each checked
  against ours within 1e-4 on one block first.
  shift/32768x32 estimates the delay of white noise delayed by 100.37 samples (30 dB SNR, 32768
  samples) from its cross-spectrum, the accuracy beside the speed (|error| on the timed pair,
  RMSE over 8 seeded pairs): ours, the 32 phase-ramp scores over 4 samples plus a parabola
  (shift_rescore), and the stage's whole estimate with its centre inverse FFT; against
  @echogarden/pffft-wasm doing one inverse FFT + a parabola, an 8x zero-padded inverse FFT (the
  hypotheses' resolution) + a parabola, and 32 inverse FFTs, one per hypothesis (what the ramps
  avoid; the ramped spectra built off the clock).
  The fft cases time one plain real FFT (no window) of size 512, 4096 and 32768 on the wasm
  (fft_transform) against @echogarden/pffft-wasm (SIMD build), fft.js and kissfft-js, after
  checking each peer's output against ours.
  The decode cases decode about a second of stereo 44.1 kHz cut from the decode fixtures (WAV,
  FLAC, MP3) per call with pool.decode on the default worker pool (ours), on a one-worker pool,
  and in 0.25 s chunks: the plan on the calling thread, the task's messages, and in a worker
  pcm_to_f32 (WAV) or the frames through a fresh FLAC/MP3 decoder, which the worker built after
  its previous task, off the clock. Peers, in one thread: WAV, the npm readers node-wav and
  wavefile (getSamples, then / 32768); FLAC and MP3, one decoder reused with reset() between
  files, timed with the reset in the call (FLACDecoder.decodeFile; MPEGDecoder.decode + reset)
  and after the call (the same decode, reset() after the answer: the pool's schedule). Every
  output is checked against the WAV's PCM first (MP3: mpg123 in one pass). All of them run in a
  driver thread that run() waits for, a round trip of tens of µs; each timed batch starts after
  10 ms idle, so work left running after an answer (a decoder being rebuilt) ends off the clock
  for every row. After the table: every row per second of audio, and what a fresh decoder costs
  (median and mean).
  The scaling table (a 60 s file on 1, 2 and 4 workers): npx tsx bench/decode.bench.ts.

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
  if (stage === null) throw usage(`run needs a stage (one of ${knownStageIds().join(', ')})`);
  if (input === null) throw usage('run needs --input FILE');
  return { stage, input, params, out, rate };
}

function runCommand(a: RunArgs, io: CliIo): void {
  let stage;
  try {
    stage = cliStage(a.stage);
  } catch (err) {
    throw new CliError((err as Error).message, 2);
  }
  const hooks = stageHooks(stage.id);
  let resolved;
  if (hooks.resolveParams) resolved = hooks.resolveParams(a.params);
  else if ('params' in stage) resolved = resolveCliParams(stage, a.params);
  else throw new Error(`stage ${stage.id} has no parameter specs`);
  const { values, notes } = resolved;
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
  snrsDb: number[];
  trials: number;
  reference: ShiftReference;
  cleanReference: boolean;
  json: boolean;
}

/** The options only one stage's sweep takes. */
const SWEEP_OPTIONS: Record<(typeof SWEEP_STAGES)[number], readonly string[]> = {
  fft: ['--points', '--rate'],
  shift: ['--snr', '--trials', '--reference', '--clean-reference'],
};

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
  let snrsDb = parseSnrGrid(DEFAULT_SHIFT_SNR);
  let trials = DEFAULT_SHIFT_TRIALS;
  let reference: ShiftReference = 'white';
  let cleanReference = false;
  let json = false;
  const params: Record<string, string> = {};
  const given: string[] = [];
  for (const opt of options(args)) {
    if (opt.flag !== null) given.push(opt.flag);
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
      case '--snr':
        snrsDb = parseSnrGrid(opt.next());
        break;
      case '--trials':
        trials = parseTrials(opt.next());
        break;
      case '--reference':
        reference = parseReference(opt.next());
        break;
      case '--clean-reference':
        if (opt.value !== '--clean-reference') throw usage('--clean-reference takes no value');
        cleanReference = true;
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
  if (stage === null) throw usage(`sweep needs a stage: ${SWEEP_STAGES.map((s) => `sweep ${s}`).join(' or ')}`);
  // an option of the other stage's sweep is an error (for an unknown stage, sweepCommand says so)
  const known = SWEEP_STAGES.find((s) => s === stage);
  if (known !== undefined) {
    for (const flag of given) {
      const owner = SWEEP_STAGES.find((s) => s !== known && SWEEP_OPTIONS[s].includes(flag));
      if (owner !== undefined && !SWEEP_OPTIONS[known].includes(flag)) throw usage(`${flag} is an option of sweep ${owner}, not of sweep ${known}`);
    }
  }
  return { stage, params, points, rate, snrsDb, trials, reference, cleanReference, json };
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

/** Runs the CLI; resolves to the exit code (0 ok, 1 failure, 2 usage error, 3 run decode kept part of a faulty file). Never rejects. */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  try {
    const [command, ...rest] = argv;
    if (command === undefined) throw usage('missing command: run, sweep or bench');
    if (command === '--help' || command === '-h' || command === 'help' || rest.includes('--help') || rest.includes('-h')) {
      io.stdout(helpText());
      return 0;
    }
    switch (command) {
      case 'run': {
        const a = parseRunArgs(rest);
        if (a.stage === DECODE_STAGE_ID) {
          if (a.rate !== null) throw usage('--rate is for raw .f32 input; run decode reads the rate from the file (--param rate=HZ sets the output rate)');
          return await runDecodeCommand({
            input: a.input, params: a.params, out: a.out, env: io.env, stdout: io.stdout, stderr: io.stderr, stderrIsTTY: io.stderrIsTTY === true,
          });
        }
        runCommand(a, io);
        return 0;
      }
      case 'sweep': {
        const a = parseSweepArgs(rest);
        if (a.stage === 'shift') {
          await shiftSweepCommand({
            params: a.params,
            snrsDb: a.snrsDb,
            trials: a.trials,
            reference: a.reference,
            cleanReference: a.cleanReference,
            json: a.json,
            env: io.env,
            stdout: io.stdout,
            stderr: io.stderr,
            stderrIsTTY: io.stderrIsTTY === true,
          });
          return 0;
        }
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
