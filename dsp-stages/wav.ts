/**
 * WAV and raw float32 input for the CLI (and fixtures for tests).
 *
 * `parseWav` reads RIFF/WAVE: the fmt chunk (PCM, IEEE float and WAVE_FORMAT_EXTENSIBLE), the
 * data chunk, skipping any other chunk (odd sizes are padded to even). PCM 8/16/24/32-bit and
 * float 32/64 become one Float32Array per channel, full scale at ±1. Float32 samples are copied
 * bit for bit (NaN payloads included), so a copy stage can be checked bit-exact. Every problem
 * is an Error whose message names it.
 */

import { UNSUPPORTED_WAV_TAGS } from './decode/bindings.ts';

export interface WavData {
  sampleRate: number;
  /** One array per channel, deinterleaved. */
  channels: Float32Array<ArrayBuffer>[];
  /** Sample encoding: integer PCM or IEEE float. */
  format: 'pcm' | 'float';
  /** Bits per sample as stored (the container size for WAVE_FORMAT_EXTENSIBLE). */
  bitsPerSample: number;
  /** Whether the fmt chunk was WAVE_FORMAT_EXTENSIBLE. */
  extensible: boolean;
}

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/** Bytes 2..15 of every KSDATAFORMAT_SUBTYPE_* GUID (the first two bytes are the format tag). */
const SUBFORMAT_GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

function hex4(tag: number): string {
  return `0x${tag.toString(16).padStart(4, '0')}`;
}

function describeTag(tag: number): string {
  const name = UNSUPPORTED_WAV_TAGS[tag];
  return name ? `${hex4(tag)} (${name})` : hex4(tag);
}

function fourcc(view: DataView, offset: number): string {
  let s = '';
  for (let i = 0; i < 4; i++) s += String.fromCharCode(view.getUint8(offset + i));
  return s;
}

function printable(id: string): string {
  return /^[\x20-\x7e]{4}$/.test(id) ? `"${id}"` : JSON.stringify(id);
}

interface FmtInfo {
  tag: number;
  channels: number;
  sampleRate: number;
  blockAlign: number;
  bitsPerSample: number;
  extensible: boolean;
}

function parseFmt(view: DataView, offset: number, size: number): FmtInfo {
  if (size < 16) throw new Error(`fmt chunk is ${size} bytes, at least 16 are needed`);
  let tag = view.getUint16(offset, true);
  const channels = view.getUint16(offset + 2, true);
  const sampleRate = view.getUint32(offset + 4, true);
  const blockAlign = view.getUint16(offset + 12, true);
  const bitsPerSample = view.getUint16(offset + 14, true);
  let extensible = false;
  if (tag === WAVE_FORMAT_EXTENSIBLE) {
    extensible = true;
    if (size < 40) throw new Error(`WAVE_FORMAT_EXTENSIBLE fmt chunk is ${size} bytes, 40 are needed`);
    const cbSize = view.getUint16(offset + 16, true);
    if (cbSize < 22) throw new Error(`WAVE_FORMAT_EXTENSIBLE fmt chunk has cbSize ${cbSize}, 22 are needed`);
    const validBits = view.getUint16(offset + 18, true);
    if (validBits > bitsPerSample) {
      throw new Error(`WAVE_FORMAT_EXTENSIBLE has ${validBits} valid bits in a ${bitsPerSample}-bit container`);
    }
    const guid = offset + 24;
    tag = view.getUint16(guid, true);
    for (let i = 0; i < SUBFORMAT_GUID_TAIL.length; i++) {
      if (view.getUint8(guid + 2 + i) !== SUBFORMAT_GUID_TAIL[i]) {
        throw new Error('unsupported WAVE_FORMAT_EXTENSIBLE sub-format (not a KSDATAFORMAT_SUBTYPE GUID)');
      }
    }
  }
  if (tag !== WAVE_FORMAT_PCM && tag !== WAVE_FORMAT_IEEE_FLOAT) {
    throw new Error(
      `unsupported format tag ${describeTag(tag)}${extensible ? ' in WAVE_FORMAT_EXTENSIBLE' : ''}: only PCM and IEEE float are read`,
    );
  }
  if (channels === 0) throw new Error('fmt chunk says 0 channels');
  if (sampleRate === 0) throw new Error('fmt chunk says sample rate 0 Hz');
  const supported = tag === WAVE_FORMAT_PCM ? [8, 16, 24, 32] : [32, 64];
  if (!supported.includes(bitsPerSample)) {
    throw new Error(
      `unsupported ${tag === WAVE_FORMAT_PCM ? 'PCM' : 'float'} sample size ${bitsPerSample} bits (supported: ${supported.join(', ')})`,
    );
  }
  const expectedAlign = channels * (bitsPerSample / 8);
  if (blockAlign !== expectedAlign) {
    throw new Error(
      `fmt block align is ${blockAlign} bytes, expected ${expectedAlign} (${channels} channels × ${bitsPerSample / 8} bytes)`,
    );
  }
  return { tag, channels, sampleRate, blockAlign, bitsPerSample, extensible };
}

function decode(view: DataView, offset: number, bytes: number, fmt: FmtInfo): Float32Array<ArrayBuffer>[] {
  const frames = bytes / fmt.blockAlign;
  const bytesPerSample = fmt.bitsPerSample / 8;
  const channels: Float32Array<ArrayBuffer>[] = [];
  for (let ch = 0; ch < fmt.channels; ch++) {
    const out = new Float32Array(frames);
    let p = offset + ch * bytesPerSample;
    const stride = fmt.blockAlign;
    if (fmt.tag === WAVE_FORMAT_IEEE_FLOAT && fmt.bitsPerSample === 32) {
      // copy the bits: going through a JS number could quiet a signalling NaN
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < frames; i++, p += stride) bits[i] = view.getUint32(p, true);
    } else if (fmt.tag === WAVE_FORMAT_IEEE_FLOAT) {
      for (let i = 0; i < frames; i++, p += stride) out[i] = view.getFloat64(p, true);
    } else if (fmt.bitsPerSample === 8) {
      for (let i = 0; i < frames; i++, p += stride) out[i] = (view.getUint8(p) - 128) / 128;
    } else if (fmt.bitsPerSample === 16) {
      for (let i = 0; i < frames; i++, p += stride) out[i] = view.getInt16(p, true) / 32768;
    } else if (fmt.bitsPerSample === 24) {
      for (let i = 0; i < frames; i++, p += stride) {
        const v = view.getUint8(p) | (view.getUint8(p + 1) << 8) | (view.getInt8(p + 2) << 16);
        out[i] = v / 8388608;
      }
    } else {
      for (let i = 0; i < frames; i++, p += stride) out[i] = view.getInt32(p, true) / 2147483648;
    }
    channels.push(out);
  }
  return channels;
}

/** Parses a WAV file. Throws an Error naming the problem for anything it cannot read. */
export function parseWav(bytes: Uint8Array): WavData {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fileLength = bytes.byteLength;
  if (fileLength < 12) throw new Error(`not a RIFF/WAVE file (${fileLength} bytes, too short for a header)`);
  const riff = fourcc(view, 0);
  const wave = fourcc(view, 8);
  if (riff === 'RIFX') throw new Error('big-endian RIFX WAV files are not supported');
  if (riff === 'RF64') throw new Error('RF64 (64-bit WAV) files are not supported');
  if (riff !== 'RIFF' || wave !== 'WAVE') {
    throw new Error(`not a RIFF/WAVE file (starts with ${printable(riff)}${riff === 'RIFF' ? ` form ${printable(wave)}` : ''})`);
  }
  let fmt: FmtInfo | null = null;
  let data: { offset: number; size: number } | null = null;
  let pos = 12;
  while (pos + 8 <= fileLength) {
    const id = fourcc(view, pos);
    const size = view.getUint32(pos + 4, true);
    const body = pos + 8;
    const available = fileLength - body;
    if (id === 'fmt ') {
      if (fmt) throw new Error('more than one fmt chunk');
      if (size > available) throw new Error(`fmt chunk truncated: header says ${size} bytes, file has ${available}`);
      fmt = parseFmt(view, body, size);
    } else if (id === 'data') {
      if (data) throw new Error('more than one data chunk');
      if (size > available) throw new Error(`data chunk truncated: header says ${size} bytes, file has ${available}`);
      data = { offset: body, size };
    } else if (size > available) {
      // an unknown chunk running past the end: fine if we already have what we need
      if (fmt && data) break;
      throw new Error(`${printable(id)} chunk truncated: header says ${size} bytes, file has ${available}`);
    }
    pos = body + size + (size & 1);
  }
  if (!fmt) throw new Error('no fmt chunk');
  if (!data) throw new Error('no data chunk');
  if (data.size % fmt.blockAlign !== 0) {
    throw new Error(`data chunk is ${data.size} bytes, not a whole number of ${fmt.blockAlign}-byte frames`);
  }
  return {
    sampleRate: fmt.sampleRate,
    channels: decode(view, data.offset, data.size, fmt),
    format: fmt.tag === WAVE_FORMAT_IEEE_FLOAT ? 'float' : 'pcm',
    bitsPerSample: fmt.bitsPerSample,
    extensible: fmt.extensible,
  };
}

/**
 * Reads raw little-endian float32 samples (one channel). The bits are copied as they are, so NaN
 * payloads survive. Throws unless the length is a multiple of 4.
 */
export function readF32(bytes: Uint8Array): Float32Array<ArrayBuffer> {
  if (bytes.byteLength % 4 !== 0) {
    throw new Error(`raw float32 input is ${bytes.byteLength} bytes, not a multiple of 4`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.byteLength / 4);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) bits[i] = view.getUint32(i * 4, true);
  return out;
}

/** Raw little-endian float32 bytes of `samples`, bit for bit. */
export function f32ToBytes(samples: Float32Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(samples.length * 4);
  const view = new DataView(out.buffer);
  const bits = new Uint32Array(samples.buffer, samples.byteOffset, samples.length);
  for (let i = 0; i < bits.length; i++) view.setUint32(i * 4, bits[i]!, true);
  return out;
}

/** Channels interleaved frame by frame: frame i of channel c at i × channels + c (`frames` frames of each). */
export function interleave(planes: readonly Float32Array[], frames: number): Float32Array {
  const ch = planes.length;
  const out = new Float32Array(frames * ch);
  for (let c = 0; c < ch; c++) {
    const p = planes[c]!;
    for (let i = 0, j = c; i < frames; i++, j += ch) out[j] = p[i]!;
  }
  return out;
}

/**
 * A WAVE_FORMAT_IEEE_FLOAT 32-bit WAV of `channels` (all the same length), bit for bit. Writes
 * an 18-byte fmt chunk and a fact chunk, as the format asks for non-PCM data.
 */
export function writeWavFloat32(channels: readonly Float32Array[], sampleRate: number): Uint8Array<ArrayBuffer> {
  const count = channels.length;
  if (count < 1 || count > 0xffff) throw new Error(`cannot write a WAV with ${count} channels`);
  const frames = channels[0]!.length;
  if (channels.some((c) => c.length !== frames)) throw new Error('every channel must have the same length');
  if (!(Number.isInteger(sampleRate) && sampleRate > 0 && sampleRate <= 0xffffffff)) {
    throw new Error(`bad sample rate ${sampleRate}`);
  }
  const blockAlign = count * 4;
  const dataBytes = frames * blockAlign;
  const fmtBytes = 18;
  const total = 12 + (8 + fmtBytes) + (8 + 4) + (8 + dataBytes);
  if (total - 8 > 0xffffffff) throw new Error('too much audio for one WAV file');
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  const ascii = (offset: number, s: string): void => {
    for (let i = 0; i < 4; i++) view.setUint8(offset + i, s.charCodeAt(i));
  };
  ascii(0, 'RIFF');
  view.setUint32(4, total - 8, true);
  ascii(8, 'WAVE');
  let p = 12;
  ascii(p, 'fmt ');
  view.setUint32(p + 4, fmtBytes, true);
  view.setUint16(p + 8, WAVE_FORMAT_IEEE_FLOAT, true);
  view.setUint16(p + 10, count, true);
  view.setUint32(p + 12, sampleRate, true);
  view.setUint32(p + 16, sampleRate * blockAlign, true);
  view.setUint16(p + 20, blockAlign, true);
  view.setUint16(p + 22, 32, true);
  view.setUint16(p + 24, 0, true); // cbSize
  p += 8 + fmtBytes;
  ascii(p, 'fact');
  view.setUint32(p + 4, 4, true);
  view.setUint32(p + 8, frames, true);
  p += 12;
  ascii(p, 'data');
  view.setUint32(p + 4, dataBytes, true);
  p += 8;
  const bits = channels.map((c) => new Uint32Array(c.buffer, c.byteOffset, frames));
  for (let i = 0; i < frames; i++) {
    for (let ch = 0; ch < count; ch++, p += 4) view.setUint32(p, bits[ch]![i]!, true);
  }
  return out;
}
