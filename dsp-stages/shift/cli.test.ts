/**
 * `stagebench run shift` end to end: the CLI in a child process on generated stereo WAVs (channel
 * 1 = channel 0 delayed by 100.37 samples, 30 dB SNR on both), plus its errors in process.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { delayedPair } from '../delayed-pair.ts';
import { helpText, main } from '../../cli/main.ts';
import { hypothesisTau } from './cli.ts';
import { cliParamSpecs, resolveCliParams } from '../node-api.ts';
import { getStage } from '../registry.ts';
import { f32ToBytes, readF32, writeWavFloat32 } from '../wav.ts';
import { oneErrorLine, stagebenchInProcess as stagebench, type CliResult } from '../cli-testing.ts';

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
      'stage',
      'params',
      'sampleRate',
      'frames',
      'channels',
      'backend',
      'shift',
      'best',
      'bestTau',
      'scores',
      'centre',
      'taus',
      'phat',
      'weighting',
      'frameStart',
      'allocationsDuringProcess',
    ]);
    expect(s).toMatchObject({
      stage: 'shift',
      params: { size: N, hypotheses: 32, span: 2, centreMode: 'auto', centre: 0, phat: 'off' },
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

  it('honours hypotheses, span, phat, a fixed centre and size', async () => {
    const r = await stagebench([
      'run',
      'shift',
      '--input',
      join(dir, 'stereo.wav'),
      '--param',
      'hypotheses=65',
      '--param',
      'span=2',
      '--param',
      'phat=on',
      '--param',
      'centreMode=fixed',
      '--param',
      'centre=100.25',
      '--param',
      'size=4096',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as {
      shift: number;
      centre: number;
      taus: number[];
      scores: number[];
      phat: boolean;
      weighting: string;
      frameStart: number;
      params: object;
    };
    expect(s.params).toEqual({ size: 4096, hypotheses: 65, span: 2, centreMode: 'fixed', centre: 100.25, phat: 'on' });
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
    const line0 = oneErrorLine(r);
    if (typeof line === 'string') expect(line0).toBe(line);
    else expect(line0).toMatch(line);
  });
});

describe("run shift parameters: the stage's own (params.ts), clamped with a note like every stage", () => {
  const clamped: [string, string][] = [
    ['hypotheses=0', 'hypotheses=0 below minimum 1; using 1'],
    ['hypotheses=257', 'hypotheses=257 above maximum 256; using 256'],
    ['hypotheses=2.5', 'hypotheses=2.5 must be a whole number; using 3'],
    ['hypotheses=many', 'hypotheses=many not a number; using 32'],
    ['span=-1', 'span=-1 below minimum 0 samples; using 0'],
    ['phat=1', 'phat=1 not one of on, off; using off'],
    ['size=1000', 'size=1000 not one of 512, 1024, 2048, 4096, 8192, 16384, 32768; using 1024'],
    ['centre=middle', 'centre=middle not a number; using 0'],
    ['centreMode=middle', 'centreMode=middle not one of auto, fixed; using auto'],
  ];

  it.each(clamped)('clamps %s with one note, then reads the input', async (param, note) => {
    const r = await inProcess(['run', 'shift', '--input', join(dir, 'missing.wav'), '--param', param]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').filter((l) => l !== '')).toEqual([
      `stagebench: note: ${note}`,
      `stagebench: input file not found: ${join(dir, 'missing.wav')}`,
    ]);
  });

  const unknown: [string, RegExp][] = [
    ['window=hann', /^stagebench: unknown parameter "window" for stage shift \(known: size, hypotheses, span, centreMode, centre, phat\)/],
    ['spread=off', /^stagebench: unknown parameter "spread" for stage shift \(known: .*; spread is for the live stage only\)/],
  ];

  it.each(unknown)('rejects %s with exit 2 before reading the input', async (param, line) => {
    const r = await inProcess(['run', 'shift', '--input', join(dir, 'missing.wav'), '--param', param]);
    expect(r.code).toBe(2);
    const line0 = oneErrorLine(r);
    expect(line0).toMatch(line);
  });

  it('fills the defaults from params.ts; the live-only spread and mode are not CLI flags', () => {
    const stage = getStage('shift');
    expect(resolveCliParams(stage, {}).values).toEqual({
      size: 32768,
      hypotheses: 32,
      span: 2,
      centreMode: 'auto',
      centre: 0,
      phat: 'off',
    });
    expect(cliParamSpecs(stage).map((p) => p.name)).toEqual(['size', 'hypotheses', 'span', 'centreMode', 'centre', 'phat']);
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

describe('--help', () => {
  it("has a run shift and a sweep shift section, the sweep's usage line and centreMode's choices", () => {
    const help = helpText();
    expect(help).toMatch(/^run shift$/m);
    expect(help).toMatch(/^sweep shift$/m);
    expect(help).toContain('stagebench sweep shift [--snr LO:HI:STEP] [--trials N]');
    expect(help).toMatch(/^ {6}centreMode {2}\(one of auto, fixed; default auto\)/m);
  });
});
