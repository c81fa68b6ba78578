/**
 * The decode core through the built module (rust/pkg/stagebench_dsp.wasm): WAV probing and PCM
 * conversion bit for bit against dsp-stages/wav.ts `parseWav`, the error messages for corrupt,
 * truncated and oversized files, and spans resampled apart (on separate instances) joining bit
 * for bit into the whole. Fixed seeds.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  convertPcm,
  convertPcmPlanar,
  convertPcmPlanarAt,
  decodeWavInterleaved,
  deinterleave,
  isWavProbeError,
  probeWav,
  probeWavPrefixes,
  requireWav,
  Resampler,
  WAV_CODE,
  type WavInfo,
  type WavProbeError,
} from './bindings.ts';
import { decodeExports } from './bindings.ts';
import { instantiateStagebench, type StagebenchWasm } from '../../worklet/abi.ts';
import { readWasmBytes, wasmPath } from '../wasm-file.ts';
import { parseWav } from '../wav.ts';
import { fitSine, sine } from '../signals.ts';

let fresh: () => StagebenchWasm;
beforeAll(() => {
  const bytes = readWasmBytes(wasmPath());
  fresh = () => instantiateStagebench(bytes);
});

/** xorshift32: deterministic test data. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));
const u16 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff];
const u32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

function chunk(id: string, body: ArrayLike<number>, sizeOverride?: number): number[] {
  const out = [...ascii(id), ...u32(sizeOverride ?? body.length), ...Array.from(body)];
  if (body.length % 2 === 1 && sizeOverride === undefined) out.push(0); // RIFF pad byte
  return out;
}

interface FmtSpec {
  tag: number;
  channels: number;
  rate: number;
  bits: number;
  blockAlign?: number;
  extensible?: boolean;
  /** The sub-format GUID's tail (bytes 2..16); the KSDATAFORMAT_SUBTYPE tail by default. */
  guidTail?: number[];
  validBits?: number;
}

const KS_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

function fmtBody(f: FmtSpec): number[] {
  const align = f.blockAlign ?? (f.channels * f.bits) / 8;
  const base = [
    ...u16(f.extensible ? 0xfffe : f.tag),
    ...u16(f.channels),
    ...u32(f.rate),
    ...u32(f.rate * align),
    ...u16(align),
    ...u16(f.bits),
  ];
  if (!f.extensible) return base;
  return [...base, ...u16(22), ...u16(f.validBits ?? f.bits), ...u32(0), ...u16(f.tag), ...(f.guidTail ?? KS_TAIL)];
}

function riff(chunks: number[][], form = 'WAVE'): Uint8Array<ArrayBuffer> {
  const body = chunks.flat();
  return new Uint8Array([...ascii('RIFF'), ...u32(4 + body.length), ...ascii(form), ...body]);
}

/** Random sample bytes for a format: every bit pattern for integers and float32 (NaN payloads included), finite doubles for float64. */
function payload(f: FmtSpec, frames: number, next: () => number): Uint8Array {
  const bytes = new Uint8Array((frames * f.channels * f.bits) / 8);
  if (f.tag === 3 && f.bits === 64) {
    const view = new DataView(bytes.buffer);
    const specials = [0, -0, 1, -1, 1e-310, -1e-40, 3.5e38, -4e38, 1 / 3, 0.1 + 2 ** -40, Infinity, -Infinity];
    for (let i = 0; i < bytes.length / 8; i++) {
      const v = i < specials.length ? specials[i]! : ((next() / 2 ** 32) * 2 - 1) * 2 ** ((next() % 40) - 30);
      view.setFloat64(8 * i, v, true);
    }
    return bytes;
  }
  for (let i = 0; i < bytes.length; i++) bytes[i] = next() & 0xff;
  // the extremes first: all zero bits, all one bits, the most negative and most positive values
  const s = f.bits / 8;
  const patterns = [Array(s).fill(0), Array(s).fill(0xff), [...Array(s - 1).fill(0), 0x80], [...Array(s - 1).fill(0xff), 0x7f]];
  patterns.forEach((p, k) => {
    if ((k + 1) * s <= bytes.length) bytes.set(p, k * s);
  });
  return bytes;
}

function bitsOf(a: Float32Array): number[] {
  return [...new Uint32Array(a.buffer, a.byteOffset, a.length)];
}

const FORMATS: [number, number][] = [
  [1, 8],
  [1, 16],
  [1, 24],
  [1, 32],
  [3, 32],
  [3, 64],
];

describe('WAV: bit for bit with dsp-stages/wav.ts parseWav', () => {
  it('every format, 1..8 channels, plain and WAVE_FORMAT_EXTENSIBLE, with odd-sized chunks to skip', () => {
    const wasm = fresh();
    const next = rng(0x5eed);
    for (const [tag, bits] of FORMATS) {
      for (let channels = 1; channels <= 8; channels++) {
        const f: FmtSpec = { tag, channels, rate: 44100 + channels, bits, extensible: channels % 3 === 0 };
        const frames = 37 + (next() % 300);
        const data = payload(f, frames, next);
        const file = riff([chunk('JUNK', [1, 2, 3]), chunk('fmt ', fmtBody(f)), chunk('LIST', ascii('INFOa')), chunk('data', data)]);
        const { info, samples } = decodeWavInterleaved(wasm, file);
        const ref = parseWav(file);
        expect(info).toMatchObject({
          channels,
          sampleRate: ref.sampleRate,
          bitsPerSample: bits,
          format: ref.format,
          extensible: ref.extensible,
          frames,
        });
        expect(info.dataOffset).toBe(12 + 12 + 8 + fmtBody(f).length + 8 + 6 + 8);
        const planes = deinterleave(samples, channels);
        for (let c = 0; c < channels; c++) expect(bitsOf(planes[c]!)).toEqual(bitsOf(ref.channels[c]!));
      }
    }
  });

  it('converts any frame range from a buffer holding only part of the file', () => {
    const wasm = fresh();
    const next = rng(0xc0ffee);
    for (const [tag, bits] of FORMATS) {
      const f: FmtSpec = { tag, channels: 1 + (next() % 8), rate: 48000, bits };
      const frames = 500;
      const file = riff([chunk('fmt ', fmtBody(f)), chunk('data', payload(f, frames, next))]);
      const info = requireWav(wasm, file.subarray(0, 64), file.length);
      const whole = convertPcm(wasm, info, file);
      for (let trial = 0; trial < 20; trial++) {
        const first = next() % frames;
        const count = next() % (frames - first + 1);
        const lead = next() % 7; // the buffer starts a few bytes before the range
        const fileOffset = info.dataOffset + first * info.blockAlign - lead;
        const part = file.slice(fileOffset, fileOffset + lead + count * info.blockAlign + (next() % 5));
        const got = convertPcm(wasm, info, part, first, count, fileOffset);
        expect(bitsOf(got)).toEqual(bitsOf(whole.subarray(first * f.channels, (first + count) * f.channels)));
      }
    }
  });

  it('converts into planes (pcm_to_planar) the same bits as interleaved, deinterleaved', () => {
    const wasm = fresh();
    const next = rng(0x91a4e5);
    for (const [tag, bits] of FORMATS) {
      const f: FmtSpec = { tag, channels: 1 + (next() % 8), rate: 48000, bits };
      const file = riff([chunk('fmt ', fmtBody(f)), chunk('data', payload(f, 333, next))]);
      const info = requireWav(wasm, file.subarray(0, 64), file.length);
      const want = deinterleave(convertPcm(wasm, info, file), f.channels);
      const got = convertPcmPlanar(wasm, info, file);
      expect(got.map(bitsOf)).toEqual(want.map(bitsOf));
      expect(convertPcmPlanar(wasm, info, file, 100).map(bitsOf)).toEqual(want.map((p) => bitsOf(p.subarray(0, 100))));
      expect(convertPcmPlanar(wasm, info, file, 0).every((p) => p.length === 0)).toBe(true);
    }
  });

  it('asks for a longer prefix while the header lies beyond it', async () => {
    const wasm = fresh();
    const f: FmtSpec = { tag: 1, channels: 2, rate: 44100, bits: 16 };
    const art = new Uint8Array(100_001); // an odd-sized chunk (album art) before fmt and data
    const file = riff([chunk('LIST', art), chunk('fmt ', fmtBody(f)), chunk('data', new Uint8Array(400))]);
    const first = probeWav(wasm, file.subarray(0, 1024), file.length) as WavProbeError;
    expect(first.code).toBe(WAV_CODE.needMore);
    expect(first.bytesNeeded).toBe(12 + 8 + 100_002 + 8);
    expect(first.error).toBe(`the header continues past the first 1024 bytes: ${12 + 8 + 100_002 + 8} bytes are needed`);
    const reads: number[] = [];
    const info = await probeWavPrefixes(wasm, (n) => (reads.push(n), file.subarray(0, n)), file.length, 1024);
    expect(isWavProbeError(info)).toBe(false);
    expect((info as WavInfo).frames).toBe(100);
    expect(reads[0]).toBe(1024);
    expect(reads.length).toBeLessThanOrEqual(4);
  });
});

describe('WAV: problems named', () => {
  const good: FmtSpec = { tag: 1, channels: 2, rate: 44100, bits: 16 };
  const frames4 = chunk('data', new Uint8Array(16));

  function problem(file: Uint8Array, fileLength = file.length): WavProbeError {
    const p = probeWav(fresh(), file, fileLength);
    if (!isWavProbeError(p)) throw new Error('expected an error');
    return p;
  }

  it('names each corrupt header', () => {
    const cases: [Uint8Array, number, string | RegExp][] = [
      [new Uint8Array([...ascii('ID3\x04'), ...Array(40).fill(0)]), WAV_CODE.notWave, 'not a RIFF/WAVE file (starts with "ID3\\u0004")'],
      [riff([chunk('fmt ', fmtBody(good)), frames4], 'AVI '), WAV_CODE.notWave, 'not a RIFF/WAVE file (starts with "RIFF" form "AVI ")'],
      [new Uint8Array([...ascii('RIFX'), ...u32(0), ...ascii('WAVE')]), WAV_CODE.notWave, 'big-endian RIFX WAV files are not supported'],
      [new Uint8Array([...ascii('RF64'), ...u32(0), ...ascii('WAVE')]), WAV_CODE.notWave, 'RF64 (64-bit WAV) files are not supported'],
      [new Uint8Array(ascii('RIFF')), WAV_CODE.truncatedHeader, 'truncated header: the file is 4 bytes, too short for a RIFF/WAVE header'],
      [riff([chunk('LIST', [], 5000)]), WAV_CODE.truncatedHeader, /ends inside a chunk before the fmt and data chunks were found/],
      [riff([chunk('fmt ', fmtBody(good)).slice(0, 20)]), WAV_CODE.truncatedHeader, /truncated header/],
      [riff([frames4]), WAV_CODE.noFmt, 'no fmt chunk'],
      [riff([chunk('fmt ', fmtBody(good))]), WAV_CODE.noData, 'no data chunk'],
      [
        riff([chunk('fmt ', fmtBody({ ...good, tag: 0x55 })), frames4]),
        WAV_CODE.unsupportedFormat,
        'unsupported format tag 0x0055 (MP3 in WAV): only PCM and IEEE float are read',
      ],
      [
        riff([chunk('fmt ', fmtBody({ ...good, tag: 6, extensible: true })), frames4]),
        WAV_CODE.unsupportedFormat,
        'unsupported format tag 0x0006 (A-law) in WAVE_FORMAT_EXTENSIBLE: only PCM and IEEE float are read',
      ],
      [
        riff([chunk('fmt ', fmtBody({ ...good, extensible: true, guidTail: Array(14).fill(7) })), frames4]),
        WAV_CODE.unsupportedFormat,
        'unsupported WAVE_FORMAT_EXTENSIBLE sub-format (not a KSDATAFORMAT_SUBTYPE GUID)',
      ],
      [
        riff([chunk('fmt ', fmtBody({ ...good, bits: 12, blockAlign: 4 })), frames4]),
        WAV_CODE.unsupportedBits,
        'unsupported PCM sample size 12 bits (supported: 8, 16, 24, 32)',
      ],
      [
        riff([chunk('fmt ', fmtBody({ ...good, tag: 3, bits: 16 })), frames4]),
        WAV_CODE.unsupportedBits,
        'unsupported float sample size 16 bits (supported: 32, 64)',
      ],
      [riff([chunk('fmt ', fmtBody({ ...good, channels: 0, blockAlign: 4 })), frames4]), WAV_CODE.badChannels, 'fmt chunk says 0 channels'],
      [
        riff([chunk('fmt ', fmtBody({ ...good, channels: 9 })), frames4]),
        WAV_CODE.badChannels,
        'fmt chunk says 9 channels, at most 8 are supported',
      ],
      [
        riff([chunk('fmt ', fmtBody({ ...good, blockAlign: 6 })), frames4]),
        WAV_CODE.badBlockAlign,
        'fmt block align is 6 bytes, expected 4 (2 channels × 2 bytes)',
      ],
      [riff([chunk('fmt ', fmtBody({ ...good, rate: 0 })), frames4]), WAV_CODE.badSampleRate, 'fmt chunk says sample rate 0 Hz'],
      [
        riff([chunk('fmt ', fmtBody({ ...good, rate: 800000 })), frames4]),
        WAV_CODE.badSampleRate,
        'sample rate 800000 Hz is above the supported 768000 Hz',
      ],
      [riff([chunk('fmt ', fmtBody(good).slice(0, 14)), frames4]), WAV_CODE.badFmt, 'fmt chunk is shorter than 16 bytes'],
      [
        riff([chunk('fmt ', fmtBody({ ...good, extensible: true, validBits: 20 })), frames4]),
        WAV_CODE.badFmt,
        /malformed WAVE_FORMAT_EXTENSIBLE/,
      ],
      [riff([chunk('fmt ', fmtBody(good)), chunk('data', [])]), WAV_CODE.emptyData, 'data chunk holds no audio (0 bytes, a frame is 4)'],
      [
        riff([chunk('fmt ', fmtBody(good)), chunk('fmt ', fmtBody(good)), frames4]),
        WAV_CODE.duplicateChunk,
        'more than one fmt or data chunk',
      ],
    ];
    for (const [file, code, message] of cases) {
      const p = problem(file);
      expect([p.code, p.error]).toEqual([code, expect.stringMatching(typeof message === 'string' ? `^${escape(message)}$` : message)]);
      expect(() => requireWav(fresh(), file)).toThrow(p.error);
      // the reference reader refuses every one of these too (it has no channel or rate cap, and ignores an empty data chunk)
      if (code !== WAV_CODE.badChannels && code !== WAV_CODE.badSampleRate && code !== WAV_CODE.emptyData) {
        expect(() => parseWav(file), p.error).toThrow();
      }
    }
  });

  it('oversized: says how many frames the header claims and the file holds, and keeps those', () => {
    // 8-bit mono: a data size of 0xffffffff claims 4294967295 frames; the file holds 44100
    const f: FmtSpec = { tag: 1, channels: 1, rate: 44100, bits: 8 };
    const next = rng(77);
    const data = payload(f, 44100, next);
    const honest = riff([chunk('fmt ', fmtBody(f)), chunk('data', data)]);
    const file = honest.slice();
    new DataView(file.buffer).setUint32(12 + 8 + 16 + 4, 0xffffffff, true);
    const p = problem(file);
    expect(p.code).toBe(WAV_CODE.oversized);
    expect(p.error).toBe('header claims 4294967295 frames but the file holds 44100');
    expect(p.usable).toMatchObject({ framesClaimed: 4294967295, frames: 44100, channels: 1, sampleRate: 44100 });
    const kept = convertPcm(fresh(), p.usable!, file);
    expect(bitsOf(kept)).toEqual(bitsOf(parseWav(honest).channels[0]!));
    // given only a prefix, the same answer from the file length
    expect(problem(file.subarray(0, 100), file.length).error).toBe('header claims 4294967295 frames but the file holds 44100');
    // a stereo 24-bit file cut in the middle of a frame
    const g: FmtSpec = { tag: 1, channels: 2, rate: 48000, bits: 24 };
    const cut = riff([chunk('fmt ', fmtBody(g)), chunk('data', payload(g, 1000, next))]).subarray(0, 44 + 6 * 999 + 4);
    const q = problem(cut);
    expect(q.error).toBe('header claims 1000 frames but the file holds 999');
    expect(convertPcm(fresh(), q.usable!, cut).length).toBe(999 * 2);
    expect(() => convertPcm(fresh(), q.usable!, cut, 0, 1000)).toThrow('convertPcm: frames 0..1000 are past the 999 frames of the data');
  });

  it('a data chunk that is not whole frames', () => {
    const p = problem(riff([chunk('fmt ', fmtBody(good)), chunk('data', new Uint8Array(10))]));
    expect(p.code).toBe(WAV_CODE.partialFrame);
    expect(p.error).toBe('data chunk is 10 bytes, not a whole number of 4-byte frames');
    expect(p.usable!.frames).toBe(2);
  });

  it('refuses bad arguments and ranges with messages', () => {
    const wasm = fresh();
    const file = riff([chunk('fmt ', fmtBody(good)), frames4]);
    expect(() => probeWav(wasm, file, 10)).toThrow('probeWav: 60 bytes given for a file of 10');
    expect(() => probeWav(wasm, file, 1.5)).toThrow('probeWav: file length 1.5 is not a whole number of bytes');
    const info = requireWav(wasm, file);
    expect(() => convertPcm(wasm, info, file.subarray(0, 50))).toThrow(
      'convertPcm: frames 0..4 are file bytes 44..60, the buffer holds bytes 0..50',
    );
    expect(() => convertPcm(wasm, info, file, 3, 2)).toThrow('past the 4 frames');
    expect(() => convertPcm(wasm, info, file, 0, 4, 0, new Float32Array(3))).toThrow('convertPcm: output holds 3 samples, 8 are needed');
    expect(decodeExports(wasm).pcm_to_f32(1, 12, 1, 8, 1, 16)).toBe(-121);
    expect(decodeExports(wasm).pcm_to_f32(1, 16, 9, 8, 1, 16)).toBe(-2);
    expect(decodeExports(wasm).pcm_to_f32(1, 16, 1, 8, 1, 18)).toBe(-2); // misaligned output
    expect(decodeExports(wasm).pcm_to_f32(1, 16, 1, 8, 4, 10 - 2)).toBe(-2); // overlapping
    expect(decodeExports(wasm).pcm_to_f32(3, 64, 8, 0x7fff_0000, 1 << 20, 16)).toBe(-2); // beyond memory
  });
});

/** `n` interleaved frames of noise plus a tone, for `ch` channels. */
function signal(n: number, ch: number, seed: number): Float32Array {
  const next = rng(seed);
  const x = new Float32Array(n * ch);
  for (let i = 0; i < x.length; i++) x[i] = 0.5 * Math.sin(i * 0.01 + (i % ch)) + (next() / 2 ** 32 - 0.5) * 0.4;
  return x;
}

describe('Resampler', () => {
  it('has a SIMD dot product identical to the scalar one', () => {
    expect(decodeExports(fresh()).resample_selftest()).toBe(0);
  });

  it('spans resampled apart on separate instances join bit for bit into the whole', () => {
    const next = rng(0xab1e);
    const rates = [8000, 11025, 22050, 44100, 47999, 48000, 96000, 192000];
    const whole = fresh();
    const workers = [fresh(), fresh(), fresh()];
    for (let trial = 0; trial < 24; trial++) {
      const inRate = rates[next() % rates.length]!;
      const outRate = trial % 6 === 0 ? inRate : rates[next() % rates.length]!;
      const ch = 1 + (next() % 8);
      const total = 300 + (next() % 5000);
      const x = signal(total, ch, next());
      const rw = Resampler.create(whole, inRate, outRate, ch);
      const outTotal = rw.outFrames(total);
      const reference = rw.span(x, 0, total, 0, outTotal);
      const cuts = [0, total, ...Array.from({ length: 1 + (next() % 5) }, () => next() % (total + 1))].sort((a, b) => a - b);
      const joined = new Float32Array(outTotal * ch);
      for (let i = 0; i + 1 < cuts.length; i++) {
        const w = workers[i % workers.length]!;
        const r = Resampler.create(w, inRate, outRate, ch);
        const out = r.outputRange(cuts[i]!, cuts[i + 1]!);
        if (out.end === out.start) continue;
        const need = r.inputRange(out.start, out.end - out.start, total);
        const part = x.subarray(need.start * ch, need.end * ch);
        if (i % 2 === 0) {
          r.span(part, need.start, total, out.start, out.end - out.start, joined.subarray(out.start * ch));
        } else {
          // every other planar span as views of wasm memory (read before the next call into it)
          const views = i % 4 === 1;
          const planes = r.spanPlanar(deinterleave(part, ch), need.start, total, out.start, out.end - out.start, { views });
          expect(planes.every((p) => (p.buffer === w.exports.memory.buffer) === views)).toBe(true);
          for (let c = 0; c < ch; c++) planes[c]!.forEach((v, k) => (joined[(out.start + k) * ch + c] = v));
        }
      }
      expect(bitsOf(joined), `${inRate} -> ${outRate} Hz, ${ch} ch, ${total} frames, cuts ${cuts.join(' ')}`).toEqual(bitsOf(reference));
    }
  });

  it('allocates nothing in wasm once the span buffers exist', () => {
    const wasm = fresh();
    const r = Resampler.create(wasm, 48000, 44100, 2);
    const x = signal(4800, 2, 3);
    const first = r.span(x, 0, 4800, 0, r.outFrames(4800)); // grows the span buffers
    const before = wasm.exports.alloc_count();
    const again = r.span(x, 0, 4800, 0, r.outFrames(4800), new Float32Array(first.length));
    expect(wasm.exports.alloc_count()).toBe(before);
    expect(bitsOf(again)).toEqual(bitsOf(first));
    // planar: the first span grows the planar input and its interleaving buffer, the next none
    const planes = deinterleave(x, 2);
    r.spanPlanar(planes, 0, 4800, 0, r.outFrames(4800), { views: true });
    const planarBefore = wasm.exports.alloc_count();
    const views = r.spanPlanar(planes, 0, 4800, 0, r.outFrames(4800), { views: true });
    expect(wasm.exports.alloc_count()).toBe(planarBefore);
    expect(views.map(bitsOf)).toEqual(deinterleave(first, 2).map(bitsOf));
  });

  it('a WAV chunk converted into the span input in place resamples as converted planes do', () => {
    const next = rng(0x5eed17);
    const wasm = fresh();
    for (const [tag, bits] of FORMATS) {
      const f: FmtSpec = { tag, channels: 1 + (next() % 8), rate: 44100, bits };
      const frames = 500 + (next() % 700);
      const file = riff([chunk('fmt ', fmtBody(f)), chunk('data', payload(f, frames, next))]);
      const info = requireWav(wasm, file.subarray(0, 64), file.length);
      const r = Resampler.create(wasm, 44100, 48000, f.channels);
      const outCount = r.outFrames(frames);
      const want = r.spanPlanar(convertPcmPlanar(wasm, info, file, frames), 0, frames, 0, outCount).map(bitsOf);
      const fill = (at: number) => convertPcmPlanarAt(wasm, info, file, frames, at);
      expect(r.spanPlanarIn(frames, fill, 0, frames, 0, outCount).map(bitsOf), `format ${tag}/${bits}`).toEqual(want);
      // once the buffers exist, the in-place path allocates nothing in wasm
      const before = wasm.exports.alloc_count();
      expect(r.spanPlanarIn(frames, fill, 0, frames, 0, outCount, { views: true }).map(bitsOf)).toEqual(want);
      expect(wasm.exports.alloc_count()).toBe(before);
    }
    expect(() =>
      convertPcmPlanarAt(
        wasm,
        requireWav(wasm, riff([chunk('fmt ', fmtBody({ tag: 1, channels: 1, rate: 8000, bits: 16 })), chunk('data', new Uint8Array(8))])),
        new Uint8Array(0),
        4,
        2,
      ),
    ).toThrow('output address 2');
  });

  it('equal rates copy bit for bit', () => {
    const r = Resampler.create(fresh(), 44100, 44100, 2);
    expect([r.context, r.taps, r.outFrames(1000)]).toEqual([0, 1, 1000]);
    const x = signal(1000, 2, 5);
    new Uint32Array(x.buffer)[7] = 0x7f800001; // a signalling NaN
    expect(bitsOf(r.span(x, 0, 1000, 0, 1000))).toEqual(bitsOf(x));
  });

  it('a 1 kHz sine 44.1 kHz -> 48 kHz in wasm: THD+N below -110 dB', () => {
    const r = Resampler.create(fresh(), 44100, 48000, 1);
    expect(r.exact).toBe(true);
    const n = 44100;
    const amp = 10 ** (-1 / 20);
    const x = sine(n, 44100, 1000, amp, 0.7);
    const y = r.span(x, 0, n, 0, r.outFrames(n));
    // least squares fit of the 1 kHz sine over the interior, residual against it
    const from = Math.ceil(((r.context + 1) * 48000) / 44100);
    const to = Math.floor(((n - r.context - 1) * 48000) / 44100);
    const { amplitude: fitted, residualRms } = fitSine(y, 48000, 1000, from, to);
    expect(Math.abs(20 * Math.log10(fitted / amp))).toBeLessThan(0.01);
    expect(20 * Math.log10((Math.SQRT2 * residualRms) / fitted)).toBeLessThan(-110);
  });

  it('names missing input, bad ranges, bad rates and a replaced resampler', () => {
    const wasm = fresh();
    expect(() => Resampler.create(wasm, 7999, 48000, 2)).toThrow(
      'resampler: rates 7999 -> 48000 Hz, both must be whole numbers in 8000..192000 Hz',
    );
    expect(() => Resampler.create(wasm, 44100, 48000, 9)).toThrow('resampler: 9 channels, 1..8 are supported');
    const r = Resampler.create(wasm, 44100, 48000, 2);
    const x = signal(1000, 2, 9);
    const need = r.inputRange(100, 50, 1000);
    expect(need.start).toBe(r.tapStart(100));
    expect(need.end - need.start).toBe(r.taps + r.tapStart(149) - r.tapStart(100));
    const short = x.subarray((need.start + 1) * 2, need.end * 2);
    expect(() => r.span(short, need.start + 1, 1000, 100, 50)).toThrow(
      `resampler: output frames 100..150 read input frames ${need.start}..${need.end}, the buffer holds ${need.start + 1}..${need.end}`,
    );
    expect(() => r.span(x, 0, 1000, 1085, 5)).toThrow(
      'resampler: output frames 1085..1090 are past the 1089 output frames of 1000 input frames',
    );
    expect(() => r.span(x.subarray(1), 0, 1000, 0, 5)).toThrow('resampler: 1999 input samples are not whole frames of 2 channels');
    expect(() => r.span(x, 0.5, 1000, 0, 5)).toThrow('span positions must be whole numbers');
    Resampler.create(wasm, 48000, 44100, 2);
    expect(() => r.outFrames(10)).toThrow('resampler: replaced by a later Resampler.create on the same module instance');
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
