/**
 * Decoding on the worker pool: `decode(pool, { name, bytes }, options)`, on this thread the plan
 * and the delivery, on the workers the jobs of the `decode` task kind (task.ts).
 *
 * The format comes from the magic bytes (RIFF/WAVE, fLaC, an MPEG frame sync or an ID3v2 tag),
 * never from the name. Then:
 *
 * - WAV: the header is probed in Rust (`wav_probe`, on this thread), and chunks of output frames
 *   go to the workers: PCM -> f32 planes (`pcm_to_planar`), then when the output rate differs
 *   `resample_span` (planes in, planes out) over the chunk plus the resampler's context on each side.
 * - FLAC, MP3: codec-parser cuts the stream into frames here; groups of frames decode on the
 *   workers (@wasm-audio-decoders/flac, mpg123-decoder). MP3 frames depend on earlier ones (bit
 *   reservoir, overlap-add): each group is primed with the preceding frames, chosen so that the
 *   decoder's synthesis filter also starts in the same phase as in one pass (`mp3PrimeStart`),
 *   and their output is dropped; chunked decoding then equals one pass bit for bit (tested).
 *   A LAME/Lavc tag's encoder delay plus mpg123's 529-sample decoder delay are trimmed, and its
 *   padding, so the output lines up with the encoder's input (delay 0). Resampling, if asked,
 *   runs as separate span tasks once the source frames they read (their context included) are
 *   decoded.
 *
 * Chunks finish in any order; `onChunk` receives them in order as soon as the prefix is
 * contiguous (views into the final buffers), so playback can start before the end. A file
 * problem (empty, unknown format, corrupt or truncated data, a header claiming more than the file
 * holds, an output above `maxOutputSamples`) never rejects: the result's `error` names the file
 * and the problem, and `channelData` holds what was decoded before the fault. Bad options reject
 * with an Error; an abort rejects with an AbortError.
 */
import {
  detectFormat,
  hexHead,
  mp3PrimeStart,
  parseFlac,
  parseMp3,
  MP3_DECODER_DELAY,
  type AudioFormat,
  type ParsedFrame,
} from './codecs.ts';
import { SHARED_COPY_ALIGN, STAGING_BYTES, copyOffset } from '../../../worklet/pool/layout.ts';
import type { TaskOutcome, WorkerPool } from '../../../worklet/pool/pool.ts';
import type { TaskBody } from '../../../worklet/pool/task-kind.ts';
import { planner, type ResamplePlan, type WavInfo } from './plan-wasm.ts';
import {
  decodeTask,
  type ByteSource,
  type DecodeMessage,
  type DecodeOp,
  type FrameError,
  type PlanarResult,
  type PlanarSource,
  type PlanarTarget,
} from './task.ts';

export interface DecodeInput {
  name: string;
  bytes: Uint8Array | ArrayBuffer;
}

export interface DecodeProgress {
  framesDone: number;
  framesTotal: number;
  tasksDone: number;
  tasksTotal: number;
}

export interface DecodedChunk {
  index: number;
  startFrame: number;
  frames: number;
  sampleRate: number;
  /** Views into the result's buffers (valid for the result's lifetime). */
  channelData: Float32Array[];
}

export interface DecodeOptions {
  /** Output sample rate, 8000..192000 Hz (default: the file's). */
  outputRate?: number;
  /** Output frames per chunk task, 1024..1048576 (default 65536; fewer when a chunk's input would exceed a 1 MiB staging buffer). */
  chunkFrames?: number;
  /** Largest output accepted, samples (frames x channels), default 2^28 (1 GiB of f32). */
  maxOutputSamples?: number;
  onProgress?: (progress: DecodeProgress) => void;
  onChunk?: (chunk: DecodedChunk) => void;
  signal?: AbortSignal;
}

export interface DecodeTask {
  taskId: number;
  worker: number;
  kind: DecodeOp;
  executionTimeUs: number;
  roundTripUs: number;
}

export interface DecodeResult {
  name: string;
  /** Null when the format could not be recognised. */
  format: AudioFormat | null;
  sourceRate: number;
  sampleRate: number;
  channels: number;
  frames: number;
  channelData: Float32Array[];
  tasks: DecodeTask[];
  wallMs: number;
  error: string | null;
}

export const DEFAULT_CHUNK_FRAMES = 65536;
/**
 * How many frames before a group's planned end its start may move to need fewer priming frames
 * (the MP3 synthesis filter's period is at most 16 frames).
 */
const PRIME_LOOKBACK = 15;
export const DEFAULT_MAX_OUTPUT_SAMPLES = 2 ** 28;
export const MIN_RATE = 8000;
export const MAX_RATE = 192000;

/** floor(a * b / c) for non-negative integers with a * b < 2^53. */
function mulDivFloor(a: number, b: number, c: number): number {
  const p = a * b;
  return (p - (p % c)) / c;
}

/** A plain or shared Float32Array of `n` floats. */
function planeOf(n: number, shared: boolean): Float32Array {
  return shared ? new Float32Array(new SharedArrayBuffer(n * 4)) : new Float32Array(n);
}

function abortError(signal: AbortSignal): Error {
  const reason = signal.reason as unknown;
  if (reason instanceof Error) return reason;
  const err = new Error('decode aborted');
  err.name = 'AbortError';
  return err;
}

function checkOptions(options: DecodeOptions): void {
  const { outputRate, chunkFrames, maxOutputSamples } = options;
  if (outputRate !== undefined && !(Number.isInteger(outputRate) && outputRate >= MIN_RATE && outputRate <= MAX_RATE)) {
    throw new Error(`decode: outputRate must be an integer from ${MIN_RATE} to ${MAX_RATE} Hz, got ${outputRate}`);
  }
  if (chunkFrames !== undefined && !(Number.isInteger(chunkFrames) && chunkFrames >= 1024 && chunkFrames <= 1 << 20)) {
    throw new Error(`decode: chunkFrames must be an integer from 1024 to 1048576, got ${chunkFrames}`);
  }
  if (maxOutputSamples !== undefined && !(Number.isInteger(maxOutputSamples) && maxOutputSamples > 0)) {
    throw new Error(`decode: maxOutputSamples must be a positive integer, got ${maxOutputSamples}`);
  }
}

type DecodeBody = TaskBody<DecodeMessage>;

/** Where a job's bytes were staged: a staging buffer of the pool, and their offset in it. */
interface Staged {
  slot: number;
  offset: number;
}

/**
 * The most bytes a job may stage: a staging buffer less the largest offset `copyOffset` gives
 * (staged bytes agree with their source's alignment, so that V8 copies them a word at a time).
 */
const STAGE_ROOM = STAGING_BYTES - (SHARED_COPY_ALIGN - 1);

/** A unit of work of one decode: it becomes ready, runs as one pool task, and lands somewhere. */
interface Job {
  kind: DecodeOp;
  ready(): boolean;
  /** Shared mode: bytes to stage in a staging buffer of the pool (null: none). */
  stageBytes: (() => Uint8Array) | null;
  build(staged: Staged | null): DecodeBody;
  done(result: PlanarResult): void;
  failed(err: Error): void;
  state: 'waiting' | 'running' | 'settled' | 'dropped';
}

/** An output chunk: frames [o0, o1) of the result. */
interface OutChunk {
  o0: number;
  o1: number;
  done: boolean;
  /** The span task that fills it (resampled FLAC/MP3), to re-plan it after a fault. */
  job?: Job;
}

class DecodeRun {
  private readonly shared: boolean;
  private readonly t0 = performance.now();
  private readonly tasks: DecodeTask[] = [];
  private error: string | null = null;
  private format: AudioFormat | null = null;
  private sourceRate = 0;
  private sampleRate = 0;
  private channels = 0;
  private planes: Float32Array[] = [];
  private totalOut = 0;
  /** Output frames known good: the total, or the frame where a fault was found. */
  private keptOut = 0;
  private chunks: OutChunk[] = [];
  private delivered = 0;
  private framesDone = 0;
  private jobs: Job[] = [];
  private tasksDone = 0;
  private inflight = 0;
  private finished = false;
  private settle: ((r: DecodeResult) => void) | null = null;
  private rejectRun: ((e: Error) => void) | null = null;
  private readonly limit: number;
  private readonly chunkFrames: number;

  constructor(
    private readonly pool: WorkerPool,
    private readonly name: string,
    private readonly bytes: Uint8Array,
    private readonly options: DecodeOptions,
  ) {
    this.shared = pool.mode === 'shared';
    this.limit = pool.size + 2;
    this.chunkFrames = options.chunkFrames ?? DEFAULT_CHUNK_FRAMES;
  }

  /** Records the first problem (later ones are consequences). */
  private fail(message: string): void {
    this.error ??= `${this.name}: ${message}`;
  }

  private result(): DecodeResult {
    const frames = Math.min(this.keptOut, this.totalOut);
    return {
      name: this.name,
      format: this.format,
      sourceRate: this.sourceRate,
      sampleRate: this.sampleRate,
      channels: this.channels,
      frames,
      channelData: this.planes.map((p) => p.subarray(0, frames)),
      tasks: this.tasks,
      wallMs: performance.now() - this.t0,
      error: this.error,
    };
  }

  async go(): Promise<DecodeResult> {
    const signal = this.options.signal;
    if (signal?.aborted) throw abortError(signal);
    if (this.bytes.length === 0) {
      this.fail('the file is empty');
      return this.result();
    }
    this.format = detectFormat(this.bytes);
    if (!this.format) {
      this.fail(`not a WAV, FLAC or MP3 file (it starts with ${hexHead(this.bytes)})`);
      return this.result();
    }
    try {
      if (this.format === 'wav') await this.planWav();
      else if (this.format === 'flac') await this.planFlac();
      else await this.planMp3();
    } catch (err) {
      this.fail((err as Error).message);
      return this.result();
    }
    if (this.jobs.length === 0) return this.result();
    return new Promise<DecodeResult>((resolve, reject) => {
      this.settle = resolve;
      this.rejectRun = reject;
      signal?.addEventListener('abort', () => this.abort(signal), { once: true });
      this.pump();
    });
  }

  private abort(signal: AbortSignal): void {
    if (this.finished) return;
    this.finished = true;
    for (const job of this.jobs) if (job.state === 'waiting') job.state = 'dropped';
    this.rejectRun?.(abortError(signal));
  }

  /** Sets the output geometry and allocates the planes; false (with an error) if too large. */
  private allocate(channels: number, sourceRate: number, outRate: number, totalOut: number): boolean {
    this.channels = channels;
    this.sourceRate = sourceRate;
    this.sampleRate = outRate;
    const limit = this.options.maxOutputSamples ?? DEFAULT_MAX_OUTPUT_SAMPLES;
    if (totalOut * channels > limit) {
      this.fail(
        `${totalOut} frames x ${channels} channels at ${outRate} Hz is ${totalOut * channels} samples, above the limit of ${limit}`,
      );
      return false;
    }
    try {
      this.planes = Array.from({ length: channels }, () => planeOf(totalOut, this.shared));
    } catch (err) {
      this.planes = [];
      this.fail(`cannot allocate ${totalOut * channels * 4} bytes for the output: ${(err as Error).message}`);
      return false;
    }
    this.totalOut = totalOut;
    this.keptOut = totalOut;
    return true;
  }

  private target(frameOffset: number): PlanarTarget {
    return this.shared
      ? { mode: 'shared', planes: this.planes.map((p) => p.buffer as SharedArrayBuffer), frame_offset: frameOffset }
      : { mode: 'messages' };
  }

  /** Copies a messages-mode reply into the output planes at `offset`. */
  private land(planes: Float32Array[], result: PlanarResult, offset: number): void {
    if (!result.planes) return;
    result.planes.forEach((buf, c) => planes[c]?.set(new Float32Array(buf), offset));
  }

  private byteSource(staged: Staged | null, bytes: () => Uint8Array): ByteSource {
    if (staged !== null) return { mode: 'shared', slot: staged.slot, byte_offset: staged.offset, byte_length: bytes().length };
    return { mode: 'messages', bytes: bytes().slice().buffer };
  }

  /** Output chunks of `chunk` frames over [0, total). */
  private cutOutput(total: number, chunk: number): OutChunk[] {
    const out: OutChunk[] = [];
    for (let o0 = 0; o0 < total; o0 += chunk) out.push({ o0, o1: Math.min(total, o0 + chunk), done: false });
    return out;
  }

  // ------------------------------------------------------------------------------------------
  // WAV

  private async planWav(): Promise<void> {
    const plan = await planner(this.pool);
    const info: WavInfo = await plan.probeWav(this.bytes);
    if (!info.usable) throw new Error(info.message);
    const available = info.framesAvailable;
    if (info.framesClaimed > available) {
      this.fail(`header claims ${info.framesClaimed} frames but the file holds ${available}; kept ${available}`);
    } else if (info.message !== 'ok') {
      this.fail(info.message);
    }
    const inRate = info.sampleRate;
    const outRate = this.options.outputRate ?? inRate;
    const ch = info.channels;
    const rs = inRate !== outRate ? plan.resampler(inRate, outRate, ch) : null;
    const totalOut = rs ? rs.outFrames(available) : available;
    if (!this.allocate(ch, inRate, outRate, totalOut)) return;
    if (totalOut === 0) return;
    const range = (o0: number, o1: number): [number, number] => {
      if (!rs) return [o0, o1];
      const first = mulDivFloor(o0, inRate, outRate) - rs.context + 1;
      const last = mulDivFloor(o1 - 1, inRate, outRate) + rs.context + 1;
      return [Math.max(0, first), Math.min(available, last)];
    };
    // chunks whose input fits a staging buffer
    // the most input frames a chunk of n output frames reads: its span plus the context each side
    const inputBytes = (n: number) => (rs ? Math.ceil((n * inRate) / outRate) + 2 * rs.context + 2 : n) * info.blockAlign;
    let chunk = this.chunkFrames;
    while (chunk > 1 && inputBytes(chunk) > STAGE_ROOM) chunk = Math.floor(chunk / 2);
    this.chunks = this.cutOutput(totalOut, chunk);
    for (const c of this.chunks) {
      const [i0, i1] = range(c.o0, c.o1);
      const from = info.dataOffset + i0 * info.blockAlign;
      const slice = () => this.bytes.subarray(from, from + (i1 - i0) * info.blockAlign);
      this.addJob({
        kind: 'wav_chunk',
        ready: () => true,
        stageBytes: slice,
        build: (staged) => ({
          job: {
            op: 'wav_chunk',
            format: info.format,
            bits: info.bits,
            channels: ch,
            in_rate: inRate,
            out_rate: outRate,
            in_start: i0,
            in_frames: i1 - i0,
            total_in: available,
            out_start: c.o0,
            out_count: c.o1 - c.o0,
            input: this.byteSource(staged, slice),
            output: this.target(c.o0),
          },
        }),
        done: (result) => {
          this.land(this.planes, result, c.o0);
          this.chunkDone(c);
        },
        failed: (err) => {
          this.fail(`frames ${c.o0}..${c.o1} could not be decoded: ${err.message}`);
          this.cutAt(c.o0);
        },
      });
    }
  }

  // ------------------------------------------------------------------------------------------
  // FLAC and MP3: decode groups into source planes, then (if resampling) span tasks

  /** Source planes (the output itself when no resampling is needed). */
  private source: Float32Array[] = [];
  private sourceTotal = 0;
  /** Source frames known good (a fault lowers it). */
  private sourceKept = 0;
  private groups: { s0: number; s1: number; done: boolean }[] = [];

  private async planFlac(): Promise<void> {
    const stream = parseFlac(this.bytes);
    if (stream.mismatch) this.fail(stream.mismatch);
    const frames = stream.frames;
    const total = frames.reduce((a, f) => a + f.samples, 0);
    if (total === 0) throw new Error(stream.mismatch ?? 'no FLAC frames found');
    if (stream.totalClaimed > total) {
      const unread = this.bytes.length - stream.endByte;
      if (!stream.mismatch && unread > Math.max(stream.maxFrameBytes, 16)) {
        // more than a frame follows the last good one: not a cut file but a corrupt frame
        this.fail(
          `frame ${frames.length} (at byte ${stream.endByte}) is corrupt: decoding stopped there with ${unread} bytes unread; kept ${total} of the ${stream.totalClaimed} frames stream info claims`,
        );
      } else {
        this.fail(`stream info claims ${stream.totalClaimed} frames but the frames hold ${total}; kept ${total}`);
      }
    }
    await this.planCoded('flac', stream.sampleRate, stream.channels, stream.bits, frames, total, 0, (a) => a); // FLAC frames are independent: no priming
  }

  private async planMp3(): Promise<void> {
    const stream = parseMp3(this.bytes);
    if (stream.mismatch) this.fail(stream.mismatch);
    const spf = stream.samplesPerFrame;
    const n = stream.frames.length;
    const trim = stream.gapless ? stream.gapless.delay + MP3_DECODER_DELAY : 0;
    // with a LAME tag: the encoder's input length (and never past what the frames decode to)
    const total = stream.gapless ? Math.max(0, Math.min(n * spf - stream.gapless.delay - stream.gapless.padding, n * spf - trim)) : n * spf;
    if (total === 0) throw new Error('no MPEG audio samples after the encoder delay');
    await this.planCoded('mp3', stream.sampleRate, stream.channels, 0, stream.frames, total, trim, (a) =>
      mp3PrimeStart(stream.frames, a, spf),
    );
  }

  private async planCoded(
    codec: 'flac' | 'mp3',
    inRate: number,
    ch: number,
    bits: number,
    frames: ParsedFrame[],
    total: number,
    trim: number,
    primeStart: (a: number) => number,
  ): Promise<void> {
    const outRate = this.options.outputRate ?? inRate;
    const plan = inRate !== outRate ? await planner(this.pool) : null;
    const rs = plan ? plan.resampler(inRate, outRate, ch) : null;
    const totalOut = rs ? rs.outFrames(total) : total;
    if (!this.allocate(ch, inRate, outRate, totalOut)) return;
    this.sourceTotal = total;
    this.sourceKept = total;
    try {
      this.source = rs ? Array.from({ length: ch }, () => planeOf(total, this.shared)) : this.planes;
    } catch (err) {
      throw new Error(`cannot allocate ${total * ch * 4} bytes for the decoded source: ${(err as Error).message}`);
    }
    // group frames: about a chunk's worth of source frames, within a staging buffer
    const groupFrames = rs ? Math.ceil((this.chunkFrames * inRate) / outRate) : this.chunkFrames;
    const starts: number[] = [0];
    for (let i = 0, samples = 0, bytes = 0; i < frames.length; i++) {
      const f = frames[i]!;
      const last = starts[starts.length - 1]!;
      // half a staging buffer per group leaves room for the priming frames
      if (i > last && (samples + f.samples > groupFrames || bytes + f.data.length > STAGING_BYTES / 2)) {
        // of the last few frames (keeping at least half the group), start the next group where it
        // needs the fewest priming frames (MP3: where the synthesis filter's period lines up;
        // FLAC needs none: here, at i)
        let cut = i;
        let priming = i - primeStart(i);
        const lowest = Math.max(i - PRIME_LOOKBACK, last + Math.ceil((i - last) / 2));
        for (let j = i - 1; j >= lowest; j--) {
          const p = j - primeStart(j);
          if (p < priming) [cut, priming] = [j, p];
        }
        starts.push(cut);
        samples = 0;
        bytes = 0;
        for (let k = cut; k < i; k++) {
          samples += frames[k]!.samples;
          bytes += frames[k]!.data.length;
        }
      }
      samples += f.samples;
      bytes += f.data.length;
    }
    starts.push(frames.length);
    const frameStart: number[] = [];
    let pos = 0;
    for (const f of frames) {
      frameStart.push(pos);
      pos += f.samples;
    }
    frameStart.push(pos);
    for (let g = 0; g + 1 < starts.length; g++) {
      const a = starts[g]!;
      const b = starts[g + 1]!;
      const s = primeStart(a);
      // decoded samples [frameStart[a], frameStart[b]) land at source frames shifted by `trim`
      const s0 = Math.max(0, frameStart[a]! - trim);
      const s1 = Math.min(total, frameStart[b]! - trim);
      if (s1 <= s0) continue;
      const skip = frameStart[a]! - frameStart[s]! + Math.max(0, trim - frameStart[a]!);
      const group = { s0, s1, done: false };
      this.groups.push(group);
      const payload = () => {
        // frames cut from one buffer back to back (the usual case) are one view: no copy
        const first = frames[s]!.data;
        let len = 0;
        let contiguous = true;
        for (let i = s; i < b; i++) {
          const d = frames[i]!.data;
          contiguous &&= d.buffer === first.buffer && d.byteOffset === first.byteOffset + len;
          len += d.length;
        }
        if (contiguous) return new Uint8Array(first.buffer, first.byteOffset, len);
        const out = new Uint8Array(len);
        let p = 0;
        for (let i = s; i < b; i++) {
          out.set(frames[i]!.data, p);
          p += frames[i]!.data.length;
        }
        return out;
      };
      let cached: Uint8Array | null = null;
      const bytes = () => (cached ??= payload());
      const lengths = frames.slice(s, b).map((f) => f.data.length);
      const outChunk: OutChunk | null = rs ? null : { o0: s0, o1: s1, done: false };
      if (outChunk) this.chunks.push(outChunk);
      this.addJob({
        kind: 'codec_frames',
        ready: () => s0 < this.sourceKept,
        stageBytes: bytes,
        build: (staged) => ({
          job: {
            op: 'codec_frames',
            codec,
            frame_lengths: lengths,
            prime_frames: a - s,
            channels: ch,
            bits,
            skip_samples: skip,
            keep_samples: s1 - s0,
            input: this.byteSource(staged, bytes),
            output: rs ? this.sourceTarget(s0) : this.target(s0),
          },
        }),
        done: (result) => {
          cached = null;
          this.land(this.source, result, s0);
          const bad = result.errors[0];
          if (bad || result.frames < s1 - s0) {
            // the first frame with an error (or the end of what came back) is the fault
            let at = s0 + result.frames;
            if (bad && bad.frame !== null) {
              const f = Math.min(b, s + bad.frame);
              at = Math.max(s0, Math.min(at, frameStart[Math.max(f, a)]! - trim));
            } else if (bad) {
              at = s0;
            }
            this.fail(`${codec.toUpperCase()} frames at ${at} of ${total}: ${bad ? bad.message : 'the decoder stopped early'}; kept ${at}`);
            this.sourceFault(at);
          }
          group.done = true;
          if (outChunk) this.chunkDone(outChunk);
        },
        failed: (err) => {
          cached = null;
          this.fail(`frames ${s0}..${s1} could not be decoded: ${err.message}`);
          this.sourceFault(s0);
          group.done = true;
        },
      });
    }
    if (rs) this.planResample(inRate, outRate, ch, rs);
  }

  private sourceTarget(frameOffset: number): PlanarTarget {
    return this.shared
      ? { mode: 'shared', planes: this.source.map((p) => p.buffer as SharedArrayBuffer), frame_offset: frameOffset }
      : { mode: 'messages' };
  }

  /** A fault at source frame `f`: later source frames are dropped, and with them the output they feed. */
  private sourceFault(f: number): void {
    if (f >= this.sourceKept) return;
    this.sourceKept = f;
    for (const job of this.jobs) {
      if (job.state === 'waiting' && job.kind === 'codec_frames' && !job.ready()) job.state = 'dropped';
    }
    if (this.source === this.planes) {
      this.cutAt(f);
    } else {
      this.resampleFault?.(f);
    }
  }

  private resampleFault: ((f: number) => void) | null = null;

  /** Span tasks: each output chunk once the source frames it reads are decoded. */
  private planResample(inRate: number, outRate: number, ch: number, rs: ResamplePlan): void {
    const addSpan = (c: OutChunk, totalIn: number) => {
      const first = mulDivFloor(c.o0, inRate, outRate) - rs.context + 1;
      const last = mulDivFloor(c.o1 - 1, inRate, outRate) + rs.context + 1;
      const i0 = Math.max(0, first);
      const i1 = Math.min(totalIn, last);
      const job: Job = {
        kind: 'resample',
        state: 'waiting',
        // every group up to the last frame read is decoded, and none of them faulted before it
        // (a fault re-plans the spans that would read past it)
        ready: () => i1 <= this.sourceKept && this.groups.every((g) => g.s0 >= i1 || g.done),
        stageBytes: null,
        build: () => ({
          job: {
            op: 'resample',
            channels: ch,
            in_rate: inRate,
            out_rate: outRate,
            in_start: i0,
            in_frames: i1 - i0,
            total_in: totalIn,
            out_start: c.o0,
            out_count: c.o1 - c.o0,
            input: this.planarSource(i0, i1),
            output: this.target(c.o0),
          },
        }),
        done: (result) => {
          this.land(this.planes, result, c.o0);
          this.chunkDone(c);
        },
        failed: (err) => {
          this.fail(`output frames ${c.o0}..${c.o1} could not be resampled: ${err.message}`);
          this.cutAt(c.o0);
        },
      };
      c.job = job;
      this.jobs.push(job);
    };
    this.chunks = this.cutOutput(this.totalOut, this.chunkFrames);
    for (const c of this.chunks) addSpan(c, this.sourceTotal);
    this.resampleFault = (f) => {
      // a span that already runs reads only frames before f (it was ready before the fault was
      // known); the others are planned again for a source of f frames
      const kept = Math.min(this.totalOut, rs.outFrames(f));
      for (const job of this.jobs) if (job.kind === 'resample' && job.state === 'waiting') job.state = 'dropped';
      this.chunks = this.chunks.filter((c) => c.o0 < kept);
      for (const c of this.chunks) {
        if (c.done || (c.job && c.job.state !== 'dropped')) continue;
        c.o1 = Math.min(c.o1, kept);
        addSpan(c, f);
      }
      this.cutAt(kept);
    };
  }

  private planarSource(i0: number, i1: number): PlanarSource {
    if (this.shared) {
      return { mode: 'shared', planes: this.source.map((p) => p.buffer as SharedArrayBuffer), frame_offset: i0, frames: i1 - i0 };
    }
    return { mode: 'messages', planes: this.source.map((p) => p.slice(i0, i1).buffer) };
  }

  // ------------------------------------------------------------------------------------------
  // scheduling and delivery

  private addJob(job: Omit<Job, 'state'>): void {
    this.jobs.push({ ...job, state: 'waiting' });
  }

  /** Output frames from `f` on are dropped (a fault). */
  private cutAt(f: number): void {
    if (f < this.keptOut) this.keptOut = f;
    this.deliver();
  }

  private chunkDone(c: OutChunk): void {
    c.done = true;
    this.framesDone += Math.max(0, Math.min(c.o1, this.keptOut) - c.o0);
    this.deliver();
  }

  /** Hands out the contiguous prefix of finished chunks, in order. */
  private deliver(): void {
    const onChunk = this.options.onChunk;
    while (this.delivered < this.chunks.length) {
      const c = this.chunks[this.delivered]!;
      if (c.o0 >= this.keptOut) break;
      // a chunk cut by a fault is complete once its frames before the fault are in
      if (!c.done) break;
      const end = Math.min(c.o1, this.keptOut);
      if (onChunk && !this.finished) {
        try {
          onChunk({
            index: this.delivered,
            startFrame: c.o0,
            frames: end - c.o0,
            sampleRate: this.sampleRate,
            channelData: this.planes.map((p) => p.subarray(c.o0, end)),
          });
        } catch (err) {
          this.fail(`onChunk threw: ${(err as Error).message}`);
        }
      }
      this.delivered++;
    }
  }

  private progress(): void {
    const tasksTotal = this.jobs.filter((j) => j.state !== 'dropped').length;
    try {
      this.options.onProgress?.({
        framesDone: Math.min(this.framesDone, this.keptOut),
        framesTotal: Math.min(this.totalOut, this.keptOut),
        tasksDone: this.tasksDone,
        tasksTotal,
      });
    } catch (err) {
      this.fail(`onProgress threw: ${(err as Error).message}`);
    }
  }

  private pump(): void {
    if (this.finished) return;
    // span tasks first: they turn decoded source into deliverable output
    for (const kind of ['resample', 'wav_chunk', 'codec_frames'] as const) {
      for (const job of this.jobs) {
        if (this.inflight >= this.limit) break;
        if (job.kind !== kind || job.state !== 'waiting' || !job.ready()) continue;
        this.start(job);
      }
    }
    if (this.inflight === 0) {
      // nothing runs and nothing is ready: done (jobs still waiting depend on dropped ones)
      for (const job of this.jobs) if (job.state === 'waiting') job.state = 'dropped';
      this.finished = true;
      this.deliver();
      this.settle?.(this.result());
    }
  }

  private start(job: Job): void {
    job.state = 'running';
    this.inflight++;
    void this.execute(job).finally(() => {
      this.inflight--;
      this.tasksDone++;
      if (!this.finished) this.progress();
      this.pump();
    });
  }

  private async execute(job: Job): Promise<void> {
    let slot: number | null = null;
    try {
      // bytes go through a staging buffer of the layout when they fit (a FLAC frame may not)
      let staged: Staged | null = null;
      const bytes = this.shared && job.stageBytes ? job.stageBytes() : null;
      if (bytes && bytes.length <= STAGE_ROOM) {
        slot = await this.pool.region().acquire();
        const target = this.pool.region().bytes(slot);
        staged = { slot, offset: copyOffset(bytes.byteOffset, target.byteOffset) };
        target.set(bytes, staged.offset);
      }
      const outcome: TaskOutcome<PlanarResult> = await this.pool.run(decodeTask, () => job.build(staged), this.options.signal ?? null);
      this.tasks.push({
        taskId: outcome.taskId,
        worker: outcome.worker,
        kind: job.kind,
        executionTimeUs: outcome.executionTimeUs,
        roundTripUs: outcome.roundTripUs,
      });
      if (outcome.result.kind !== 'planar') throw new Error(`unexpected ${String(outcome.result.kind)} reply`);
      if (!this.finished) job.done(outcome.result);
    } catch (err) {
      if (!this.finished) job.failed(err as Error);
    } finally {
      if (slot !== null) this.pool.region().release(slot);
      job.state = 'settled';
    }
  }
}

function toBytes(bytes: unknown): Uint8Array {
  if (bytes instanceof Uint8Array) return bytes;
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  if (typeof SharedArrayBuffer !== 'undefined' && bytes instanceof SharedArrayBuffer) return new Uint8Array(bytes);
  throw new Error('decode: bytes must be a Uint8Array or an ArrayBuffer');
}

/** Decodes a WAV, FLAC or MP3 file across the workers of `pool` (see above). */
export async function decode(pool: WorkerPool, input: DecodeInput, options: DecodeOptions = {}): Promise<DecodeResult> {
  if (!input || typeof input !== 'object') throw new Error('decode: expected { name, bytes }');
  checkOptions(options);
  if (pool.isShutDown) throw new Error('decode: the worker pool is shut down');
  const name = typeof input.name === 'string' && input.name !== '' ? input.name : 'input';
  return new DecodeRun(pool, name, toBytes(input.bytes), options).go();
}

export type { FrameError };
