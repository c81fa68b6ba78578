import { readFileSync } from 'node:fs';
import CodecParser, { type CodecFrame } from 'codec-parser';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../signals.ts';
import {
  detectFormat,
  hexHead,
  id3v2Size,
  mp3PrimeStart,
  parseFlac,
  parseMp3,
  parseXingFrame,
  cleanFlacFrames,
  flacFramesOffset,
  splitCleanFlac,
  splitPlainMp3,
  type ParsedFrame,
} from './codecs.ts';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../../fixtures/decode/${name}`, import.meta.url)));

/** Where each frame lies in the file: [offset, length, samples], to compare two splits. */
const where = (frames: { data: Uint8Array; samples: number }[]) => frames.map((f) => [f.data.byteOffset, f.data.length, f.samples]);

/** codec-parser's split of a file of this type, as `where` gives it. */
const codecParserFrames = (mime: 'audio/mpeg' | 'audio/flac') => (b: Uint8Array) =>
  where(new CodecParser(mime, { enableFrameCRC32: false }).parseAll(b) as CodecFrame[]);

/** Seeded integers in [0, n): the damage the split tests make is the same on every run. */
function seededIndex(seed: number): (n: number) => number {
  const random = mulberry32(seed);
  return (n) => Math.floor(random() * n);
}

describe('format detection and frame splitting', () => {
  it('knows the format from the magic bytes, not the name', () => {
    expect(detectFormat(fixture('signal.wav'))).toBe('wav');
    expect(detectFormat(fixture('float64.wav'))).toBe('wav');
    expect(detectFormat(fixture('signal.flac'))).toBe('flac');
    expect(detectFormat(fixture('signal.mp3'))).toBe('mp3'); // a bare frame sync (lame writes no ID3 tag)
    expect(detectFormat(fixture('garbage.mp3'))).toBe('mp3'); // an ID3v2 tag
    expect(detectFormat(new Uint8Array([0xff, 0xf1, 0x50, 0x80]))).toBeNull(); // ADTS AAC: layer bits 00
    expect(detectFormat(new TextEncoder().encode('RIFF....AVI LIST'))).toBeNull();
    expect(detectFormat(new Uint8Array(0))).toBeNull();
    // an ID3v2 tag in front of a FLAC stream
    const tagged = new Uint8Array(10 + 5 + 4);
    tagged.set([0x49, 0x44, 0x33, 3, 0, 0, 0, 0, 0, 5]);
    tagged.set(new TextEncoder().encode('fLaC'), 15);
    expect(id3v2Size(tagged)).toBe(15);
    expect(detectFormat(tagged)).toBe('flac');
    expect(hexHead(new Uint8Array([0, 1, 0xab]))).toBe('00 01 ab');
  });

  it('splits FLAC into frames and reads STREAMINFO', () => {
    const s = parseFlac(fixture('signal.flac'));
    expect(s).toMatchObject({ sampleRate: 44100, channels: 2, bits: 16, totalClaimed: 441000, mismatch: null });
    expect(s.frames).toHaveLength(108);
    expect(s.frames.reduce((a, f) => a + f.samples, 0)).toBe(441000);
    expect(s.endByte).toBe(fixture('signal.flac').length);
    const cut = parseFlac(fixture('truncated.flac'));
    expect(cut.frames.reduce((a, f) => a + f.samples, 0)).toBe(180224);
    expect(() => parseFlac(new TextEncoder().encode('fLaC'))).toThrow('the file ends inside the STREAMINFO block');
  });

  it('splits MP3 into frames, leaves the Info frame out and reads the LAME delay and padding', () => {
    const s = parseMp3(fixture('signal.mp3'));
    expect(s).toMatchObject({
      sampleRate: 44100,
      channels: 2,
      samplesPerFrame: 1152,
      gapless: { delay: 576, padding: 792 },
      mismatch: null,
    });
    expect(s.frames).toHaveLength(384);
    expect(parseXingFrame(s.frames[0]!.data)).toBeNull(); // an audio frame
    expect(() => parseMp3(fixture('garbage.mp3'))).toThrow('no MPEG audio frames found in 65546 bytes');
  });

  it('primes an MP3 group with enough earlier frames, in the synthesis filter phase of one pass', () => {
    const frames: ParsedFrame[] = Array.from({ length: 100 }, () => ({ data: new Uint8Array(400), samples: 1152 }));
    expect(mp3PrimeStart(frames, 0, 1152)).toBe(0);
    expect(mp3PrimeStart(frames, 2, 1152)).toBe(0);
    // 1024 bytes of 400-byte frames need 3 frames back: 47 -> aligned down to a multiple of 4
    expect(mp3PrimeStart(frames, 50, 1152)).toBe(44);
    expect(mp3PrimeStart(frames, 52, 1152)).toBe(48);
    // MPEG-2 layer III (576 samples = 18 slots of 32): a period of 8 frames
    expect(mp3PrimeStart(frames, 50, 576)).toBe(40);
    // big frames: the minimum of 2 frames rules
    const big: ParsedFrame[] = Array.from({ length: 100 }, () => ({ data: new Uint8Array(1500), samples: 1152 }));
    expect(mp3PrimeStart(big, 50, 1152)).toBe(48);
  });

  it('steps through a plain MP3 to the frames codec-parser finds, and leaves anything else to codec-parser', () => {
    const parser = codecParserFrames('audio/mpeg');
    const mp3 = fixture('signal.mp3');
    const plain = splitPlainMp3(mp3);
    expect(plain).not.toBeNull();
    expect(where(plain!)).toEqual(parser(mp3));
    // seeded damage: wherever the walk accepts a stream, codec-parser splits it the same way
    const rand = seededIndex(7);
    const head = mp3.subarray(0, 40_000);
    let accepted = 0;
    let declined = 0;
    for (let t = 0; t < 150; t++) {
      let b = head.slice();
      const kind = t % 5;
      if (kind === 0)
        b = b.subarray(0, rand(b.length)); // cut anywhere
      else if (kind === 1)
        for (let k = 0; k < 3; k++) b[rand(b.length)] = rand(256); // bytes anywhere
      else if (kind === 2)
        b[rand(b.length)] = 0xff; // a false sync
      else if (kind === 3) {
        const tail = new TextEncoder().encode('TAG' + 'x'.repeat(125)); // an ID3v1 tag
        const c = new Uint8Array(b.length + tail.length);
        c.set(b);
        c.set(tail, b.length);
        b = c;
      } else {
        const ends = plain!.map((f) => f.data.byteOffset + f.data.length).filter((e) => e <= b.length); // whole frames only
        b = b.subarray(0, ends[rand(ends.length)]);
      }
      const got = splitPlainMp3(b);
      if (got) {
        accepted++;
        expect(where(got)).toEqual(parser(b));
      } else {
        declined++;
      }
    }
    expect(accepted).toBeGreaterThan(20);
    expect(declined).toBeGreaterThan(20);
  });

  it('finds the frames of a clean FLAC as codec-parser does, and leaves anything else to codec-parser', () => {
    const parser = codecParserFrames('audio/flac');
    const flac = fixture('signal.flac');
    const start = flacFramesOffset(flac);
    const clean = splitCleanFlac(flac, start);
    expect(clean).not.toBeNull();
    expect(where(clean!)).toEqual(parser(flac));
    // and parseFlac takes them without codec-parser (the channel assignment varies from frame to frame)
    expect(cleanFlacFrames(flac, { sampleRate: 44100, channels: 2, bits: 16 })).toHaveLength(108);
    expect(new Set(clean!.map((f) => f.data[3]! >> 4)).size).toBeGreaterThan(1);
    expect(parseFlac(flac).frames.map((f) => f.data.byteOffset)).toEqual(clean!.map((f) => f.data.byteOffset));
    // seeded damage: wherever the split accepts a stream, codec-parser splits it the same way
    const rand = seededIndex(11);
    const ends = clean!.map((f) => f.data.byteOffset + f.data.length).slice(0, 12);
    const head = flac.subarray(0, ends[ends.length - 1]);
    let accepted = 0;
    let declined = 0;
    for (let t = 0; t < 120; t++) {
      let b = head.slice();
      const kind = t % 4;
      if (kind === 0)
        b = b.subarray(0, start + rand(b.length - start)); // cut anywhere
      else if (kind === 1) {
        const p = start + rand(b.length - start); // a bit anywhere
        b[p] = b[p]! ^ (1 << rand(8));
      } else if (kind === 2) {
        const p = start + rand(b.length - start - 1); // a false sync
        b[p] = 0xff;
        b[p + 1] = 0xf8;
      } else b = b.subarray(0, ends[rand(ends.length)]); // whole frames only
      const got = splitCleanFlac(b, start);
      if (got) {
        accepted++;
        expect(where(got)).toEqual(parser(b));
      } else {
        declined++;
      }
    }
    expect(accepted).toBeGreaterThan(20);
    expect(declined).toBeGreaterThan(20);
  });
});
