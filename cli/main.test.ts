/**
 * The CLI end to end: `node cli/bin.mjs ...` in a child process on temp files, plus a few
 * in-process runs of `main` and `benchCommand` for what is slow to spawn.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { whiteNoise } from '../dsp-stages/signals.ts';
import { f32ToBytes, readF32, writeWavFloat32 } from '../dsp-stages/wav.ts';
import { main } from './main.ts';
import { benchCommand } from './bench.ts';
import { wasmPath } from '../dsp-stages/wasm-file.ts';
import { REPO, stagebench } from './testing.ts';

function bits(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

let dir: string;
let left: Float32Array;
let right: Float32Array;
const FRAMES = 128 * 40 + 77; // not a whole number of quanta

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'stagebench-cli-'));
  left = whiteNoise(FRAMES, 0.8, 11);
  right = whiteNoise(FRAMES, 0.3, 12);
  left[100] = NaN;
  bits(left)[200] = 0x7f800001; // a signalling NaN: a copy must keep its bits
  left[300] = -0;
  left[400] = Infinity;
  writeFileSync(join(dir, 'stereo.wav'), writeWavFloat32([left, right], 44100));
  writeFileSync(join(dir, 'mono.f32'), f32ToBytes(left));
  // a 3-frame float WAV whose format tag the unsupported-format case overwrites
  writeFileSync(join(dir, 'tiny.wav'), writeWavFloat32([new Float32Array(3)], 8000));
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

  it('prints help with exit code 0', async () => {
    const r = await stagebench(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('stagebench run <stage> --input FILE');
    expect(r.stdout).toContain('ring-copy');
    expect(r.stdout).toContain('capacity');
    expect(r.stdout).toContain('stagebench sweep fft [--points N]');
    expect(r.stdout).toMatch(/^run fft$/m);
    expect(r.stdout).toMatch(/^sweep fft$/m);
    expect(r.stdout).toMatch(/^run eq$/m);
    expect(r.stdout).toMatch(/^run shift$/m);
    expect(r.stdout).toMatch(/^sweep shift$/m);
    expect(r.stdout).toContain('stagebench sweep shift [--snr LO:HI:STEP] [--trials N]');
    expect(r.stdout).toMatch(/^ {6}centreMode {2}\(one of auto, fixed; default auto\)/m);
    expect(r.stdout).toContain(
      'Cases: ring-copy/128, fft/real-512, fft/real-4096, fft/real-32768, eq/8x128, eq/8x1024, shift/32768x32, decode/wav-1s, decode/flac-1s, decode/mp3-1s, gain/128.',
    );
  });
});

describe('stagebench errors (child process): non-zero exit, one stderr line, no stack', () => {
  const cases: { name: string; args: () => string[]; env?: () => Record<string, string>; match: RegExp }[] = [
    {
      name: 'missing input file',
      args: () => ['run', 'ring-copy', '--input', join(dir, 'nope.wav')],
      match: /input file not found: .*nope\.wav$/,
    },
    {
      name: 'unknown stage',
      args: () => ['run', 'no-such-stage', '--input', join(dir, 'mono.f32')],
      match: /unknown stage "no-such-stage" \(known: ring-copy/,
    },
    {
      name: 'unknown parameter',
      args: () => ['run', 'ring-copy', '--input', join(dir, 'mono.f32'), '--param', 'gain=2'],
      match: /unknown parameter "gain" for stage ring-copy \(known: capacity\)$/,
    },
    {
      name: 'truncated WAV',
      args: () => {
        const p = join(dir, 'trunc.wav');
        writeFileSync(p, readFileSync(join(dir, 'stereo.wav')).subarray(0, 1000));
        return ['run', 'ring-copy', '--input', p];
      },
      match: /trunc\.wav: data chunk truncated: header says \d+ bytes, file has \d+$/,
    },
    {
      name: 'unsupported WAV format',
      args: () => {
        const p = join(dir, 'mp3.wav');
        const bytes = Buffer.from(readFileSync(join(dir, 'tiny.wav')));
        bytes.writeUInt16LE(0x0055, 20); // the fmt chunk's format tag
        writeFileSync(p, bytes);
        return ['run', 'ring-copy', '--input', p];
      },
      match: /mp3\.wav: unsupported format tag 0x0055 \(MP3 in WAV\)/,
    },
    {
      name: 'not a WAV at all',
      args: () => {
        const p = join(dir, 'text.wav');
        writeFileSync(p, 'hello, this is not audio');
        return ['run', 'ring-copy', '--input', p];
      },
      match: /text\.wav: not a RIFF\/WAVE file/,
    },
    {
      name: 'raw input not a multiple of 4 bytes',
      args: () => {
        const p = join(dir, 'odd.f32');
        writeFileSync(p, new Uint8Array(1001));
        return ['run', 'ring-copy', '--input', p];
      },
      match: /odd\.f32: raw float32 input is 1001 bytes, not a multiple of 4$/,
    },
    {
      name: 'missing wasm',
      args: () => ['run', 'ring-copy', '--input', join(dir, 'mono.f32')],
      env: () => ({ STAGEBENCH_WASM: join(dir, 'missing.wasm') }),
      match: /wasm module not found at .*missing\.wasm: run npm run build:wasm$/,
    },
    { name: 'missing --input', args: () => ['run', 'ring-copy'], match: /run needs --input FILE/ },
    { name: 'unknown command', args: () => ['frobnicate'], match: /unknown command "frobnicate"/ },
    { name: 'bench of an unknown stage', args: () => ['bench', 'no-such-stage'], match: /unknown stage "no-such-stage"/ },
  ];

  it.concurrent.each(cases)('$name', async ({ args, env, match }) => {
    const r = await stagebench(args(), env?.() ?? {});
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^stagebench: /);
    expect(lines[0]).toMatch(match);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('main in process', () => {
  async function capture(argv: string[], env: NodeJS.ProcessEnv = process.env) {
    let stdout = '';
    let stderr = '';
    const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env });
    return { code, stdout, stderr };
  }

  it('allows NaN input for ring copy and zero-pads the last quantum without leaking it', async () => {
    const input = join(dir, 'short.f32');
    const samples = new Float32Array([NaN, 1, -1, 0.5, NaN]);
    writeFileSync(input, f32ToBytes(samples));
    const out = join(dir, 'short-out.f32');
    const r = await capture(['run', 'ring-copy', '--input', input, '--out', out]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ frames: 5, quanta: 1, writePos: 128, bitExact: true });
    expect(readFileSync(out).length).toBe(20);
  });

  it('rejects an empty input, a duplicate parameter and a --rate that contradicts the WAV', async () => {
    const empty = join(dir, 'empty.f32');
    writeFileSync(empty, new Uint8Array(0));
    expect((await capture(['run', 'ring-copy', '--input', empty])).stderr).toBe('stagebench: the input has no audio frames\n');
    const dup = await capture(['run', 'ring-copy', '--input', empty, '--param', 'capacity=256', '--param', 'capacity=512']);
    expect(dup.code).toBe(2);
    expect(dup.stderr).toMatch(/^stagebench: parameter capacity is given twice/);
    const rate = await capture(['run', 'ring-copy', '--input', join(dir, 'stereo.wav'), '--rate', '48000']);
    expect(rate.code).toBe(1);
    expect(rate.stderr).toMatch(/--rate 48000 conflicts with the sample rate .* \(44100 Hz\)/);
    const badRate = await capture(['run', 'ring-copy', '--input', empty, '--rate', 'fast']);
    expect(badRate.stderr).toMatch(/--rate must be a whole number of Hz/);
  });

  it('reports an unwritable --out path in one line', async () => {
    const r = await capture(['run', 'ring-copy', '--input', join(dir, 'mono.f32'), '--out', join(dir, 'no-dir', 'x.f32')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^stagebench: cannot write .*x\.f32: no such directory\n$/);
  });
});

describe('bench command', () => {
  it('prints exactly {"results": [{stage, case, impl, medianUs, p95Us}]} with --json', async () => {
    let stdout = '';
    let stderr = '';
    await benchCommand({
      stage: 'ring-copy',
      json: true,
      env: process.env,
      stdout: (t) => (stdout += t),
      stderr: (t) => (stderr += t),
      options: { warmupMs: 5, samples: 7, minSampleMs: 0.2 },
    });
    expect(stderr).toContain('ring-copy/128');
    const parsed = JSON.parse(stdout) as { results: Record<string, unknown>[] };
    expect(Object.keys(parsed)).toEqual(['results']);
    expect(parsed.results.map((r) => r.impl)).toEqual(['stagebench', 'ringbuf.js']);
    for (const r of parsed.results) {
      expect(Object.keys(r).sort()).toEqual(['case', 'impl', 'medianUs', 'p95Us', 'stage']);
      expect(r).toMatchObject({ stage: 'ring-copy', case: 'ring-copy/128' });
      expect(r.medianUs).toBeGreaterThan(0);
      expect(r.p95Us as number).toBeGreaterThanOrEqual(r.medianUs as number);
    }
  });

  it('adds the accuracy figures to the shift rows of --json (and to no other row)', async () => {
    let stdout = '';
    await benchCommand({
      stage: 'shift',
      json: true,
      env: process.env,
      stdout: (t) => (stdout += t),
      stderr: () => {},
      options: { warmupMs: 5, samples: 3, minSampleMs: 0.2 },
    });
    const parsed = JSON.parse(stdout) as { results: { impl: string; accuracy?: Record<string, number> }[] };
    expect(parsed.results.map((r) => r.impl)).toEqual([
      'stagebench (ramp scores)',
      'stagebench (centre IFFT + ramp scores)',
      '@echogarden/pffft-wasm (1 inverse FFT + parabola)',
      '@echogarden/pffft-wasm (8x zero-padded inverse FFT + parabola)',
      '@echogarden/pffft-wasm (32 inverse FFTs)',
    ]);
    for (const r of parsed.results) {
      expect(Object.keys(r).sort()).toEqual(['accuracy', 'case', 'impl', 'medianUs', 'p95Us', 'stage']);
      expect(Object.keys(r.accuracy!).sort()).toEqual(['absErrorSamples', 'rmseSamples', 'snrDb', 'trials', 'trueDelaySamples']);
    }
  });

  it('prints a table with the ours/peer ratio', async () => {
    let stdout = '';
    await benchCommand({
      stage: null,
      json: false,
      env: process.env,
      stdout: (t) => (stdout += t),
      stderr: () => {},
      options: { warmupMs: 5, samples: 7, minSampleMs: 0.2 },
      quick: true,
    });
    expect(stdout).toMatch(/case\s+impl\s+median µs\s+p95 µs\s+ours\/peer/);
    expect(stdout).toMatch(/ring-copy\/128\s+stagebench\s+[\d.]+\s+[\d.]+\s+\(ours\)/);
    expect(stdout).toMatch(/ring-copy\/128\s+ringbuf\.js\s+[\d.]+\s+[\d.]+\s+[\d.]+×/);
    for (const n of [512, 4096, 32768]) {
      expect(stdout).toMatch(new RegExp(`fft/real-${n}\\s+stagebench\\s+[\\d.]+\\s+[\\d.]+\\s+\\(ours\\)`));
      for (const peer of ['@echogarden/pffft-wasm', 'fft\\.js', 'kissfft-js']) {
        expect(stdout).toMatch(new RegExp(`fft/real-${n}\\s+${peer}\\s+[\\d.]+\\s+[\\d.]+\\s+[\\d.]+×`));
      }
    }
    for (const n of [128, 1024]) {
      expect(stdout).toMatch(new RegExp(`eq/8x${n}\\s+stagebench\\s+[\\d.]+\\s+[\\d.]+\\s+\\(ours\\)`));
      expect(stdout).toMatch(new RegExp(`eq/8x${n}\\s+hand-written JS DF2T cascade\\s+[\\d.]+\\s+[\\d.]+\\s+[\\d.]+×`));
      expect(stdout).toMatch(new RegExp(`eq/8x${n}\\s+fili \\(IirFilter\\.multiStep\\)\\s+[\\d.]+\\s+[\\d.]+\\s+[\\d.]+×`));
    }
    expect(stdout).toMatch(
      /shift\/32768x32\s+stagebench \(ramp scores\)\s+[\d.]+\s+[\d.]+\s+\(ours\)\s+\|err\| [\d.]+, RMSE [\d.]+ samples \(8 seeds\)/,
    );
    expect(stdout).toMatch(/shift\/32768x32\s+@echogarden\/pffft-wasm \(1 inverse FFT \+ parabola\)\s+[\d.]+\s+[\d.]+\s+[\d.]+×\s+\|err\|/);
    expect(stdout).toMatch(/decode\/mp3-1s\s+\S+/);
    // after the table, decode's report: ms per second of audio, ours and the decoder alone, and the pool's scaling
    for (const peer of ['node-wav', 'wavefile \\(getSamples / 32768\\)'])
      expect(stdout).toMatch(new RegExp(`decode/wav-1s\\s+${peer}\\s+[\\d.]+\\s+[\\d.]+\\s+[\\d.]+×`));
    expect(stdout).toMatch(/decode\/flac-1s\s+@wasm-audio-decoders\/flac \(decodeFrames, reset after the call\)\s+[\d.]+/);
    expect(stdout).toMatch(
      /decode\/mp3-1s: \d+ frames \([\d.]+ s, \d+ bytes\); per second of audio: ours [\d.]+ ms, .*mpg123-decoder \(decode \+ reset in the call\) [\d.]+ ms, mpg123-decoder \(decode, reset after the call\) [\d.]+ ms/,
    );
    expect(stdout).toMatch(
      /a fresh decoder \(new \+ ready: a new wasm instance; then freed\), 3 in the peers' thread: FLAC median [\d.]+ ms/,
    );
    expect(stdout).toMatch(/decode scaling: 10 s of stereo 44\.1 kHz per file/);
    for (const format of ['wav', 'mp3']) {
      expect(stdout).toMatch(new RegExp(`\\n${format}\\s+1\\s+10\\.0\\s.*1\\.00×`));
      expect(stdout).toMatch(new RegExp(`\\n${format}\\s+2\\s+10\\.0\\s.*[\\d.]+×`));
    }
  }, 60_000); // every file's cases; the decode ones start worker threads and pools

  it('finds the wasm under the repo unless STAGEBENCH_WASM says otherwise', () => {
    expect(wasmPath({})).toBe(join(REPO, 'rust/pkg/stagebench_dsp.wasm'));
    expect(wasmPath({ STAGEBENCH_WASM: '/x/y.wasm' })).toBe('/x/y.wasm');
  });
});
