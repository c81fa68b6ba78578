/**
 * Main-thread side of FLAC and MP3 decoding: the format from magic bytes, and the stream cut
 * into frames with codec-parser (so that frame groups decode on different workers), plus the two
 * header fields codec-parser leaves out: FLAC's STREAMINFO sample count and the LAME tag's
 * encoder delay and padding (gapless MP3).
 */
import CodecParser, { type CodecFrame } from 'codec-parser';

export type AudioFormat = 'wav' | 'flac' | 'mp3';

/** Size of an ID3v2 tag at `offset` (header + body + footer), or 0 if there is none. */
export function id3v2Size(bytes: Uint8Array, offset = 0): number {
  if (bytes.length < offset + 10) return 0;
  if (bytes[offset] !== 0x49 || bytes[offset + 1] !== 0x44 || bytes[offset + 2] !== 0x33) return 0;
  const size =
    ((bytes[offset + 6]! & 0x7f) << 21) |
    ((bytes[offset + 7]! & 0x7f) << 14) |
    ((bytes[offset + 8]! & 0x7f) << 7) |
    (bytes[offset + 9]! & 0x7f);
  const footer = (bytes[offset + 5]! & 0x10) !== 0 ? 10 : 0;
  return 10 + size + footer;
}

/** True if a plausible MPEG audio frame header (layer I, II or III) starts at `p`. */
export function isMpegFrameHeader(bytes: Uint8Array, p: number): boolean {
  if (p + 4 > bytes.length) return false;
  const b1 = bytes[p + 1]!;
  const b2 = bytes[p + 2]!;
  if (bytes[p] !== 0xff || (b1 & 0xe0) !== 0xe0) return false;
  if ((b1 & 0x18) === 0x08) return false; // reserved MPEG version
  if ((b1 & 0x06) === 0) return false; // layer 00: reserved (and ADTS AAC)
  if ((b2 & 0xf0) === 0xf0) return false; // bad bitrate index
  if ((b2 & 0x0c) === 0x0c) return false; // reserved sample rate
  return true;
}

function ascii(bytes: Uint8Array, p: number, n: number): string {
  let s = '';
  for (let i = p; i < p + n && i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

/** The format from the first bytes (not the file name); null if none of WAV, FLAC, MP3. */
export function detectFormat(bytes: Uint8Array): AudioFormat | null {
  const head = ascii(bytes, 0, 4);
  if ((head === 'RIFF' || head === 'RIFX' || head === 'RF64') && ascii(bytes, 8, 4) === 'WAVE') return 'wav';
  if (head === 'fLaC') return 'flac';
  const id3 = id3v2Size(bytes);
  if (id3 > 0) {
    if (ascii(bytes, id3, 4) === 'fLaC') return 'flac';
    return 'mp3'; // an ID3v2 tag announces MPEG audio; the frames are checked when parsed
  }
  if (isMpegFrameHeader(bytes, 0)) return 'mp3';
  return null;
}

/** The first bytes as hex, for "not a known format" messages. */
export function hexHead(bytes: Uint8Array, n = 8): string {
  return Array.from(bytes.subarray(0, n), (b) => b.toString(16).padStart(2, '0')).join(' ');
}

export interface ParsedFrame {
  /** Bytes of the frame (a view into the file). */
  data: Uint8Array;
  /** Samples per channel the frame decodes to. */
  samples: number;
}

export interface FlacStream {
  sampleRate: number;
  channels: number;
  bits: number;
  /** STREAMINFO's total samples per channel (0: unknown). */
  totalClaimed: number;
  frames: ParsedFrame[];
  /** Set when a frame's header disagrees with STREAMINFO: frames from it on are left out. */
  mismatch: string | null;
  /** File offset just past the last frame kept. */
  endByte: number;
  /** STREAMINFO's largest frame, bytes (0: unknown). */
  maxFrameBytes: number;
}

/** Parses `fLaC` + STREAMINFO and splits the frames. Throws an Error naming the problem. */
export function parseFlac(bytes: Uint8Array): FlacStream {
  const start = id3v2Size(bytes);
  if (ascii(bytes, start, 4) !== 'fLaC') throw new Error('no fLaC marker');
  const p = start + 4;
  if (bytes.length < p + 4 + 34) throw new Error('the file ends inside the STREAMINFO block');
  if ((bytes[p]! & 0x7f) !== 0) throw new Error('the first metadata block is not STREAMINFO');
  const si = p + 4;
  const b = (i: number) => bytes[si + i]!;
  const sampleRate = (b(10) << 12) | (b(11) << 4) | (b(12) >> 4);
  const channels = ((b(12) >> 1) & 0x07) + 1;
  const bits = (((b(12) & 0x01) << 4) | (b(13) >> 4)) + 1;
  const totalClaimed = (b(13) & 0x0f) * 2 ** 32 + ((b(14) << 24) >>> 0) + (b(15) << 16) + (b(16) << 8) + b(17);
  const maxFrameBytes = (b(7) << 16) | (b(8) << 8) | b(9);
  if (sampleRate === 0) throw new Error('STREAMINFO gives a sample rate of 0');
  let parsed: CodecFrame[];
  try {
    parsed = new CodecParser('audio/flac', { enableFrameCRC32: false }).parseAll(bytes) as CodecFrame[];
  } catch (err) {
    throw new Error(`cannot split the frames: ${(err as Error).message}`);
  }
  const frames: ParsedFrame[] = [];
  let mismatch: string | null = null;
  let endByte = 0;
  for (const f of parsed) {
    const h = f.header as { channels: number; sampleRate: number; bitDepth: number; blockingStrategy?: string; frameNumber?: number };
    if (h.channels !== channels || h.sampleRate !== sampleRate || h.bitDepth !== bits) {
      mismatch = `frame ${frames.length} has ${h.channels} channels, ${h.sampleRate} Hz, ${h.bitDepth} bits; STREAMINFO says ${channels}, ${sampleRate} Hz, ${bits} bits`;
      break;
    }
    if (h.blockingStrategy === 'Fixed' && typeof h.frameNumber === 'number' && h.frameNumber !== frames.length) {
      mismatch = `frame ${frames.length} is missing or corrupt (the next frame found is number ${h.frameNumber})`;
      break;
    }
    frames.push({ data: f.data, samples: f.samples });
    endByte = f.data.byteOffset - bytes.byteOffset + f.data.length;
  }
  return { sampleRate, channels, bits, totalClaimed, frames, mismatch, endByte, maxFrameBytes };
}

export interface Mp3Stream {
  sampleRate: number;
  channels: number;
  /** Samples per frame (1152 for MPEG-1 layer II/III, 576 for MPEG-2/2.5 layer III, 384 for layer I). */
  samplesPerFrame: number;
  /** Audio frames (the Xing/Info frame, if any, left out: decoders skip it too). */
  frames: ParsedFrame[];
  /** Encoder delay and padding from a LAME/Lavc tag, or null. */
  gapless: { delay: number; padding: number } | null;
  mismatch: string | null;
}

/** mpg123's decoder delay for layer III (samples), trimmed with the encoder delay when a LAME tag gives it. */
export const MP3_DECODER_DELAY = 529;

/** The Xing/Info header of a first frame, with the LAME tag's delay and padding when present. */
export function parseXingFrame(frame: Uint8Array): { gapless: { delay: number; padding: number } | null } | null {
  // the tag sits after the side information (9..32 bytes after the 4-byte header): search there
  let at = -1;
  for (let p = 4; p <= 40 && p + 8 <= frame.length; p++) {
    const tag = ascii(frame, p, 4);
    if (tag === 'Xing' || tag === 'Info') {
      at = p;
      break;
    }
  }
  if (at < 0) return null;
  const flags = ((frame[at + 4]! << 24) | (frame[at + 5]! << 16) | (frame[at + 6]! << 8) | frame[at + 7]!) >>> 0;
  let q = at + 8;
  if (flags & 1) q += 4; // frames
  if (flags & 2) q += 4; // bytes
  if (flags & 4) q += 100; // TOC
  if (flags & 8) q += 4; // quality
  const encoder = ascii(frame, q, 4);
  if ((encoder === 'LAME' || encoder === 'Lavf' || encoder === 'Lavc' || encoder === 'L3.9') && q + 24 <= frame.length) {
    const d = frame.subarray(q + 21, q + 24);
    return { gapless: { delay: (d[0]! << 4) | (d[1]! >> 4), padding: ((d[1]! & 0x0f) << 8) | d[2]! } };
  }
  return { gapless: null };
}

/** kbit/s by bitrate index (1..14) for V1 L1, V1 L2, V1 L3, V2/2.5 L1, V2/2.5 L2 and L3. */
const MPEG_BITRATES = [
  [32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  [32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  [32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
] as const;
const MPEG_RATES = [44100, 48000, 32000] as const;

/** An MPEG audio frame header at `p` as codec-parser reads it, or null where codec-parser finds none. */
export function mpegFrameAt(
  bytes: Uint8Array,
  p: number,
): { length: number; samples: number; sampleRate: number; channels: number } | null {
  if (p + 4 > bytes.length) return null;
  const b1 = bytes[p + 1]!;
  const b2 = bytes[p + 2]!;
  const b3 = bytes[p + 3]!;
  if (bytes[p] !== 0xff || b1 < 0xe0) return null;
  const version = (b1 >> 3) & 3; // 0: 2.5, 1: reserved, 2: 2, 3: 1
  const layer = (b1 >> 1) & 3; // 1: III, 2: II, 3: I
  if (version === 1 || layer === 0) return null;
  const v1 = version === 3;
  const bitrateIndex = b2 >> 4;
  const rateIndex = (b2 >> 2) & 3;
  if (bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3 || (b3 & 3) === 2) return null; // free, bad, reserved
  const table = v1 ? 3 - layer : layer === 3 ? 3 : 4;
  const bitrate = MPEG_BITRATES[table]![bitrateIndex - 1]!;
  const sampleRate = MPEG_RATES[rateIndex]! / (version === 3 ? 1 : version === 2 ? 2 : 4);
  const samples = layer === 3 ? 384 : layer === 2 || v1 ? 1152 : 576;
  const padding = b2 & 2 ? (layer === 3 ? 4 : 1) : 0;
  const length = Math.floor((125 * bitrate * samples) / sampleRate + padding);
  return { length, samples, sampleRate, channels: (b3 & 0xc0) === 0xc0 ? 1 : 2 };
}

/**
 * The frames of a plain MPEG audio stream, found by stepping from header to header: ID3v2 tags,
 * then frames back to back to the last byte, every header valid and of the first one's version,
 * layer, rate and channels. That is where codec-parser (which finds the same frames, checking
 * each against the header after it) spends tens of milliseconds on a minute of audio; this takes
 * well under one. Null for anything else (junk, a trailing tag, a cut last frame, a change of
 * format): then codec-parser splits the stream, as it always did.
 */
export function splitPlainMp3(bytes: Uint8Array): { data: Uint8Array; samples: number; sampleRate: number; channels: number }[] | null {
  let p = 0;
  for (let tag = id3v2Size(bytes, p); tag > 0; tag = id3v2Size(bytes, p)) p += tag;
  if (p + 4 > bytes.length) return null;
  const b1 = bytes[p + 1]!;
  const rate = bytes[p + 2]! & 0x0c;
  const first = mpegFrameAt(bytes, p);
  if (!first) return null;
  const frames: { data: Uint8Array; samples: number; sampleRate: number; channels: number }[] = [];
  while (p < bytes.length) {
    const f = mpegFrameAt(bytes, p);
    // the version, layer, protection and rate bits stay those of the first frame
    if (!f || bytes[p + 1] !== b1 || (bytes[p + 2]! & 0x0c) !== rate || f.channels !== first.channels) return null;
    if (p + f.length > bytes.length) return null;
    frames.push({ data: bytes.subarray(p, p + f.length), samples: f.samples, sampleRate: f.sampleRate, channels: f.channels });
    p += f.length;
  }
  return frames;
}

/** Splits an MP3 stream into frames. Throws an Error naming the problem. */
export function parseMp3(bytes: Uint8Array): Mp3Stream {
  let parsed: { data: Uint8Array; samples: number; header: unknown }[];
  const plain = splitPlainMp3(bytes);
  if (plain) {
    parsed = plain.map((f) => ({ data: f.data, samples: f.samples, header: f }));
  } else {
    try {
      parsed = new CodecParser('audio/mpeg', { enableFrameCRC32: false }).parseAll(bytes) as CodecFrame[];
    } catch (err) {
      throw new Error(`cannot split the frames: ${(err as Error).message}`);
    }
  }
  if (parsed.length === 0) throw new Error(`no MPEG audio frames found in ${bytes.length} bytes`);
  const first = parsed[0]!;
  const h0 = first.header as { channels: number; sampleRate: number };
  let gapless: Mp3Stream['gapless'] = null;
  let from = 0;
  const xing = parseXingFrame(first.data);
  if (xing) {
    gapless = xing.gapless;
    from = 1;
  }
  const frames: ParsedFrame[] = [];
  let mismatch: string | null = null;
  const samplesPerFrame = first.samples;
  for (let i = from; i < parsed.length; i++) {
    const f = parsed[i]!;
    const h = f.header as { channels: number; sampleRate: number };
    if (h.channels !== h0.channels || h.sampleRate !== h0.sampleRate || f.samples !== samplesPerFrame) {
      mismatch = `frame ${i} has ${h.channels} channels at ${h.sampleRate} Hz (${f.samples} samples); the stream began with ${h0.channels} at ${h0.sampleRate} Hz`;
      break;
    }
    frames.push({ data: f.data, samples: f.samples });
  }
  if (frames.length === 0 && !mismatch) throw new Error('no MPEG audio frames after the Xing/Info header');
  return { sampleRate: h0.sampleRate, channels: h0.channels, samplesPerFrame, frames, gapless, mismatch };
}

/**
 * First frame of the group that decodes frames [start, ...) of an MP3 stream exactly as one pass
 * would: at least `minPrime` frames and `minBytes` bytes earlier (the bit reservoir reaches back
 * up to 511 bytes, and the overlap needs the previous frame decoded right), moved further back to
 * a multiple of the synthesis filter's period (16 / gcd(16, samplesPerFrame / 32) frames: the
 * decoder's polyphase buffer cycles through 16 positions, 32 samples at a time, and its rounding
 * depends on where a frame starts in that cycle). Returns 0 when the group should simply start at
 * the beginning.
 */
export function mp3PrimeStart(
  frames: readonly ParsedFrame[],
  start: number,
  samplesPerFrame: number,
  minPrime = 2,
  minBytes = 1024,
): number {
  if (start <= 0) return 0;
  let s = start - minPrime;
  let bytes = 0;
  for (let i = start - 1; i >= Math.max(0, s); i--) bytes += frames[i]!.data.length;
  while (s > 0 && bytes < minBytes) {
    s--;
    bytes += frames[s]!.data.length;
  }
  const slots = samplesPerFrame / 32;
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const period = 16 / gcd(16, slots);
  if (s <= 0) return 0;
  return Math.floor(s / period) * period;
}
