/**
 * The worker side of decoding: WAV chunks (PCM -> f32 and resampling in Rust), FLAC and MP3
 * frame groups (@wasm-audio-decoders/flac, mpg123-decoder: their non-worker decoder classes) and
 * resample spans. Output goes straight into shared planes (shared mode) or back in the reply.
 */
import { FLACDecoder } from '@wasm-audio-decoders/flac';
import { MPEGDecoder } from 'mpg123-decoder';
import type { WorkerContext } from '../../../worklet/pool/task-kind.ts';
import type { CodecFramesJob, DecodeJob, FrameError, PlanarResult } from './task.ts';
import { jobBytes, writePlanar } from './worker-io.ts';
import { decodeWavChunk, resampleSpan } from './worker-wasm.ts';

// Every group gets a decoder in its initial state: libFLAC reports frames that do not follow
// the previous call's as missing (and pads them), and MP3 priming rebuilds the reservoir and the
// overlap from the initial state. reset() re-instantiates a decoder's module (milliseconds), so
// the next fresh decoder of each kind is made while the current one works.
let flacNext: Promise<FLACDecoder> | null = null;
let mpegNext: Promise<MPEGDecoder> | null = null;

function freshFlac(): Promise<FLACDecoder> {
  const d = new FLACDecoder();
  return d.ready.then(() => d);
}

function freshMpeg(): Promise<MPEGDecoder> {
  // gapless trimming off: the main thread trims the encoder delay itself (groups decode apart)
  const d = new MPEGDecoder({ enableGapless: false });
  return d.ready.then(() => d);
}

function takeFlac(): Promise<FLACDecoder> {
  const d = flacNext ?? freshFlac();
  flacNext = freshFlac();
  return d;
}

function takeMpeg(): Promise<MPEGDecoder> {
  const d = mpegNext ?? freshMpeg();
  mpegNext = freshMpeg();
  return d;
}

interface DecoderError {
  message: string;
  frameNumber?: number;
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
  let decoded;
  if (job.codec === 'flac') {
    const d = await takeFlac();
    try {
      decoded = await d.decodeFrames(frames);
    } finally {
      d.free();
    }
  } else {
    const d = await takeMpeg();
    try {
      decoded = d.decodeFrames(frames);
    } finally {
      d.free();
    }
  }
  // errors in the priming frames are expected (their bit reservoir lies before the group)
  const errors: FrameError[] = (decoded.errors as DecoderError[])
    .map((e) => ({ message: e.message, frame: typeof e.frameNumber === 'number' ? e.frameNumber : null }))
    .filter((e) => e.frame === null || e.frame >= job.prime_frames);
  const got = decoded.samplesDecoded;
  if (got > 0 && decoded.channelData.length !== job.channels) {
    throw new Error(`decoder produced ${decoded.channelData.length} channels, the stream has ${job.channels}`);
  }
  const available = Math.max(0, got - job.skip_samples);
  const keep = Math.min(job.keep_samples, available);
  if (keep < job.keep_samples) {
    errors.push({ message: `decoder produced ${got} samples, ${job.skip_samples + job.keep_samples} expected`, frame: null });
  }
  const planes = decoded.channelData.map((ch) => ch.subarray(job.skip_samples, job.skip_samples + keep));
  if (job.codec === 'flac' && job.bits >= 4 && job.bits <= 24) {
    // @wasm-audio-decoders/flac divides by 2^(bits-1) - 1; the WAV convention (and pcm_to_f32)
    // divides by 2^(bits-1). f32(v / m) times m is within m * 2^-24 < 0.5 of the integer for
    // bits <= 24, so rounding restores it exactly.
    const m = 2 ** (job.bits - 1) - 1;
    const d = 2 ** (job.bits - 1);
    for (const plane of planes) for (let i = 0; i < plane.length; i++) plane[i] = Math.round(plane[i]! * m) / d;
  }
  return writePlanar(job.output, job.channels, keep, (c) => planes[c] ?? new Float32Array(keep), errors);
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
