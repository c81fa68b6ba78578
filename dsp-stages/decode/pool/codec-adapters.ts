/**
 * The FLAC and MP3 decoders as the pool's workers use them: one decoder kept per worker, put back
 * in its initial state in place between frame groups, its frames' samples handed out straight
 * from the wasm heap.
 *
 * Both libraries (@wasm-audio-decoders/flac 0.2.11, mpg123-decoder 1.0.3, pinned in
 * package.json) offer a decoder in its initial state only through `reset()`, which frees the wasm
 * instance and instantiates a new one (milliseconds, and a cold instance decodes its first frames
 * several times slower), and hand out each call's samples copied twice (per frame, then
 * concatenated). The adapters here use the libraries' internal fields instead: the wasm exports
 * (`create_decoder` / `destroy_decoder` / `decode_frame`; `mpeg_frame_decoder_create` /
 * `_destroy` / `mpeg_decoder_feed` / `mpeg_decoder_read`) and the pointers the decoder was created
 * with. A reset destroys the native decoder and creates a new one in the same instance, as the
 * library's `_init` does after instantiating. When those fields are not there (another version of
 * a library), `codecDecoder` falls back to the public API: a new decoder per group, `decodeFrames`.
 */
import { FLACDecoder } from '@wasm-audio-decoders/flac';
import { MPEGDecoder } from 'mpg123-decoder';
import type { FrameError } from './task.ts';

/**
 * Receives `n` decoded samples per channel at a time: `plane(c)` is channel c's (a view valid only
 * during the call), `channels` the decoder's channel count.
 */
export type SampleSink = (plane: (c: number) => Float32Array, n: number, channels: number) => void;

export interface CodecDecoder {
  /** 'direct': internals, reset in place; 'public': the libraries' API, a new decoder per group. */
  readonly path: 'direct' | 'public';
  /** Decodes the frames in order into `sink`; the errors name the frame's index in `frames`. */
  decode(frames: readonly Uint8Array[], sink: SampleSink): FrameError[] | Promise<FrameError[]>;
  /** Back to the initial state in place; false if that is not possible (then free it and make another). */
  reset(): boolean;
  free(): void;
}

type Fn = (...args: number[]) => number;
interface Cell {
  ptr: number;
}
interface Common {
  wasm: { HEAP: ArrayBuffer; malloc: Fn; free: Fn } & Record<string, unknown>;
  allocateTypedArray(len: number, type: typeof Uint8Array | typeof Uint32Array, track?: boolean): Cell & { len: number };
  codeToString(ptr: number): string;
}

/** The internals of @wasm-audio-decoders/flac's inner decoder (`FLACDecoder._decoder`) used here. */
interface FlacInner {
  _common: Common;
  _decoder: number;
  _inputBytes: number;
  _outputSamples: number;
  _frameNumber: number;
  _MAX_INPUT_SIZE: number;
  _channels: Cell;
  _sampleRate: Cell;
  _bitsPerSample: Cell;
  _samplesDecoded: Cell;
  _outputBufferPtr: Cell;
  _outputBufferLen: Cell;
  _errorStringPtr: Cell;
  _stateStringPtr: Cell;
}

/** The internals of mpg123-decoder's MPEGDecoder used here. */
interface MpegInner {
  _common: Common;
  _decoder: number;
  _sampleRate: number;
  _inputBytes: number;
  _outputSamples: number;
  _frameNumber: number;
  _input: Cell & { len: number };
  _output: Cell & { len: number };
  _samplesDecodedPtr: Cell;
  _sampleRatePtr: Cell;
  _errorStringPtr: Cell;
  _getErrorMessage(error: number): string;
}

const isFn = (x: unknown): x is Fn => typeof x === 'function';
const isCell = (x: unknown): x is Cell => typeof x === 'object' && x !== null && Number.isInteger((x as Cell).ptr);

function commonOk(c: unknown, exports: readonly string[]): c is Common {
  const common = c as Partial<Common> | undefined;
  const wasm = common?.wasm;
  return (
    !!wasm &&
    wasm.HEAP instanceof ArrayBuffer &&
    isFn(wasm.malloc) &&
    isFn(wasm.free) &&
    isFn(common.allocateTypedArray) &&
    isFn(common.codeToString) &&
    exports.every((e) => isFn(wasm[e]))
  );
}

/** The heap as 32-bit words (the views made at instantiation go stale if the memory ever grows). */
function words(common: Common): Uint32Array {
  return new Uint32Array(common.wasm.HEAP);
}

function flacInner(d: FLACDecoder): FlacInner | null {
  const inner = (d as unknown as { _decoder?: Partial<FlacInner> })._decoder;
  if (!inner || !commonOk(inner._common, ['create_decoder', 'destroy_decoder', 'decode_frame'])) return null;
  const cells = [
    inner._channels,
    inner._sampleRate,
    inner._bitsPerSample,
    inner._samplesDecoded,
    inner._outputBufferPtr,
    inner._outputBufferLen,
    inner._errorStringPtr,
    inner._stateStringPtr,
  ];
  if (!cells.every(isCell) || !Number.isInteger(inner._decoder) || !Number.isInteger(inner._MAX_INPUT_SIZE)) return null;
  return inner as FlacInner;
}

function mpegInner(d: MPEGDecoder): MpegInner | null {
  const inner = d as unknown as Partial<MpegInner>;
  if (!commonOk(inner._common, ['mpeg_frame_decoder_create', 'mpeg_frame_decoder_destroy', 'mpeg_decoder_feed', 'mpeg_decoder_read'])) {
    return null;
  }
  const cells = [inner._input, inner._output, inner._samplesDecodedPtr, inner._sampleRatePtr, inner._errorStringPtr];
  if (!cells.every(isCell) || !Number.isInteger(inner._decoder) || !isFn(inner._getErrorMessage)) return null;
  if (!Number.isInteger(inner._input!.len) || !Number.isInteger(inner._output!.len)) return null;
  return inner as MpegInner;
}

class FlacDirect implements CodecDecoder {
  readonly path = 'direct';
  private broken = false;
  constructor(
    private readonly outer: FLACDecoder,
    private readonly d: FlacInner,
  ) {}

  decode(frames: readonly Uint8Array[], sink: SampleSink): FrameError[] {
    const d = this.d;
    const wasm = d._common.wasm as Common['wasm'] & { decode_frame: Fn };
    const errors: FrameError[] = [];
    this.broken = true; // until the frames went through without throwing
    for (let i = 0; i < frames.length; i++) {
      const frame = frames[i]!;
      for (let offset = 0; offset < frame.length;) {
        const chunk = frame.subarray(offset, offset + d._MAX_INPUT_SIZE);
        offset += chunk.length;
        // as the library's _decode: the input is allocated untracked and given to decode_frame
        const input = d._common.allocateTypedArray(chunk.length, Uint8Array, false);
        new Uint8Array(wasm.HEAP, input.ptr, chunk.length).set(chunk);
        let w = words(d._common);
        w[d._errorStringPtr.ptr >> 2] = 0;
        w[d._stateStringPtr.ptr >> 2] = 0;
        wasm.decode_frame(d._decoder, input.ptr, chunk.length);
        w = words(d._common);
        const errorPtr = w[d._errorStringPtr.ptr >> 2]!;
        const statePtr = w[d._stateStringPtr.ptr >> 2]!;
        if (errorPtr || statePtr) {
          const parts: string[] = [];
          if (errorPtr) parts.push(`Error: ${d._common.codeToString(errorPtr)}`);
          if (statePtr) parts.push(`State: ${d._common.codeToString(statePtr)}`);
          errors.push({ message: parts.join('; '), frame: i });
        }
        const n = w[d._samplesDecoded.ptr >> 2]!;
        const ch = w[d._channels.ptr >> 2]!;
        const out = w[d._outputBufferPtr.ptr >> 2]!;
        const len = w[d._outputBufferLen.ptr >> 2]!;
        try {
          if (n > 0) {
            if (n * ch > len) throw new Error(`FLAC decoder: ${n} samples x ${ch} channels in a buffer of ${len}`);
            const heap = new Float32Array(wasm.HEAP, out, n * ch);
            sink((c) => heap.subarray(c * n, c * n + n), n, ch);
          }
        } finally {
          wasm.free(out);
          w[d._outputBufferLen.ptr >> 2] = 0;
          w[d._samplesDecoded.ptr >> 2] = 0;
        }
        d._inputBytes += frame.length;
        d._outputSamples += n;
      }
      d._frameNumber++;
    }
    this.broken = false;
    return errors;
  }

  reset(): boolean {
    const d = this.d;
    if (this.broken || d._common.wasm.HEAP.byteLength === 0) return false;
    const wasm = d._common.wasm as Common['wasm'] & { create_decoder: Fn; destroy_decoder: Fn };
    wasm.destroy_decoder(d._decoder);
    d._decoder = wasm.create_decoder(
      d._channels.ptr,
      d._sampleRate.ptr,
      d._bitsPerSample.ptr,
      d._samplesDecoded.ptr,
      d._outputBufferPtr.ptr,
      d._outputBufferLen.ptr,
      d._errorStringPtr.ptr,
      d._stateStringPtr.ptr,
    );
    d._inputBytes = 0;
    d._outputSamples = 0;
    d._frameNumber = 0;
    return d._decoder !== 0;
  }

  free(): void {
    this.outer.free();
  }
}

/** mpg123's "feed me more" and "new format" codes (as the library handles them). */
const MPG123_NEED_MORE = -10;
const MPG123_NEW_FORMAT = -11;
/** Reads without output or progress after an error before a frame is given up. */
const MP3_MAX_IDLE_READS = 64;

class MpegDirect implements CodecDecoder {
  readonly path = 'direct';
  private broken = false;
  /** A word of the instance's heap for the created decoder's pointer. */
  private readonly cell: Cell;

  constructor(private readonly d: MpegInner) {
    this.cell = d._common.allocateTypedArray(1, Uint32Array);
  }

  decode(frames: readonly Uint8Array[], sink: SampleSink): FrameError[] {
    const d = this.d;
    const wasm = d._common.wasm as Common['wasm'] & { mpeg_decoder_feed: Fn; mpeg_decoder_read: Fn };
    const errors: FrameError[] = [];
    const input = d._input;
    const output = d._output;
    const samplesAt = d._samplesDecodedPtr.ptr >> 2;
    this.broken = true;
    for (let i = 0; i < frames.length; i++) {
      const frame = frames[i]!;
      for (let offset = 0; offset < frame.length;) {
        const chunk = frame.subarray(offset, offset + input.len);
        offset += chunk.length;
        d._inputBytes += chunk.length;
        new Uint8Array(wasm.HEAP, input.ptr, chunk.length).set(chunk);
        let error = wasm.mpeg_decoder_feed(d._decoder, input.ptr, chunk.length);
        if (error === MPG123_NEED_MORE) continue;
        for (let idle = 0; ;) {
          const w = words(d._common);
          w[samplesAt] = 0;
          error = wasm.mpeg_decoder_read(
            d._decoder,
            output.ptr,
            output.len,
            d._samplesDecodedPtr.ptr,
            d._sampleRatePtr.ptr,
            d._errorStringPtr.ptr,
          );
          const n = words(d._common)[samplesAt]!;
          d._outputSamples += n;
          if (n > 0) {
            // the library's layout: n samples of the left channel, then n of the right
            if (2 * n > output.len) throw new Error(`MPEG decoder: ${n} samples in a buffer of ${output.len}`);
            const heap = new Float32Array(wasm.HEAP, output.ptr, 2 * n);
            sink((c) => heap.subarray(c * n, c * n + n), n, 2);
          }
          if (error === MPG123_NEW_FORMAT) continue;
          if (error === MPG123_NEED_MORE) break;
          if (error) {
            errors.push({ message: d._getErrorMessage(error), frame: i });
            if (n === 0 && ++idle >= MP3_MAX_IDLE_READS) break;
          }
        }
      }
      d._frameNumber++;
    }
    this.broken = false;
    return errors;
  }

  reset(): boolean {
    const d = this.d;
    if (this.broken || d._common.wasm.HEAP.byteLength === 0) return false;
    const wasm = d._common.wasm as Common['wasm'] & { mpeg_frame_decoder_create: Fn; mpeg_frame_decoder_destroy: Fn };
    // destroy frees the decoder's memory too (the library's free() frees it again, harmless only
    // because the instance goes with it): a second free here corrupts the heap
    wasm.mpeg_frame_decoder_destroy(d._decoder);
    // gapless trimming off, as the decoder was made (the main thread trims the encoder delay)
    const error = wasm.mpeg_frame_decoder_create(this.cell.ptr, 0);
    d._decoder = words(d._common)[this.cell.ptr >> 2]!;
    d._sampleRate = 0;
    d._inputBytes = 0;
    d._outputSamples = 0;
    d._frameNumber = 0;
    if (error || d._decoder === 0) {
      this.broken = true;
      return false;
    }
    return true;
  }

  free(): void {
    (this.d as unknown as MPEGDecoder).free();
  }
}

interface PublicDecoded {
  channelData: Float32Array[];
  samplesDecoded: number;
  errors: { message: string; frameNumber?: number }[];
}

/** Any version of the libraries: a decoder in its initial state per group, decodeFrames, copies. */
class PublicDecoder implements CodecDecoder {
  readonly path = 'public';
  constructor(private readonly d: FLACDecoder | MPEGDecoder) {}

  async decode(frames: readonly Uint8Array[], sink: SampleSink): Promise<FrameError[]> {
    const r = (await this.d.decodeFrames(frames as Uint8Array[])) as PublicDecoded;
    if (r.samplesDecoded > 0) sink((c) => r.channelData[c]!, r.samplesDecoded, r.channelData.length);
    return r.errors.map((e) => ({ message: e.message, frame: typeof e.frameNumber === 'number' ? e.frameNumber : null }));
  }

  reset(): boolean {
    return false;
  }

  free(): void {
    this.d.free();
  }
}

/** Test hook: 'public' makes every new decoder take the libraries' public path. */
let forced: 'public' | null = null;
export function forceCodecPath(path: 'public' | null): void {
  forced = path;
}

/** A decoder in its initial state, ready. */
export async function codecDecoder(codec: 'flac' | 'mp3'): Promise<CodecDecoder> {
  if (codec === 'flac') {
    const d = new FLACDecoder();
    await d.ready;
    const inner = forced ? null : flacInner(d);
    return inner ? new FlacDirect(d, inner) : new PublicDecoder(d);
  }
  // gapless trimming off: the main thread trims the encoder delay itself (groups decode apart)
  const d = new MPEGDecoder({ enableGapless: false });
  await d.ready;
  const inner = forced ? null : mpegInner(d);
  return inner ? new MpegDirect(inner) : new PublicDecoder(d);
}
