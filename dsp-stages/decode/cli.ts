/**
 * `stagebench run decode --input FILE [--param rate=HZ] [--param workers=N] [--param chunk=FRAMES] [--out FILE]`:
 * decodes a WAV, FLAC or MP3 file (the format is read from its first bytes, never its name) on the
 * worker pool (worklet/pool/) in Node, converted to the output rate, and writes interleaved
 * little-endian float32 to --out. Prints one JSON summary like the other `run` commands.
 *
 * Exit codes: 0 decoded; 1 nothing decoded (a missing, empty, unknown or corrupt file) or another
 * failure, as one line on stderr; 2 a usage error; 3 (EXIT_PARTIAL) part of the file decoded
 * before a fault: that part is written to --out, the summary is printed with its `error`, and the
 * error is also the last line on stderr.
 *
 * The pool is always shut down (its worker threads would keep Node alive). Nothing here exits;
 * the CLI does that.
 */
import { clampParam, formatClampNote } from '../params.ts';
import { decodeParams } from './params.ts';
import type { ClampNote } from '../types.ts';
import { MIN_RATE, decode, type DecodeResult } from './pool/decode.ts';
import { MAX_WORKERS } from '../../worklet/pool/layout.ts';
import { nodeCores, spawnNodeWorker } from '../../worklet/pool/node.ts';
import { MIN_WORKERS, WorkerPool } from '../../worklet/pool/pool.ts';
import { medianOfSorted } from '../../worklet/stats.ts';
import { CliError, progressReporter, readFileBytes } from '../node-api.ts';
import { readWasmBytes, wasmPath } from '../wasm-file.ts';
import { writeOutFile } from '../out-file.ts';

export const DECODE_STAGE_ID = 'decode';
/** Exit code when part of the file decoded before a fault. */
export const EXIT_PARTIAL = 3;
/** Progress appears on stderr once a decode has run this long (short files stay quiet). */
export const DEFAULT_PROGRESS_AFTER_MS = 500;

/** The default worker count (`workers=0`): half the cores, within the default pool's bounds (2..8). */
export function defaultWorkers(cores: number = nodeCores()): number {
  return Math.min(MAX_WORKERS, Math.max(MIN_WORKERS, Math.floor(cores / 2)));
}

const spec = (name: string) => decodeParams.find((p) => p.name === name)!;

/** The `run decode` section of --help. */
export function decodeHelpText(): string {
  return `run decode
  Decodes FILE, a WAV (PCM 8/16/24/32-bit, float 32/64), FLAC or MP3 (told apart by the file's
  first bytes, not its name), on the worker pool in Node (worker threads running the wasm: WAV
  chunks converted and resampled in Rust, FLAC and MP3 frame groups decoded with
  @wasm-audio-decoders/flac and mpg123-decoder; MP3 with a LAME tag is trimmed to the encoder's
  input), converts it to the output rate and writes it to --out: a float32 WAV when the name ends
  in .wav, else raw interleaved float32 (frames x channels floats). Progress goes to stderr when a decode runs longer than half a second.
  --param rate=HZ      output rate, ${MIN_RATE}..${spec('rate').max} Hz; 0 (the default) keeps the file's own
  --param workers=N    worker threads, 1..${spec('workers').max}; 0 (the default) is half the cores, at least
                       ${MIN_WORKERS} (here ${defaultWorkers()})
  --param chunk=N      output frames per pool task, ${spec('chunk').min}..${spec('chunk').max} (default ${spec('chunk').default})
  Out-of-range values are clamped with a note; a value that is not a number is an error.
  The JSON adds input, format (wav, flac, mp3), sourceRate, durationS, workers, poolMode,
  poolStartMs, tasks, wallMs (the decode, without starting the pool), xRealtime (seconds of
  audio per second of wallMs), taskMedianMs and taskMaxMs (time in a worker per task) and error
  (null, or what went wrong).
  Exit status: 0 decoded; 1 nothing decoded (a missing, empty, unknown or corrupt file: one line
  on stderr naming the file and the problem); 2 usage; ${EXIT_PARTIAL} part of the file decoded before a
  fault (a truncated FLAC, a WAV whose header claims more than it holds...): that part goes to
  --out, the summary is printed with its error, and the error is also printed on stderr.
  e.g. stagebench run decode --input song.mp3 --param rate=48000 --out song.f32
`;
}

export interface DecodeParams {
  /** Null: the file's own rate. */
  rate: number | null;
  workers: number;
  chunk: number;
}

/**
 * Turns `--param` strings into decode parameters, against the decode stage's specs
 * (dsp-stages/decode/params.ts, the one source of the story's controls and these flags): unknown
 * names and values that are not numbers are usage errors (exit 2); numbers out of range or not
 * whole are clamped, with a note each. rate=0 (the default) is the file's own rate, a rate
 * between 0 and 8000 Hz is raised to 8000 (with a note); workers=0 (the default) is half the cores.
 */
export function resolveDecodeParams(given: Record<string, string>): { params: DecodeParams; notes: ClampNote[] } {
  const known = decodeParams.map((s) => s.name as string);
  const unknown = Object.keys(given).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    const plural = unknown.length > 1 ? 's' : '';
    throw new CliError(
      `unknown parameter${plural} ${unknown.map((u) => `"${u}"`).join(', ')} for stage decode (known: ${known.join(', ')})`,
      2,
    );
  }
  const notes: ClampNote[] = [];
  const value = (name: string): number => {
    const text = given[name];
    if (text === undefined) return spec(name).default;
    if (text.trim() === '' || !Number.isFinite(Number(text))) throw new CliError(`${name}=${text}: not a number`, 2);
    const { value: v, note } = clampParam(spec(name), text);
    if (note) notes.push(note);
    return v as number;
  };
  let rate = value('rate');
  if (rate > 0 && rate < MIN_RATE) {
    notes.push({ name: 'rate', given: given.rate, used: MIN_RATE, reason: `below minimum ${MIN_RATE} Hz (0 is the file's own rate)` });
    rate = MIN_RATE;
  }
  const workers = value('workers');
  return { params: { rate: rate === 0 ? null : rate, workers: workers === 0 ? defaultWorkers() : workers, chunk: value('chunk') }, notes };
}

function median(sorted: readonly number[]): number {
  return sorted.length === 0 ? 0 : medianOfSorted(sorted);
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** The printed JSON of a decode (the keys every `run` summary starts with, then the decode's). */
export function decodeSummary(
  input: string,
  params: DecodeParams,
  result: DecodeResult,
  pool: { size: number; mode: string },
  poolStartMs: number,
): Record<string, unknown> {
  const taskMs = result.tasks.map((t) => t.executionTimeUs / 1000).sort((a, b) => a - b);
  const seconds = result.sampleRate > 0 ? result.frames / result.sampleRate : 0;
  return {
    stage: DECODE_STAGE_ID,
    params: { rate: result.sampleRate, workers: pool.size, chunk: params.chunk },
    sampleRate: result.sampleRate,
    frames: result.frames,
    channels: result.channels,
    backend: 'wasm',
    input,
    format: result.format,
    sourceRate: result.sourceRate,
    durationS: round3(seconds),
    workers: pool.size,
    poolMode: pool.mode,
    poolStartMs: round3(poolStartMs),
    tasks: result.tasks.length,
    wallMs: round3(result.wallMs),
    xRealtime: result.wallMs > 0 ? Math.round((100 * seconds * 1000) / result.wallMs) / 100 : null,
    taskMedianMs: round3(median(taskMs)),
    taskMaxMs: round3(taskMs.length > 0 ? taskMs[taskMs.length - 1]! : 0),
    error: result.error,
  };
}

export interface DecodeCommand {
  input: string;
  /** --param values as given. */
  params: Record<string, string>;
  out: string | null;
  env: NodeJS.ProcessEnv;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stderr is a terminal: progress is then one line rewritten in place. */
  stderrIsTTY?: boolean;
  /** Progress starts once the decode has run this long (default DEFAULT_PROGRESS_AFTER_MS). */
  progressAfterMs?: number;
}

/**
 * Runs `run decode`; resolves to the exit code (0, or EXIT_PARTIAL). Failures are CliErrors
 * (exit 1; 2 for usage). The pool is shut down whatever happens.
 */
export async function runDecodeCommand(cmd: DecodeCommand): Promise<number> {
  const { params, notes } = resolveDecodeParams(cmd.params);
  for (const note of notes) cmd.stderr(`stagebench: note: ${formatClampNote(note)}\n`);
  const bytes = readFileBytes(cmd.input, 'input file');
  let wasmBytes;
  try {
    wasmBytes = readWasmBytes(wasmPath(cmd.env));
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  const t0 = performance.now();
  let pool: WorkerPool;
  try {
    pool = await WorkerPool.create({ wasmBytes, spawn: spawnNodeWorker, workers: params.workers, cores: nodeCores() });
  } catch (err) {
    throw new CliError(`the decode worker pool could not start: ${(err as Error).message}`);
  }
  const poolStartMs = performance.now() - t0;
  let result: DecodeResult;
  const progress = progressReporter(cmd.stderr, cmd.stderrIsTTY === true, `decode ${cmd.input}`, 'frames');
  try {
    for (const note of pool.notes) cmd.stderr(`stagebench: note: ${note}\n`);
    const after = cmd.progressAfterMs ?? DEFAULT_PROGRESS_AFTER_MS;
    const started = performance.now();
    result = await decode(
      pool,
      { name: cmd.input, bytes },
      {
        outputRate: params.rate ?? undefined,
        chunkFrames: params.chunk,
        onProgress: (p) => {
          if (p.framesTotal > 0 && performance.now() - started >= after) progress.update(p.framesDone, p.framesTotal);
        },
      },
    );
  } catch (err) {
    throw new CliError(`decoding ${cmd.input} failed: ${(err as Error).message}`);
  } finally {
    progress.end();
    await pool.shutdown();
  }
  if (result.frames === 0) throw new CliError(result.error ?? `${cmd.input}: no audio frames`);
  if (cmd.out !== null) {
    writeOutFile(
      cmd.out,
      result.channelData.map((c) => c.subarray(0, result.frames)),
      result.sampleRate,
    );
  }
  cmd.stdout(`${JSON.stringify(decodeSummary(cmd.input, params, result, pool, poolStartMs))}\n`);
  if (result.error !== null) {
    cmd.stderr(`stagebench: ${result.error.replace(/\s*\n\s*/g, ' ')}\n`);
    return EXIT_PARTIAL;
  }
  return 0;
}
