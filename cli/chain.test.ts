/**
 * `stagebench run chain`: the output is the stages' TypeScript references applied in order
 * (within each stage's stated tolerance, bit for bit where the stages are exact), a chain of one
 * stage is `run <stage>`, the timing figures hang together, and its errors are one line with
 * exit 2. In process (stagebenchInProcess); main.test.ts runs the command as a child process.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sine, whiteNoise } from '../dsp-stages/signals.ts';
import { parseWav, readF32, writeWavFloat32 } from '../dsp-stages/wav.ts';
import { getStage } from '../dsp-stages/registry.ts';
import { conformanceOf } from '../dsp-stages/node-registry.ts';
import { withOfflineParams } from '../dsp-stages/params.ts';
import { bitEqual } from '../dsp-stages/node-api.ts';
import { RENDER_QUANTUM_FRAMES, quantumDeadlineUs, type ParamValues } from '../dsp-stages/types.ts';
import { oneErrorLine, stagebenchInProcess as stagebench } from '../dsp-stages/cli-testing.ts';

const RATE = 48000;
const FRAMES = 128 * 300 + 51; // not a whole number of quanta; more than the FFT's default size
let dir: string;
let left: Float32Array;
let right: Float32Array;

interface Link {
  stage: string;
  params: ParamValues;
  audio: boolean;
  figures: Record<string, unknown>;
  kernel: { medianUs: number; p99Us: number; deadlinePct: number };
}
interface ChainJson {
  stage: string;
  stages: string[];
  sampleRate: number;
  frames: number;
  quanta: number;
  quantumFrames: number;
  deadlineUs: number;
  links: Link[];
  total: Link['kernel'];
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'stagebench-chain-'));
  const tone = sine(FRAMES, RATE, 1000, 0.3);
  left = whiteNoise(FRAMES, 0.5, 21).map((v, i) => v + tone[i]!);
  right = whiteNoise(FRAMES, 0.3, 22);
  writeFileSync(join(dir, 'in.wav'), writeWavFloat32([left, right], RATE));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Stage `id`'s TypeScript reference over `x` in `Q`-frame quanta (the last zero-padded), trimmed to `x`. */
function reference(id: string, params: ParamValues, x: Float32Array, Q: number = RENDER_QUANTUM_FRAMES): Float32Array {
  const stage = getStage(id);
  const kernel = stage.createReferenceKernel(withOfflineParams(stage, params), RATE, Q);
  const out = new Float32Array(Math.ceil(x.length / Q) * Q);
  const q = new Float32Array(Q);
  const o = new Float32Array(Q);
  for (let start = 0; start < x.length; start += Q) {
    q.fill(0);
    q.set(x.subarray(start, start + Q));
    expect(kernel.process([q], o)).toBe(0);
    out.set(o, start);
  }
  return out.subarray(0, x.length);
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

async function chain(stages: string, params: string[], out: string): Promise<ChainJson> {
  const r = await stagebench(['run', 'chain', '--stages', stages, '--input', join(dir, 'in.wav'), ...params, '--out', out]);
  expect([r.code, r.stderr]).toEqual([0, '']);
  return JSON.parse(r.stdout) as ChainJson;
}

describe('run chain', () => {
  it('gain, eq, fft: the output is the references in order, within the EQ’s stated tolerance; fft passes it on', async () => {
    const out = join(dir, 'gain-eq-fft.f32');
    const json = await chain('gain,eq,fft', ['--param', 'gain.gain=0.3', '--param', 'eq.band1=peaking:1000:6:1'], out);
    expect(json.stages).toEqual(['gain', 'eq', 'fft']);
    expect(json.links.map((l) => l.audio)).toEqual([true, true, false]);
    const output = readF32(readFileSync(out));
    const afterGain = reference('gain', json.links[0]!.params, left);
    const afterEq = reference('eq', json.links[1]!.params, afterGain);
    // gain is exact, so the EQ's own tolerance is the chain's (fft writes no audio)
    const tolerance = ['gain', 'eq', 'fft'].reduce((t, id) => t + conformanceOf(id).spec.outputTolerance, 0);
    expect(conformanceOf('gain').spec.outputTolerance).toBe(0);
    expect(maxAbsDiff(output, afterEq)).toBeLessThanOrEqual(tolerance);
    // and the EQ did something far larger than that tolerance
    expect(maxAbsDiff(afterEq, afterGain)).toBeGreaterThan(100 * tolerance);
    // the FFT analysed the EQ's output: its peak is the boosted 1 kHz tone
    expect(Math.abs((json.links[2]!.figures.peakHz as number) - 1000)).toBeLessThan(json.links[2]!.figures.binHz as number);
  });

  it('gain, ring-copy: bit for bit the references in order (both stages are exact)', async () => {
    const out = join(dir, 'gain-copy.wav');
    const json = await chain('gain,ring-copy', ['--param', 'gain.gain=0.3'], out);
    const expected = reference('ring-copy', json.links[1]!.params, reference('gain', json.links[0]!.params, left));
    const wav = parseWav(readFileSync(out));
    expect([wav.format, wav.bitsPerSample, wav.sampleRate, wav.channels.length]).toEqual(['float', 32, RATE, 1]);
    expect(bitEqual(wav.channels[0]!, expected)).toBe(true);
    expect(json.links[1]!.figures.bitExact).toBe(true);
  });

  it.each([
    { id: 'eq', params: ['band1=lowshelf:200:-4:1', 'band2=peaking:3000:3:2'] },
    { id: 'gain', params: ['gain=0.7'] },
    { id: 'fft', params: ['size=4096', 'window=hann'] },
  ])('a chain of one stage is run $id: the same figures and the same output', async ({ id, params }) => {
    const runOut = join(dir, `run-${id}.f32`);
    const r = await stagebench(['run', id, '--input', join(dir, 'in.wav'), ...params.flatMap((p) => ['--param', p]), '--out', runOut]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const run = JSON.parse(r.stdout) as Record<string, unknown>;
    const chainOut = join(dir, `chain-${id}.wav`);
    const json = await chain(
      id,
      params.flatMap((p) => ['--param', `${id}.${p}`]),
      chainOut,
    );
    const link = json.links[0]!;
    const { stage, params: values, sampleRate, frames, channels, backend, ...figures } = run;
    expect([stage, sampleRate, frames, channels, backend]).toEqual([id, RATE, FRAMES, 2, 'wasm']);
    expect(link.params).toEqual(values);
    expect(link.figures).toEqual(figures);
    const written = parseWav(readFileSync(chainOut)).channels;
    if (link.audio) {
      expect(written).toHaveLength(1);
      expect(bitEqual(written[0]!, readF32(readFileSync(runOut)))).toBe(true);
    } else {
      // an analysis passes its input on: both channels, bit for bit
      expect(written.map((c, i) => bitEqual(c, [left, right][i]!))).toEqual([true, true]);
    }
  });

  it('times each stage per quantum; the total per quantum is at least each stage’s', async () => {
    const json = await chain('eq,fft', ['--param', 'eq.band1=peaking:1000:6:1'], join(dir, 'timed.f32'));
    expect(json.quanta).toBe(Math.ceil(FRAMES / 128));
    expect(json.deadlineUs).toBeCloseTo(quantumDeadlineUs(RATE), 3);
    for (const k of [...json.links.map((l) => l.kernel), json.total]) {
      expect(k.medianUs).toBeGreaterThan(0);
      expect(k.p99Us).toBeGreaterThanOrEqual(k.medianUs);
      expect(k.deadlinePct).toBeCloseTo((100 * k.medianUs) / json.deadlineUs, 2);
    }
    // each quantum's total is the sum of the stages' times for it, so its order statistics dominate
    for (const l of json.links) {
      expect(json.total.medianUs).toBeGreaterThanOrEqual(l.kernel.medianUs);
      expect(json.total.p99Us).toBeGreaterThanOrEqual(l.kernel.p99Us);
    }
  });

  it('--quantum 441: every stage created for 441-frame quanta; the references in 441-frame quanta, bit for bit', async () => {
    const out = join(dir, 'gain-copy-441.f32');
    const json = await chain('gain,ring-copy', ['--param', 'gain.gain=0.3', '--quantum', '441'], out);
    expect([json.quantumFrames, json.quanta]).toEqual([441, Math.ceil(FRAMES / 441)]);
    expect(json.deadlineUs).toBeCloseTo(quantumDeadlineUs(RATE, 441), 6);
    const expected = reference('ring-copy', json.links[1]!.params, reference('gain', json.links[0]!.params, left, 441), 441);
    expect(bitEqual(readF32(readFileSync(out)), expected)).toBe(true);
    // each link's figures are run <stage> --quantum 441's
    expect(json.links.map((l) => [l.figures.quantumFrames, l.figures.allocationsDuringProcess])).toEqual([
      [441, 0],
      [441, 0],
    ]);
    expect(json.links[1]!.figures.bitExact).toBe(true);
  });

  it.each([1024, 16384])('--quantum %i through the EQ: its references in quanta of that size, within its tolerance', async (Q) => {
    const out = join(dir, `eq-${Q}.f32`);
    const json = await chain('eq,fft', ['--param', 'eq.band1=peaking:1000:6:1', '--quantum', String(Q)], out);
    expect([json.quantumFrames, json.quanta]).toEqual([Q, Math.ceil(FRAMES / Q)]);
    const expected = reference('eq', json.links[0]!.params, left, Q);
    expect(maxAbsDiff(readF32(readFileSync(out)), expected)).toBeLessThanOrEqual(conformanceOf('eq').spec.outputTolerance);
    expect(maxAbsDiff(expected, left)).toBeGreaterThan(100 * conformanceOf('eq').spec.outputTolerance);
  });

  it('run <stage> --quantum: a stage run quantum by quantum takes it; one that takes the whole file refuses it', async () => {
    const out = join(dir, 'copy-441.f32');
    const r = await stagebench(['run', 'ring-copy', '--input', join(dir, 'in.wav'), '--quantum', '441', '--out', out]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const run = JSON.parse(r.stdout) as Record<string, unknown>;
    expect([run.quantumFrames, run.bitExact, run.allocationsDuringProcess]).toEqual([441, true, 0]);
    expect(bitEqual(readF32(readFileSync(out)), left)).toBe(true);
    const eq = await stagebench(['run', 'eq', '--input', join(dir, 'in.wav'), '--quantum', '256']);
    expect(eq.code).toBe(2);
    expect(oneErrorLine(eq)).toBe(
      'stagebench: stage eq takes the whole file at once, not in render quanta: --quantum is for the other stages and run chain (see stagebench --help)',
    );
    // the default, said outright, is accepted everywhere
    const eq128 = await stagebench(['run', 'eq', '--input', join(dir, 'in.wav'), '--quantum', '128']);
    expect([eq128.code, eq128.stderr]).toEqual([0, '']);
  });

  it.each(['0', '16385', '12.5', '1e3', 'abc', ''])('refuses --quantum "%s" in one line, exit 2', async (value) => {
    for (const head of [
      ['run', 'chain', '--stages', 'gain'],
      ['run', 'gain'],
    ]) {
      const r = await stagebench([...head, '--input', join(dir, 'in.wav'), '--quantum', value]);
      expect(r.code).toBe(2);
      expect(oneErrorLine(r)).toBe(
        `stagebench: --quantum wants a whole number of frames from 1 to 16384, got "${value}" (see stagebench --help)`,
      );
    }
  });

  it.each([
    { args: ['--stages', 'eq,nope'], match: /^stagebench: unknown stage "nope" \(known: .*\)$/ },
    {
      args: ['--stages', 'eq', '--param', 'gain.gain=1'],
      match: /^stagebench: parameter gain\.gain: stage gain is not in the chain \(--stages eq\)/,
    },
    {
      args: ['--stages', 'gain', '--param', 'gain.nope=1'],
      match: /^stagebench: unknown parameter "nope" for stage gain \(known: gain\)$/,
    },
    { args: ['--stages', 'eq', '--param', 'eq.nope=1'], match: /^stagebench: unknown parameter "nope" for stage eq/ },
    { args: ['--stages', 'gain', '--param', 'gain=1'], match: /^stagebench: a chain parameter is <stage>\.<name>=value/ },
    { args: ['--stages', 'gain,gain'], match: /^stagebench: stage gain is in --stages twice/ },
    { args: ['--stages', 'gain,decode'], match: /^stagebench: stage decode cannot be in a chain/ },
    { args: ['--stages', 'gain,,eq'], match: /^stagebench: --stages wants stage ids separated by commas/ },
    { args: [], match: /^stagebench: run chain needs --stages a,b,\.\.\./ },
  ])('refuses $args in one line, exit 2', async ({ args, match }) => {
    const r = await stagebench(['run', 'chain', '--input', join(dir, 'in.wav'), ...args]);
    expect(r.code).toBe(2);
    expect(oneErrorLine(r)).toMatch(match);
  });

  it('--stages belongs to run chain only', async () => {
    const r = await stagebench(['run', 'gain', '--stages', 'gain', '--input', join(dir, 'in.wav')]);
    expect(r.code).toBe(2);
    expect(oneErrorLine(r)).toMatch(/^stagebench: --stages is for run chain/);
  });
});
