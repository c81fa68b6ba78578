/**
 * The decode core's C ABI (rust/src/decode/, the Decode section of rust/src/ffi.rs), typed:
 * WAV header probing, PCM to f32, and the stateless resampler. Used by the decode pool's
 * workers, the CLI and tests; nothing here touches the DOM.
 *
 * Problems come back as `{ error, code }` (probeWav) or as thrown Errors whose message names
 * the problem; the caller adds the file name.
 */
import { exportNames, type StagebenchWasm } from '../../worklet/abi.ts';
import { SHARED_COPY_ALIGN, copyOffset } from '../../worklet/pool/layout.ts';

/** Index of each field in the row at `wav_info_ptr()` (rust/src/decode/wav.rs `field`). */
export const WAV_FIELD = {
  format: 0,
  channels: 1,
  sampleRate: 2,
  bits: 3,
  blockAlign: 4,
  dataOffset: 5,
  framesClaimed: 6,
  framesAvailable: 7,
  bytesNeeded: 8,
  formatTag: 9,
  extensible: 10,
  dataBytes: 11,
} as const;
export const WAV_FIELD_COUNT = 12;

/** `wav_probe` results (rust/src/decode/wav.rs `code`). */
export const WAV_CODE = {
  ok: 0,
  needMore: 1,
  notWave: -101,
  truncatedHeader: -102,
  noFmt: -103,
  noData: -104,
  unsupportedFormat: -105,
  unsupportedBits: -106,
  badChannels: -107,
  badBlockAlign: -108,
  badSampleRate: -109,
  oversized: -110,
  emptyData: -111,
  badFmt: -112,
  partialFrame: -113,
  duplicateChunk: -114,
} as const;

/** Other decode codes (rust/src/decode/mod.rs `code`). */
export const DECODE_CODE = {
  missingInput: -120,
  unsupportedSampleFormat: -121,
} as const;

/** Channel and rate limits of the decode stage (rust/src/decode/wav.rs, resample.rs). */
export const WAV_MAX_CHANNELS = 8;
export const WAV_MAX_SAMPLE_RATE = 768000;
export const RESAMPLE_MIN_RATE = 8000;
export const RESAMPLE_MAX_RATE = 192000;

/** The decode entry points of stagebench_dsp.wasm; this module is the only caller of them. */
export interface DecodeExports {
  memory: WebAssembly.Memory;
  decode_input_ptr(bytes: number): number;
  decode_pcm_ptr(floats: number): number;
  decode_out_ptr(floats: number): number;
  wav_probe(len: number, fileLength: number): number;
  wav_info_ptr(): number;
  pcm_to_f32(format: number, bits: number, channels: number, inPtr: number, frames: number, outPtr: number): number;
  pcm_to_planar(format: number, bits: number, channels: number, inPtr: number, frames: number, outPtr: number): number;
  resampler_create(inRate: number, outRate: number, channels: number): number;
  resampler_context(): number;
  resampler_taps(): number;
  resampler_exact(): number;
  resampler_out_frames(totalIn: number): number;
  resampler_tap_start(k: number): number;
  /** `layout` 0: interleaved input and output; 1: planar (see `Resampler.spanPlanar`). */
  resample_span(
    inPtr: number,
    inFrames: number,
    inStart: number,
    totalIn: number,
    outStart: number,
    outCount: number,
    outPtr: number,
    layout: number,
  ): number;
  resample_planar_input_ptr(frames: number): number;
  resample_selftest(): number;
}

const DECODE_EXPORTS = exportNames<Omit<DecodeExports, 'memory'>>()(
  'decode_input_ptr',
  'decode_pcm_ptr',
  'decode_out_ptr',
  'wav_probe',
  'wav_info_ptr',
  'pcm_to_f32',
  'pcm_to_planar',
  'resampler_create',
  'resampler_context',
  'resampler_taps',
  'resampler_exact',
  'resampler_out_frames',
  'resampler_tap_start',
  'resample_span',
  'resample_planar_input_ptr',
  'resample_selftest',
);

/** The decode exports of a module, or an Error naming the missing ones (a stale build). */
export function decodeExports(wasm: StagebenchWasm): DecodeExports {
  wasm.requireExports(DECODE_EXPORTS);
  return wasm.exports as unknown as DecodeExports;
}

/** A WAV header as parsed by `wav_probe`. */
export interface WavInfo {
  format: 'pcm' | 'float';
  /** 1 (PCM integer) or 3 (IEEE float): the `format` argument of `pcm_to_f32`. */
  formatCode: 1 | 3;
  channels: number;
  sampleRate: number;
  /** Bits per sample as stored (the container size for WAVE_FORMAT_EXTENSIBLE). */
  bitsPerSample: number;
  blockAlign: number;
  extensible: boolean;
  /** Byte offset of the first frame in the file. */
  dataOffset: number;
  /** Frames the data chunk header claims. */
  framesClaimed: number;
  /** Frames the file really holds (what `convertPcm` may read). */
  frames: number;
}

/** A header that could not be used as it is. */
export interface WavProbeError {
  /** What is wrong, without the file name. */
  error: string;
  /** The `WAV_CODE` (`needMore` is 1; every other is negative). */
  code: number;
  /** With `needMore`: the prefix length (bytes from the start of the file) needed. */
  bytesNeeded?: number;
  /**
   * For `oversized` and `partialFrame`: the header as read, with `frames` the whole frames the
   * file really holds, so the host may keep what is there.
   */
  usable?: WavInfo;
}

export type WavProbe = WavInfo | WavProbeError;

export function isWavProbeError(p: WavProbe): p is WavProbeError {
  return 'error' in p;
}

/** Names of common WAV format tags that are not decoded, for messages (here and in dsp-stages/wav.ts). */
export const UNSUPPORTED_WAV_TAGS: Readonly<Record<number, string>> = {
  0x0002: 'Microsoft ADPCM',
  0x0006: 'A-law',
  0x0007: 'µ-law',
  0x0011: 'IMA ADPCM',
  0x0031: 'GSM 6.10',
  0x0050: 'MPEG',
  0x0055: 'MP3 in WAV',
  0x00ff: 'AAC',
  0x0161: 'WMA',
  0x1610: 'AAC (HE-AAC)',
  0xf1ac: 'FLAC in WAV',
};

function describeTag(tag: number): string {
  const hex = `0x${tag.toString(16).padStart(4, '0')}`;
  const name = UNSUPPORTED_WAV_TAGS[tag];
  return name ? `${hex} (${name})` : hex;
}

function fourcc(bytes: Uint8Array, at: number): string {
  let s = '';
  for (let i = at; i < at + 4 && i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The message for a `wav_probe` code, from the fields it filled and the prefix. */
function probeMessage(code: number, f: Float64Array, prefix: Uint8Array, fileLength: number): string {
  const channels = f[WAV_FIELD.channels]!;
  const bits = f[WAV_FIELD.bits]!;
  const format = f[WAV_FIELD.format]!;
  switch (code) {
    case WAV_CODE.needMore:
      return `the header continues past the first ${prefix.length} bytes: ${f[WAV_FIELD.bytesNeeded]} bytes are needed`;
    case WAV_CODE.notWave: {
      const id = fourcc(prefix, 0);
      if (id === 'RIFX') return 'big-endian RIFX WAV files are not supported';
      if (id === 'RF64') return 'RF64 (64-bit WAV) files are not supported';
      const form = id === 'RIFF' ? ` form ${JSON.stringify(fourcc(prefix, 8))}` : '';
      return `not a RIFF/WAVE file (starts with ${JSON.stringify(id)}${form})`;
    }
    case WAV_CODE.truncatedHeader:
      return fileLength < 12
        ? `truncated header: the file is ${plural(fileLength, 'byte')}, too short for a RIFF/WAVE header`
        : `truncated header: the file (${plural(fileLength, 'byte')}) ends inside a chunk before the fmt and data chunks were found`;
    case WAV_CODE.noFmt:
      return 'no fmt chunk';
    case WAV_CODE.noData:
      return 'no data chunk';
    case WAV_CODE.unsupportedFormat: {
      const tag = f[WAV_FIELD.formatTag]!;
      const ext = f[WAV_FIELD.extensible] === 1;
      if (Number.isNaN(tag)) return 'unsupported WAVE_FORMAT_EXTENSIBLE sub-format (not a KSDATAFORMAT_SUBTYPE GUID)';
      return `unsupported format tag ${describeTag(tag)}${ext ? ' in WAVE_FORMAT_EXTENSIBLE' : ''}: only PCM and IEEE float are read`;
    }
    case WAV_CODE.unsupportedBits:
      return format === 1
        ? `unsupported PCM sample size ${bits} bits (supported: 8, 16, 24, 32)`
        : `unsupported float sample size ${bits} bits (supported: 32, 64)`;
    case WAV_CODE.badChannels:
      return channels === 0
        ? 'fmt chunk says 0 channels'
        : `fmt chunk says ${channels} channels, at most ${WAV_MAX_CHANNELS} are supported`;
    case WAV_CODE.badBlockAlign: {
      const bytes = bits / 8;
      return `fmt block align is ${f[WAV_FIELD.blockAlign]} bytes, expected ${channels * bytes} (${plural(channels, 'channel')} × ${bytes} bytes)`;
    }
    case WAV_CODE.badSampleRate: {
      const rate = f[WAV_FIELD.sampleRate]!;
      return rate === 0 ? 'fmt chunk says sample rate 0 Hz' : `sample rate ${rate} Hz is above the supported ${WAV_MAX_SAMPLE_RATE} Hz`;
    }
    case WAV_CODE.oversized:
      return `header claims ${f[WAV_FIELD.framesClaimed]} frames but the file holds ${f[WAV_FIELD.framesAvailable]}`;
    case WAV_CODE.emptyData:
      return `data chunk holds no audio (${plural(f[WAV_FIELD.dataBytes]!, 'byte')}, a frame is ${f[WAV_FIELD.blockAlign]})`;
    case WAV_CODE.badFmt:
      return f[WAV_FIELD.extensible] === 1
        ? 'malformed WAVE_FORMAT_EXTENSIBLE fmt chunk (shorter than 40 bytes, cbSize below 22, or more valid bits than the container)'
        : 'fmt chunk is shorter than 16 bytes';
    case WAV_CODE.partialFrame:
      return `data chunk is ${f[WAV_FIELD.dataBytes]} bytes, not a whole number of ${f[WAV_FIELD.blockAlign]}-byte frames`;
    case WAV_CODE.duplicateChunk:
      return 'more than one fmt or data chunk';
    default:
      return `wav_probe failed with status ${code}`;
  }
}

function infoFromFields(f: Float64Array): WavInfo {
  const formatCode = f[WAV_FIELD.format] === 3 ? 3 : 1;
  return {
    format: formatCode === 3 ? 'float' : 'pcm',
    formatCode,
    channels: f[WAV_FIELD.channels]!,
    sampleRate: f[WAV_FIELD.sampleRate]!,
    bitsPerSample: f[WAV_FIELD.bits]!,
    blockAlign: f[WAV_FIELD.blockAlign]!,
    extensible: f[WAV_FIELD.extensible] === 1,
    dataOffset: f[WAV_FIELD.dataOffset]!,
    framesClaimed: f[WAV_FIELD.framesClaimed]!,
    frames: f[WAV_FIELD.framesAvailable]!,
  };
}

function isCount(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

/**
 * Parses the header of a WAV file from `bytes`, the first `bytes.length` bytes of a file of
 * `fileLength` bytes (default: `bytes` is the whole file). Returns the header, or an error
 * with its code: `needMore` (pass a prefix of `bytesNeeded` bytes), or a problem with the file.
 * Throws only for arguments the caller got wrong.
 */
export function probeWav(wasm: StagebenchWasm, bytes: Uint8Array, fileLength: number = bytes.length): WavProbe {
  const ex = decodeExports(wasm);
  if (!isCount(fileLength)) throw new Error(`probeWav: file length ${fileLength} is not a whole number of bytes`);
  if (bytes.length > fileLength) throw new Error(`probeWav: ${bytes.length} bytes given for a file of ${fileLength}`);
  if (bytes.length > 0) {
    const ptr = ex.decode_input_ptr(bytes.length);
    if (ptr === 0) throw new Error(`probeWav: cannot allocate ${bytes.length} bytes in wasm memory`);
    new Uint8Array(ex.memory.buffer, ptr, bytes.length).set(bytes);
  }
  const code = ex.wav_probe(bytes.length, fileLength);
  const fields = new Float64Array(ex.memory.buffer, ex.wav_info_ptr(), WAV_FIELD_COUNT).slice();
  if (code === WAV_CODE.ok) return infoFromFields(fields);
  const result: WavProbeError = { error: probeMessage(code, fields, bytes, fileLength), code };
  if (code === WAV_CODE.needMore) result.bytesNeeded = fields[WAV_FIELD.bytesNeeded]!;
  if (code === WAV_CODE.oversized || code === WAV_CODE.partialFrame) result.usable = infoFromFields(fields);
  return result;
}

/**
 * `probeWav` over a file read by prefixes: starts with `firstBytes` (64 KiB by default) and
 * reads longer prefixes while the header asks for more (a large chunk before the data).
 * `readPrefix(n)` returns the first `n` bytes of the file (or all of it if shorter).
 */
export async function probeWavPrefixes(
  wasm: StagebenchWasm,
  readPrefix: (bytes: number) => Uint8Array | Promise<Uint8Array>,
  fileLength: number,
  firstBytes = 65536,
): Promise<WavProbe> {
  let want = Math.min(fileLength, firstBytes);
  for (;;) {
    const prefix = await readPrefix(want);
    if (prefix.length < want) throw new Error(`probeWav: asked for ${want} bytes of the file, got ${prefix.length}`);
    const result = probeWav(wasm, prefix.subarray(0, want), fileLength);
    if (!isWavProbeError(result) || result.code !== WAV_CODE.needMore) return result;
    // bytesNeeded is always past the prefix and within the file: every round reads more.
    const next = Math.min(fileLength, Math.max(result.bytesNeeded!, want * 2));
    if (next <= want) throw new Error(`probeWav: the header asks for ${result.bytesNeeded} bytes after ${want} (file of ${fileLength})`);
    want = next;
  }
}

/** `probeWav`, throwing the error's message (a `needMore` or any problem) instead of returning it. */
export function requireWav(wasm: StagebenchWasm, bytes: Uint8Array, fileLength: number = bytes.length): WavInfo {
  const p = probeWav(wasm, bytes, fileLength);
  if (isWavProbeError(p)) throw new Error(p.error);
  return p;
}

/**
 * Converts frames `firstFrame .. firstFrame + frames` of a WAV's data in the module's memory
 * (pcm_to_f32, or pcm_to_planar with `planar`) into the `decode_pcm_ptr` buffer, or at address
 * `at` when given (room for `frames * channels` floats that no other buffer of the call uses);
 * returns the output's address (0 for no frames). The checks and messages of `convertPcm`.
 */
function pcmInWasm(
  wasm: StagebenchWasm,
  info: WavInfo,
  bytes: Uint8Array,
  firstFrame: number,
  frames: number,
  fileOffset: number,
  planar: boolean,
  at = 0,
): number {
  const ex = decodeExports(wasm);
  if (!isCount(firstFrame) || !isCount(frames) || !isCount(fileOffset)) {
    throw new Error(`convertPcm: frame range ${firstFrame} + ${frames} (file offset ${fileOffset}) is not made of whole numbers`);
  }
  if (firstFrame + frames > info.frames) {
    throw new Error(`convertPcm: frames ${firstFrame}..${firstFrame + frames} are past the ${info.frames} frames of the data`);
  }
  if (frames === 0) return 0;
  const n = frames * info.channels;
  const start = info.dataOffset + firstFrame * info.blockAlign - fileOffset;
  const length = frames * info.blockAlign;
  if (start < 0 || start + length > bytes.length) {
    throw new Error(
      `convertPcm: frames ${firstFrame}..${firstFrame + frames} are file bytes ${start + fileOffset}..${start + fileOffset + length}, ` +
        `the buffer holds bytes ${fileOffset}..${fileOffset + bytes.length}`,
    );
  }
  // the bytes go where they agree with their source's alignment: from shared memory (a worker's
  // staging buffer) V8 then copies them a word at a time
  const room = length + SHARED_COPY_ALIGN - 1;
  const base = ex.decode_input_ptr(room);
  const outPtr = at !== 0 ? at : ex.decode_pcm_ptr(n);
  if (base === 0 || outPtr === 0) throw new Error(`convertPcm: cannot allocate ${room + 4 * n} bytes in wasm memory`);
  const inPtr = base + copyOffset(bytes.byteOffset + start, base);
  new Uint8Array(ex.memory.buffer, inPtr, length).set(bytes.subarray(start, start + length));
  const convert = planar ? ex.pcm_to_planar : ex.pcm_to_f32;
  const status = convert(info.formatCode, info.bitsPerSample, info.channels, inPtr, frames, outPtr);
  if (status !== 0) {
    throw new Error(
      status === DECODE_CODE.unsupportedSampleFormat
        ? `convertPcm: unsupported sample format (format ${info.formatCode}, ${info.bitsPerSample} bits)`
        : `convertPcm: ${planar ? 'pcm_to_planar' : 'pcm_to_f32'} refused ${info.channels} channels (status ${status})`,
    );
  }
  return outPtr;
}

/**
 * Converts frames `firstFrame .. firstFrame + frames` of a WAV's data into interleaved f32
 * (full scale ±1, bit for bit as dsp-stages/wav.ts `parseWav`). `bytes` holds file bytes from file
 * offset `fileOffset` (default 0: the whole file); it must cover the frames asked for. Writes
 * into `out` when given (at least `frames * channels` long), else into a new array. Throws an
 * Error naming the problem.
 */
export function convertPcm(
  wasm: StagebenchWasm,
  info: WavInfo,
  bytes: Uint8Array,
  firstFrame = 0,
  frames: number = info.frames - firstFrame,
  fileOffset = 0,
  out?: Float32Array,
): Float32Array {
  const n = isCount(frames) ? frames * info.channels : 0;
  const target = out ?? new Float32Array(n);
  if (target.length < n) throw new Error(`convertPcm: output holds ${target.length} samples, ${n} are needed`);
  const ptr = pcmInWasm(wasm, info, bytes, firstFrame, frames, fileOffset, false);
  // a bulk copy: Float32Array.set keeps NaN payloads
  if (ptr !== 0) target.set(new Float32Array(decodeExports(wasm).memory.buffer, ptr, n));
  return target;
}

/**
 * The first `frames` frames of a WAV's data (`bytes` from the file's start, or a chunk whose
 * `info` says its data starts at 0) as one plane per channel, converted in Rust (pcm_to_planar:
 * no pass to deinterleave): views of the module's memory, valid until its next decode call; copy
 * them out. The checks and messages of `convertPcm`.
 */
export function convertPcmPlanar(wasm: StagebenchWasm, info: WavInfo, bytes: Uint8Array, frames: number = info.frames): Float32Array[] {
  const ptr = pcmInWasm(wasm, info, bytes, 0, frames, 0, true);
  const memory = decodeExports(wasm).memory.buffer;
  return Array.from({ length: info.channels }, (_, c) =>
    ptr === 0 ? new Float32Array(0) : new Float32Array(memory, ptr + 4 * c * frames, frames),
  );
}

/**
 * `convertPcmPlanar` written at address `at` of the module's memory (planes of `frames` floats
 * one after another) instead of returned as views: for a buffer that the next call reads in place,
 * as `Resampler.spanPlanarIn` fills the resampler's input. `at` must hold `frames * channels`
 * floats.
 */
export function convertPcmPlanarAt(wasm: StagebenchWasm, info: WavInfo, bytes: Uint8Array, frames: number, at: number): void {
  if (at === 0 || at % 4 !== 0) throw new Error(`convertPcm: output address ${at} is not a float's`);
  pcmInWasm(wasm, info, bytes, 0, frames, 0, true, at);
}

/** A whole WAV file decoded to interleaved f32: the header, then every frame the file holds. */
export function decodeWavInterleaved(wasm: StagebenchWasm, bytes: Uint8Array): { info: WavInfo; samples: Float32Array } {
  const info = requireWav(wasm, bytes);
  return { info, samples: convertPcm(wasm, info, bytes) };
}

/** Interleaved frames -> one array per channel. */
export function deinterleave(samples: Float32Array, channels: number): Float32Array[] {
  if (!(Number.isInteger(channels) && channels >= 1)) throw new Error(`deinterleave: ${channels} channels`);
  if (samples.length % channels !== 0) throw new Error(`deinterleave: ${samples.length} samples are not whole frames of ${channels}`);
  const frames = samples.length / channels;
  const bits = new Uint32Array(samples.buffer, samples.byteOffset, samples.length);
  return Array.from({ length: channels }, (_, c) => {
    const plane = new Float32Array(frames);
    const out = new Uint32Array(plane.buffer);
    for (let i = 0, p = c; i < frames; i++, p += channels) out[i] = bits[p]!; // bits: NaN payloads survive
    return plane;
  });
}

/** Which Resampler currently owns each instance's resampler (a create replaces the previous one). */
const owners = new WeakMap<StagebenchWasm, Resampler>();

/**
 * The module's stateless resampler: output frame `k` sits at input time `k * inRate / outRate`
 * and depends only on `k` and the input, so spans computed on different instances join bit for
 * bit. One per module instance: `create` replaces the previous one, which then throws.
 */
export class Resampler {
  /** Input frames of context on each side (0 for equal rates). */
  readonly context: number;
  /** Input frames one output frame reads: `2 * context` (1 for equal rates). */
  readonly taps: number;
  /** True when every phase has an exact table row; false when the table is interpolated. */
  readonly exact: boolean;
  private readonly ex: DecodeExports;

  private constructor(
    private readonly wasm: StagebenchWasm,
    readonly inRate: number,
    readonly outRate: number,
    readonly channels: number,
  ) {
    this.ex = decodeExports(wasm);
    this.context = this.ex.resampler_context();
    this.taps = this.ex.resampler_taps();
    this.exact = this.ex.resampler_exact() === 1;
  }

  /** Builds the tables (allocates). Throws for rates outside 8000..192000 Hz or channels outside 1..8. */
  static create(wasm: StagebenchWasm, inRate: number, outRate: number, channels: number): Resampler {
    const ex = decodeExports(wasm);
    const rateOk = (r: number) => Number.isInteger(r) && r >= RESAMPLE_MIN_RATE && r <= RESAMPLE_MAX_RATE;
    if (!rateOk(inRate) || !rateOk(outRate)) {
      throw new Error(
        `resampler: rates ${inRate} -> ${outRate} Hz, both must be whole numbers in ${RESAMPLE_MIN_RATE}..${RESAMPLE_MAX_RATE} Hz`,
      );
    }
    if (!(Number.isInteger(channels) && channels >= 1 && channels <= WAV_MAX_CHANNELS)) {
      throw new Error(`resampler: ${channels} channels, 1..${WAV_MAX_CHANNELS} are supported`);
    }
    const status = ex.resampler_create(inRate, outRate, channels);
    if (status !== 0) throw new Error(`resampler: resampler_create(${inRate}, ${outRate}, ${channels}) failed with status ${status}`);
    const r = new Resampler(wasm, inRate, outRate, channels);
    owners.set(wasm, r);
    return r;
  }

  private check(): void {
    if (owners.get(this.wasm) !== this) {
      throw new Error('resampler: replaced by a later Resampler.create on the same module instance');
    }
  }

  /** `ceil(totalIn * outRate / inRate)`: the output length, and the first output frame at or after input time `totalIn`. */
  outFrames(totalIn: number): number {
    this.check();
    if (!isCount(totalIn)) throw new Error(`resampler: ${totalIn} is not a frame count`);
    return this.ex.resampler_out_frames(totalIn);
  }

  /** The first input frame output frame `k` reads (may be negative). */
  tapStart(k: number): number {
    this.check();
    if (!isCount(k)) throw new Error(`resampler: ${k} is not an output frame index`);
    return this.ex.resampler_tap_start(k);
  }

  /**
   * Input frames `[start, end)` that output frames `[outStart, outStart + outCount)` read inside
   * a file of `totalIn` frames (frames outside the file count as zero and need not be given).
   */
  inputRange(outStart: number, outCount: number, totalIn: number): { start: number; end: number } {
    if (outCount === 0) return { start: 0, end: 0 };
    const start = Math.max(0, this.tapStart(outStart));
    const end = Math.min(totalIn, this.tapStart(outStart + outCount - 1) + this.taps);
    return { start, end: Math.max(start, end) };
  }

  /** Output frames whose instants fall in input frames `[inFrom, inTo)`: a chunk's share of the output. */
  outputRange(inFrom: number, inTo: number): { start: number; end: number } {
    return { start: this.outFrames(inFrom), end: this.outFrames(inTo) };
  }

  private validate(inStart: number, inFrames: number, totalIn: number, outStart: number, outCount: number): void {
    if (!Number.isSafeInteger(inStart) || !isCount(inFrames) || !isCount(totalIn) || !isCount(outStart) || !isCount(outCount)) {
      throw new Error(
        `resampler: span positions must be whole numbers (in ${inStart} + ${inFrames} of ${totalIn}, out ${outStart} + ${outCount})`,
      );
    }
    const total = this.outFrames(totalIn);
    if (outStart + outCount > total) {
      throw new Error(
        `resampler: output frames ${outStart}..${outStart + outCount} are past the ${total} output frames of ${totalIn} input frames`,
      );
    }
  }

  private run(
    inPtr: number,
    inStart: number,
    inFrames: number,
    totalIn: number,
    outStart: number,
    outCount: number,
    outPtr: number,
    planar = false,
  ): void {
    const status = this.ex.resample_span(inPtr, inFrames, inStart, totalIn, outStart, outCount, outPtr, planar ? 1 : 0);
    if (status === 0) return;
    if (status === DECODE_CODE.missingInput) {
      const need = this.inputRange(outStart, outCount, totalIn);
      throw new Error(
        `resampler: output frames ${outStart}..${outStart + outCount} read input frames ${need.start}..${need.end}, ` +
          `the buffer holds ${inStart}..${inStart + inFrames}`,
      );
    }
    throw new Error(`resampler: resample_span (${planar ? 'planar' : 'interleaved'}) failed with status ${status}`);
  }

  /**
   * Output frames `[outStart, outStart + outCount)` (interleaved) from `input`, interleaved
   * frames `[inStart, inStart + input.length / channels)` of a file of `totalIn` frames. Frames
   * outside `[0, totalIn)` count as zero. Writes into `out` when given, else a new array.
   */
  span(input: Float32Array, inStart: number, totalIn: number, outStart: number, outCount: number, out?: Float32Array): Float32Array {
    this.check();
    const ch = this.channels;
    if (input.length % ch !== 0) throw new Error(`resampler: ${input.length} input samples are not whole frames of ${ch} channels`);
    const inFrames = input.length / ch;
    this.validate(inStart, inFrames, totalIn, outStart, outCount);
    const target = out ?? new Float32Array(outCount * ch);
    if (target.length < outCount * ch) throw new Error(`resampler: output holds ${target.length} samples, ${outCount * ch} are needed`);
    if (outCount === 0) return target;
    const inPtr = this.ex.decode_pcm_ptr(Math.max(1, input.length));
    const outPtr = this.ex.decode_out_ptr(outCount * ch);
    if (inPtr === 0 || outPtr === 0) throw new Error('resampler: cannot allocate the span buffers in wasm memory');
    new Float32Array(this.ex.memory.buffer, inPtr, input.length).set(input);
    this.run(inPtr, inStart, inFrames, totalIn, outStart, outCount, outPtr);
    target.set(new Float32Array(this.ex.memory.buffer, outPtr, outCount * ch));
    return target;
  }

  /**
   * `span` over planar input and output: `planes[c]` holds channel c's frames
   * `[inStart, inStart + inFrames)` (`inFrames` defaults to the first plane's length); returns
   * one array per channel of `outCount` frames, the same bits as `span` on the interleaved
   * frames. With `views`, the arrays are views of the module's memory instead of copies: valid
   * until the next call into this wasm instance (for a caller that copies them at once, as a
   * decode worker copies them into the output). The planes go into wasm memory as they are, and
   * Rust interleaves them and writes the output as planes (`resample_span`, layout 1): a
   * JavaScript loop per sample each way cost a sixth of a stereo span.
   */
  spanPlanar(
    planes: readonly Float32Array[],
    inStart: number,
    totalIn: number,
    outStart: number,
    outCount: number,
    { inFrames, views = false }: { inFrames?: number; views?: boolean } = {},
  ): Float32Array[] {
    this.check();
    const ch = this.channels;
    if (planes.length !== ch) throw new Error(`resampler: ${planes.length} input planes for ${ch} channels`);
    const frames = inFrames ?? planes[0]!.length;
    if (planes.some((p) => p.length < frames)) throw new Error(`resampler: an input plane is shorter than ${frames} frames`);
    // (the memory may have grown while the buffers were made: views are made after them)
    const fill = (inPtr: number) =>
      planes.forEach((p, c) => new Float32Array(this.ex.memory.buffer, inPtr + 4 * c * frames, frames).set(p.subarray(0, frames)));
    return this.spanPlanarIn(frames, fill, inStart, totalIn, outStart, outCount, { views });
  }

  /**
   * `spanPlanar` with the input written in place instead of copied in: `fill(inPtr)` writes
   * channel c's `inFrames` frames at `inPtr + 4 * c * inFrames` in the module's memory (a WAV
   * chunk's PCM converted straight there: `convertPcmPlanarAt`), then the span runs on them.
   * `fill` may call into the module (the buffer stays where it is) but not into this resampler.
   */
  spanPlanarIn(
    inFrames: number,
    fill: (inPtr: number) => void,
    inStart: number,
    totalIn: number,
    outStart: number,
    outCount: number,
    { views = false }: { views?: boolean } = {},
  ): Float32Array[] {
    this.check();
    const ch = this.channels;
    this.validate(inStart, inFrames, totalIn, outStart, outCount);
    if (outCount === 0) return Array.from({ length: ch }, () => new Float32Array(0));
    const inPtr = this.ex.resample_planar_input_ptr(Math.max(1, inFrames));
    const outPtr = this.ex.decode_out_ptr(outCount * ch);
    if (inPtr === 0 || outPtr === 0) throw new Error('resampler: cannot allocate the span buffers in wasm memory');
    fill(inPtr);
    this.run(inPtr, inStart, inFrames, totalIn, outStart, outCount, outPtr, true);
    const out = Array.from({ length: ch }, (_, c) => new Float32Array(this.ex.memory.buffer, outPtr + 4 * c * outCount, outCount));
    return views ? out : out.map((v) => v.slice());
  }
}
