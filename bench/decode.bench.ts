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
 *   format probe and the plan (WAV: the header probed in Rust; FLAC, MP3: codec-parser cutting the
 *   frames), the task's messages, and in the worker: WAV, pcm_to_f32 in Rust; FLAC and MP3, the
 *   frames through a decoder in its initial state (`decodeFrames`), freed after the task (FLAC's
 *   output rescaled from / 32767 to / 32768). That fresh decoder was built by the worker after its
 *   previous task (worklet/pool/worker-decode.ts: `new FLACDecoder()` / `new MPEGDecoder()` and
 *   `ready`, a new wasm instance), so its cost is off the clock unless the next task comes first;
 * - `stagebench (pool, 1 worker)`: the same on a one-worker pool;
 * - `stagebench (pool, N workers, 0.25 s chunks)`: `chunkFrames: 11025`, so the clip is split
 *   into 4 to 6 tasks over the default workers (a worker's second task may wait for its next
 *   decoder);
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
 *     request: the pool's schedule, where the next decoder is built after the task. Either way the
 *     decode itself runs on a new wasm instance (`reset()` re-instantiates), as in the pool.
 *
 * The pool answers asynchronously and the harness times synchronous calls, so every
 * implementation (the peers too, so all carry the same overhead) runs in a driver worker thread:
 * `run()` posts a request and blocks in Atomics.wait until the driver has finished and answered
 * (receiveMessageOnPort). That round trip (`bridgeRoundTripUs`: tens of µs) is in every figure.
 * The pool paths share one driver thread and the peers have another: in one thread, the peer's
 * garbage (every `reset()` re-instantiates its wasm module) was collected during whichever pool
 * path ran next, about 1.5 ms per call. Work after an answer (the pool workers' next decoder, a
 * peer's reset after the call) would overlap whatever is timed next (the round-robin's order puts
 * the same row after it most of the time: measured, the pool's FLAC figure doubled when it
 * followed the reset-after-the-call peer), so each timed batch starts after DECODE_SETTLE_MS idle.
 *
 * Before timing, each implementation's output is checked: WAV and FLAC bit for bit against
 * signal.wav's PCM / 32768 (the FLAC peers' floats are the integers / 32767, node-wav's / 32767
 * above zero: compared as integers), MP3 against mpg123 decoding the clip's frames in one pass,
 * trimmed by the LAME tag's delay plus mpg123's 529 samples (the mpg123 peers alone also keep the
 * padding the pool trims). After the table, the report gives each row's ms per second of audio and
 * what building a fresh decoder costs (the work the pool does off the clock per task).
 *
 * Run this file for the scaling table: a long file (60 s by default: the WAV's PCM repeated under
 * a new header; the MP3's audio frames repeated after its Info frame; FLAC re-encoded from the
 * long WAV with the `flac` command when it is installed, since concatenated FLAC files are not one
 * valid stream: STREAMINFO's length and the frame numbers restart) decoded with 1, 2 and 4 workers:
 *
 *   npx tsx bench/decode.bench.ts [--seconds 60] [--reps 5] [--workers 1,2,4] [--no-cases] [--json]
 */
import { spawnSync } from 'node:child_process';
import CodecParser, { type CodecFrame } from 'codec-parser';
import nodeWav from 'node-wav';
import wavefile from 'wavefile';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  MessageChannel,
  Worker,
  isMainThread,
  receiveMessageOnPort,
  workerData,
  type MessagePort,
} from 'node:worker_threads';
import { defaultWorkers } from '../cli/decode-run.ts';
import { readWasmBytes, wasmPath } from '../dsp-stages/wasm-file.ts';
import { parseWav } from '../dsp-stages/wav.ts';
import { percentile } from '../worklet/kernel-timing.ts';
import { MP3_DECODER_DELAY, id3v2Size, parseFlac, parseMp3 } from '../dsp-stages/decode/pool/codecs.ts';
import { decode } from '../dsp-stages/decode/pool/decode.ts';
import { spawnNodeWorker } from '../worklet/pool/node.ts';
import { WorkerPool } from '../worklet/pool/pool.ts';
import { DEFAULT_BENCH_OPTIONS, formatTable, runCase, type BenchCase, type BenchOptions, type BenchResult } from './harness.ts';
import type { BenchFile } from './types.ts';

export const DECODE_BENCH_FORMATS = ['wav', 'flac', 'mp3'] as const;
export type DecodeBenchFormat = (typeof DECODE_BENCH_FORMATS)[number];
export const DECODE_BENCH_CASES = DECODE_BENCH_FORMATS.map((f) => `decode/${f}-1s`);
/** The 1 s clips: WAV frames, FLAC frames (of 4096 samples), MP3 audio frames (of 1152). */
export const WAV_CLIP_FRAMES = 44100;
export const FLAC_CLIP_BLOCKS = 11;
export const MP3_CLIP_FRAMES = 40;
/** Output frames per task of the split pool variant: a quarter of a second at 44.1 kHz. */
export const SPLIT_CHUNK_FRAMES = 11025;
/**
 * Idle time before each timed batch: the pool's workers build their next decoder after a task,
 * and a "reset after the call" peer resets after its answer; this lets that work (median 0.5-5 ms,
 * with garbage collection of the freed instances) end before the next batch is timed, rather than
 * on whichever implementation runs next.
 */
export const DECODE_SETTLE_MS = 10;
/** Longest a driver request may take before the bench gives up, ms. */
const CALL_TIMEOUT_MS = 60_000;
const DRIVER_ROLE = 'stagebench-decode-bench-driver';
const FIXTURES = new URL('../fixtures/decode/', import.meta.url);

// ------------------------------------------------------------------------------------------------
// clips and long files, built in memory from the fixtures

export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(name, FIXTURES)));
}

/** The fmt and data chunks of a PCM WAV. */
export function wavLayout(bytes: Uint8Array): { channels: number; sampleRate: number; bits: number; blockAlign: number; dataOffset: number; dataBytes: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const id = (p: number) => String.fromCharCode(...bytes.subarray(p, p + 4));
  if (bytes.length < 12 || id(0) !== 'RIFF' || id(8) !== 'WAVE') throw new Error('not a RIFF/WAVE file');
  let fmt: { channels: number; sampleRate: number; bits: number; blockAlign: number } | null = null;
  for (let p = 12; p + 8 <= bytes.length; ) {
    const size = view.getUint32(p + 4, true);
    if (id(p) === 'fmt ') {
      fmt = { channels: view.getUint16(p + 10, true), sampleRate: view.getUint32(p + 12, true), blockAlign: view.getUint16(p + 20, true), bits: view.getUint16(p + 22, true) };
    } else if (id(p) === 'data') {
      if (!fmt) throw new Error('data chunk before the fmt chunk');
      return { ...fmt, dataOffset: p + 8, dataBytes: Math.min(size, bytes.length - p - 8) };
    }
    p += 8 + size + (size & 1);
  }
  throw new Error('no data chunk');
}

/** A 44-byte-header PCM WAV of `pcm` (interleaved frames). */
export function pcmWav(pcm: Uint8Array, channels: number, sampleRate: number, bits: number): Uint8Array {
  const out = new Uint8Array(44 + pcm.length);
  const view = new DataView(out.buffer);
  const ascii = (p: number, s: string) => [...s].forEach((c, i) => (out[p + i] = c.charCodeAt(0)));
  const blockAlign = (channels * bits) / 8;
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + pcm.length, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * blockAlign, true);
  view.setUint16(32, blockAlign, true);
  view.setUint16(34, bits, true);
  ascii(36, 'data');
  view.setUint32(40, pcm.length, true);
  out.set(pcm, 44);
  return out;
}

/** The first `frames` frames of a PCM WAV (null: all of them), repeated `repeat` times, under a new header. */
export function wavClip(wav: Uint8Array, frames: number | null, repeat = 1): Uint8Array {
  const w = wavLayout(wav);
  const available = Math.floor(w.dataBytes / w.blockAlign);
  const n = frames ?? available;
  if (n > available) throw new Error(`the WAV holds ${available} frames, ${n} asked for`);
  const pcm = wav.subarray(w.dataOffset, w.dataOffset + n * w.blockAlign);
  const body = new Uint8Array(pcm.length * repeat);
  for (let r = 0; r < repeat; r++) body.set(pcm, r * pcm.length);
  return pcmWav(body, w.channels, w.sampleRate, w.bits);
}

/** Byte offset of the first FLAC frame: past `fLaC` and every metadata block. */
export function flacFramesOffset(flac: Uint8Array): number {
  let p = id3v2Size(flac) + 4;
  for (;;) {
    if (p + 4 > flac.length) throw new Error('the file ends inside the metadata blocks');
    const last = (flac[p]! & 0x80) !== 0;
    p += 4 + ((flac[p + 1]! << 16) | (flac[p + 2]! << 8) | flac[p + 3]!);
    if (last) return p;
  }
}

/**
 * The first `blocks` frames of a FLAC file with its metadata, STREAMINFO's total samples set to
 * theirs and its MD5 cleared (0: unknown), so the clip is a complete, valid stream.
 */
export function flacClip(flac: Uint8Array, blocks: number): Uint8Array {
  const stream = parseFlac(flac);
  if (stream.frames.length < blocks) throw new Error(`the FLAC holds ${stream.frames.length} frames, ${blocks} asked for`);
  const start = flacFramesOffset(flac);
  const frames = stream.frames.slice(0, blocks);
  const first = frames[0]!.data;
  if (!first.every((b, i) => flac[start + i] === b)) throw new Error('the first frame does not follow the metadata');
  const bytes = frames.reduce((a, f) => a + f.data.length, 0);
  const total = frames.reduce((a, f) => a + f.samples, 0);
  const out = flac.slice(0, start + bytes);
  const si = id3v2Size(flac) + 8;
  out[si + 13] = (out[si + 13]! & 0xf0) | (Math.floor(total / 2 ** 32) & 0x0f);
  out[si + 14] = (total >>> 24) & 0xff;
  out[si + 15] = (total >>> 16) & 0xff;
  out[si + 16] = (total >>> 8) & 0xff;
  out[si + 17] = total & 0xff;
  out.fill(0, si + 18, si + 34);
  return out;
}

/** Offset of `needle` in `hay` at or after `from` (-1: absent). */
function indexOfBytes(hay: Uint8Array, needle: Uint8Array, from: number): number {
  outer: for (let p = from; p + needle.length <= hay.length; p++) {
    for (let i = 0; i < needle.length; i++) if (hay[p + i] !== needle[i]) continue outer;
    return p;
  }
  return -1;
}

/**
 * An MP3 of the stream's head (ID3 tag, Xing/Info frame with the LAME tag) and its first
 * `frames` audio frames (null: all), the frames repeated `repeat` times. Concatenated MPEG frames
 * stay a valid stream (the first frame of the fixture reaches back into no bit reservoir).
 */
export function mp3Clip(mp3: Uint8Array, frames: number | null, repeat = 1): Uint8Array {
  const stream = parseMp3(mp3);
  const kept = stream.frames.slice(0, frames ?? stream.frames.length);
  if (kept.length < (frames ?? 0)) throw new Error(`the MP3 holds ${stream.frames.length} audio frames, ${frames} asked for`);
  const start = indexOfBytes(mp3, kept[0]!.data, id3v2Size(mp3));
  if (start < 0) throw new Error('the first audio frame is not in the file');
  const bodyBytes = kept.reduce((a, f) => a + f.data.length, 0);
  const out = new Uint8Array(start + bodyBytes * repeat);
  out.set(mp3.subarray(0, start));
  let p = start;
  for (let r = 0; r < repeat; r++) {
    for (const f of kept) {
      out.set(f.data, p);
      p += f.data.length;
    }
  }
  return out;
}

/** FLAC of a WAV by the `flac` command (`--best`, as the fixture), or null with the reason. */
export function flacEncode(wav: Uint8Array): { bytes: Uint8Array | null; note: string } {
  const r = spawnSync('flac', ['--silent', '--best', '--stdout', '-'], { input: wav, maxBuffer: 1 << 30 });
  if (r.error) {
    const missing = (r.error as NodeJS.ErrnoException).code === 'ENOENT';
    return { bytes: null, note: missing ? 'the flac command is not installed: apt-get install flac' : `flac failed: ${r.error.message}` };
  }
  if (r.status !== 0) return { bytes: null, note: `flac exited with ${r.status}: ${r.stderr.toString().trim()}` };
  return { bytes: new Uint8Array(r.stdout), note: 're-encoded with flac --best' };
}

// ------------------------------------------------------------------------------------------------
// the implementations and their checks (they run in the driver thread, which alone loads the
// peers' decoders: the CLI imports this file for its case names)

interface Decoded {
  channelData: Float32Array[];
  frames: number;
}

/**
 * What a decoder's floats are, when they are not the 16-bit integers / 32768: the integers over
 * one scale, or over one for negative samples and another for the rest. The check then compares
 * the integers.
 */
export type IntegerScale = number | { negative: number; positive: number };

interface DecodeImpl {
  name: string;
  decode(bytes: Uint8Array): Promise<Decoded>;
  integerScale?: IntegerScale;
  /** Work done after the answer is sent, before the driver takes the next request (off the clock). */
  afterAnswer?(): Promise<void>;
}

/** The peers of each format, after the three pool paths. */
export const DECODE_BENCH_PEERS: Record<DecodeBenchFormat, readonly string[]> = {
  wav: ['node-wav', 'wavefile (getSamples / 32768)'],
  flac: ['@wasm-audio-decoders/flac (decodeFile, reset in the call)', '@wasm-audio-decoders/flac (decodeFrames, reset after the call)'],
  mp3: ['mpg123-decoder (decode + reset in the call)', 'mpg123-decoder (decode, reset after the call)'],
};

/** The number of pool paths in every case (ours first), before the peers. */
export const DECODE_POOL_PATHS = 3;

/** The names of a case's implementations: ours, the other pool paths, the peers. */
export function decodeBenchImplNames(format: DecodeBenchFormat, workers = defaultWorkers()): string[] {
  return [
    `stagebench (pool, ${workers} workers)`,
    'stagebench (pool, 1 worker)',
    `stagebench (pool, ${workers} workers, 0.25 s chunks)`,
    ...DECODE_BENCH_PEERS[format],
  ];
}

function poolImpl(name: string, pool: WorkerPool, clipName: string, chunkFrames?: number): DecodeImpl {
  return {
    name,
    async decode(bytes) {
      const r = await decode(pool, { name: clipName, bytes }, chunkFrames ? { chunkFrames } : {});
      if (r.error) throw new Error(r.error);
      return { channelData: r.channelData, frames: r.frames };
    },
  };
}

/** The peers of one format, in DECODE_BENCH_PEERS order. */
async function peerImpls(format: DecodeBenchFormat): Promise<DecodeImpl[]> {
  const [a, b] = DECODE_BENCH_PEERS[format];
  if (format === 'wav') {
    return [
      {
        name: a!,
        integerScale: { negative: 32768, positive: 32767 },
        decode: async (bytes) => {
          const w = nodeWav.decode(bytes);
          return { channelData: w.channelData, frames: w.channelData[0]!.length };
        },
      },
      {
        name: b!,
        decode: async (bytes) => {
          // de-interleaved: one Float32Array per channel (the typings say Float64Array)
          const planes = new wavefile.WaveFile(bytes).getSamples(false, Float32Array) as unknown as Float32Array[];
          for (const p of planes) for (let i = 0; i < p.length; i++) p[i] = p[i]! / 32768;
          return { channelData: planes, frames: planes[0]!.length };
        },
      },
    ];
  }
  if (format === 'flac') {
    const { FLACDecoder } = await import('@wasm-audio-decoders/flac');
    const inCall = new FLACDecoder();
    const after = new FLACDecoder();
    await Promise.all([inCall.ready, after.ready]);
    const result = (r: Awaited<ReturnType<typeof inCall.decodeFile>>): Decoded => {
      if (r.errors.length > 0) throw new Error(`FLACDecoder: ${r.errors[0]!.message}`);
      return { channelData: r.channelData, frames: r.samplesDecoded };
    };
    // @wasm-audio-decoders/flac divides by 2^(bits-1) - 1 (the pool's workers rescale to / 2^(bits-1))
    return [
      { name: a!, integerScale: 32767, decode: async (bytes) => result(await inCall.decodeFile(bytes)) },
      {
        name: b!,
        integerScale: 32767,
        async decode(bytes) {
          // what decodeFile does before its reset
          const frames = new CodecParser('audio/flac', { enableFrameCRC32: false }).parseAll(bytes) as CodecFrame[];
          return result(await after.decodeFrames(frames.map((f) => f.data)));
        },
        afterAnswer: () => after.reset(),
      },
    ];
  }
  const { MPEGDecoder } = await import('mpg123-decoder');
  const inCall = new MPEGDecoder();
  const after = new MPEGDecoder();
  await Promise.all([inCall.ready, after.ready]);
  const result = (r: ReturnType<typeof inCall.decode>): Decoded => {
    if (r.errors.length > 0) throw new Error(`MPEGDecoder: ${r.errors[0]!.message}`);
    return { channelData: r.channelData, frames: r.samplesDecoded };
  };
  return [
    {
      name: a!,
      async decode(bytes) {
        const r = inCall.decode(bytes);
        await inCall.reset();
        return result(r);
      },
    },
    { name: b!, decode: async (bytes) => result(after.decode(bytes)), afterAnswer: () => after.reset() },
  ];
}

/**
 * Throws unless `got` holds `want`'s first frames (all of them when `exact`, at least `minFrames`
 * otherwise) bit for bit, or, with `integerScale`, as the same 16-bit integers (got x scale
 * against want x 32768, each rounded).
 */
export function checkPlanes(name: string, got: Decoded, want: Float32Array[], exact: boolean, minFrames: number, integerScale?: IntegerScale): void {
  if (got.channelData.length !== want.length) throw new Error(`${name}: ${got.channelData.length} channels, expected ${want.length}`);
  const n = want[0]!.length;
  if (exact ? got.frames !== n : got.frames > n || got.frames < minFrames) {
    throw new Error(`${name}: ${got.frames} frames, expected ${exact ? n : `${minFrames}..${n}`}`);
  }
  got.channelData.forEach((plane, c) => {
    const ref = want[c]!;
    if (integerScale !== undefined) {
      const { negative, positive } = typeof integerScale === 'number' ? { negative: integerScale, positive: integerScale } : integerScale;
      for (let i = 0; i < got.frames; i++) {
        const scale = plane[i]! < 0 ? negative : positive;
        if (Math.round(plane[i]! * scale) !== Math.round(ref[i]! * 32768)) {
          throw new Error(`${name}: channel ${c} frame ${i} is ${plane[i]} (x ${scale}), the reference ${ref[i]} (x 32768)`);
        }
      }
      return;
    }
    const x = new Uint32Array(plane.buffer, plane.byteOffset, got.frames);
    const y = new Uint32Array(ref.buffer, ref.byteOffset, got.frames);
    for (let i = 0; i < x.length; i++) {
      if (x[i] !== y[i]) throw new Error(`${name}: channel ${c} frame ${i} is ${plane[i]}, the reference ${ref[i]}`);
    }
  });
}

interface DriverCase {
  name: string;
  format: DecodeBenchFormat;
  clip: Uint8Array;
  /** Frames ours decodes the clip to. */
  frames: number;
  sampleRate: number;
  impls: DecodeImpl[];
  reference: Float32Array[];
  /** Only WAV and FLAC outputs have one exact length; mpg123 alone leaves the LAME padding in. */
  exact: boolean;
}

type Pools = { one: WorkerPool; many: WorkerPool };

/** The cases with a driver's share of the implementations: the pool paths, or the peer. */
async function buildCases(pools: Pools | null): Promise<DriverCase[]> {
  const wav = fixtureBytes('signal.wav');
  const wavRef = parseWav(wav).channels;
  const prefix = (planes: Float32Array[], n: number) => planes.map((p) => p.subarray(0, n));
  const cases: DriverCase[] = [];
  for (const format of DECODE_BENCH_FORMATS) {
    let clip: Uint8Array;
    let reference: Float32Array[];
    if (format === 'wav') {
      clip = wavClip(wav, WAV_CLIP_FRAMES);
      reference = prefix(wavRef, WAV_CLIP_FRAMES);
    } else if (format === 'flac') {
      clip = flacClip(fixtureBytes('signal.flac'), FLAC_CLIP_BLOCKS);
      reference = prefix(wavRef, parseFlac(clip).totalClaimed);
    } else {
      clip = mp3Clip(fixtureBytes('signal.mp3'), MP3_CLIP_FRAMES);
      const stream = parseMp3(clip);
      const { MPEGDecoder } = await import('mpg123-decoder');
      const one = new MPEGDecoder({ enableGapless: false });
      await one.ready;
      const whole = one.decodeFrames(stream.frames.map((f) => f.data));
      one.free();
      const trim = stream.gapless!.delay + MP3_DECODER_DELAY;
      reference = whole.channelData.map((p) => p.subarray(trim));
    }
    const clipName = `${format}-1s`;
    const names = decodeBenchImplNames(format, pools?.many.size);
    const impls = pools
      ? [
        poolImpl(names[0]!, pools.many, clipName),
        poolImpl(names[1]!, pools.one, clipName),
        poolImpl(names[2]!, pools.many, clipName, SPLIT_CHUNK_FRAMES),
      ]
      : await peerImpls(format);
    const first = await impls[0]!.decode(clip);
    cases.push({ name: `decode/${clipName}`, format, clip, frames: first.frames, sampleRate: 44100, impls, reference, exact: format !== 'mp3' });
  }
  return cases;
}

// ------------------------------------------------------------------------------------------------
// the driver thread and the synchronous bridge to it

type Request =
  | { type: 'setup'; wasmPath: string; part: 'pools' | 'peers' }
  | { type: 'run'; case: number; impl: number }
  | { type: 'check'; case: number; impl: number }
  | { type: 'noop' }
  | { type: 'fresh'; reps: number }
  | { type: 'close' };

export interface DriverCaseInfo {
  name: string;
  ours: string;
  impls: string[];
  /** Frames the first implementation (ours) decodes the clip to, and their duration. */
  frames: number;
  seconds: number;
  clipBytes: number;
}

/**
 * Ms to build a decoder in its initial state (`new`, then `ready`: a new wasm instance) and free
 * it: median and mean (the mean carries the garbage collections that dead instances cause).
 */
export interface FreshDecoderCost {
  flacMs: number;
  mp3Ms: number;
  flacMeanMs: number;
  mp3MeanMs: number;
  reps: number;
}

type Reply = { ok: true; cases?: DriverCaseInfo[]; fresh?: FreshDecoderCost } | { ok: false; error: string };

/** What the pool's workers do per FLAC or MP3 task, after it: a fresh decoder (and the old one freed). */
async function freshDecoderCost(reps: number): Promise<FreshDecoderCost> {
  const { FLACDecoder } = await import('@wasm-audio-decoders/flac');
  const { MPEGDecoder } = await import('mpg123-decoder');
  const time = async (make: () => { ready: Promise<unknown>; free(): unknown }): Promise<[number, number]> => {
    const ms: number[] = [];
    for (let i = -3; i < reps; i++) {
      const t0 = performance.now();
      const d = make();
      await d.ready;
      d.free();
      if (i >= 0) ms.push(performance.now() - t0);
    }
    return [percentile([...ms].sort((a, b) => a - b), 50), ms.reduce((a, b) => a + b, 0) / ms.length];
  };
  const [flacMs, flacMeanMs] = await time(() => new FLACDecoder());
  const [mp3Ms, mp3MeanMs] = await time(() => new MPEGDecoder({ enableGapless: false }));
  return { flacMs, mp3Ms, flacMeanMs, mp3MeanMs, reps };
}

interface DriverData {
  role: typeof DRIVER_ROLE;
  port: MessagePort;
  control: SharedArrayBuffer;
}

/**
 * A driver: owns the pools (one thread) or the peers (another, so that neither's garbage
 * collection lands on the other's figures), answers one request at a time.
 */
function runDriver(data: DriverData): void {
  const control = new Int32Array(data.control);
  const port = data.port;
  let pools: Pools | null = null;
  let cases: DriverCase[] | null = null;
  const answer = (reply: Reply) => {
    port.postMessage(reply);
    Atomics.add(control, 0, 1);
    Atomics.notify(control, 0);
  };
  // an implementation's work after its answer (a peer's reset): the next request waits for it
  let afterAnswer: (() => Promise<void>) | null = null;
  let settled: Promise<void> = Promise.resolve();
  let afterError: unknown = null;
  const handle = async (req: Request): Promise<Reply> => {
    await settled;
    if (afterError !== null) {
      const err = afterError;
      afterError = null;
      throw err;
    }
    if (req.type === 'noop') return { ok: true };
    if (req.type === 'fresh') return { ok: true, fresh: await freshDecoderCost(req.reps) };
    if (req.type === 'setup') {
      if (!cases) {
        if (req.part === 'pools') {
          const wasmBytes = readWasmBytes(req.wasmPath);
          const [one, many] = await Promise.all([
            WorkerPool.create({ wasmBytes, spawn: spawnNodeWorker, workers: 1 }),
            WorkerPool.create({ wasmBytes, spawn: spawnNodeWorker, workers: defaultWorkers() }),
          ]);
          pools = { one, many };
        }
        cases = await buildCases(pools);
      }
      return {
        ok: true,
        cases: cases.map((c) => ({
          name: c.name, ours: c.impls[0]!.name, impls: c.impls.map((i) => i.name), frames: c.frames, seconds: c.frames / c.sampleRate, clipBytes: c.clip.length,
        })),
      };
    }
    if (req.type === 'close') {
      await Promise.all([pools?.one.shutdown(), pools?.many.shutdown()]);
      pools = null;
      return { ok: true };
    }
    const c = cases?.[req.case];
    const impl = c?.impls[req.impl];
    if (!c || !impl) throw new Error(`no case ${req.case} impl ${req.impl}`);
    const out = await impl.decode(c.clip);
    afterAnswer = impl.afterAnswer ?? null;
    if (req.type === 'check') checkPlanes(`${c.name} ${impl.name}`, out, c.reference, c.exact, c.format === 'mp3' ? c.frames : 0, impl.integerScale);
    return { ok: true };
  };
  port.on('message', (req: Request) => {
    handle(req).then(answer, (err: unknown) => answer({ ok: false, error: err instanceof Error ? err.message : String(err) }))
      .finally(() => {
        const after = afterAnswer;
        afterAnswer = null;
        if (after) {
          settled = after().catch((err: unknown) => {
            afterError = err;
          });
        }
        if (req.type === 'close') port.close();
      });
  });
}

if (!isMainThread && (workerData as Partial<DriverData> | null)?.role === DRIVER_ROLE) runDriver(workerData as DriverData);

/** The file URL of tsx's ESM API (`tsx/esm/api` as an import resolves it). */
function tsxEsmApiUrl(): string {
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  return new URL(pkg.exports['./esm/api']!.import.default, pathToFileURL(pkgPath)).href;
}

/** The main thread's side: synchronous calls into the driver. */
class DecodeDriver {
  private closed = false;
  cases: DriverCaseInfo[] = [];

  private constructor(private readonly worker: Worker, private readonly port: MessagePort, private readonly control: Int32Array) {}

  static start(): DecodeDriver {
    const control = new SharedArrayBuffer(8);
    const { port1, port2 } = new MessageChannel();
    const tsxApi = tsxEsmApiUrl();
    // an eval'd CommonJS entry: registers tsx (TypeScript) in the thread, then loads this module;
    // whenever the thread ends, a waiting call wakes up and finds it gone
    const code = `
      const { workerData } = require('node:worker_threads');
      process.on('exit', () => {
        const c = new Int32Array(workerData.control);
        Atomics.store(c, 1, 1);
        Atomics.add(c, 0, 1);
        Atomics.notify(c, 0);
      });
      import(${JSON.stringify(tsxApi)})
        .then((api) => { api.register(); return import(${JSON.stringify(import.meta.url)}); })
        .catch((err) => {
          workerData.port.postMessage({ ok: false, error: 'the decode bench driver could not start: ' + (err && err.message ? err.message : String(err)) });
          const c = new Int32Array(workerData.control);
          Atomics.add(c, 0, 1);
          Atomics.notify(c, 0);
        });`;
    const data: DriverData = { role: DRIVER_ROLE, port: port2, control };
    const worker = new Worker(code, { eval: true, workerData: data, transferList: [port2] });
    // neither keeps Node alive: a bench run ends when its main thread is done
    worker.unref();
    port1.unref();
    return new DecodeDriver(worker, port1, new Int32Array(control));
  }

  /** Sends one request and blocks until the driver answers; its error is thrown here. */
  call(req: Request, timeoutMs = CALL_TIMEOUT_MS): Reply & { ok: true } {
    return this.send(req).wait(timeoutMs);
  }

  /** Posts a request; `wait()` blocks until its answer (so two drivers can work at once). */
  send(req: Request): { wait(timeoutMs?: number): Reply & { ok: true } } {
    if (this.closed) throw new Error('the decode bench driver is closed');
    const before = Atomics.load(this.control, 0);
    this.port.postMessage(req);
    const wait = (timeoutMs = CALL_TIMEOUT_MS): Reply & { ok: true } => {
      const deadline = performance.now() + timeoutMs;
      while (Atomics.load(this.control, 0) === before) {
        const left = deadline - performance.now();
        if (left <= 0) throw new Error(`the decode bench driver did not answer "${req.type}" within ${timeoutMs} ms`);
        Atomics.wait(this.control, 0, before, left);
      }
      const got = receiveMessageOnPort(this.port);
      if (!got) {
        if (Atomics.load(this.control, 1) === 1) {
          this.closed = true;
          void this.worker.terminate();
          throw new Error(`the decode bench driver exited during "${req.type}"`);
        }
        throw new Error(`the decode bench driver answered "${req.type}" with no message`);
      }
      const reply = got.message as Reply;
      if (!reply.ok) throw new Error(reply.error);
      return reply;
    };
    return { wait };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      if (Atomics.load(this.control, 1) === 0) this.call({ type: 'close' });
    } finally {
      this.closed = true;
      await this.worker.terminate();
    }
  }

  /** Ends the thread at once (its pools' workers with it). */
  terminate(): Promise<number> {
    this.closed = true;
    return this.worker.terminate();
  }

  get isClosed(): boolean {
    return this.closed;
  }
}

interface Started {
  pools: DecodeDriver;
  peers: DecodeDriver;
  /** Per case, the drivers' implementations together: ours and the other pool paths, then the peer. */
  cases: DriverCaseInfo[];
}

let started: Started | null = null;

/**
 * Starts the two driver threads (once): the pools with the clips, and the peers. Checks nothing
 * yet; returns the cases.
 */
export function startDecodeBench(path: string = wasmPath()): DriverCaseInfo[] {
  if (started && !started.pools.isClosed && !started.peers.isClosed) return started.cases;
  const pools = DecodeDriver.start();
  const peers = DecodeDriver.start();
  try {
    const setupPools = pools.send({ type: 'setup', wasmPath: path, part: 'pools' });
    const setupPeers = peers.send({ type: 'setup', wasmPath: path, part: 'peers' });
    const a = setupPools.wait(120_000).cases ?? [];
    const b = setupPeers.wait(120_000).cases ?? [];
    pools.cases = a;
    peers.cases = b;
    const cases = a.map((info, i) => ({ ...info, impls: [...info.impls, ...(b[i]?.impls ?? [])] }));
    started = { pools, peers, cases };
    return cases;
  } catch (err) {
    void pools.terminate();
    void peers.terminate();
    throw err;
  }
}

/** Shuts the pools down and ends both driver threads (a bench run may also just exit). */
export async function closeDecodeBench(): Promise<void> {
  const s = started;
  started = null;
  await Promise.all([s?.pools.close(), s?.peers.close()]);
}

/** The median cost of a fresh FLAC and MP3 decoder, measured in the peers' driver thread. */
export function freshDecoderCostMs(reps = 30): FreshDecoderCost {
  if (!started) throw new Error('decode bench: startDecodeBench() first');
  const fresh = started.peers.call({ type: 'fresh', reps }).fresh;
  if (!fresh) throw new Error('the decode bench driver sent no fresh-decoder figures');
  return fresh;
}

/** Median round trip of an empty request to the pools' driver, µs: the overhead in every decode figure. */
export function bridgeRoundTripUs(calls = 200): number {
  if (!started) throw new Error('decode bench: startDecodeBench() first');
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    started.pools.call({ type: 'noop' });
    times.push((performance.now() - t0) * 1000);
  }
  return percentile(times.sort((a, b) => a - b), 50);
}

export const decodeBench: BenchFile = {
  stage: 'decode',
  caseNames: DECODE_BENCH_CASES,
  async prepare() {
    startDecodeBench();
  },
  cases() {
    const s = started;
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
    const s = started;
    if (!s) throw new Error('decode bench: prepare() must run before report()');
    const lines = [...clipLines(s.cases, results, bridgeRoundTripUs()), freshLine(freshDecoderCostMs(quick ? 3 : 30))];
    const scaling = quick ? { seconds: 10, reps: 1, workers: [1, 2] } : { ...SCALING_DEFAULTS, workers: [...SCALING_DEFAULTS.workers] };
    const { rows, notes } = await runDecodeScaling({ ...scaling, onProgress: progress });
    return [...lines, '', ...scalingLines(rows, notes, scaling)].join('\n');
  },
};

/** The long-file scaling run's defaults: 60 s per file, 5 runs after a warm-up, 1, 2 and 4 workers. */
export const SCALING_DEFAULTS = { seconds: 60, reps: 5, workers: [1, 2, 4] } as const;

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

/** What a fresh decoder costs: paid per task off the clock by the pool, in the call by the "reset in the call" peers. */
export function freshLine(f: FreshDecoderCost): string {
  return (
    `a fresh decoder (new + ready: a new wasm instance; then freed), ${f.reps} in the peers' thread: ` +
    `FLAC median ${f.flacMs.toFixed(3)} ms (mean ${f.flacMeanMs.toFixed(3)}), MP3 median ${f.mp3Ms.toFixed(3)} ms (mean ${f.mp3MeanMs.toFixed(3)}). ` +
    'The pool\'s workers build one per FLAC or MP3 task, ' +
    'after the previous task (off the clock unless the next task is already waiting); the "reset in the call" peers ' +
    'pay one per call (reset() re-instantiates), the "reset after the call" peers after their answer'
  );
}

/** The scaling table with its heading and notes. */
export function scalingLines(rows: readonly ScalingRow[], notes: readonly string[], o: { seconds: number; reps: number; workers: readonly number[] }): string[] {
  const fewest = Math.min(...o.workers);
  return [
    `decode scaling: ${o.seconds} s of stereo 44.1 kHz per file, pool.decode wall time (median of ${o.reps} runs after a warm-up); ` +
      `busy = the tasks' execution summed; speed-up = wall time of ${fewest} worker${fewest > 1 ? 's' : ''} / this row's; ${defaultWorkers()} is the default here`,
    formatScalingTable(rows),
    ...notes,
  ];
}

// ------------------------------------------------------------------------------------------------
// scaling: a long file on 1, 2, 4 workers (asynchronous, on the calling thread)

export interface ScalingRow {
  format: DecodeBenchFormat;
  workers: number;
  seconds: number;
  /** Medians over the runs: pool.decode's wall time, and the workers' busy time (the tasks' execution summed). */
  wallMs: number;
  busyMs: number;
  tasks: number;
  /** Seconds of audio per second of wall time. */
  xRealtime: number;
  /** Wall time of the fewest workers measured over this row's. */
  speedup: number;
}

export interface ScalingOptions {
  seconds: number;
  reps: number;
  workers: readonly number[];
  formats?: readonly DecodeBenchFormat[];
  wasmBytes?: Uint8Array;
  onProgress?: (text: string) => void;
}

/** The long files, `seconds` (a multiple of the fixtures' 10 s) each; FLAC null when it cannot be made. */
export function longFiles(seconds: number, formats: readonly DecodeBenchFormat[]): { files: Map<DecodeBenchFormat, Uint8Array>; notes: string[] } {
  const repeat = Math.max(1, Math.round(seconds / 10));
  const files = new Map<DecodeBenchFormat, Uint8Array>();
  const notes: string[] = [];
  const wav = wavClip(fixtureBytes('signal.wav'), null, repeat);
  for (const format of DECODE_BENCH_FORMATS) {
    if (!formats.includes(format)) continue;
    if (format === 'wav') files.set('wav', wav);
    if (format === 'mp3') files.set('mp3', mp3Clip(fixtureBytes('signal.mp3'), null, repeat));
    if (format === 'flac') {
      const flac = flacEncode(wav);
      if (flac.bytes) files.set('flac', flac.bytes);
      notes.push(`FLAC: ${flac.bytes ? flac.note : `skipped (${flac.note}; concatenated FLAC files are not one valid stream)`}`);
    }
  }
  return { files, notes };
}

export async function runDecodeScaling(opts: ScalingOptions): Promise<{ rows: ScalingRow[]; notes: string[] }> {
  const formats = opts.formats ?? DECODE_BENCH_FORMATS;
  const { files, notes } = longFiles(opts.seconds, formats);
  const wasmBytes = opts.wasmBytes ?? readWasmBytes(wasmPath());
  const counts = [...new Set(opts.workers)].sort((a, b) => a - b);
  const pools: WorkerPool[] = [];
  try {
    for (const w of counts) pools.push(await WorkerPool.create({ wasmBytes, spawn: spawnNodeWorker, workers: w }));
    const samples = new Map<string, { wall: number[]; busy: number[]; tasks: number; frames: number; rate: number }>();
    // one warm-up, then the runs, round-robin over the worker counts so they share the machine's moods
    for (let rep = -1; rep < opts.reps; rep++) {
      for (const [format, bytes] of files) {
        for (const pool of pools) {
          const r = await decode(pool, { name: `${format}-long`, bytes });
          if (r.error) throw new Error(r.error);
          if (rep < 0) continue;
          const key = `${format}/${pool.size}`;
          const s = samples.get(key) ?? { wall: [], busy: [], tasks: r.tasks.length, frames: r.frames, rate: r.sampleRate };
          s.wall.push(r.wallMs);
          s.busy.push(r.tasks.reduce((a, t) => a + t.executionTimeUs / 1000, 0));
          samples.set(key, s);
        }
      }
      if (rep >= 0) opts.onProgress?.(`decode scaling: run ${rep + 1}/${opts.reps}`);
    }
    const rows: ScalingRow[] = [];
    for (const format of files.keys()) {
      const med = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);
      const base = med(samples.get(`${format}/${pools[0]!.size}`)!.wall);
      for (const pool of pools) {
        const s = samples.get(`${format}/${pool.size}`)!;
        const wallMs = med(s.wall);
        const seconds = s.frames / s.rate;
        rows.push({ format, workers: pool.size, seconds, wallMs, busyMs: med(s.busy), tasks: s.tasks, xRealtime: (seconds * 1000) / wallMs, speedup: base / wallMs });
      }
    }
    return { rows, notes };
  } finally {
    await Promise.all(pools.map((p) => p.shutdown()));
  }
}

export function formatScalingTable(rows: readonly ScalingRow[]): string {
  const head = ['format', 'workers', 'seconds', 'tasks', 'wall ms', 'ms per s', 'x realtime', 'busy ms', 'speed-up'];
  const body = rows.map((r) => [
    r.format, String(r.workers), r.seconds.toFixed(1), String(r.tasks), r.wallMs.toFixed(1), (r.wallMs / r.seconds).toFixed(2), r.xRealtime.toFixed(0), r.busyMs.toFixed(1),
    `${r.speedup.toFixed(2)}×`,
  ]);
  const all = [head, ...body];
  const widths = head.map((_, c) => Math.max(...all.map((row) => row[c]!.length)));
  return all.map((row) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}

// ------------------------------------------------------------------------------------------------
// run as a script: the three cases with the harness, then the scaling table

function parseList(text: string, what: string): number[] {
  const xs = text.split(',').map((s) => Number(s));
  if (xs.length === 0 || xs.some((x) => !Number.isInteger(x) || x < 1 || x > 8)) throw new Error(`${what} wants whole numbers from 1 to 8, got "${text}"`);
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
  if (!(Number.isInteger(seconds) && seconds >= 10 && seconds % 10 === 0)) throw new Error(`--seconds wants a multiple of 10, got ${seconds}`);
  if (!(Number.isInteger(reps) && reps >= 1)) throw new Error(`--reps wants a whole number >= 1, got ${reps}`);
  const workers = parseList(value('--workers', SCALING_DEFAULTS.workers.join(',')), '--workers');
  const json = flag('--json');
  const out: Record<string, unknown> = {};
  if (!flag('--no-cases')) {
    const infos = startDecodeBench();
    try {
      const options: BenchOptions = DEFAULT_BENCH_OPTIONS;
      const cases = decodeBench.cases({ newWasm: () => { throw new Error('unused'); } });
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
    process.stderr.write(`decode bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
