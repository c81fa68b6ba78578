/**
 * decode/wav-1s, decode/flac-1s, decode/mp3-1s: one clip of about a second of stereo 44.1 kHz
 * audio, cut from fixtures/decode/signal.* (WAV: 44100 frames under a new header; FLAC: the first
 * 11 frames, 45056 samples, with STREAMINFO's total set to match; MP3: the LAME Info frame and the
 * first 40 audio frames, 44712 samples after the encoder and decoder delay), decoded to float32
 * planes per call by:
 *
 * - `stagebench (pool, N workers)` (ours): `pool.decode({ name, bytes })` with the default worker
 *   count (half the cores, at least 2) and the default options. A clip this short is one chunk
 *   (65536 frames), so one task on one worker. The call includes, on the calling thread, the
 *   format probe and the plan (WAV: the header probed in Rust; FLAC: codec-parser cutting the
 *   frames; MP3: a walk from header to header), the task's messages, and in the worker: WAV,
 *   pcm_to_planar in Rust; FLAC and MP3, the worker's warm decoder put back in its initial state in
 *   place (pool/codec-adapters.ts: microseconds) and the frames through it, their samples copied
 *   from the decoder's heap into the output (FLAC's rescaled from / 32767 to / 32768 on the way).
 *   Nothing is left to do after the answer;
 * - `stagebench (pool, 1 worker)`: the same on a one-worker pool;
 * - `stagebench (pool, N workers, 0.25 s chunks)`: `chunkFrames: 11025`, so the clip is split
 *   into 4 to 6 tasks over the default workers;
 * - WAV peers, npm WAV readers in one thread: `node-wav` (`decode(bytes)`: float32 planes, the
 *   16-bit integers / 32768 when negative, / 32767 when positive) and
 *   `wavefile (getSamples / 32768)` (`new WaveFile(bytes).getSamples(false, Float32Array)`, the
 *   integers as floats, then scaled by 1 / 32768 in place; its own float path,
 *   `toBitDepth('32f')` before `getSamples`, took about 160 ms per second of audio);
 * - FLAC and MP3 peers, the decoder alone in one thread, one decoder reused across calls with
 *   `reset()` between files as both libraries document, in two timings:
 *   - reset in the call: `FLACDecoder.decodeFile` (codec-parser, `decodeFrames`, then its own
 *     `reset()`), `MPEGDecoder.decode` then `reset()`: what a one-shot decode pays;
 *   - reset after the call: the same work (FLAC: codec-parser's `parseAll`, as decodeFile does,
 *     then `decodeFrames`; MP3: `decode`), the answer sent, and then `reset()` before the next
 *     request: the decoder library alone, its set-up off the clock. Either way the decode itself
 *     runs on a new wasm instance (`reset()` re-instantiates).
 *
 * Every implementation runs in a driver worker thread behind a synchronous bridge (bench/driver.ts):
 * its round trip is in every figure, and each timed batch starts after DECODE_SETTLE_MS idle.
 * Before timing, each implementation's output is checked against the fixture's reference
 * (bench/impls.ts). After the table, the report gives each row's ms per second of audio, what
 * building a fresh decoder costs (what the peers' reset() does) and what the pool's in-place
 * reset costs instead.
 *
 * Run this file for the scaling table (bench/scaling.ts): a long file (60 s by default, built by
 * bench/fixtures.ts; FLAC re-encoded with the `flac` command when it is installed) decoded with
 * 1, 2 and 4 workers:
 *
 *   npx tsx dsp-stages/decode/bench.ts [--seconds 60] [--reps 5] [--workers 1,2,4] [--no-cases] [--json]
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { DECODE_BENCH_FORMATS } from './bench/fixtures.ts';
import {
  bridgeRoundTripUs,
  closeDecodeBench,
  freshDecoderCostMs,
  startDecodeBench,
  startedDecodeBench,
  type DriverCaseInfo,
  type FreshDecoderCost,
} from './bench/driver.ts';
import { SCALING_DEFAULTS, runDecodeScaling, scalingLines } from './bench/scaling.ts';
import { DEFAULT_BENCH_OPTIONS, formatTable, runCase, type BenchCase, type BenchOptions, type BenchResult } from '../bench-harness.ts';
import type { BenchFile } from '../bench-harness.ts';
import { errorMessage } from '../../worklet/errors.ts';

export const DECODE_BENCH_CASES = DECODE_BENCH_FORMATS.map((f) => `decode/${f}-1s`);
/**
 * Idle time before each timed batch: a "reset after the call" peer resets after its answer; this
 * lets that work (median 0.5-5 ms, with garbage collection of the freed instances) end before the
 * next batch is timed, rather than on whichever implementation runs next.
 */
export const DECODE_SETTLE_MS = 10;

export const decodeBench: BenchFile = {
  help: `  The decode cases decode about a second of stereo 44.1 kHz cut from the decode fixtures (WAV,
  FLAC, MP3) per call with pool.decode on the default worker pool (ours), on a one-worker pool,
  and in 0.25 s chunks: the plan on the calling thread, the task's messages, and in a worker
  pcm_to_planar (WAV) or the frames through the worker's warm FLAC/MP3 decoder, reset in place in
  the call. Peers, in one thread: WAV, the npm readers node-wav and wavefile (getSamples, then
  / 32768); FLAC and MP3, one decoder reused with reset() between files, timed with the reset in
  the call (FLACDecoder.decodeFile; MPEGDecoder.decode + reset) and after the call (the same
  decode, reset() after the answer: the decoder library alone). Every output is checked against
  the WAV's PCM first (MP3: mpg123 in one pass). All of them run in a driver thread that run()
  waits for, a round trip of tens of µs; each timed batch starts after 10 ms idle, so work left
  running after an answer (a peer's reset) ends off the clock for every row. After the table:
  every row per second of audio, what a fresh decoder costs (median and mean) and what the
  pool's in-place reset costs.
  The scaling table (a 60 s file on 1, 2 and 4 workers): npx tsx dsp-stages/decode/bench.ts.
`,
  stage: 'decode',
  caseNames: DECODE_BENCH_CASES,
  async prepare() {
    startDecodeBench();
  },
  close: closeDecodeBench,
  cases() {
    const s = startedDecodeBench();
    if (!s) throw new Error('decode bench: prepare() must run before cases() (it starts the pools)');
    return s.cases.map((info, ci): BenchCase => ({
      stage: 'decode',
      name: info.name,
      ours: info.ours,
      settleMs: DECODE_SETTLE_MS,
      impls: info.impls.map((name, ii) => {
        const local = s.pools.cases[ci]!.impls.length;
        const [d, impl] = ii < local ? [s.pools, ii] : [s.peers, ii - local];
        return {
          name,
          run: () => {
            d.call({ type: 'run', case: ci, impl });
          },
          check: () => {
            d.call({ type: 'check', case: ci, impl });
          },
        };
      }),
    }));
  },
  // after the table: ms per second of audio, then the pool's speed-up on a long file
  async report(results, { progress, quick }) {
    const s = startedDecodeBench();
    if (!s) throw new Error('decode bench: prepare() must run before report()');
    const lines = [...clipLines(s.cases, results, bridgeRoundTripUs()), freshLine(freshDecoderCostMs(quick ? 3 : 30))];
    const scaling = quick ? { seconds: 10, reps: 1, workers: [1, 2] } : { ...SCALING_DEFAULTS, workers: [...SCALING_DEFAULTS.workers] };
    const { rows, notes } = await runDecodeScaling({ ...scaling, onProgress: progress });
    return [...lines, '', ...scalingLines(rows, notes, scaling)].join('\n');
  },
};

/** Per clip: its length, and every implementation's median in ms per second of audio. */
export function clipLines(infos: readonly DriverCaseInfo[], results: readonly BenchResult[], bridgeUs: number): string[] {
  const lines: string[] = [];
  for (const info of infos) {
    const perSecond = (impl: string) => {
      const r = results.find((x) => x.case === info.name && x.impl === impl);
      return r ? `${(r.medianUs / 1000 / info.seconds).toFixed(3)} ms` : 'not measured';
    };
    lines.push(
      `${info.name}: ${info.frames} frames (${info.seconds.toFixed(3)} s, ${info.clipBytes} bytes); per second of audio: ` +
        info.impls.map((impl) => `${impl === info.ours ? 'ours' : impl} ${perSecond(impl)}`).join(', '),
    );
  }
  lines.push(`(every figure includes the driver thread's round trip: median ${bridgeUs.toFixed(1)} µs)`);
  return lines;
}

/** What a fresh decoder costs (the peers' reset()), and the pool's in-place reset that replaces it. */
export function freshLine(f: FreshDecoderCost): string {
  return (
    `a fresh decoder (new + ready: a new wasm instance; then freed), ${f.reps} in the peers' thread: ` +
    `FLAC median ${f.flacMs.toFixed(3)} ms (mean ${f.flacMeanMs.toFixed(3)}), MP3 median ${f.mp3Ms.toFixed(3)} ms (mean ${f.mp3MeanMs.toFixed(3)}). ` +
    `The pool's workers keep one warm decoder each and reset it in place per task, in the call: FLAC ${f.flacResetUs.toFixed(1)} µs, ` +
    `MP3 ${f.mp3ResetUs.toFixed(1)} µs (median); the "reset in the call" peers pay a fresh decoder per call ` +
    '(reset() re-instantiates), the "reset after the call" peers after their answer'
  );
}

// ------------------------------------------------------------------------------------------------
// run as a script: the three cases with the harness, then the scaling table

function parseList(text: string, what: string): number[] {
  const xs = text.split(',').map((s) => Number(s));
  if (xs.length === 0 || xs.some((x) => !Number.isInteger(x) || x < 1 || x > 8))
    throw new Error(`${what} wants whole numbers from 1 to 8, got "${text}"`);
  return xs;
}

async function script(args: string[]): Promise<void> {
  const flag = (name: string) => args.includes(name);
  const value = (name: string, fallback: string) => {
    const i = args.indexOf(name);
    return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
  };
  const seconds = Number(value('--seconds', String(SCALING_DEFAULTS.seconds)));
  const reps = Number(value('--reps', String(SCALING_DEFAULTS.reps)));
  if (!(Number.isInteger(seconds) && seconds >= 10 && seconds % 10 === 0))
    throw new Error(`--seconds wants a multiple of 10, got ${seconds}`);
  if (!(Number.isInteger(reps) && reps >= 1)) throw new Error(`--reps wants a whole number >= 1, got ${reps}`);
  const workers = parseList(value('--workers', SCALING_DEFAULTS.workers.join(',')), '--workers');
  const json = flag('--json');
  const out: Record<string, unknown> = {};
  if (!flag('--no-cases')) {
    const infos = startDecodeBench();
    try {
      const options: BenchOptions = DEFAULT_BENCH_OPTIONS;
      const cases = decodeBench.cases({
        newWasm: () => {
          throw new Error('unused');
        },
      });
      const results: BenchResult[] = [];
      for (const c of cases) {
        process.stderr.write(`bench: ${c.name}: ${c.impls.map((i) => i.name).join(' vs ')} ...\n`);
        results.push(...runCase(c, options));
      }
      const bridgeUs = bridgeRoundTripUs();
      if (json) {
        out.results = results.map((r) => ({ stage: r.stage, case: r.case, impl: r.impl, medianUs: r.medianUs, p95Us: r.p95Us }));
        out.clips = infos;
        out.bridgeRoundTripUs = bridgeUs;
        out.freshDecoder = freshDecoderCostMs();
      } else {
        console.log(formatTable(cases, results));
        console.log([...clipLines(infos, results, bridgeUs), freshLine(freshDecoderCostMs())].join('\n'));
      }
    } finally {
      await closeDecodeBench();
    }
  }
  if (!flag('--no-scaling')) {
    const { rows, notes } = await runDecodeScaling({ seconds, reps, workers, onProgress: (t) => process.stderr.write(`${t}\n`) });
    if (json) {
      out.scaling = { seconds, reps, rows, notes };
    } else {
      console.log(`\n${scalingLines(rows, notes, { seconds, reps, workers }).join('\n')}`);
    }
  }
  if (json) console.log(JSON.stringify(out));
}

if (isMainThread && process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  script(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`decode bench: ${errorMessage(err)}\n`);
    process.exitCode = 1;
  });
}
