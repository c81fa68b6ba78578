/**
 * Typed messages between the main thread and the pool workers, with the seed's names:
 *
 *   main -> worker   init, process_audio, compute_fft, decode, selftest_fault, shutdown
 *   worker -> main   ready, task_complete, task_failed
 *
 * Every task message carries a `task_id` (unique per pool; a retry keeps its task's id) and
 * the `attempt` (0 first, 1 the retry). Data travels one of two ways, said by each message:
 *
 * - `shared`: byte offsets into the pool layout's buffer (worklet/pool/layout.ts) or
 *   SharedArrayBuffers the message names; nothing is copied by postMessage.
 * - `messages`: ArrayBuffers moved with the message (transferred, not copied) and results moved
 *   back in `task_complete`. Used when SharedArrayBuffer is unavailable (the page is not
 *   cross-origin isolated) or the pool was created with `forceMessages`.
 *
 * Task messages and replies travel by postMessage, or in shared mode through the worker's mailbox
 * (worklet/pool/mailbox.ts: JSON in a SharedArrayBuffer, signalled with Atomics) when they are
 * plain data that fits it.
 *
 * `selftest_fault` is the documented fault injection: the worker crashes (an uncaught
 * exception outside any handler, which kills a Node worker and fires `error` on a Web Worker),
 * hangs (a busy loop, only `terminate()` ends it) or throws inside the task (a plain
 * `task_failed`) on attempts below `fail_attempts`, and completes on later attempts: so one
 * message proves crash/hang recovery with retry.
 */
import type { EqBandSetting, PoolLayoutHandles } from './layout.ts';

export const FFT_SIZES = [512, 1024, 2048, 4096] as const;
export type FftSize = (typeof FFT_SIZES)[number];

export type Fault = 'crash' | 'hang' | 'throw';

export interface InitMessage {
  type: 'init';
  worker_id: number;
  /** The pool layout (main buffer + ring buffers), or null in messages mode. */
  shared_buffer: PoolLayoutHandles | null;
  /** Bytes of stagebench_dsp.wasm (a copy per worker). */
  wasm_bytes: ArrayBuffer;
  sample_rate: number;
  /**
   * The worker's mailbox (worklet/pool/mailbox.ts), shared mode with Atomics.waitAsync: tasks
   * may then arrive there, and plain-data replies to them go back the same way.
   */
  mailbox?: SharedArrayBuffer | null;
}

interface TaskHeader {
  task_id: number;
  attempt: number;
}

/** EQ over a block: eq_create / eq_set_band / eq_process_buffer from a reset state. */
export interface ProcessAudioMessage extends TaskHeader {
  type: 'process_audio';
  num_samples: number;
  sample_rate: number;
  /** Band settings, or null to read them from the layout's EQ region (shared mode). */
  bands: EqBandSetting[] | null;
  data:
    | { mode: 'shared'; input_offset: number; output_offset: number }
    | { mode: 'messages'; input: ArrayBuffer };
}

/** Plain real FFT (`fft_transform`, no window) of `fft_size` samples: size/2 + 1 complex bins. */
export interface ComputeFftMessage extends TaskHeader {
  type: 'compute_fft';
  fft_size: FftSize;
  data:
    | { mode: 'shared'; audio_offset: number; output_offset: number }
    | { mode: 'messages'; audio: ArrayBuffer };
}

/** Bytes for a decode job: a decode buffer of the layout, or moved with the message. */
export type ByteSource =
  | { mode: 'shared'; slot: number; byte_length: number }
  | { mode: 'messages'; bytes: ArrayBuffer };

/** Planar f32 input for a resample job: a slice of shared planes, or planes moved with the message. */
export type PlanarSource =
  | { mode: 'shared'; planes: SharedArrayBuffer[]; frame_offset: number; frames: number }
  | { mode: 'messages'; planes: ArrayBuffer[] };

/** Where a job writes its planar f32 output: into shared planes at a frame offset, or back in the reply. */
export type PlanarTarget =
  | { mode: 'shared'; planes: SharedArrayBuffer[]; frame_offset: number }
  | { mode: 'messages' };

/**
 * Frames [in_start, in_start + in_frames) of a WAV's data chunk -> f32 (pcm_to_f32), then, when
 * the rates differ, output frames [out_start, out_start + out_count) by resample_span (the input
 * covers them plus the resampler's context, clipped to the file).
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

export interface DecodeMessage extends TaskHeader {
  type: 'decode';
  job: DecodeJob;
}

export interface SelftestFaultMessage extends TaskHeader {
  type: 'selftest_fault';
  fault: Fault;
  /** The fault fires on attempts 0 .. fail_attempts - 1; later attempts complete. */
  fail_attempts: number;
}

export interface ShutdownMessage {
  type: 'shutdown';
}

export type TaskMessage = ProcessAudioMessage | ComputeFftMessage | DecodeMessage | SelftestFaultMessage;
export type TaskKind = TaskMessage['type'];
export type ToWorker = InitMessage | TaskMessage | ShutdownMessage;

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

export type TaskResult =
  | { kind: 'process_audio'; output: ArrayBuffer | null }
  | { kind: 'compute_fft'; bins: number; spectrum: ArrayBuffer | null }
  | PlanarResult
  | { kind: 'selftest_fault'; attempt: number };

export interface ReadyMessage {
  type: 'ready';
  worker_id: number;
  /** Set when the worker could not start (the wasm did not instantiate, a layout mismatch...). */
  error: string | null;
  /** True when the worker listens on the mailbox given in `init`. */
  mailbox?: boolean;
}

export interface TaskCompleteMessage {
  type: 'task_complete';
  task_id: number;
  worker_id: number;
  /** performance.now() around the task's handler in the worker, µs. */
  execution_time_us: number;
  result: TaskResult;
}

export interface TaskFailedMessage {
  type: 'task_failed';
  task_id: number;
  worker_id: number;
  error: string;
}

export type FromWorker = ReadyMessage | TaskCompleteMessage | TaskFailedMessage;

const TASK_TYPES: ReadonlySet<string> = new Set(['process_audio', 'compute_fft', 'decode', 'selftest_fault']);
const FROM_TYPES: ReadonlySet<string> = new Set(['ready', 'task_complete', 'task_failed']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** Checks a message a worker received; throws an Error naming what is wrong. */
export function parseToWorker(data: unknown): ToWorker {
  if (!isObject(data) || typeof data.type !== 'string') throw new Error('pool worker: message without a type');
  if (data.type === 'init') {
    if (!Number.isInteger(data.worker_id)) throw new Error('pool worker: init without an integer worker_id');
    if (!(data.wasm_bytes instanceof ArrayBuffer)) throw new Error('pool worker: init without wasm_bytes');
    return data as unknown as InitMessage;
  }
  if (data.type === 'shutdown') return data as unknown as ShutdownMessage;
  if (!TASK_TYPES.has(data.type)) throw new Error(`pool worker: unknown message type "${data.type}"`);
  if (!Number.isInteger(data.task_id) || (data.task_id as number) <= 0) {
    throw new Error(`pool worker: ${data.type} without a positive integer task_id`);
  }
  if (!Number.isInteger(data.attempt)) throw new Error(`pool worker: ${data.type} without an attempt number`);
  return data as unknown as TaskMessage;
}

/** Checks a message the main thread received from a worker; throws an Error naming what is wrong. */
export function parseFromWorker(data: unknown): FromWorker {
  if (!isObject(data) || typeof data.type !== 'string' || !FROM_TYPES.has(data.type)) {
    throw new Error(`pool: unexpected message from a worker: ${JSON.stringify(data)?.slice(0, 80)}`);
  }
  if (!Number.isInteger(data.worker_id)) throw new Error(`pool: ${data.type} without a worker_id`);
  if (data.type !== 'ready' && !Number.isInteger(data.task_id)) throw new Error(`pool: ${data.type} without a task_id`);
  return data as unknown as FromWorker;
}

/** Transferables of a task message (messages mode moves its ArrayBuffers instead of copying them). */
export function transferablesOf(msg: TaskMessage): ArrayBuffer[] {
  switch (msg.type) {
    case 'process_audio':
      return msg.data.mode === 'messages' ? [msg.data.input] : [];
    case 'compute_fft':
      return msg.data.mode === 'messages' ? [msg.data.audio] : [];
    case 'decode': {
      const job = msg.job;
      if (job.op === 'resample') return job.input.mode === 'messages' ? [...job.input.planes] : [];
      return job.input.mode === 'messages' ? [job.input.bytes] : [];
    }
    case 'selftest_fault':
      return [];
  }
}

/** Transferables of a reply. */
export function resultTransferables(result: TaskResult): ArrayBuffer[] {
  switch (result.kind) {
    case 'process_audio':
      return result.output ? [result.output] : [];
    case 'compute_fft':
      return result.spectrum ? [result.spectrum] : [];
    case 'planar':
      return result.planes ? [...result.planes] : [];
    default:
      return [];
  }
}
