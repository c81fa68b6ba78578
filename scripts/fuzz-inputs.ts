/**
 * Seeded inputs for the decoder fuzz run (scripts/fuzz.ts): the fixtures in fixtures/decode/
 * mutated (bit flips, byte runs, truncation, header field overwrites, FLAC and MP3 frame header
 * corruption, chunk duplication) or made from scratch (random bytes behind a valid magic).
 *
 * Input `i` of seed `s` depends on (s, i) alone, so one input can be made again without the
 * ones before it (`--only i`). Pure functions: no pool, no wasm.
 */
import { readFileSync } from 'node:fs';
import CodecParser, { type CodecFrame } from 'codec-parser';
import { id3v2Size, isMpegFrameHeader } from '../dsp-stages/decode/pool/codecs.ts';
import { mulberry32 } from '../dsp-stages/signals.ts';

export const FIXTURE_NAMES = [
  'signal.wav',
  'signal.flac',
  'signal.mp3',
  'truncated.flac',
  'garbage.mp3',
  'broken-size.wav',
  'multi8-short.wav',
  'float64.wav',
  'empty.wav',
] as const;
export type FixtureName = (typeof FIXTURE_NAMES)[number];

/** How often each fixture is the base of a mutation (the big signal files most, the odd ones too). */
const FIXTURE_WEIGHTS: Record<FixtureName, number> = {
  'signal.wav': 3,
  'signal.flac': 4,
  'signal.mp3': 4,
  'truncated.flac': 1,
  'garbage.mp3': 1,
  'broken-size.wav': 1,
  'multi8-short.wav': 1,
  'float64.wav': 2,
  'empty.wav': 0,
};

export type Fixtures = ReadonlyMap<FixtureName, Uint8Array>;

export function loadFixtures(dir: URL = new URL('../fixtures/decode/', import.meta.url)): Fixtures {
  return new Map(FIXTURE_NAMES.map((n) => [n, new Uint8Array(readFileSync(new URL(n, dir)))] as const));
}

// ---------------------------------------------------------------------------------------------
// random numbers

export type Rng = () => number;

/** A 32-bit seed for input `index` of run `seed` (splitmix-style mixing of both). */
export function inputSeed(seed: number, index: number): number {
  let z = (Math.imul(seed >>> 0, 0x9e3779b1) + Math.imul(index + 1, 0x85ebca6b)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x7feb352d) >>> 0;
  z = Math.imul(z ^ (z >>> 15), 0x846ca68b) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

const int = (rng: Rng, lo: number, hi: number): number => lo + Math.floor(rng() * (hi - lo + 1));
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
const u32 = (rng: Rng): number => Math.floor(rng() * 4294967296);

function weighted<T extends string>(rng: Rng, weights: Record<T, number>): T {
  const entries = Object.entries(weights) as [T, number][];
  const total = entries.reduce((s, [, w]) => s + w, 0);
  let r = rng() * total;
  for (const [k, w] of entries) {
    r -= w;
    if (r < 0) return k;
  }
  return entries[entries.length - 1]![0];
}

function randomBytes(rng: Rng, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(rng() * 256);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let p = 0;
  for (const part of parts) {
    out.set(part, p);
    p += part.length;
  }
  return out;
}

const ascii = (b: Uint8Array, p: number, n: number): string => String.fromCharCode(...b.subarray(p, p + n));

function setU16(b: Uint8Array, p: number, v: number): void {
  if (p + 2 > b.length) return;
  b[p] = v & 0xff;
  b[p + 1] = (v >>> 8) & 0xff;
}

function setU32(b: Uint8Array, p: number, v: number): void {
  if (p + 4 > b.length) return;
  for (let k = 0; k < 4; k++) b[p + k] = (v >>> (8 * k)) & 0xff;
}

// ---------------------------------------------------------------------------------------------
// structure of the (possibly already mutated) bytes

export type Container = 'wav' | 'flac' | 'mp3' | 'other';

export function containerOf(b: Uint8Array): Container {
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WAVE') return 'wav';
  const id3 = id3v2Size(b);
  if (ascii(b, id3, 4) === 'fLaC') return 'flac';
  if (id3 > 0 || isMpegFrameHeader(b, 0)) return 'mp3';
  return 'other';
}

export interface RiffChunk {
  id: string;
  /** Offset of the chunk header (id, size). */
  at: number;
  size: number;
}

/** The chunks of a RIFF/WAVE file, as far as their headers lie inside the bytes. */
export function riffChunks(b: Uint8Array): RiffChunk[] {
  const out: RiffChunk[] = [];
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let p = 12; p + 8 <= b.length && out.length < 64;) {
    const size = view.getUint32(p + 4, true);
    out.push({ id: ascii(b, p, 4), at: p, size });
    p += 8 + size + (size & 1);
  }
  return out;
}

/** Byte offsets of frame headers: exact for a pristine fixture (codec-parser), else a scan for syncs. */
const frameCache = new WeakMap<Uint8Array, number[]>();

function parsedFrameOffsets(b: Uint8Array, mime: 'audio/flac' | 'audio/mpeg'): number[] {
  try {
    const frames = new CodecParser(mime, { enableFrameCRC32: false }).parseAll(b) as CodecFrame[];
    return frames.map((f) => f.data.byteOffset - b.byteOffset).filter((o) => o >= 0 && o < b.length);
  } catch {
    return [];
  }
}

function scanFlacSyncs(b: Uint8Array, from: number): number[] {
  const out: number[] = [];
  for (let p = from; p + 4 < b.length; p++) {
    if (b[p] !== 0xff || (b[p + 1]! & 0xfe) !== 0xf8) continue;
    const b2 = b[p + 2]!;
    if (b2 >> 4 === 0 || (b2 & 0x0f) === 0x0f || (b[p + 3]! & 0x01) !== 0) continue;
    out.push(p);
  }
  return out;
}

function scanMpegSyncs(b: Uint8Array, from: number): number[] {
  const out: number[] = [];
  for (let p = from; p + 4 <= b.length; p++) if (isMpegFrameHeader(b, p)) out.push(p);
  return out;
}

export function frameOffsets(b: Uint8Array, pristine: boolean): number[] {
  const kind = containerOf(b);
  if (kind !== 'flac' && kind !== 'mp3') return [];
  const cached = frameCache.get(b);
  if (cached) return cached;
  let offsets = pristine ? parsedFrameOffsets(b, kind === 'flac' ? 'audio/flac' : 'audio/mpeg') : [];
  if (offsets.length === 0) offsets = kind === 'flac' ? scanFlacSyncs(b, id3v2Size(b) + 42) : scanMpegSyncs(b, id3v2Size(b));
  if (pristine) frameCache.set(b, offsets);
  return offsets;
}

// ---------------------------------------------------------------------------------------------
// mutations: each returns new bytes (the input is never changed) and says what it did

export type MutationKind = 'bitflip' | 'byterun' | 'truncate' | 'header' | 'frameheader' | 'duplicate';

interface Mutated {
  bytes: Uint8Array;
  step: string;
}

type Mutator = (b: Uint8Array, rng: Rng, pristine: boolean) => Mutated;

/** Mostly in the first 4 KiB (headers, first frames), sometimes anywhere. */
function position(rng: Rng, length: number): number {
  if (length === 0) return 0;
  return rng() < 0.5 ? int(rng, 0, Math.min(length, 4096) - 1) : int(rng, 0, length - 1);
}

const bitflip: Mutator = (b, rng) => {
  const out = b.slice();
  if (out.length === 0) return { bytes: out, step: 'bitflip: nothing to flip (empty)' };
  const n = pick(rng, [1, 1, 2, 4, 8, 32]);
  const at: string[] = [];
  for (let k = 0; k < n; k++) {
    const p = position(rng, out.length);
    const bit = int(rng, 0, 7);
    out[p]! ^= 1 << bit;
    if (at.length < 8) at.push(`${p}.${bit}`);
  }
  return { bytes: out, step: `bitflip x${n} at ${at.join(',')}${n > 8 ? ',...' : ''}` };
};

const byterun: Mutator = (b, rng) => {
  const out = b.slice();
  if (out.length === 0) return { bytes: out, step: 'byterun: nothing to overwrite (empty)' };
  const p = position(rng, out.length);
  const len = Math.min(out.length - p, pick(rng, [1, 4, 16, 64, 512, 4096, 65536]));
  const fill = pick(rng, ['zero', 'ones', 'const', 'random'] as const);
  const c = int(rng, 0, 255);
  for (let k = p; k < p + len; k++) out[k] = fill === 'zero' ? 0 : fill === 'ones' ? 0xff : fill === 'const' ? c : int(rng, 0, 255);
  return { bytes: out, step: `byterun ${fill}${fill === 'const' ? ` 0x${c.toString(16)}` : ''} [${p}, ${p + len})` };
};

const truncate: Mutator = (b, rng) => {
  const at = b.length === 0 ? 0 : rng() < 0.3 ? int(rng, 0, Math.min(b.length - 1, 128)) : int(rng, 0, b.length - 1);
  return { bytes: b.slice(0, at), step: `truncate at ${at} of ${b.length}` };
};

const WAV_CHANNELS = [0, 1, 2, 3, 6, 8, 9, 255, 0xffff];
const WAV_RATES = [0, 1, 7999, 8000, 11025, 44100, 96000, 192000, 192001, 1_000_000, 0x7fffffff, 0xffffffff];
const WAV_BITS = [0, 1, 4, 7, 8, 12, 16, 20, 24, 32, 33, 48, 64, 0xffff];
const WAV_FORMATS = [0, 1, 2, 3, 6, 7, 0x55, 0xfffe, 0xffff];

function wavHeader(b: Uint8Array, rng: Rng): Mutated {
  const out = b.slice();
  const chunks = riffChunks(out);
  const fmt = chunks.find((c) => c.id === 'fmt ');
  const data = chunks.find((c) => c.id === 'data');
  const fields = [
    'riffSize',
    'format',
    'channels',
    'rate',
    'byteRate',
    'blockAlign',
    'bits',
    'fmtSize',
    'dataSize',
    'chunkId',
    'extensible',
  ] as const;
  const field = pick(rng, fields);
  const f = fmt ? fmt.at + 8 : 20;
  const size32 = () => pick(rng, [0, 1, 2, 3, 0x7fffffff, 0xffffffff, u32(rng), Math.max(0, b.length - int(rng, 0, 64))]);
  let v = 0;
  switch (field) {
    case 'riffSize':
      setU32(out, 4, (v = size32()));
      break;
    case 'format':
      setU16(out, f, (v = pick(rng, WAV_FORMATS)));
      break;
    case 'channels':
      setU16(out, f + 2, (v = pick(rng, WAV_CHANNELS)));
      break;
    case 'rate':
      setU32(out, f + 4, (v = pick(rng, WAV_RATES)));
      break;
    case 'byteRate':
      setU32(out, f + 8, (v = size32()));
      break;
    case 'blockAlign':
      setU16(out, f + 12, (v = pick(rng, [0, 1, 2, 3, 5, 8, 24, 0xffff, int(rng, 0, 0xffff)])));
      break;
    case 'bits':
      setU16(out, f + 14, (v = pick(rng, WAV_BITS)));
      break;
    case 'fmtSize':
      setU32(out, (fmt?.at ?? 12) + 4, (v = pick(rng, [0, 2, 14, 15, 16, 17, 18, 40, 0xffff, 0xffffffff])));
      break;
    case 'dataSize':
      if (data) setU32(out, data.at + 4, (v = size32()));
      break;
    case 'chunkId': {
      const c = pick(rng, chunks.length > 0 ? chunks : [{ id: 'RIFF', at: 0, size: 0 }]);
      const id = pick(rng, ['fmt ', 'data', 'LIST', 'fact', 'JUNK', '\0\0\0\0']);
      for (let k = 0; k < 4 && c.at + k < out.length; k++) out[c.at + k] = id.charCodeAt(k);
      return { bytes: out, step: `header wav chunk id at ${c.at}: ${c.id} -> ${JSON.stringify(id)}` };
    }
    case 'extensible': {
      // valid bits, channel mask and the sub-format GUID of WAVE_FORMAT_EXTENSIBLE (or whatever lies there)
      const p = f + 18 + int(rng, 0, 21);
      if (p < out.length) out[p] = v = int(rng, 0, 255);
      return { bytes: out, step: `header wav extensible byte ${p} = ${v}` };
    }
  }
  return { bytes: out, step: `header wav ${field} = ${v}` };
}

function flacHeader(b: Uint8Array, rng: Rng): Mutated {
  const out = b.slice();
  const si = id3v2Size(out) + 8; // STREAMINFO body, after "fLaC" and its block header
  const field = pick(rng, [
    'blockHeader',
    'minBlock',
    'maxBlock',
    'minFrame',
    'maxFrame',
    'rate',
    'channels',
    'bits',
    'total',
    'blockLength',
  ] as const);
  const put = (p: number, v: number) => {
    if (p < out.length) out[p] = v & 0xff;
  };
  let v = 0;
  switch (field) {
    case 'blockHeader':
      put(si - 4, (v = pick(rng, [0x00, 0x80, 0x01, 0x7f, 0xff, 0x06])));
      break;
    case 'blockLength':
      v = pick(rng, [0, 1, 33, 35, 0xffffff]);
      put(si - 3, v >> 16);
      put(si - 2, v >> 8);
      put(si - 1, v);
      break;
    case 'minBlock':
      v = pick(rng, [0, 1, 15, 16, 4096, 65535]);
      put(si, v >> 8);
      put(si + 1, v);
      break;
    case 'maxBlock':
      v = pick(rng, [0, 1, 15, 16, 4096, 65535]);
      put(si + 2, v >> 8);
      put(si + 3, v);
      break;
    case 'minFrame':
      v = pick(rng, [0, 1, 0xffffff]);
      put(si + 4, v >> 16);
      put(si + 5, v >> 8);
      put(si + 6, v);
      break;
    case 'maxFrame':
      v = pick(rng, [0, 1, 100, 0xffffff]);
      put(si + 7, v >> 16);
      put(si + 8, v >> 8);
      put(si + 9, v);
      break;
    case 'rate': {
      // 20 bits across bytes 10, 11 and the high nibble of 12
      v = pick(rng, [0, 1, 8000, 44100, 96000, 655350, 0xfffff]);
      put(si + 10, v >> 12);
      put(si + 11, v >> 4);
      put(si + 12, ((v & 0x0f) << 4) | ((out[si + 12] ?? 0) & 0x0f));
      break;
    }
    case 'channels':
      v = int(rng, 1, 8);
      put(si + 12, ((out[si + 12] ?? 0) & 0xf1) | ((v - 1) << 1));
      break;
    case 'bits': {
      v = pick(rng, [4, 8, 12, 16, 20, 24, 32]);
      const x = v - 1;
      put(si + 12, ((out[si + 12] ?? 0) & 0xfe) | (x >> 4));
      put(si + 13, ((out[si + 13] ?? 0) & 0x0f) | ((x & 0x0f) << 4));
      break;
    }
    case 'total': {
      // 36 bits: the low nibble of byte 13, then bytes 14..17
      v = pick(rng, [0, 1, 4096, 2 ** 32 - 1, 2 ** 36 - 1, Math.floor(rng() * 2 ** 36)]);
      put(si + 13, ((out[si + 13] ?? 0) & 0xf0) | Math.floor(v / 2 ** 32));
      for (let k = 0; k < 4; k++) put(si + 14 + k, Math.floor(v / 2 ** (8 * (3 - k))) & 0xff);
      break;
    }
  }
  return { bytes: out, step: `header flac ${field} = ${v}` };
}

function mp3Header(b: Uint8Array, rng: Rng, pristine: boolean): Mutated {
  const out = b.slice();
  const id3 = id3v2Size(out);
  const field = pick(rng, ['id3Size', 'xingFrames', 'lameDelay', 'firstFrame'] as const);
  if (field === 'id3Size' && id3 > 0) {
    const v = pick(rng, [0, 1, 9, 0x0fffffff, u32(rng) & 0x0fffffff]);
    for (let k = 0; k < 4; k++) out[6 + k] = (v >> (7 * (3 - k))) & 0x7f;
    return { bytes: out, step: `header mp3 id3 size = ${v}` };
  }
  const frames = frameOffsets(b, pristine);
  const first = frames[0] ?? id3;
  // the Xing/Info tag sits in the first frame, after the side information
  let tag = -1;
  for (let p = first + 4; p < Math.min(out.length - 4, first + 48); p++) {
    const t = ascii(out, p, 4);
    if (t === 'Xing' || t === 'Info') {
      tag = p;
      break;
    }
  }
  if (field === 'xingFrames' && tag >= 0) {
    const v = pick(rng, [0, 1, 0x7fffffff, 0xffffffff, u32(rng)]);
    for (let k = 0; k < 4; k++) if (tag + 8 + k < out.length) out[tag + 8 + k] = (v >>> (8 * (3 - k))) & 0xff;
    return { bytes: out, step: `header mp3 xing frames = ${v}` };
  }
  if (field === 'lameDelay' && tag >= 0) {
    // LAME tag: 12-bit delay and padding, 141 bytes into a Xing tag with every optional field
    const p = tag + 141;
    const v = u32(rng) & 0xffffff;
    for (let k = 0; k < 3; k++) if (p + k < out.length) out[p + k] = (v >> (8 * (2 - k))) & 0xff;
    return { bytes: out, step: `header mp3 lame delay/padding bytes = 0x${v.toString(16)}` };
  }
  return mpegFrameHeader(out, first, rng, 'first frame');
}

function mpegFrameHeader(out: Uint8Array, p: number, rng: Rng, which: string): Mutated {
  if (p + 4 > out.length) return { bytes: out, step: `frameheader mp3 ${which}: past the end` };
  const field = pick(rng, ['version', 'layer', 'protection', 'bitrate', 'rate', 'padding', 'mode', 'sync', 'emphasis'] as const);
  let v = 0;
  switch (field) {
    case 'version':
      v = int(rng, 0, 3);
      out[p + 1] = (out[p + 1]! & 0xe7) | (v << 3);
      break;
    case 'layer':
      v = int(rng, 0, 3);
      out[p + 1] = (out[p + 1]! & 0xf9) | (v << 1);
      break;
    case 'protection':
      out[p + 1]! ^= 0x01;
      v = out[p + 1]! & 1;
      break;
    case 'bitrate':
      v = pick(rng, [0, 1, 9, 14, 15]);
      out[p + 2] = (out[p + 2]! & 0x0f) | (v << 4);
      break;
    case 'rate':
      v = int(rng, 0, 3);
      out[p + 2] = (out[p + 2]! & 0xf3) | (v << 2);
      break;
    case 'padding':
      out[p + 2]! ^= 0x02;
      v = (out[p + 2]! >> 1) & 1;
      break;
    case 'mode':
      v = int(rng, 0, 3);
      out[p + 3] = (out[p + 3]! & 0x3f) | (v << 6);
      break;
    case 'sync':
      v = int(rng, 0, 255);
      out[p] = v;
      break;
    case 'emphasis':
      v = int(rng, 0, 3);
      out[p + 3] = (out[p + 3]! & 0xfc) | v;
      break;
  }
  return { bytes: out, step: `frameheader mp3 ${which} at ${p}: ${field} = ${v}` };
}

function flacFrameHeader(out: Uint8Array, p: number, rng: Rng, which: string): Mutated {
  if (p + 6 > out.length) return { bytes: out, step: `frameheader flac ${which}: past the end` };
  const field = pick(rng, ['blockSize', 'rate', 'channels', 'sampleSize', 'frameNumber', 'crc8', 'blocking', 'sync'] as const);
  let v = 0;
  switch (field) {
    case 'blockSize':
      v = int(rng, 0, 15);
      out[p + 2] = (out[p + 2]! & 0x0f) | (v << 4);
      break;
    case 'rate':
      v = int(rng, 0, 15);
      out[p + 2] = (out[p + 2]! & 0xf0) | v;
      break;
    case 'channels':
      v = int(rng, 0, 15);
      out[p + 3] = (out[p + 3]! & 0x0f) | (v << 4);
      break;
    case 'sampleSize':
      v = int(rng, 0, 7);
      out[p + 3] = (out[p + 3]! & 0xf1) | (v << 1);
      break;
    case 'frameNumber':
      v = int(rng, 0, 255);
      out[p + 4] = v;
      break;
    case 'crc8':
      v = int(rng, 0, 255);
      out[p + 5] = v;
      break;
    case 'blocking':
      out[p + 1]! ^= 0x01;
      v = out[p + 1]! & 1;
      break;
    case 'sync':
      v = int(rng, 0, 255);
      out[p + 1] = v;
      break;
  }
  return { bytes: out, step: `frameheader flac ${which} at ${p}: ${field} = ${v}` };
}

const header: Mutator = (b, rng, pristine) => {
  const kind = containerOf(b);
  if (kind === 'wav') return wavHeader(b, rng);
  if (kind === 'flac') return flacHeader(b, rng);
  if (kind === 'mp3') return mp3Header(b, rng, pristine);
  return bitflip(b, rng, pristine);
};

const frameheader: Mutator = (b, rng, pristine) => {
  const kind = containerOf(b);
  const frames = frameOffsets(b, pristine);
  if ((kind !== 'flac' && kind !== 'mp3') || frames.length === 0) return header(b, rng, pristine);
  const out = b.slice();
  // one frame, or several: the first, one at random, or every n-th
  const mode = pick(rng, ['first', 'random', 'random', 'several'] as const);
  const chosen =
    mode === 'first'
      ? [0]
      : mode === 'random'
        ? [int(rng, 0, frames.length - 1)]
        : Array.from({ length: int(rng, 2, 8) }, () => int(rng, 0, frames.length - 1));
  const steps: string[] = [];
  for (const f of chosen) {
    const r = kind === 'flac' ? flacFrameHeader(out, frames[f]!, rng, `frame ${f}`) : mpegFrameHeader(out, frames[f]!, rng, `frame ${f}`);
    steps.push(r.step.replace(/^frameheader (flac|mp3) /, ''));
  }
  return { bytes: out, step: `frameheader ${kind} ${steps.join('; ')}` };
};

const duplicate: Mutator = (b, rng, pristine) => {
  const kind = containerOf(b);
  if (kind === 'wav' && rng() < 0.7) {
    const chunks = riffChunks(b).filter((c) => c.at + 8 <= b.length);
    if (chunks.length > 0) {
      const c = pick(rng, chunks);
      const end = Math.min(b.length, c.at + 8 + c.size + (c.size & 1));
      const copy = b.slice(c.at, Math.min(end, c.at + 8 + 1_000_000));
      const where = pick(rng, ['after', 'end', 'front'] as const);
      const at = where === 'after' ? end : where === 'end' ? b.length : 12;
      const out = concat(b.subarray(0, at), copy, b.subarray(at));
      return { bytes: out, step: `duplicate wav chunk ${JSON.stringify(c.id)} (${copy.length} bytes) ${where} at ${at}` };
    }
  }
  const frames = frameOffsets(b, pristine);
  if ((kind === 'flac' || kind === 'mp3') && frames.length > 1 && rng() < 0.7) {
    // a run of whole frames, inserted at another frame boundary
    const i = int(rng, 0, frames.length - 2);
    const j = Math.min(frames.length - 1, i + int(rng, 1, 4));
    const copy = b.slice(frames[i]!, frames[j]!);
    const k = int(rng, 0, frames.length - 1);
    const out = concat(b.subarray(0, frames[k]!), copy, b.subarray(frames[k]!));
    return { bytes: out, step: `duplicate ${kind} frames ${i}..${j} (${copy.length} bytes) before frame ${k}` };
  }
  if (b.length === 0) return { bytes: b.slice(), step: 'duplicate: nothing to copy (empty)' };
  const a = position(rng, b.length);
  const len = Math.min(b.length - a, pick(rng, [1, 4, 64, 1024, 16384]));
  const at = position(rng, b.length);
  const out = concat(b.subarray(0, at), b.subarray(a, a + len), b.subarray(at));
  return { bytes: out, step: `duplicate bytes [${a}, ${a + len}) at ${at}` };
};

const MUTATORS: Record<MutationKind, Mutator> = { bitflip, byterun, truncate, header, frameheader, duplicate };
const MUTATION_WEIGHTS: Record<MutationKind, number> = { bitflip: 3, byterun: 2, truncate: 2, header: 3, frameheader: 3, duplicate: 2 };

// ---------------------------------------------------------------------------------------------
// made from scratch: a valid magic, then garbage (or a plausible header with random fields)

export type GarbageKind = 'riff' | 'riff-fmt' | 'flac' | 'flac-streaminfo' | 'id3' | 'mpeg' | 'none';

function garbage(rng: Rng): { bytes: Uint8Array; name: GarbageKind; step: string } {
  const kind = weighted<GarbageKind>(rng, { riff: 2, 'riff-fmt': 3, flac: 2, 'flac-streaminfo': 3, id3: 2, mpeg: 3, none: 1 });
  const n = pick(rng, [0, 1, 7, 64, 1024, 65536, 300_000]);
  const body = randomBytes(rng, n);
  const le32 = (v: number) => {
    const x = new Uint8Array(4);
    setU32(x, 0, v);
    return x;
  };
  const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
  let bytes: Uint8Array;
  switch (kind) {
    case 'riff':
      bytes = concat(enc('RIFF'), le32(pick(rng, [n + 4, 0xffffffff, u32(rng)])), enc('WAVE'), body);
      break;
    case 'riff-fmt': {
      const fmt = new Uint8Array(16);
      setU16(fmt, 0, pick(rng, WAV_FORMATS));
      setU16(fmt, 2, pick(rng, WAV_CHANNELS));
      setU32(fmt, 4, pick(rng, WAV_RATES));
      setU32(fmt, 8, u32(rng));
      setU16(fmt, 12, int(rng, 0, 64));
      setU16(fmt, 14, pick(rng, WAV_BITS));
      bytes = concat(
        enc('RIFF'),
        le32(36 + n),
        enc('WAVEfmt '),
        le32(16),
        fmt,
        enc('data'),
        le32(pick(rng, [n, 0xffffffff, u32(rng)])),
        body,
      );
      break;
    }
    case 'flac':
      bytes = concat(enc('fLaC'), body);
      break;
    case 'flac-streaminfo': {
      const si = randomBytes(rng, 34);
      bytes = concat(enc('fLaC'), Uint8Array.of(pick(rng, [0x00, 0x80]), 0, 0, 34), si, Uint8Array.of(0xff, 0xf8), body);
      break;
    }
    case 'id3': {
      const size = Math.min(n, int(rng, 0, 2048));
      bytes = concat(enc('ID3'), Uint8Array.of(4, 0, 0, (size >> 21) & 0x7f, (size >> 14) & 0x7f, (size >> 7) & 0x7f, size & 0x7f), body);
      break;
    }
    case 'mpeg':
      // a valid header (bitrate index 1..14, sample rate index 0..2), then noise
      bytes = concat(
        Uint8Array.of(
          0xff,
          pick(rng, [0xfb, 0xfa, 0xf3, 0xe3, 0xfd]),
          (int(rng, 1, 14) << 4) | (int(rng, 0, 2) << 2) | int(rng, 0, 3),
          int(rng, 0, 255),
        ),
        body,
      );
      break;
    case 'none':
      bytes = body;
      break;
  }
  return { bytes, name: kind, step: `garbage ${kind} + ${n} random bytes` };
}

// ---------------------------------------------------------------------------------------------

export interface FuzzInput {
  index: number;
  /** The seed of this input alone (from the run's seed and the index). */
  inputSeed: number;
  /** The name the decode sees: it must appear in every error message. */
  name: string;
  /** The fixture it started from, or `garbage:<kind>`. */
  base: string;
  steps: string[];
  bytes: Uint8Array;
  /** Decode options: the file's rate or a conversion, and the chunk size. */
  outputRate: number | undefined;
  chunkFrames: number | undefined;
}

/** Input `index` of the run with `seed`. */
export function makeInput(fixtures: Fixtures, seed: number, index: number): FuzzInput {
  const s = inputSeed(seed, index);
  const rng = mulberry32(s);
  let bytes: Uint8Array;
  let base: string;
  const steps: string[] = [];
  if (rng() < 0.12) {
    const g = garbage(rng);
    bytes = g.bytes;
    base = `garbage:${g.name}`;
    steps.push(g.step);
  } else {
    const fixture = weighted(rng, FIXTURE_WEIGHTS);
    base = fixture;
    bytes = fixtures.get(fixture)!;
    let pristine = true;
    const n = rng() < 0.7 ? 1 : rng() < 0.67 ? 2 : 3;
    for (let k = 0; k < n; k++) {
      const kind = weighted(rng, MUTATION_WEIGHTS);
      const r = MUTATORS[kind](bytes, rng, pristine);
      bytes = r.bytes;
      pristine = false;
      steps.push(r.step);
    }
  }
  const outputRate = rng() < 0.3 ? pick(rng, [8000, 22050, 48000, 96000]) : undefined;
  const chunkFrames = rng() < 0.5 ? pick(rng, [1024, 4096, 16384]) : undefined;
  const ext = base.startsWith('garbage:') ? 'bin' : base.slice(base.lastIndexOf('.') + 1);
  return { index, inputSeed: s, name: `fuzz-${seed}-${index}.${ext}`, base, steps, bytes, outputRate, chunkFrames };
}

// ---------------------------------------------------------------------------------------------
// outcomes

/**
 * The kind of a decode error, for counting: the message without the file name, numbers and
 * quoted details, cut at the first clause. `ok` for no error.
 */
export function errorKind(name: string, error: string | null): string {
  if (error === null) return 'ok';
  let m = error.startsWith(`${name}: `) ? error.slice(name.length + 2) : error;
  m = m
    .replace(/\(it starts with [^)]*\)/g, '(...)')
    .replace(/task \d+ \((\w+)\) failed on worker \d+/g, 'task ($1) failed')
    .replace(/0x[0-9a-f]+/gi, 'N')
    .replace(/\b\d+(\.\d+)?\b/g, 'N')
    .replace(/"[^"]*"/g, '"..."');
  // the first clause says what kind of problem it is; what follows is detail
  const cut = m.search(/[;:] /);
  if (cut > 20) m = m.slice(0, cut);
  return m.length > 90 ? `${m.slice(0, 87)}...` : m;
}

/** What a DecodeResult must look like, whatever the input: problems as sentences (empty when fine). */
export function resultProblems(
  name: string,
  r: { name: string; error: string | null; channels: number; frames: number; sampleRate: number; channelData: Float32Array[] },
): string[] {
  const problems: string[] = [];
  if (r.name !== name) problems.push(`result names ${JSON.stringify(r.name)}, not ${JSON.stringify(name)}`);
  if (r.error !== null && !r.error.startsWith(`${name}: `))
    problems.push(`error does not name the file: ${JSON.stringify(r.error.slice(0, 200))}`);
  if (r.error !== null && r.error.length > 1000) problems.push(`error message is ${r.error.length} characters long`);
  if (!Number.isInteger(r.frames) || r.frames < 0) problems.push(`frames is ${r.frames}`);
  if (r.channelData.some((p) => p.length !== r.frames))
    problems.push(`a plane's length differs from frames (${r.frames}): ${r.channelData.map((p) => p.length).join(', ')}`);
  if (r.frames > 0) {
    if (r.channelData.length !== r.channels || r.channels < 1) problems.push(`${r.channelData.length} planes for ${r.channels} channels`);
    if (!(Number.isInteger(r.sampleRate) && r.sampleRate > 0)) problems.push(`sample rate ${r.sampleRate} with ${r.frames} frames`);
  }
  if (r.error === null && r.frames === 0 && r.channelData.length === 0 && r.channels === 0)
    problems.push('no error, yet nothing decoded and no channels');
  return problems;
}
