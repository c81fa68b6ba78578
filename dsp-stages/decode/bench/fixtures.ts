/**
 * The decode bench's inputs, built in memory from fixtures/decode/signal.*: the 1 s clips of each
 * format (WAV: 44100 frames under a new header; FLAC: the first 11 frames, 45056 samples, with
 * STREAMINFO's total set to match; MP3: the LAME Info frame and the first 40 audio frames) and
 * the long files of the scaling run (the WAV's PCM repeated under a new header; the MP3's audio
 * frames repeated after its Info frame; FLAC re-encoded from the long WAV with the `flac`
 * command, since concatenated FLAC files are not one valid stream).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { flacFramesOffset, id3v2Size, parseFlac, parseMp3 } from '../pool/codecs.ts';

export const DECODE_BENCH_FORMATS = ['wav', 'flac', 'mp3'] as const;
export type DecodeBenchFormat = (typeof DECODE_BENCH_FORMATS)[number];
/** The 1 s clips: WAV frames, FLAC frames (of 4096 samples), MP3 audio frames (of 1152). */
export const WAV_CLIP_FRAMES = 44100;
export const FLAC_CLIP_BLOCKS = 11;
export const MP3_CLIP_FRAMES = 40;
const FIXTURES = new URL('../../../fixtures/decode/', import.meta.url);

export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(name, FIXTURES)));
}

/** The fmt and data chunks of a PCM WAV. */
export function wavLayout(bytes: Uint8Array): {
  channels: number;
  sampleRate: number;
  bits: number;
  blockAlign: number;
  dataOffset: number;
  dataBytes: number;
} {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const id = (p: number) => String.fromCharCode(...bytes.subarray(p, p + 4));
  if (bytes.length < 12 || id(0) !== 'RIFF' || id(8) !== 'WAVE') throw new Error('not a RIFF/WAVE file');
  let fmt: { channels: number; sampleRate: number; bits: number; blockAlign: number } | null = null;
  for (let p = 12; p + 8 <= bytes.length;) {
    const size = view.getUint32(p + 4, true);
    if (id(p) === 'fmt ') {
      fmt = {
        channels: view.getUint16(p + 10, true),
        sampleRate: view.getUint32(p + 12, true),
        blockAlign: view.getUint16(p + 20, true),
        bits: view.getUint16(p + 22, true),
      };
    } else if (id(p) === 'data') {
      if (!fmt) throw new Error('data chunk before the fmt chunk');
      return { ...fmt, dataOffset: p + 8, dataBytes: Math.min(size, bytes.length - p - 8) };
    }
    p += 8 + size + (size & 1);
  }
  throw new Error('no data chunk');
}

/** A 44-byte-header PCM WAV of `pcm` (interleaved frames). */
export function pcmWav(pcm: Uint8Array, channels: number, sampleRate: number, bits: number): Uint8Array {
  const out = new Uint8Array(44 + pcm.length);
  const view = new DataView(out.buffer);
  const ascii = (p: number, s: string) => [...s].forEach((c, i) => (out[p + i] = c.charCodeAt(0)));
  const blockAlign = (channels * bits) / 8;
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + pcm.length, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * blockAlign, true);
  view.setUint16(32, blockAlign, true);
  view.setUint16(34, bits, true);
  ascii(36, 'data');
  view.setUint32(40, pcm.length, true);
  out.set(pcm, 44);
  return out;
}

/** The first `frames` frames of a PCM WAV (null: all of them), repeated `repeat` times, under a new header. */
export function wavClip(wav: Uint8Array, frames: number | null, repeat = 1): Uint8Array {
  const w = wavLayout(wav);
  const available = Math.floor(w.dataBytes / w.blockAlign);
  const n = frames ?? available;
  if (n > available) throw new Error(`the WAV holds ${available} frames, ${n} asked for`);
  const pcm = wav.subarray(w.dataOffset, w.dataOffset + n * w.blockAlign);
  const body = new Uint8Array(pcm.length * repeat);
  for (let r = 0; r < repeat; r++) body.set(pcm, r * pcm.length);
  return pcmWav(body, w.channels, w.sampleRate, w.bits);
}

/**
 * The first `blocks` frames of a FLAC file with its metadata, STREAMINFO's total samples set to
 * theirs and its MD5 cleared (0: unknown), so the clip is a complete, valid stream.
 */
export function flacClip(flac: Uint8Array, blocks: number): Uint8Array {
  const stream = parseFlac(flac);
  if (stream.frames.length < blocks) throw new Error(`the FLAC holds ${stream.frames.length} frames, ${blocks} asked for`);
  const start = flacFramesOffset(flac);
  const frames = stream.frames.slice(0, blocks);
  const first = frames[0]!.data;
  if (!first.every((b, i) => flac[start + i] === b)) throw new Error('the first frame does not follow the metadata');
  const bytes = frames.reduce((a, f) => a + f.data.length, 0);
  const total = frames.reduce((a, f) => a + f.samples, 0);
  const out = flac.slice(0, start + bytes);
  const si = id3v2Size(flac) + 8;
  out[si + 13] = (out[si + 13]! & 0xf0) | (Math.floor(total / 2 ** 32) & 0x0f);
  out[si + 14] = (total >>> 24) & 0xff;
  out[si + 15] = (total >>> 16) & 0xff;
  out[si + 16] = (total >>> 8) & 0xff;
  out[si + 17] = total & 0xff;
  out.fill(0, si + 18, si + 34);
  return out;
}

/** Offset of `needle` in `hay` at or after `from` (-1: absent). */
function indexOfBytes(hay: Uint8Array, needle: Uint8Array, from: number): number {
  outer: for (let p = from; p + needle.length <= hay.length; p++) {
    for (let i = 0; i < needle.length; i++) if (hay[p + i] !== needle[i]) continue outer;
    return p;
  }
  return -1;
}

/**
 * An MP3 of the stream's head (ID3 tag, Xing/Info frame with the LAME tag) and its first
 * `frames` audio frames (null: all), the frames repeated `repeat` times. Concatenated MPEG frames
 * stay a valid stream (the first frame of the fixture reaches back into no bit reservoir).
 */
export function mp3Clip(mp3: Uint8Array, frames: number | null, repeat = 1): Uint8Array {
  const stream = parseMp3(mp3);
  const kept = stream.frames.slice(0, frames ?? stream.frames.length);
  if (kept.length < (frames ?? 0)) throw new Error(`the MP3 holds ${stream.frames.length} audio frames, ${frames} asked for`);
  const start = indexOfBytes(mp3, kept[0]!.data, id3v2Size(mp3));
  if (start < 0) throw new Error('the first audio frame is not in the file');
  const bodyBytes = kept.reduce((a, f) => a + f.data.length, 0);
  const out = new Uint8Array(start + bodyBytes * repeat);
  out.set(mp3.subarray(0, start));
  let p = start;
  for (let r = 0; r < repeat; r++) {
    for (const f of kept) {
      out.set(f.data, p);
      p += f.data.length;
    }
  }
  return out;
}

/** FLAC of a WAV by the `flac` command (`--best`, as the fixture), or null with the reason. */
export function flacEncode(wav: Uint8Array): { bytes: Uint8Array | null; note: string } {
  const r = spawnSync('flac', ['--silent', '--best', '--stdout', '-'], { input: wav, maxBuffer: 1 << 30 });
  if (r.error) {
    const missing = (r.error as NodeJS.ErrnoException).code === 'ENOENT';
    return { bytes: null, note: missing ? 'the flac command is not installed: apt-get install flac' : `flac failed: ${r.error.message}` };
  }
  if (r.status !== 0) return { bytes: null, note: `flac exited with ${r.status}: ${r.stderr.toString().trim()}` };
  return { bytes: new Uint8Array(r.stdout), note: 're-encoded with flac --best' };
}

/** The long files, `seconds` (a multiple of the fixtures' 10 s) each; FLAC null when it cannot be made. */
export function longFiles(
  seconds: number,
  formats: readonly DecodeBenchFormat[],
): { files: Map<DecodeBenchFormat, Uint8Array>; notes: string[] } {
  const repeat = Math.max(1, Math.round(seconds / 10));
  const files = new Map<DecodeBenchFormat, Uint8Array>();
  const notes: string[] = [];
  const wav = wavClip(fixtureBytes('signal.wav'), null, repeat);
  for (const format of DECODE_BENCH_FORMATS) {
    if (!formats.includes(format)) continue;
    if (format === 'wav') files.set('wav', wav);
    if (format === 'mp3') files.set('mp3', mp3Clip(fixtureBytes('signal.mp3'), null, repeat));
    if (format === 'flac') {
      const flac = flacEncode(wav);
      if (flac.bytes) files.set('flac', flac.bytes);
      notes.push(`FLAC: ${flac.bytes ? flac.note : `skipped (${flac.note}; concatenated FLAC files are not one valid stream)`}`);
    }
  }
  return { files, notes };
}
