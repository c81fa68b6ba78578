/**
 * The decode stage's task kind on the worker pool, `decode`: one job of a decode (a WAV chunk, a
 * group of FLAC or MP3 frames, a resample span; decode.ts plans them on the calling thread). The
 * handler (worker-decode.ts, with the FLAC and MP3 decoders) is imported by each worker before it
 * says ready, and only there: a page that runs the pool does not load the decoders itself.
 *
 * Jobs name their input bytes by a staging buffer of the pool (shared mode) or carry them, and
 * write planar f32 output into SharedArrayBuffer planes (shared) or return it (messages).
 */
import { defineTaskKind, type TaskMessageOf } from '../../../worklet/pool/task-kind.ts';

/** Bytes for a job: a staging buffer of the layout, or moved with the message. */
export type ByteSource =
  /** Bytes [byte_offset, byte_offset + byte_length) of staging buffer `slot`. */
  { mode: 'shared'; slot: number; byte_offset: number; byte_length: number } | { mode: 'messages'; bytes: ArrayBuffer };

/** Planar f32 input for a resample job: a slice of shared planes, or planes moved with the message. */
export type PlanarSource =
  { mode: 'shared'; planes: SharedArrayBuffer[]; frame_offset: number; frames: number } | { mode: 'messages'; planes: ArrayBuffer[] };

/** Where a job writes its planar f32 output: into shared planes at a frame offset, or back in the reply. */
export type PlanarTarget = { mode: 'shared'; planes: SharedArrayBuffer[]; frame_offset: number } | { mode: 'messages' };

/**
 * Frames [in_start, in_start + in_frames) of a WAV's data chunk -> f32 planes (pcm_to_planar);
 * when the rates differ, -> f32 (pcm_to_f32), then output frames [out_start, out_start + out_count)
 * by resample_span (the input covers them plus the resampler's context, clipped to the file).
 */
export interface WavChunkJob {
  op: 'wav_chunk';
  format: number;
  bits: number;
  channels: number;
  in_rate: number;
  out_rate: number;
  in_start: number;
  in_frames: number;
  total_in: number;
  out_start: number;
  out_count: number;
  input: ByteSource;
  output: PlanarTarget;
}

/**
 * FLAC or MP3 frames decoded with a fresh decoder (@wasm-audio-decoders/flac, mpg123-decoder).
 * The first `skip_samples` output frames prime the decoder (MP3's bit reservoir and overlap)
 * and are dropped; the next `keep_samples` are written.
 */
export interface CodecFramesJob {
  op: 'codec_frames';
  codec: 'flac' | 'mp3';
  /** Byte length of each frame in `input`, in order. */
  frame_lengths: number[];
  /** Leading frames that only prime the decoder: their decoder errors are expected and ignored. */
  prime_frames: number;
  channels: number;
  /** FLAC only: bits per sample, to restore the PCM integers (the decoder divides by 2^(bits-1) - 1). */
  bits: number;
  skip_samples: number;
  keep_samples: number;
  input: ByteSource;
  output: PlanarTarget;
}

/** Output frames [out_start, out_start + out_count) of the resampled signal from planar source frames. */
export interface ResampleJob {
  op: 'resample';
  channels: number;
  in_rate: number;
  out_rate: number;
  /** Absolute index of the first source frame given. */
  in_start: number;
  in_frames: number;
  total_in: number;
  out_start: number;
  out_count: number;
  input: PlanarSource;
  output: PlanarTarget;
}

export type DecodeJob = WavChunkJob | CodecFramesJob | ResampleJob;
export type DecodeOp = DecodeJob['op'];

export interface DecodeMessage extends TaskMessageOf<'decode'> {
  job: DecodeJob;
}

/** A decoder error: its message and the frame of the group it concerns (null: unknown). */
export interface FrameError {
  message: string;
  frame: number | null;
}

export interface PlanarResult {
  kind: 'planar';
  /** Frames written (shared) or returned (messages). */
  frames: number;
  /** Messages mode: one plane per channel, moved with the reply; null in shared mode. */
  planes: ArrayBuffer[] | null;
  /** Decoder errors (a corrupt frame...); empty when clean. */
  errors: FrameError[];
}

let handler: Promise<typeof import('./worker-decode.ts')> | null = null;

/** The worker side, imported once per worker. */
function workerSide(): Promise<typeof import('./worker-decode.ts')> {
  handler ??= import('./worker-decode.ts');
  return handler;
}

export const decodeTask = defineTaskKind<DecodeMessage, PlanarResult>({
  type: 'decode',
  load: async () => {
    await workerSide();
  },
  run: async (ctx, msg) => (await workerSide()).runDecodeJob(ctx, msg.job),
});
