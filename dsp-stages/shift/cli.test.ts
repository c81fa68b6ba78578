/**
 * `stagebench run shift` end to end: the CLI in a child process on generated stereo WAVs (channel
 * 1 = channel 0 delayed by 100.37 samples, 30 dB SNR on both), plus its errors in process.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { delayedPair } from '../delayed-pair.ts';
import { main } from '../../cli/main.ts';
import { hypothesisTau, resolveShiftCliParams } from './cli.ts';
import { f32ToBytes, readF32, writeWavFloat32 } from '../wav.ts';
import { stagebenchInProcess as stagebench, type CliResult } from '../../cli/testing.ts';

const RATE = 48_000;
const N = 32768;
const DELAY = 100.37;
const FRAMES = 2 * N; // the first N samples hold another pair (delay -20): only the last N count

async function inProcess(argv: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: process.env });
  return { code, stdout, stderr };
}

let dir: string;
let reference: Float32Array;
let delayed: Float32Array;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'stagebench-shift-'));
  const early = delayedPair({ n: N, delay: -20, snrDb: 30, seed: 7 });
  const late = delayedPair({ n: N, delay: DELAY, snrDb: 30, seed: 3 });
  reference = new Float32Array(FRAMES);
  delayed = new Float32Array(FRAMES);
  reference.set(early.reference);
  reference.set(late.reference, N);
  delayed.set(early.input);
  delayed.set(late.input, N);
  const withEarlyNaN = delayed.slice();
  withEarlyNaN[5] = NaN; // before the analysed frames: harmless
  writeFileSync(join(dir, 'stereo.wav'), writeWavFloat32([reference, withEarlyNaN], RATE));
  writeFileSync(join(dir, 'mono.wav'), writeWavFloat32([reference], RATE));
  writeFileSync(join(dir, 'mono.f32'), f32ToBytes(reference));
  writeFileSync(join(dir, 'short.wav'), writeWavFloat32([reference.subarray(0, 1000), delayed.subarray(0, 1000)], RATE));
  const nan = delayed.slice();
  nan[FRAMES - 7] = NaN;
  writeFileSync(join(dir, 'nan.wav'), writeWavFloat32([reference, nan], RATE));
  const inf = reference.slice();
  inf[FRAMES - N] = -Infinity; // the first analysed sample of channel 0
  writeFileSync(join(dir, 'inf.wav'), writeWavFloat32([inf, delayed], RATE));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('stagebench run shift (child process)', () => {
  it('finds the 100.37-sample delay at 30 dB within 0.02 with the defaults; --out gets the H scores', async () => {
    const out = join(dir, 'scores.f32');
    const r = await stagebench(['run', 'shift', '--input', join(dir, 'stereo.wav'), '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const s = JSON.parse(r.stdout) as Record<string, unknown> & { scores: number[]; taus: number[]; shift: number; best: number };
    expect(Object.keys(s)).toEqual([
      'stage', 'params', 'sampleRate', 'frames', 'channels', 'backend',
      'shift', 'best', 'bestTau', 'scores', 'centre', 'taus', 'phat', 'weighting', 'frameStart', 'allocationsDuringProcess',
    ]);
    expect(s).toMatchObject({
      stage: 'shift',
      params: { hypotheses: 32, span: 2, centre: 'auto', phat: 0, size: N },
      sampleRate: RATE,
      frames: FRAMES,
      channels: 2,
      backend: 'wasm',
      centre: 100,
      phat: false,
      weighting: 'correlation',
      frameStart: FRAMES - N,
      allocationsDuringProcess: 0,
    });
    expect(Math.abs(s.shift - DELAY)).toBeLessThan(0.02);
    expect(s.scores).toHaveLength(32);
    expect(s.taus).toEqual(Array.from({ length: 32 }, (_, h) => 100 + 2 * (h / 31 - 0.5)));
    expect(s.best).toBe(s.scores.indexOf(Math.max(...s.scores)));
    expect(s.bestTau).toBe(s.taus[s.best]);
    expect(Math.abs(s.shift - s.taus[s.best]!)).toBeLessThanOrEqual((0.5 * 2) / 31 + 1e-12);
    const written = readF32(readFileSync(out));
    expect(Array.from(written)).toEqual(s.scores);
  });

  it('honours hypotheses, span, phat, a given centre and size', async () => {
    const r = await stagebench([
      'run', 'shift', '--input', join(dir, 'stereo.wav'),
      '--param', 'hypotheses=65', '--param', 'span=2', '--param', 'phat=1', '--param', 'centre=100.25', '--param', 'size=4096',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as { shift: number; centre: number; taus: number[]; scores: number[]; phat: boolean; weighting: string; frameStart: number; params: object };
    expect(s.params).toEqual({ hypotheses: 65, span: 2, centre: 100.25, phat: 1, size: 4096 });
    expect(s.centre).toBe(100.25);
    expect(s.phat).toBe(true);
    expect(s.weighting).toBe('phat');
    expect(s.frameStart).toBe(FRAMES - 4096);
    expect(s.scores).toHaveLength(65);
    expect(s.taus[0]).toBeCloseTo(99.25, 12);
    expect(s.taus[32]).toBeCloseTo(100.25, 12);
    expect(s.taus[64]).toBeCloseTo(101.25, 12);
    // the last 4096 samples of a circularly delayed frame: 100 samples at the start do not match
    expect(Math.abs(s.shift - DELAY)).toBeLessThan(0.02);
  });

  const errors: { name: string; args: () => string[]; line: string | RegExp }[] = [
    {
      name: 'a mono WAV',
      args: () => ['run', 'shift', '--input', join(dir, 'mono.wav')],
      line: 'stagebench: run shift needs a stereo input (channel 0 the reference, channel 1 the delayed input); the input has 1 channel',
    },
    {
      name: 'raw float32 (mono)',
      args: () => ['run', 'shift', '--input', join(dir, 'mono.f32')],
      line: /^stagebench: run shift needs a stereo input .*the input has 1 channel$/,
    },
    {
      name: 'an input shorter than size',
      args: () => ['run', 'shift', '--input', join(dir, 'short.wav'), '--param', 'size=32768'],
      line: 'stagebench: input has 1000 frames, fewer than size=32768; pass a smaller --param size',
    },
    {
      name: 'a NaN in the analysed frame of channel 1',
      args: () => ['run', 'shift', '--input', join(dir, 'nan.wav')],
      line: `stagebench: input sample ${FRAMES - 7} (channel 1) is NaN: the analysed frames (samples ${FRAMES - N}..${FRAMES - 1} of channels 0 and 1) must be finite`,
    },
    {
      name: 'an infinity as the first analysed sample of channel 0',
      args: () => ['run', 'shift', '--input', join(dir, 'inf.wav')],
      line: /^stagebench: input sample 32768 \(channel 0\) is -Infinity: /,
    },
  ];

  it.concurrent.each(errors)('fails in one line on $name', async ({ args, line }) => {
    const r = await stagebench(args());
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    if (typeof line === 'string') expect(lines[0]).toBe(line);
    else expect(lines[0]).toMatch(line);
  });
});

describe('run shift parameters', () => {
  const bad: [string, RegExp][] = [
    ['hypotheses=0', /^stagebench: bad parameter: hypotheses=0 must be a whole number from 1 to 256 \(see stagebench --help\)$/],
    ['hypotheses=257', /hypotheses=257 must be a whole number from 1 to 256/],
    ['hypotheses=2.5', /hypotheses=2\.5 must be a whole number/],
    ['hypotheses=many', /^stagebench: bad parameter: hypotheses=many must be a whole number from 1 to 256/],
    ['span=-1', /^stagebench: bad parameter: span=-1 must be >= 0 samples/],
    ['span=Infinity', /span=Infinity is not a finite number/],
    ['span=', /span= is not a finite number/],
    ['phat=2', /^stagebench: bad parameter: phat=2 must be one of 0, 1/],
    ['phat=on', /phat=on must be one of 0, 1/],
    ['size=1000', /^stagebench: bad parameter: size=1000 must be one of 512, 1024, .*, 32768/],
    ['size=65536', /size=65536 must be one of/],
    ['centre=middle', /^stagebench: bad parameter: centre=middle must be auto or a finite number of samples/],
    ['centre=NaN', /centre=NaN must be auto or a finite number/],
    ['window=hann', /^stagebench: unknown parameter "window" for stage shift \(known: hypotheses, span, centre, phat, size\)/],
  ];

  it.each(bad)('rejects %s with exit 2 before reading the input', async (param, line) => {
    const r = await inProcess(['run', 'shift', '--input', join(dir, 'missing.wav'), '--param', param]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(line);
  });

  it('fills the defaults and takes auto or a number for the centre', () => {
    expect(resolveShiftCliParams({}).values).toEqual({ hypotheses: 32, span: 2, centre: 'auto', phat: 0, size: 32768 });
    expect(resolveShiftCliParams({ centre: '-12.5', span: '0', hypotheses: '1', phat: '1', size: '512' }).values).toEqual({
      hypotheses: 1, span: 0, centre: -12.5, phat: 1, size: 512,
    });
    expect(resolveShiftCliParams({ centre: 'auto' }).values.centre).toBe('auto');
  });

  it('lists the hypothesis lags as the kernel does', () => {
    expect(hypothesisTau(10, 2, 0, 5)).toBe(9);
    expect(hypothesisTau(10, 2, 4, 5)).toBe(11);
    expect(hypothesisTau(10, 2, 0, 1)).toBe(10);
  });

  it('runs H = 1 (no refinement: the shift is the centre) and reports an unwritable --out', async () => {
    const r = await inProcess(['run', 'shift', '--input', join(dir, 'stereo.wav'), '--param', 'hypotheses=1']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as { shift: number; centre: number; best: number; taus: number[] };
    expect(s).toMatchObject({ shift: 100, centre: 100, best: 0, taus: [100] });
    const bad = await inProcess(['run', 'shift', '--input', join(dir, 'stereo.wav'), '--out', join(dir, 'no', 'such', 'dir.f32')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^stagebench: cannot write .*dir\.f32: no such directory\n$/);
  });
});
