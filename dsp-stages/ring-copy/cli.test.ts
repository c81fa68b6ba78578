/**
 * `stagebench run ring-copy` end to end: the CLI in a child process on temp files (the copy keeps
 * every bit, NaN payloads included), plus a short input in process.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { whiteNoise } from '../signals.ts';
import { f32ToBytes, readF32, writeWavFloat32 } from '../wav.ts';
import { helpText } from '../../cli/main.ts';
import { oneErrorLine, stagebench, stagebenchInProcess } from '../cli-testing.ts';

function bits(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

let dir: string;
let left: Float32Array;
let right: Float32Array;
const FRAMES = 128 * 40 + 77; // not a whole number of quanta

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'stagebench-ring-copy-'));
  left = whiteNoise(FRAMES, 0.8, 11);
  right = whiteNoise(FRAMES, 0.3, 12);
  left[100] = NaN;
  bits(left)[200] = 0x7f800001; // a signalling NaN: a copy must keep its bits
  left[300] = -0;
  left[400] = Infinity;
  writeFileSync(join(dir, 'stereo.wav'), writeWavFloat32([left, right], 44100));
  writeFileSync(join(dir, 'mono.f32'), f32ToBytes(left));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('stagebench run ring-copy (child process)', () => {
  it('runs a stereo float WAV: one JSON object, bitExact, --out equals channel 0', async () => {
    const out = join(dir, 'out-wav.f32');
    const r = await stagebench(['run', 'ring-copy', '--input', join(dir, 'stereo.wav'), '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const summary = JSON.parse(r.stdout) as Record<string, unknown>;
    for (const key of [
      'stage',
      'params',
      'sampleRate',
      'frames',
      'backend',
      'quanta',
      'writePos',
      'bitExact',
      'allocationsDuringProcess',
    ]) {
      expect(summary).toHaveProperty(key);
    }
    expect(summary).toMatchObject({
      stage: 'ring-copy',
      params: { capacity: 32768 },
      sampleRate: 44100,
      frames: FRAMES,
      channels: 2,
      backend: 'wasm',
      quanta: Math.ceil(FRAMES / 128),
      bitExact: true,
      allocationsDuringProcess: 0,
    });
    const written = readF32(readFileSync(out));
    expect(written.length).toBe(FRAMES);
    expect(Buffer.from(f32ToBytes(written)).equals(Buffer.from(f32ToBytes(left)))).toBe(true);
  });

  it('runs raw .f32 at --rate, the output file byte-identical to the input file', async () => {
    const input = join(dir, 'mono.f32');
    const out = join(dir, 'out-raw.f32');
    const r = await stagebench(['run', 'ring-copy', `--input=${input}`, '--rate', '96000', '--param', 'capacity=4096', '--out', out]);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({ sampleRate: 96000, frames: FRAMES, channels: 1, params: { capacity: 4096 }, bitExact: true });
    expect(readFileSync(out).equals(readFileSync(input))).toBe(true);
  });

  it('clamps a parameter with a note on stderr and still runs', async () => {
    const r = await stagebench(['run', 'ring-copy', '--input', join(dir, 'mono.f32'), '--param', 'capacity=5']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('stagebench: note: capacity=5 below minimum 128 samples; using 128\n');
    expect(JSON.parse(r.stdout)).toMatchObject({ params: { capacity: 128 }, bitExact: true });
  });

  it('refuses a parameter of another stage in one stderr line, naming its own', async () => {
    const r = await stagebench(['run', 'ring-copy', '--input', join(dir, 'mono.f32'), '--param', 'gain=2']);
    expect(r.code).not.toBe(0);
    const line0 = oneErrorLine(r);
    expect(line0).toMatch(/^stagebench: /);
    expect(line0).toMatch(/unknown parameter "gain" for stage ring-copy \(known: capacity\)$/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('run ring-copy in process', () => {
  it('allows NaN input for ring copy and zero-pads the last quantum without leaking it', async () => {
    const input = join(dir, 'short.f32');
    const samples = new Float32Array([NaN, 1, -1, 0.5, NaN]);
    writeFileSync(input, f32ToBytes(samples));
    const out = join(dir, 'short-out.f32');
    const r = await stagebenchInProcess(['run', 'ring-copy', '--input', input, '--out', out]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ frames: 5, quanta: 1, writePos: 128, bitExact: true });
    expect(readFileSync(out).length).toBe(20);
  });
});

describe('--help', () => {
  it('lists ring-copy and its capacity', () => {
    const help = helpText();
    expect(help).toContain('ring-copy');
    expect(help).toContain('capacity');
  });
});
