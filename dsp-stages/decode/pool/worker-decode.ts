/**
 * The worker side of decoding: WAV chunks (PCM -> f32 and resampling in Rust), FLAC and MP3
 * frame groups (@wasm-audio-decoders/flac, mpg123-decoder: their non-worker decoder classes) and
 * resample spans. Output goes straight into shared planes (shared mode) or back in the reply.
 *
 * FLAC and MP3: each worker keeps one decoder of each kind, warm, and puts it back in its initial
 * state in place before every group (codec-adapters.ts: a new libFLAC / mpg123 decoder in the same
 * wasm instance, microseconds), instead of a new wasm instance per group (new + ready costs
 * milliseconds, and the first frames through a cold instance run several times slower). The
 * frames are decoded one by one and each frame's samples go from the decoder's heap straight
 * into the output, FLAC's rescale folded into that copy. A decoder that reported an error or
 * threw is replaced, never reset (libFLAC's state after a corrupt frame is not to be trusted).
 * Without the library internals this relies on, every group gets a new decoder and goes through
 * the public `decodeFrames`, as before.
 */
import type { WorkerContext } from '../../../worklet/pool/task-kind.ts';
import { codecDecoder, type CodecDecoder } from './codec-adapters.ts';
import type { CodecFramesJob, DecodeJob, FrameError, PlanarResult } from './task.ts';
import { jobBytes, outputPlanes } from './worker-io.ts';
import { decodeWavChunk, resampleSpan } from './worker-wasm.ts';

const warm: { flac: Promise<CodecDecoder> | null; mp3: Promise<CodecDecoder> | null } = { flac: null, mp3: null };

/** A decoder of `codec` in its initial state: the warm one reset, or a new one. */
async function takeDecoder(codec: 'flac' | 'mp3'): Promise<CodecDecoder> {
  const pending = warm[codec];
  warm[codec] = null;
  if (pending) {
    const d = await pending.catch(() => null);
    if (d && d.reset()) return d;
    d?.free();
  }
  return codecDecoder(codec);
}

/** After a group: keep a clean decoder warm; replace one that saw an error (in the background). */
function giveBack(codec: 'flac' | 'mp3', d: CodecDecoder, clean: boolean): void {
  if (clean) {
    warm[codec] = Promise.resolve(d);
    return;
  }
  d.free();
  const next = codecDecoder(codec);
  next.catch(() => {}); // a failure shows when it is taken
  warm[codec] = next;
}

/**
 * Adding then subtracting 1.5 * 2^52 rounds a double of magnitude below 2^51 to the nearest
 * integer (the addition leaves no bits below the units place).
 */
const ROUNDING_ADDEND = 6755399441055744;

/**
 * `dst[to + i] = round(src[from + i] * m) / (m + 1)` for `i < n`, where `m + 1` is a power of two
 * (2^(bits-1)). Each `src` sample is f32(v / m) for an integer v, so `src * m` (exact in a double)
 * lies within m * 2^-24 < 0.5 of v and is never a tie: rounding by ROUNDING_ADDEND gives v, as
 * Math.round does, at a sixth of its cost here (Math.round: about 8 ns a sample in V8, a third of
 * a FLAC group's time in the worker). Exported for its test against Math.round.
 */
export function rescaleInto(dst: Float32Array, to: number, src: Float32Array, from: number, n: number, m: number): void {
  const inv = 1 / (m + 1);
  for (let i = 0; i < n; i++) dst[to + i] = (src[from + i]! * m + ROUNDING_ADDEND - ROUNDING_ADDEND) * inv;
}

async function codecFrames(ctx: WorkerContext, job: CodecFramesJob): Promise<PlanarResult> {
  const bytes = jobBytes(ctx, job.input);
  const frames: Uint8Array[] = [];
  let p = 0;
  for (const len of job.frame_lengths) {
    if (!Number.isInteger(len) || len <= 0 || p + len > bytes.length) {
      throw new Error(`decode: frame lengths exceed the ${bytes.length} bytes given`);
    }
    frames.push(bytes.subarray(p, p + len));
    p += len;
  }
  // FLAC: @wasm-audio-decoders/flac divides by 2^(bits-1) - 1; the WAV convention (and
  // pcm_to_f32) divides by 2^(bits-1). f32(v / m) times m is within m * 2^-24 < 0.5 of the
  // integer for bits <= 24, so rounding restores it exactly (and 1 / 2^(bits-1) is exact).
  const rescale = job.codec === 'flac' && job.bits >= 4 && job.bits <= 24 ? 2 ** (job.bits - 1) - 1 : 0;
  const { skip_samples: skip, keep_samples: keep } = job;
  const out = outputPlanes(job.output, job.channels, keep);
  let got = 0;
  // samples [got, got + n) of the group: the part in [skip, skip + keep) goes to the output
  const sink = (plane: (c: number) => Float32Array, n: number, ch: number) => {
    if (n > 0 && ch !== job.channels) throw new Error(`decoder produced ${ch} channels, the stream has ${job.channels}`);
    const a = Math.max(got, skip);
    const b = Math.min(got + n, skip + keep);
    if (b > a) {
      for (let c = 0; c < job.channels; c++) {
        const src = plane(c);
        const dst = out.planes[c]!;
        const from = a - got;
        const to = a - skip;
        if (rescale) {
          rescaleInto(dst, to, src, from, b - a, rescale);
        } else {
          dst.set(src.subarray(from, from + (b - a)), to);
        }
      }
    }
    got += n;
  };
  const d = await takeDecoder(job.codec);
  let errors: FrameError[];
  try {
    // errors in the priming frames are expected (their bit reservoir lies before the group)
    errors = (await d.decode(frames, sink)).filter((e) => e.frame === null || e.frame >= job.prime_frames);
  } catch (err) {
    giveBack(job.codec, d, false);
    throw err;
  }
  giveBack(job.codec, d, errors.length === 0);
  const written = Math.min(keep, Math.max(0, got - skip));
  if (written < keep) {
    errors.push({ message: `decoder produced ${got} samples, ${skip + keep} expected`, frame: null });
  }
  return out.result(written, errors);
}

export async function runDecodeJob(ctx: WorkerContext, job: DecodeJob): Promise<PlanarResult> {
  switch (job.op) {
    case 'wav_chunk':
      return decodeWavChunk(ctx, job);
    case 'codec_frames':
      return codecFrames(ctx, job);
    case 'resample':
      return resampleSpan(ctx, job);
    default:
      throw new Error(`decode: unknown op "${(job as { op: string }).op}"`);
  }
}
