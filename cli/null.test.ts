/**
 * `stagebench null`: in process (stagebenchInProcess), on a temp WAV. The arithmetic itself is
 * tested in dsp-stages/null-test.test.ts; here, that the command feeds it the two runs' outputs.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweep, whiteNoise } from '../dsp-stages/signals.ts';
import { parseWav, readF32, writeWavFloat32 } from '../dsp-stages/wav.ts';
import { bitEqual } from '../dsp-stages/node-api.ts';
import { nullTest, residual } from '../dsp-stages/null-test.ts';
import { oneErrorLine, stagebenchInProcess as stagebench } from '../dsp-stages/cli-testing.ts';

const RATE = 48000;
const FRAMES = 128 * 200 + 9;
let dir: string;
let input: string;

interface NullJson {
  verdict: string;
  exactlyZero: boolean;
  bitIdentical: boolean;
  maxAbsDiff: number;
  residualRmsDbfs: number | null;
  levelMatch: { gain: number; gainDb: number | null; maxAbsDiff: number; residualRmsDbfs: number | null };
  spectrum: { size: number; peakHz: number | null; peakDbfs: number | null };
  a: { stage: string };
  b: { stage: string };
  quantumFrames: number;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'stagebench-null-'));
  input = join(dir, 'in.wav');
  const noise = whiteNoise(FRAMES, 0.1, 31);
  const chirp = sweep(FRAMES, RATE, 50, 15000, 0.4);
  writeFileSync(input, writeWavFloat32([chirp.map((v, i) => v + noise[i]!)], RATE));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function nullRun(args: string[]): Promise<NullJson> {
  const r = await stagebench(['null', ...args, '--input', input]);
  expect([r.code, r.stderr]).toEqual([0, '']);
  return JSON.parse(r.stdout) as NullJson;
}

describe('stagebench null', () => {
  it('EQ flat against bypass: exactly zero, or a residual below -140 dBFS', async () => {
    for (const a of ['', 'band1=peaking:1000:0:1']) {
      const r = await nullRun(['eq', '--a', a, '--b', 'bypass=on']);
      expect(r.exactlyZero || (r.residualRmsDbfs !== null && r.residualRmsDbfs < -140)).toBe(true);
      expect(r.maxAbsDiff).toBeLessThan(1e-6);
      if (r.exactlyZero) expect(r.verdict).toMatch(/^exactly zero/);
    }
  });

  it('two EQ settings: the figures of the two run eq outputs, and --out the residual a - b', async () => {
    const settings = { a: 'band1=peaking:1000:6:1', b: 'band1=peaking:1000:6:2' };
    const outs = await Promise.all(
      Object.entries(settings).map(async ([name, band]) => {
        const out = join(dir, `eq-${name}.f32`);
        const r = await stagebench(['run', 'eq', '--input', input, '--param', band, '--out', out]);
        expect(r.code).toBe(0);
        return readF32(readFileSync(out));
      }),
    );
    const out = join(dir, 'residual.wav');
    const r = await stagebench(['null', 'eq', '--input', input, '--a', settings.a, '--b', settings.b, '--out', out]);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as NullJson;
    const expected = nullTest(outs[0]!, outs[1]!);
    expect(json.maxAbsDiff).toBe(expected.maxAbsDiff);
    expect(json.residualRmsDbfs).toBe(expected.residualDbfs);
    expect(json.levelMatch.gain).toBe(expected.levelMatch.gain);
    // a Q change near 1 kHz: a clear residual, peaking in the band the two settings differ in
    expect(json.residualRmsDbfs!).toBeGreaterThan(-60);
    expect(json.exactlyZero).toBe(false);
    expect(json.spectrum.peakHz!).toBeGreaterThan(300);
    expect(json.spectrum.peakHz!).toBeLessThan(3000);
    expect(json.levelMatch.residualRmsDbfs!).toBeLessThanOrEqual(json.residualRmsDbfs!);
    const written = parseWav(readFileSync(out)).channels;
    expect(written).toHaveLength(1);
    expect(bitEqual(written[0]!, residual(outs[0]!, outs[1]!))).toBe(true);
  });

  it('level matching finds the gain between two gains and nulls the rest', async () => {
    const r = await nullRun(['gain', '--a', 'gain=0.5', '--b', 'gain=0.25']);
    expect(r.exactlyZero).toBe(false);
    expect(r.levelMatch.gain).toBeCloseTo(2, 12);
    expect(r.levelMatch.maxAbsDiff).toBe(0);
    expect(r.levelMatch.residualRmsDbfs).toBeNull();
    expect(r.verdict).toMatch(/level-matched \(gain 2\.00000 \(6\.021 dB\) on b\): exactly zero RMS$/);
  });

  it('--b-stage: two stages with audio in and out (gain 1 against the ring copy) are bit-identical', async () => {
    const r = await nullRun(['gain', '--a', 'gain=1', '--b-stage', 'ring-copy']);
    expect([r.a.stage, r.b.stage]).toEqual(['gain', 'ring-copy']);
    expect([r.bitIdentical, r.verdict]).toEqual([true, 'exactly zero (bit-identical)']);
  });

  it('--quantum 441: both sides run in 441-frame quanta, bit-identical still, and the JSON says so', async () => {
    const r = await nullRun(['gain', '--a', 'gain=1', '--b-stage', 'ring-copy', '--quantum', '441']);
    expect([r.quantumFrames, r.bitIdentical]).toEqual([441, true]);
    expect((await nullRun(['gain', '--a', 'gain=1', '--b', 'gain=1'])).quantumFrames).toBe(128);
  });

  it.each([
    { args: ['eq', '--quantum', '256'], match: /^stagebench: stage eq takes the whole file at once, not in render quanta/ },
    { args: ['gain', '--b-stage', 'eq', '--quantum', '256'], match: /^stagebench: stage eq takes the whole file at once/ },
    { args: ['gain', '--quantum', '0'], match: /^stagebench: --quantum wants a whole number of frames from 1 to 16384, got "0"/ },
    { args: ['fft'], match: /^stagebench: stage fft writes no audio from audio: a null test compares two audio outputs/ },
    { args: ['gain', '--b-stage', 'nope'], match: /^stagebench: unknown stage "nope"/ },
    { args: ['gain', '--a', 'nope=1'], match: /^stagebench: unknown parameter "nope" for stage gain/ },
    { args: ['gain', '--b', 'gain'], match: /^stagebench: --b wants name=value,\.\.\., got "gain"/ },
    { args: ['gain', '--c', 'x'], match: /^stagebench: unknown option --c for null/ },
  ])('refuses $args in one line, exit 2', async ({ args, match }) => {
    const r = await stagebench(['null', ...args, '--input', input]);
    expect(r.code).toBe(2);
    expect(oneErrorLine(r)).toMatch(match);
  });
});
