/**
 * The workers' FLAC and MP3 decoders (codec-adapters.ts): the direct path (internals of the pinned
 * libraries, reset in place) gives what the public API gives, group after group; and a decoder
 * that met a corrupt frame says so.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { codecDecoder, forceCodecPath, type CodecDecoder } from './codec-adapters.ts';
import { parseFlac, parseMp3 } from './codecs.ts';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../../fixtures/decode/${name}`, import.meta.url)));

/** The frames through `d`, concatenated per channel, and the errors. */
async function run(d: CodecDecoder, frames: Uint8Array[]) {
  const parts: Float32Array[][] = [];
  const errors = await d.decode(frames, (plane, n, ch) => {
    parts.push(Array.from({ length: ch }, (_, c) => plane(c).slice(0, n)));
  });
  const channels = parts[0]?.length ?? 0;
  const planes = Array.from({ length: channels }, (_, c) => {
    const out = new Float32Array(parts.reduce((a, p) => a + p[c]!.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p[c]!, at);
      at += p[c]!.length;
    }
    return out;
  });
  return { planes, errors };
}

const groups = (frames: Uint8Array[], size: number) =>
  Array.from({ length: Math.ceil(frames.length / size) }, (_, g) => frames.slice(g * size, (g + 1) * size));

afterEach(() => forceCodecPath(null));

describe('codec adapters', () => {
  for (const codec of ['flac', 'mp3'] as const) {
    it(`${codec}: reset in place between groups gives what a new decoder per group gives, bit for bit`, async () => {
      const frames =
        codec === 'flac'
          ? parseFlac(fixture('signal.flac')).frames.map((f) => f.data)
          : parseMp3(fixture('signal.mp3')).frames.map((f) => f.data);
      const direct = await codecDecoder(codec);
      expect(direct.path).toBe('direct');
      forceCodecPath('public');
      for (const group of groups(frames, codec === 'flac' ? 16 : 40)) {
        expect(direct.reset()).toBe(true);
        const got = await run(direct, group);
        const fresh = await codecDecoder(codec);
        expect(fresh.path).toBe('public');
        expect(fresh.reset()).toBe(false);
        const want = await run(fresh, group);
        fresh.free();
        expect(got.errors).toEqual([]);
        expect(want.errors).toEqual([]);
        expect(got.planes.length).toBe(2);
        got.planes.forEach((p, c) => expect(Buffer.from(p.buffer).equals(Buffer.from(want.planes[c]!.buffer))).toBe(true));
      }
      direct.free();
    });
  }

  it('a corrupt FLAC frame is reported with its index in the group', async () => {
    const bytes = fixture('signal.flac').slice();
    const frames = parseFlac(bytes).frames.slice(0, 6);
    const start = frames[3]!.data.byteOffset - bytes.byteOffset;
    for (let i = start + 40; i < start + 60; i++) bytes[i] = bytes[i]! ^ 0x5a;
    const d = await codecDecoder('flac');
    const { errors } = await run(
      d,
      frames.map((f) => bytes.subarray(f.data.byteOffset - bytes.byteOffset, f.data.byteOffset - bytes.byteOffset + f.data.length)),
    );
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]!.frame).toBe(3);
    d.free();
  });
});
