import { describe, expect, it } from 'vitest';
import { f32ToBytes, parseWav, readF32, writeWavFloat32 } from './wav.ts';

// ---- building WAV bytes by hand --------------------------------------------------------------

function ascii(s: string): number[] {
  return [...s].map((c) => c.charCodeAt(0));
}
function u16(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff];
}
function u32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

/** A chunk with its header; `declared` overrides the size field; odd bodies get a pad byte. */
function chunk(id: string, body: number[] | Uint8Array, declared?: number): number[] {
  const b = [...body];
  return [...ascii(id), ...u32(declared ?? b.length), ...b, ...(b.length % 2 === 1 ? [0] : [])];
}

function riff(chunks: number[][], form = 'WAVE'): Uint8Array {
  const body = [...ascii(form), ...chunks.flat()];
  return new Uint8Array([...ascii('RIFF'), ...u32(body.length), ...body]);
}

interface FmtOpts {
  tag: number;
  channels: number;
  rate?: number;
  bits: number;
  blockAlign?: number;
}

function fmtBody(o: FmtOpts): number[] {
  const rate = o.rate ?? 48000;
  const align = o.blockAlign ?? (o.channels * o.bits) / 8;
  return [...u16(o.tag), ...u16(o.channels), ...u32(rate), ...u32(rate * align), ...u16(align), ...u16(o.bits)];
}

const KS_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

function extensibleFmtBody(o: Omit<FmtOpts, 'tag'> & { sub: number; validBits?: number; guidTail?: number[] }): number[] {
  return [
    ...fmtBody({ ...o, tag: 0xfffe }),
    ...u16(22), // cbSize
    ...u16(o.validBits ?? o.bits),
    ...u32(o.channels === 2 ? 0x3 : 0x4), // channel mask
    ...u16(o.sub),
    ...(o.guidTail ?? KS_TAIL),
  ];
}

function bytesOf(values: number[], write: (view: DataView, offset: number, v: number) => void, size: number): number[] {
  const out = new Uint8Array(values.length * size);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => write(view, i * size, v));
  return [...out];
}
const i16 = (vs: number[]) => bytesOf(vs, (d, o, v) => d.setInt16(o, v, true), 2);
const i32 = (vs: number[]) => bytesOf(vs, (d, o, v) => d.setInt32(o, v, true), 4);
const f64 = (vs: number[]) => bytesOf(vs, (d, o, v) => d.setFloat64(o, v, true), 8);
const bits32 = (vs: number[]) => bytesOf(vs, (d, o, v) => d.setUint32(o, v, true), 4);
const i24 = (vs: number[]) =>
  vs.flatMap((v) => {
    const u = v < 0 ? v + 0x1000000 : v;
    return [u & 0xff, (u >>> 8) & 0xff, (u >>> 16) & 0xff];
  });

function bitsOf(a: Float32Array): number[] {
  return [...new Uint32Array(a.buffer, a.byteOffset, a.length)];
}

// ---- formats ---------------------------------------------------------------------------------

describe('parseWav formats', () => {
  it('reads unsigned 8-bit PCM with 128 as zero', () => {
    const wav = parseWav(riff([chunk('fmt ', fmtBody({ tag: 1, channels: 1, bits: 8, rate: 8000 })), chunk('data', [0, 128, 255, 64])]));
    expect(wav.sampleRate).toBe(8000);
    expect(wav.format).toBe('pcm');
    expect(wav.bitsPerSample).toBe(8);
    expect(wav.extensible).toBe(false);
    expect([...wav.channels[0]!]).toEqual([-1, 0, 127 / 128, -0.5]);
  });

  it('reads 16-bit PCM stereo and deinterleaves it', () => {
    const data = i16([-32768, 16384, 32767, -1, 0, 8192]);
    const wav = parseWav(riff([chunk('fmt ', fmtBody({ tag: 1, channels: 2, bits: 16, rate: 44100 })), chunk('data', data)]));
    expect(wav.sampleRate).toBe(44100);
    expect(wav.channels).toHaveLength(2);
    expect([...wav.channels[0]!]).toEqual([-1, 32767 / 32768, 0]);
    expect([...wav.channels[1]!]).toEqual([0.5, -1 / 32768, 0.25]);
  });

  it('reads 24-bit PCM with sign extension', () => {
    const data = i24([-8388608, 8388607, 1, -2, 4194304]);
    const wav = parseWav(riff([chunk('fmt ', fmtBody({ tag: 1, channels: 1, bits: 24 })), chunk('data', data)]));
    expect(wav.bitsPerSample).toBe(24);
    expect([...wav.channels[0]!]).toEqual([-1, Math.fround(8388607 / 8388608), Math.fround(1 / 8388608), Math.fround(-2 / 8388608), 0.5]);
  });

  it('reads 32-bit integer PCM', () => {
    const data = i32([-2147483648, 1 << 30, 0, -(1 << 29)]);
    const wav = parseWav(riff([chunk('fmt ', fmtBody({ tag: 1, channels: 1, bits: 32 })), chunk('data', data)]));
    expect(wav.format).toBe('pcm');
    expect([...wav.channels[0]!]).toEqual([-1, 0.5, 0, -0.25]);
  });

  it('copies 32-bit float samples bit for bit, signalling NaN and -0 included', () => {
    const raw = [0x3f800000, 0x80000000, 0x7f800001, 0xffc01234, 0x7f800000, 0x00000001, 0xbf000000];
    const data = bits32(raw);
    const wav = parseWav(riff([chunk('fmt ', fmtBody({ tag: 3, channels: 1, bits: 32 })), chunk('data', data)]));
    expect(wav.format).toBe('float');
    expect(wav.bitsPerSample).toBe(32);
    expect(bitsOf(wav.channels[0]!)).toEqual(raw);
  });

  it('reads 64-bit float, rounding to float32', () => {
    const data = f64([0.1, -1, 1e-3, 3]);
    const wav = parseWav(riff([chunk('fmt ', fmtBody({ tag: 3, channels: 2, bits: 64 })), chunk('data', data)]));
    expect(wav.bitsPerSample).toBe(64);
    expect([...wav.channels[0]!]).toEqual([Math.fround(0.1), Math.fround(1e-3)]);
    expect([...wav.channels[1]!]).toEqual([-1, 3]);
  });

  it('reads WAVE_FORMAT_EXTENSIBLE PCM (24-bit container, 20 valid bits)', () => {
    const fmt = extensibleFmtBody({ channels: 2, bits: 24, validBits: 20, sub: 1, rate: 96000 });
    const data = i24([4194304, -4194304, -8388608, 0]);
    const wav = parseWav(riff([chunk('fmt ', fmt), chunk('data', data)]));
    expect(wav.extensible).toBe(true);
    expect(wav.format).toBe('pcm');
    expect(wav.sampleRate).toBe(96000);
    expect([...wav.channels[0]!]).toEqual([0.5, -1]);
    expect([...wav.channels[1]!]).toEqual([-0.5, 0]);
  });

  it('reads WAVE_FORMAT_EXTENSIBLE float', () => {
    const fmt = extensibleFmtBody({ channels: 1, bits: 32, sub: 3 });
    const wav = parseWav(riff([chunk('fmt ', fmt), chunk('data', bits32([0x3e800000, 0xc0000000]))]));
    expect(wav.extensible).toBe(true);
    expect(wav.format).toBe('float');
    expect([...wav.channels[0]!]).toEqual([0.25, -2]);
  });

  it('skips unknown chunks, odd-sized ones padded, before and after fmt', () => {
    const wav = parseWav(
      riff([
        chunk('JUNK', [1, 2, 3]), // odd: one pad byte follows
        chunk('fmt ', fmtBody({ tag: 1, channels: 1, bits: 16 })),
        chunk('LIST', [...ascii('INFO'), 9]), // odd again
        chunk('data', i16([16384, -16384])),
        chunk('id3 ', [7]),
      ]),
    );
    expect([...wav.channels[0]!]).toEqual([0.5, -0.5]);
  });

  it('reads a data chunk that comes before fmt', () => {
    const wav = parseWav(riff([chunk('data', i16([16384])), chunk('fmt ', fmtBody({ tag: 1, channels: 1, bits: 16 }))]));
    expect([...wav.channels[0]!]).toEqual([0.5]);
  });

  it('reads from a Uint8Array at an odd offset in a larger buffer', () => {
    const file = riff([chunk('fmt ', fmtBody({ tag: 3, channels: 1, bits: 32 })), chunk('data', bits32([0x3f000000, 0x7fc00042]))]);
    const big = new Uint8Array(file.length + 3);
    big.set(file, 1);
    const wav = parseWav(big.subarray(1, 1 + file.length));
    expect(bitsOf(wav.channels[0]!)).toEqual([0x3f000000, 0x7fc00042]);
  });

  it('accepts an empty data chunk (no frames)', () => {
    const wav = parseWav(riff([chunk('fmt ', fmtBody({ tag: 1, channels: 2, bits: 16 })), chunk('data', [])]));
    expect(wav.channels.map((c) => c.length)).toEqual([0, 0]);
  });
});

// ---- bad inputs ------------------------------------------------------------------------------

describe('parseWav errors', () => {
  const fmt16 = chunk('fmt ', fmtBody({ tag: 1, channels: 1, bits: 16 }));

  it('rejects files that are not RIFF/WAVE', () => {
    expect(() => parseWav(new Uint8Array([...ascii('OggS'), ...new Array(40).fill(0)]))).toThrow(
      /^not a RIFF\/WAVE file \(starts with "OggS"\)$/,
    );
    expect(() => parseWav(riff([fmt16], 'AVI '))).toThrow(/not a RIFF\/WAVE file .*form "AVI "/);
    expect(() => parseWav(new Uint8Array(5))).toThrow(/not a RIFF\/WAVE file \(5 bytes/);
  });

  it('names RIFX and RF64 as unsupported', () => {
    const rifx = riff([fmt16]);
    rifx.set(ascii('RIFX'), 0);
    expect(() => parseWav(rifx)).toThrow(/big-endian RIFX/);
    const rf64 = riff([fmt16]);
    rf64.set(ascii('RF64'), 0);
    expect(() => parseWav(rf64)).toThrow(/RF64/);
  });

  it('reports a truncated data chunk with both sizes', () => {
    const file = riff([fmt16, chunk('data', i16([1, 2, 3, 4]))]);
    expect(() => parseWav(file.subarray(0, file.length - 3))).toThrow('data chunk truncated: header says 8 bytes, file has 5');
  });

  it('reports a truncated fmt chunk and a truncated unknown chunk', () => {
    const file = riff([chunk('fmt ', fmtBody({ tag: 1, channels: 1, bits: 16 }))]);
    expect(() => parseWav(file.subarray(0, file.length - 4))).toThrow('fmt chunk truncated: header says 16 bytes, file has 12');
    const junk = riff([chunk('JUNK', [1, 2, 3, 4], 100), fmt16, chunk('data', [])]);
    expect(() => parseWav(junk)).toThrow('"JUNK" chunk truncated: header says 100 bytes');
  });

  it('names unsupported format tags', () => {
    const mp3 = riff([chunk('fmt ', fmtBody({ tag: 0x55, channels: 2, bits: 16 })), chunk('data', [])]);
    expect(() => parseWav(mp3)).toThrow(/^unsupported format tag 0x0055 \(MP3 in WAV\)/);
    const mulaw = riff([chunk('fmt ', fmtBody({ tag: 7, channels: 1, bits: 8 })), chunk('data', [])]);
    expect(() => parseWav(mulaw)).toThrow(/0x0007 \(µ-law\)/);
    const odd = riff([chunk('fmt ', fmtBody({ tag: 0x1234, channels: 1, bits: 8 })), chunk('data', [])]);
    expect(() => parseWav(odd)).toThrow(/^unsupported format tag 0x1234:/);
  });

  it('names unsupported sub-formats of WAVE_FORMAT_EXTENSIBLE', () => {
    const sub = riff([chunk('fmt ', extensibleFmtBody({ channels: 1, bits: 16, sub: 0x55 })), chunk('data', [])]);
    expect(() => parseWav(sub)).toThrow(/unsupported format tag 0x0055 \(MP3 in WAV\) in WAVE_FORMAT_EXTENSIBLE/);
    const guid = riff([
      chunk('fmt ', extensibleFmtBody({ channels: 1, bits: 16, sub: 1, guidTail: new Array(14).fill(0x11) })),
      chunk('data', []),
    ]);
    expect(() => parseWav(guid)).toThrow(/not a KSDATAFORMAT_SUBTYPE GUID/);
    const short = riff([chunk('fmt ', fmtBody({ tag: 0xfffe, channels: 1, bits: 16 })), chunk('data', [])]);
    expect(() => parseWav(short)).toThrow(/EXTENSIBLE fmt chunk is 16 bytes, 40 are needed/);
    const valid = riff([chunk('fmt ', extensibleFmtBody({ channels: 1, bits: 16, validBits: 20, sub: 1 })), chunk('data', [])]);
    expect(() => parseWav(valid)).toThrow(/20 valid bits in a 16-bit container/);
  });

  it('rejects 0 channels, 0 Hz, odd sample sizes and a wrong block align', () => {
    const zero = riff([chunk('fmt ', fmtBody({ tag: 1, channels: 0, bits: 16, blockAlign: 2 })), chunk('data', [])]);
    expect(() => parseWav(zero)).toThrow('0 channels');
    const noRate = riff([chunk('fmt ', fmtBody({ tag: 1, channels: 1, bits: 16, rate: 0 })), chunk('data', [])]);
    expect(() => parseWav(noRate)).toThrow('sample rate 0 Hz');
    const pcm12 = riff([chunk('fmt ', fmtBody({ tag: 1, channels: 1, bits: 12, blockAlign: 2 })), chunk('data', [])]);
    expect(() => parseWav(pcm12)).toThrow('unsupported PCM sample size 12 bits (supported: 8, 16, 24, 32)');
    const half = riff([chunk('fmt ', fmtBody({ tag: 3, channels: 1, bits: 16 })), chunk('data', [])]);
    expect(() => parseWav(half)).toThrow('unsupported float sample size 16 bits (supported: 32, 64)');
    const align = riff([chunk('fmt ', fmtBody({ tag: 1, channels: 2, bits: 16, blockAlign: 2 })), chunk('data', [])]);
    expect(() => parseWav(align)).toThrow('fmt block align is 2 bytes, expected 4 (2 channels × 2 bytes)');
  });

  it('rejects a short fmt chunk, missing chunks, duplicates and a partial frame', () => {
    expect(() => parseWav(riff([chunk('fmt ', [1, 0, 1, 0]), chunk('data', [])]))).toThrow('fmt chunk is 4 bytes, at least 16 are needed');
    expect(() => parseWav(riff([chunk('data', [0, 0])]))).toThrow('no fmt chunk');
    expect(() => parseWav(riff([fmt16]))).toThrow('no data chunk');
    expect(() => parseWav(riff([fmt16, fmt16, chunk('data', [])]))).toThrow('more than one fmt chunk');
    expect(() => parseWav(riff([fmt16, chunk('data', []), chunk('data', [])]))).toThrow('more than one data chunk');
    expect(() => parseWav(riff([fmt16, chunk('data', [1, 2, 3])]))).toThrow('data chunk is 3 bytes, not a whole number of 2-byte frames');
  });
});

// ---- writeWavFloat32, readF32, f32ToBytes ----------------------------------------------------

describe('writeWavFloat32', () => {
  it('round-trips multichannel float32 through parseWav bit for bit', () => {
    const a = new Float32Array([0.5, -0.25, NaN, 1e-40]);
    const b = new Float32Array([1, 2, 3, -0]);
    new Uint32Array(a.buffer)[2] = 0x7f800001; // signalling NaN
    const bytes = writeWavFloat32([a, b], 22050);
    expect(String.fromCharCode(...bytes.subarray(0, 4))).toBe('RIFF');
    expect(new DataView(bytes.buffer).getUint32(4, true)).toBe(bytes.length - 8);
    const wav = parseWav(bytes); // its fact chunk is skipped
    expect(wav.sampleRate).toBe(22050);
    expect(wav.format).toBe('float');
    expect(wav.channels).toHaveLength(2);
    expect(bitsOf(wav.channels[0]!)).toEqual(bitsOf(a));
    expect(bitsOf(wav.channels[1]!)).toEqual(bitsOf(b));
  });

  it('refuses channels of different lengths and bad rates', () => {
    expect(() => writeWavFloat32([new Float32Array(2), new Float32Array(3)], 48000)).toThrow('same length');
    expect(() => writeWavFloat32([], 48000)).toThrow('0 channels');
    expect(() => writeWavFloat32([new Float32Array(1)], 0)).toThrow('bad sample rate 0');
  });
});

describe('readF32 and f32ToBytes', () => {
  it('reads little-endian float32 bit for bit', () => {
    const raw = [0x3f800000, 0x7f800001, 0x80000000];
    const samples = readF32(new Uint8Array(bits32(raw)));
    expect(bitsOf(samples)).toEqual(raw);
  });

  it('refuses a length that is not a multiple of 4', () => {
    expect(() => readF32(new Uint8Array(1001))).toThrow('raw float32 input is 1001 bytes, not a multiple of 4');
  });

  it('writes little-endian bytes that readF32 reads back', () => {
    const x = new Float32Array([1, -2.5, 3e-39]);
    const bytes = f32ToBytes(x);
    expect([...bytes.subarray(0, 4)]).toEqual([0x00, 0x00, 0x80, 0x3f]);
    expect(bitsOf(readF32(bytes))).toEqual(bitsOf(x));
    expect(f32ToBytes(x.subarray(1)).length).toBe(8);
  });
});
