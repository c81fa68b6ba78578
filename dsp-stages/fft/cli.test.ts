/**
 * `stagebench run fft` end to end: the CLI in a child process on generated WAVs; the spectrum
 * it writes is checked against the TypeScript reference analysis of the same frame.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sine, whiteNoise } from '../signals.ts';
import { analyseFrame, periodicWindow, relativeRmsError } from './reference.ts';
import { readF32, writeWavFloat32 } from '../wav.ts';
import { firstNonFinite } from './cli.ts';
import { oneErrorLine, stagebenchInProcess as stagebench } from '../cli-testing.ts';
import { helpText } from '../../cli/main.ts';

const RATE = 48_000;
const F0 = 1000.37;
const FRAMES = 40_000; // more than 32768: the first 7232 samples are not analysed

let dir: string;
let tone: Float32Array;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'stagebench-fft-'));
  tone = sine(FRAMES, RATE, F0, 0.5, 0.3);
  // channel 1 is noise with a NaN: only channel 0 is analysed
  const other = whiteNoise(FRAMES, 0.5, 3);
  other[FRAMES - 10] = NaN;
  writeFileSync(join(dir, 'tone.wav'), writeWavFloat32([tone, other], RATE));
  writeFileSync(join(dir, 'short.wav'), writeWavFloat32([tone.subarray(0, 1000)], RATE));
  const withNaN = tone.slice();
  withNaN[FRAMES - 5000] = NaN;
  withNaN[FRAMES - 4000] = Infinity;
  writeFileSync(join(dir, 'nan.wav'), writeWavFloat32([withNaN], RATE));
  const withInf = tone.slice();
  withInf[FRAMES - 32768] = -Infinity; // the very first analysed sample
  writeFileSync(join(dir, 'inf.wav'), writeWavFloat32([withInf], RATE));
  const early = tone.slice();
  early[100] = NaN; // before the analysed frame: harmless
  writeFileSync(join(dir, 'early-nan.wav'), writeWavFloat32([early], RATE));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('stagebench run fft (child process)', () => {
  it('finds the 1000.37 Hz peak within 0.05 Hz; --out is the reference spectrum of the last N samples', async () => {
    const out = join(dir, 'spec.f32');
    const r = await stagebench([
      'run',
      'fft',
      '--input',
      join(dir, 'tone.wav'),
      '--param',
      'size=32768',
      '--param',
      'window=kaiser',
      '--param',
      'beta=9',
      '--out',
      out,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const summary = JSON.parse(r.stdout) as Record<string, unknown>;
    const n = 32768;
    expect(summary).toMatchObject({
      stage: 'fft',
      params: { size: n, window: 'kaiser', beta: 9 },
      sampleRate: RATE,
      frames: FRAMES,
      channels: 2,
      backend: 'wasm',
      size: n,
      window: 'kaiser',
      frameStart: FRAMES - n,
      binHz: RATE / n,
      allocationsDuringProcess: 0,
    });
    expect(Math.abs((summary.peakHz as number) - F0)).toBeLessThan(0.05);
    expect(summary.peakDb as number).toBeCloseTo(20 * Math.log10(0.5), 2);

    const bytes = readFileSync(out);
    expect(bytes.length).toBe((n + 2) * 4);
    const spectrum = readF32(bytes);
    const ref = analyseFrame(tone.subarray(FRAMES - n), periodicWindow('kaiser', 9, n));
    expect(relativeRmsError(spectrum, ref.spectrum)).toBeLessThan(1e-6);
  });

  it('honours size and window (Hann, N = 4096)', async () => {
    const out = join(dir, 'spec-4096.f32');
    const r = await stagebench([
      'run',
      'fft',
      '--input',
      join(dir, 'tone.wav'),
      '--param',
      'size=4096',
      '--param',
      'window=hann',
      '--out',
      out,
    ]);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({ size: 4096, window: 'hann', frameStart: FRAMES - 4096, binHz: RATE / 4096 });
    expect(Math.abs((summary.peakHz as number) - F0)).toBeLessThan(0.05);
    const spectrum = readF32(readFileSync(out));
    expect(spectrum.length).toBe(4098);
    const ref = analyseFrame(tone.subarray(FRAMES - 4096), periodicWindow('hann', 9, 4096));
    expect(relativeRmsError(spectrum, ref.spectrum)).toBeLessThan(1e-6);
  });

  it('ignores a NaN before the analysed frame', async () => {
    const r = await stagebench(['run', 'fft', '--input', join(dir, 'early-nan.wav')]);
    expect(r.code).toBe(0);
    expect(Math.abs((JSON.parse(r.stdout) as { peakHz: number }).peakHz - F0)).toBeLessThan(0.05);
  });

  const errors: { name: string; args: () => string[]; line: string | RegExp }[] = [
    {
      name: 'an input shorter than size',
      args: () => ['run', 'fft', '--input', join(dir, 'short.wav'), '--param', 'size=32768'],
      line: 'stagebench: input has 1000 frames, fewer than size=32768; pass a smaller --param size',
    },
    {
      name: 'a NaN in the analysed frame (the first bad sample is named)',
      args: () => ['run', 'fft', '--input', join(dir, 'nan.wav')],
      line: `stagebench: input sample ${FRAMES - 5000} (channel 0) is NaN: the analysed frame (samples ${FRAMES - 32768}..${FRAMES - 1}) must be finite`,
    },
    {
      name: 'an infinity as the first analysed sample',
      args: () => ['run', 'fft', '--input', join(dir, 'inf.wav')],
      line: /^stagebench: input sample 7232 \(channel 0\) is -Infinity: /,
    },
  ];

  it.concurrent.each(errors)('fails in one line on $name', async ({ args, line }) => {
    const r = await stagebench(args());
    expect(r.code).toBe(1);
    const line0 = oneErrorLine(r);
    if (typeof line === 'string') expect(line0).toBe(line);
    else expect(line0).toMatch(line);
  });
});

describe('firstNonFinite', () => {
  it('finds the first NaN or infinity', () => {
    expect(firstNonFinite(new Float32Array([0, 1, -1]))).toBe(-1);
    expect(firstNonFinite(new Float32Array([0, Infinity, NaN]))).toBe(1);
    expect(firstNonFinite(new Float32Array([NaN]))).toBe(0);
    expect(firstNonFinite(new Float32Array(0))).toBe(-1);
  });
});

describe('--help', () => {
  it("has a run fft and a sweep fft section, and the sweep's usage line", () => {
    const help = helpText();
    expect(help).toContain('stagebench sweep fft [--points N]');
    expect(help).toMatch(/^run fft$/m);
    expect(help).toMatch(/^sweep fft$/m);
  });
});
