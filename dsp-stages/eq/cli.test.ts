/**
 * `stagebench run eq` end to end: the CLI in a child process on generated WAVs; the samples it
 * writes are checked against the TypeScript reference cascade (reference.ts) with the same bands.
 * Plus the parameter resolution in process.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { whiteNoise } from '../signals.ts';
import { BiquadCascade } from './reference.ts';
import { PRESET_BANDS, parseBandSpec, type EqBand } from './params.ts';
import { readF32, writeWavFloat32 } from '../wav.ts';
import { CLI_OFF_BAND, DBFS_FLOOR, EQ_RUN_CHUNK, levels, resolveEqCliParams } from './cli.ts';
import { helpText } from '../../cli/main.ts';
import { stagebenchInProcess as stagebench } from '../cli-testing.ts';

const RATE = 48_000;
/** Over one chunk of eq_process_buffer, and not a whole number of quanta. */
const FRAMES = EQ_RUN_CHUNK + 128 * 40 + 77;
const Q = 128;
const TOLERANCE = 1e-4;

/** Every type, mixed cuts and boosts. */
const BAND_SPECS = [
  'peaking:1000:6:1.0',
  'lowshelf:120:4:1',
  'highpass:80:0:0',
  'notch:3000:0:1',
  'highshelf:8000:-3:1',
  'lowpass:15000:0:3',
  'bandpass:2000:0:0.7',
  'peaking:400:-3:1.2',
];

function bits(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

function reference(bands: readonly EqBand[], input: Float32Array): Float32Array {
  const out = new Float32Array(input.length);
  new BiquadCascade(bands, RATE).process(input, out);
  return out;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= worst)) worst = Number.isNaN(d) ? Infinity : d;
  }
  return worst;
}

let dir: string;
let noise: Float32Array;
let odd: Float32Array;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'stagebench-eq-'));
  noise = whiteNoise(FRAMES, 0.5, 21);
  // channel 1 holds a NaN and an infinity: only channel 0 is filtered
  const other = whiteNoise(FRAMES, 0.5, 22);
  other[1000] = NaN;
  other[5000] = Infinity;
  writeFileSync(join(dir, 'noise.wav'), writeWavFloat32([noise, other], RATE));
  // for bypass: a negative zero and subnormals, which a filter would not keep bit for bit
  odd = noise.slice();
  odd[10] = -0;
  bits(odd)[11] = 0x00000001;
  bits(odd)[12] = 0x80400000;
  writeFileSync(join(dir, 'odd.wav'), writeWavFloat32([odd], RATE));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('stagebench run eq (child process)', () => {
  it('filters channel 0 like the reference cascade with the same bands (within 1e-4); the JSON summary', async () => {
    const out = join(dir, 'out.f32');
    const params = BAND_SPECS.flatMap((s, i) => ['--param', `band${i + 1}=${s}`]);
    const r = await stagebench(['run', 'eq', '--input', join(dir, 'noise.wav'), ...params, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const summary = JSON.parse(r.stdout) as Record<string, unknown>;
    const bands = BAND_SPECS.map(parseBandSpec);
    expect(summary).toMatchObject({
      stage: 'eq',
      params: {
        band1Type: 'peaking',
        band1FrequencyHz: 1000,
        band1GainDb: 6,
        band1Q: 1,
        band3Type: 'highpass',
        bypass: 'off',
        preset: 'custom',
      },
      sampleRate: RATE,
      frames: FRAMES,
      channels: 2,
      backend: 'wasm',
      bands,
      bypass: false,
      nanQuanta: 0,
      allocationsDuringProcess: 0,
    });

    const y = readF32(readFileSync(out));
    expect(y.length).toBe(FRAMES);
    expect(maxAbsDiff(y, reference(bands, noise))).toBeLessThan(TOLERANCE);

    const inL = levels(noise);
    const outL = levels(y);
    expect(summary.inputPeakDbfs).toBeCloseTo(inL.peakDbfs, 9);
    expect(summary.inputRmsDbfs).toBeCloseTo(inL.rmsDbfs, 9);
    expect(summary.outputPeakDbfs).toBeCloseTo(outL.peakDbfs, 9);
    expect(summary.outputRmsDbfs).toBeCloseTo(outL.rmsDbfs, 9);
    expect(summary.inputPeakDbfs as number).toBeCloseTo(20 * Math.log10(0.5), 1);
    expect(summary.inputRmsDbfs as number).toBeCloseTo(20 * Math.log10(0.5 / Math.sqrt(3)), 1);
  });

  it('takes bands field by field too; bands not given are off', async () => {
    const out = join(dir, 'fields.f32');
    const r = await stagebench([
      'run',
      'eq',
      '--input',
      join(dir, 'noise.wav'),
      '--out',
      out,
      '--param',
      'band2Type=peaking',
      '--param',
      'band2FrequencyHz=2000',
      '--param',
      'band2GainDb=-6',
      '--param',
      'band2Q=2',
      '--param',
      'band7Type=lowpass',
      '--param',
      'band7FrequencyHz=5000',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as { bands: EqBand[] };
    const bands: EqBand[] = Array.from({ length: 8 }, () => CLI_OFF_BAND);
    bands[1] = { type: 'peaking', frequencyHz: 2000, gainDb: -6, q: 2 };
    bands[6] = { type: 'lowpass', frequencyHz: 5000, gainDb: 0, q: 1 };
    expect(summary.bands).toEqual(bands);
    expect(maxAbsDiff(readF32(readFileSync(out)), reference(bands, noise))).toBeLessThan(TOLERANCE);
  });

  it('with no band at all, every band is off: the output is the input', async () => {
    const out = join(dir, 'none.f32');
    const r = await stagebench(['run', 'eq', '--input', join(dir, 'noise.wav'), '--out', out]);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as { bands: EqBand[] };
    expect(summary.bands.every((b) => b.type === 'off')).toBe(true);
    expect(bits(readF32(readFileSync(out)))).toEqual(bits(noise));
  });

  it('preset=telephone uses the preset bands', async () => {
    const out = join(dir, 'tel.f32');
    const r = await stagebench(['run', 'eq', '--input', join(dir, 'noise.wav'), '--param', 'preset=telephone', '--out', out]);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as { bands: EqBand[] };
    const bands = Array.from({ length: 8 }, (_, i) => PRESET_BANDS.telephone[i] ?? CLI_OFF_BAND);
    expect(summary.bands).toEqual(bands);
    expect(maxAbsDiff(readF32(readFileSync(out)), reference(bands, noise))).toBeLessThan(TOLERANCE);
  });

  it('bypass=on: the output is the input bit for bit (negative zero and subnormals included)', async () => {
    const input = odd;
    const out = join(dir, 'bypass.f32');
    const r = await stagebench([
      'run',
      'eq',
      '--input',
      join(dir, 'odd.wav'),
      '--param',
      `band1=${BAND_SPECS[0]}`,
      '--param',
      `band2=${BAND_SPECS[2]}`,
      '--param',
      'bypass=on',
      '--out',
      out,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ bypass: true, nanQuanta: 0 });
    const y = readF32(readFileSync(out));
    expect(y.length).toBe(input.length);
    expect(bits(y)).toEqual(bits(input));
  });

  it('a NaN sample: its quantum comes out silent, the filters restart after it, nanQuanta 1', async () => {
    const q = EQ_RUN_CHUNK / Q + 8; // a quantum inside the second eq_process_buffer call
    const at = q * Q + 57;
    const input = noise.slice();
    input[at] = NaN;
    writeFileSync(join(dir, 'nan.wav'), writeWavFloat32([input], RATE));
    const out = join(dir, 'nan.f32');
    const specs = BAND_SPECS.slice(0, 4);
    const r = await stagebench([
      'run',
      'eq',
      '--input',
      join(dir, 'nan.wav'),
      ...specs.flatMap((s, i) => ['--param', `band${i + 1}=${s}`]),
      '--out',
      out,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ nanQuanta: 1, allocationsDuringProcess: 0 });
    const y = readF32(readFileSync(out));
    const bands = [...specs.map(parseBandSpec), ...Array.from({ length: 4 }, () => CLI_OFF_BAND)];
    const start = q * Q;
    const end = start + Q;
    // before: as if nothing happened
    expect(maxAbsDiff(y.subarray(0, start), reference(bands, input.subarray(0, start)))).toBeLessThan(TOLERANCE);
    // the quantum: silence
    expect(Array.from(y.subarray(start, end)).every((v) => v === 0)).toBe(true);
    // after: the filters start again from rest
    expect(maxAbsDiff(y.subarray(end), reference(bands, input.subarray(end)))).toBeLessThan(TOLERANCE);
    expect(Array.from(y).every(Number.isFinite)).toBe(true);
  });

  it('a quantum holding an infinity counts too; input levels are over the finite samples', async () => {
    const input = noise.slice(0, 1000);
    input[900] = -Infinity; // in the last, partial quantum
    writeFileSync(join(dir, 'inf.wav'), writeWavFloat32([input], RATE));
    const r = await stagebench(['run', 'eq', '--input', join(dir, 'inf.wav'), '--param', `band1=${BAND_SPECS[0]}`]);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as Record<string, number>;
    expect(summary.nanQuanta).toBe(1);
    expect(Number.isFinite(summary.inputPeakDbfs)).toBe(true);
    expect(summary.inputPeakDbfs).toBeLessThan(0);
  });

  const errors: [string, string[], RegExp][] = [
    ['an unknown band type', ['band1=shelf:1000:6:1'], /^stagebench: band1=shelf:1000:6:1: band type "shelf" is not one of off, peaking, /],
    ['a NaN frequency', ['band1=peaking:NaN:6:1'], /^stagebench: band1=peaking:NaN:6:1: .*frequency "NaN" is not a number/],
    ['a gain that is not a number', ['band2=peaking:1000:loud:1'], /^stagebench: band2=peaking:1000:loud:1: .*gain "loud" is not a number/],
    ['an infinite Q', ['band2=peaking:1000:3:Infinity'], /^stagebench: band2=.*Q "Infinity" is not a number/],
    [
      'too many fields',
      ['band1=peaking:1000:6:1:2'],
      /^stagebench: band1=peaking:1000:6:1:2: 5 fields, the format is type:frequencyHz:gainDb:Q/,
    ],
    ['an empty band', ['band1='], /^stagebench: band1=: band type "" is not one of/],
    ['band 9', ['band9=peaking:1000:6:1'], /^stagebench: unknown parameter "band9" for stage eq \(known: band1\.\.band8 /],
    ['an unknown type field by field', ['band3Type=shelf'], /^stagebench: band3Type=shelf: not one of off, peaking/],
    ['a NaN field', ['band3Type=peaking', 'band3GainDb=NaN'], /^stagebench: band3GainDb=NaN: not a finite number/],
    ['band fields without a type', ['band4GainDb=6'], /^stagebench: band4GainDb given without a type/],
    ['a band given twice', ['band1=peaking:1000:6:1', 'band1Q=2'], /^stagebench: band 1 is given twice/],
    ['a preset with bands', ['preset=telephone', 'band1=peaking:1000:6:1'], /^stagebench: preset=telephone replaces the bands/],
    ['a bad bypass', ['bypass=yes'], /^stagebench: bypass=yes: not one of off, on/],
  ];
  it.each(errors)('%s is an error: exit 2, one line', async (_, params, message) => {
    const out = join(dir, 'never.f32');
    const r = await stagebench(['run', 'eq', '--input', join(dir, 'noise.wav'), ...params.flatMap((p) => ['--param', p]), '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(() => readFileSync(out)).toThrow();
  });
});

describe('resolveEqCliParams', () => {
  it('expands bandN=spec, leaves other bands off, clamps with notes', () => {
    const { values, notes } = resolveEqCliParams({ band2: 'peaking:30000:6:1', band5Type: 'notch' });
    expect(values).toMatchObject({
      band1Type: 'off',
      band1FrequencyHz: 1000,
      band1GainDb: 0,
      band1Q: 1,
      band2Type: 'peaking',
      band2FrequencyHz: 24000,
      band2GainDb: 6,
      band2Q: 1,
      band5Type: 'notch',
      band5FrequencyHz: 1000,
      band5GainDb: 0,
      band5Q: 1,
      band8Type: 'off',
      bypass: 'off',
      preset: 'custom',
    });
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ name: 'band2FrequencyHz', used: 24000 });
  });

  it('fills missing fields of a band spec with 1000 Hz, 0 dB, Q 1', () => {
    const { values } = resolveEqCliParams({ band1: 'lowpass::' });
    expect(values).toMatchObject({ band1Type: 'lowpass', band1FrequencyHz: 1000, band1GainDb: 0, band1Q: 1 });
  });
});

describe('levels', () => {
  it('are in dBFS over the finite samples, floored for silence', () => {
    expect(levels(new Float32Array([0.5, -1, NaN, 0]))).toEqual({ peakDbfs: 0, rmsDbfs: 20 * Math.log10(Math.sqrt(1.25 / 3)) });
    expect(levels(new Float32Array(10))).toEqual({ peakDbfs: DBFS_FLOOR, rmsDbfs: DBFS_FLOOR });
  });
});

describe('--help', () => {
  it('describes run eq with the band format, bands off by default, and the eq bench case', () => {
    const help = helpText();
    expect(help).toContain('run eq');
    expect(help).toMatch(/^run eq$/m);
    expect(help).toContain('--param bandN=type:frequencyHz:gainDb:Q');
    expect(help).toMatch(/Bands not given are OFF/);
    expect(help).toMatch(/band1Type {2}\(one of off, peaking, .*; default off\)/);
    expect(help).toContain('eq/8x1024');
    expect(help).toMatch(/Cases: .*eq\/8x1024/);
  });
});
