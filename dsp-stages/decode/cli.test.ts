/**
 * `stagebench run decode` end to end: the CLI in a child process on the decode fixtures; the
 * float32 it writes is checked against signal.wav's PCM (read by dsp-stages/wav.ts parseWav), bit for bit
 * for WAV and FLAC; every broken fixture's message and exit code; the clamping notes. Plus, in
 * process, the parameter resolution, progress on stderr and the usage errors.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_PARTIAL, defaultWorkers, resolveDecodeParams, runDecodeCommand } from './cli.ts';
import { helpText, main } from '../../cli/main.ts';
import { stagebenchInProcess as stagebench, type CliResult } from '../cli-testing.ts';
import { interleave, parseWav, readF32 } from '../wav.ts';

const FIXTURES = 'fixtures/decode';
const fixture = (name: string) => `${FIXTURES}/${name}`;
/** signal.wav: 10 s, stereo, 44.1 kHz, 16-bit. */
const SIGNAL_FRAMES = 441_000;
/** A child process starts Node, tsx and a pool of worker threads: seconds on a loaded machine. */
const SLOW = 120_000;

let dir: string;
/** signal.wav's samples as dsp-stages/wav.ts reads them, interleaved. */
let reference: Float32Array;

function bitsEqual(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** Pearson correlation of two equally long arrays. */
function correlation(x: Float32Array, y: Float32Array): number {
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += x[i]! * y[i]!;
    sxx += x[i]! * x[i]!;
    syy += y[i]! * y[i]!;
  }
  return sxy / Math.sqrt(sxx * syy);
}

interface Run extends CliResult {
  summary: Record<string, unknown> | null;
  out: string;
}

/** The child-process runs, started together in beforeAll, two at a time (the machine has 2 cores). */
const RUNS: Record<string, string[]> = {
  wav: ['--input', fixture('signal.wav')],
  flac: ['--input', fixture('signal.flac')],
  mp3: ['--input', fixture('signal.mp3')],
  wav48: ['--input', fixture('signal.wav'), '--param', 'rate=48000'],
  flac48: ['--input', fixture('signal.flac'), '--param', 'rate=48000', '--param', 'chunk=20000'],
  truncated: ['--input', fixture('truncated.flac')],
  brokenSize: ['--input', fixture('broken-size.wav')],
  multi8: ['--input', fixture('multi8-short.wav')],
  float64: ['--input', fixture('float64.wav')],
  garbage: ['--input', fixture('garbage.mp3')],
  empty: ['--input', fixture('empty.wav')],
  clamped: ['--input', fixture('float64.wav'), '--param', 'rate=500000', '--param', 'workers=1.4', '--param', 'chunk=100'],
};
const runs = new Map<string, Promise<Run>>();

function startRuns(): void {
  const names = Object.keys(RUNS);
  let next = 0;
  const slots: Promise<void>[] = [];
  const launch = (name: string): Promise<Run> => {
    const out = join(dir, `${name}.f32`);
    return stagebench(['run', 'decode', ...RUNS[name]!, '--out', out]).then((r) => {
      let summary: Record<string, unknown> | null = null;
      if (r.stdout.trim() !== '') summary = JSON.parse(r.stdout) as Record<string, unknown>;
      return { ...r, summary, out };
    });
  };
  const resolvers = new Map<string, (r: Run) => void>();
  for (const name of names) runs.set(name, new Promise<Run>((resolve) => resolvers.set(name, resolve)));
  for (let s = 0; s < 2; s++) {
    slots.push(
      (async () => {
        while (next < names.length) {
          const name = names[next++]!;
          resolvers.get(name)!(await launch(name));
        }
      })(),
    );
  }
}

const run = (name: string): Promise<Run> => runs.get(name)!;
const written = (r: Run): Float32Array => readF32(readFileSync(r.out));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'stagebench-decode-'));
  const wav = parseWav(readFileSync(fixture('signal.wav')));
  reference = interleave(wav.channels, wav.channels[0]!.length);
  startRuns();
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/**
 * stderr without the progress lines a decode prints once it has run DEFAULT_PROGRESS_AFTER_MS
 * (on a busy machine even these short files may take that long): what is left must be exact.
 */
function withoutProgress(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => !/^decode .*: \d+\/\d+ frames \(\d+%\)$/.test(line))
    .join('\n');
}

describe('stagebench run decode (child process)', () => {
  it(
    'WAV: the summary, and the output equals the PCM bit for bit',
    async () => {
      const r = await run('wav');
      expect(withoutProgress(r.stderr)).toBe('');
      expect(r.code).toBe(0);
      expect(r.summary).toMatchObject({
        stage: 'decode',
        format: 'wav',
        sourceRate: 44100,
        sampleRate: 44100,
        channels: 2,
        frames: SIGNAL_FRAMES,
        durationS: 10,
        workers: defaultWorkers(),
        params: { rate: 44100, workers: defaultWorkers(), chunk: 65536 },
        error: null,
      });
      const s = r.summary!;
      // 65536-frame chunks: 7 tasks
      expect(s.tasks).toBe(Math.ceil(SIGNAL_FRAMES / 65536));
      expect(s.wallMs as number).toBeGreaterThan(0);
      expect(s.xRealtime as number).toBeCloseTo(10_000 / (s.wallMs as number), 1);
      expect(s.taskMedianMs as number).toBeGreaterThan(0);
      expect(s.taskMaxMs as number).toBeGreaterThanOrEqual(s.taskMedianMs as number);
      expect(readFileSync(r.out).byteLength).toBe(SIGNAL_FRAMES * 2 * 4);
      expect(bitsEqual(written(r), reference)).toBe(true);
    },
    SLOW,
  );

  it(
    'FLAC: the summary, and the output equals the WAV PCM bit for bit',
    async () => {
      const r = await run('flac');
      expect(r.code).toBe(0);
      expect(r.summary).toMatchObject({
        format: 'flac',
        sourceRate: 44100,
        sampleRate: 44100,
        channels: 2,
        frames: SIGNAL_FRAMES,
        error: null,
      });
      expect(readFileSync(r.out).byteLength).toBe(SIGNAL_FRAMES * 2 * 4);
      expect(bitsEqual(written(r), reference)).toBe(true);
    },
    SLOW,
  );

  it(
    'MP3: the summary, trimmed to the encoder input: lines up with the WAV at delay 0',
    async () => {
      const r = await run('mp3');
      expect(r.code).toBe(0);
      expect(r.summary).toMatchObject({
        format: 'mp3',
        sourceRate: 44100,
        sampleRate: 44100,
        channels: 2,
        frames: SIGNAL_FRAMES,
        error: null,
      });
      const out = written(r);
      expect(out.length).toBe(SIGNAL_FRAMES * 2);
      expect(correlation(out, reference)).toBeGreaterThan(0.9999);
      // untrimmed, the output would start 1105 frames late (576 encoder + 529 decoder delay)
      const late = 1105 * 2;
      expect(correlation(out.subarray(late), reference.subarray(0, reference.length - late))).toBeLessThan(0.5);
    },
    SLOW,
  );

  it(
    'resamples to the given rate: 480000 frames at 48 kHz, WAV and FLAC (other chunks) bit for bit alike',
    async () => {
      const [wav, flac] = await Promise.all([run('wav48'), run('flac48')]);
      for (const r of [wav, flac]) {
        expect(r.code).toBe(0);
        expect(r.summary).toMatchObject({
          sourceRate: 44100,
          sampleRate: 48000,
          frames: 480_000,
          channels: 2,
          params: { rate: 48000 },
          error: null,
        });
        expect(readFileSync(r.out).byteLength).toBe(480_000 * 2 * 4);
      }
      expect(flac.summary!.params).toMatchObject({ chunk: 20000 });
      expect(flac.summary!.tasks as number).toBeGreaterThan(wav.summary!.tasks as number);
      const a = written(wav);
      expect(bitsEqual(a, written(flac))).toBe(true);
      // the signal survives: RMS within 0.1 dB of the source's
      const rms = (x: Float32Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);
      expect(Math.abs(20 * Math.log10(rms(a) / rms(reference)))).toBeLessThan(0.1);
    },
    SLOW,
  );

  it(
    'float64 WAV: exactly the 16-bit values / 32768 of the first 0.5 s',
    async () => {
      const r = await run('float64');
      expect(r.code).toBe(0);
      expect(r.summary).toMatchObject({ format: 'wav', frames: 22050, channels: 2, error: null });
      expect(bitsEqual(written(r), reference.subarray(0, 22050 * 2))).toBe(true);
    },
    SLOW,
  );

  it(
    `a truncated FLAC: the whole frames are written, the summary has the error, exit ${EXIT_PARTIAL}`,
    async () => {
      const r = await run('truncated');
      expect(r.code).toBe(EXIT_PARTIAL);
      const message = `${fixture('truncated.flac')}: stream info claims 441000 frames but the frames hold 180224; kept 180224`;
      expect(r.summary).toMatchObject({ format: 'flac', frames: 180_224, channels: 2, error: message });
      expect(withoutProgress(r.stderr)).toBe(`stagebench: ${message}\n`);
      expect(bitsEqual(written(r), reference.subarray(0, 180_224 * 2))).toBe(true);
    },
    SLOW,
  );

  it(
    `a WAV claiming 0xFFFFFFFF bytes: the second it holds is written, exit ${EXIT_PARTIAL}`,
    async () => {
      const r = await run('brokenSize');
      expect(r.code).toBe(EXIT_PARTIAL);
      const message = `${fixture('broken-size.wav')}: header claims 1073741823 frames but the file holds 44100; kept 44100`;
      expect(r.summary).toMatchObject({ format: 'wav', frames: 44_100, error: message });
      expect(withoutProgress(r.stderr)).toBe(`stagebench: ${message}\n`);
      expect(bitsEqual(written(r), reference.subarray(0, 44_100 * 2))).toBe(true);
    },
    SLOW,
  );

  it(
    `a short 8-channel 24-bit WAV: its 12000 whole frames, interleaved, exit ${EXIT_PARTIAL}`,
    async () => {
      const r = await run('multi8');
      expect(r.code).toBe(EXIT_PARTIAL);
      expect(r.summary).toMatchObject({ format: 'wav', sourceRate: 48000, frames: 12_000, channels: 8 });
      expect(r.summary!.error).toMatch(/multi8-short\.wav: header claims 48000 frames but the file holds 12000; kept 12000$/);
      const out = written(r);
      expect(out.length).toBe(12_000 * 8);
      // channel c is a sine of (c + 1) x 100 Hz at -6 dBFS: count its zero crossings in the 0.25 s
      for (let c = 0; c < 8; c++) {
        let crossings = 0;
        let peak = 0;
        for (let i = 1; i < 12_000; i++) {
          const a = out[(i - 1) * 8 + c]!;
          const b = out[i * 8 + c]!;
          if (a < 0 !== b < 0) crossings++;
          peak = Math.max(peak, Math.abs(b));
        }
        expect(Math.abs(crossings - 2 * (c + 1) * 100 * 0.25)).toBeLessThanOrEqual(2);
        expect(20 * Math.log10(peak)).toBeCloseTo(-6, 0);
      }
    },
    SLOW,
  );

  it(
    'garbage and empty files: one line naming the file and the problem, exit 1, nothing written',
    async () => {
      const garbage = await run('garbage');
      expect(garbage.code).toBe(1);
      expect(garbage.stdout).toBe('');
      expect(garbage.stderr).toBe(`stagebench: ${fixture('garbage.mp3')}: no MPEG audio frames found in 65546 bytes\n`);
      expect(existsSync(garbage.out)).toBe(false);
      const empty = await run('empty');
      expect(empty.code).toBe(1);
      expect(empty.stdout).toBe('');
      expect(empty.stderr).toBe(`stagebench: ${fixture('empty.wav')}: the file is empty\n`);
      expect(existsSync(empty.out)).toBe(false);
    },
    SLOW,
  );

  it(
    'clamps rate, workers and chunk with a note each (and runs on one worker)',
    async () => {
      const r = await run('clamped');
      expect(r.code).toBe(0);
      expect(withoutProgress(r.stderr).split('\n')).toEqual([
        'stagebench: note: rate=500000 above maximum 192000 Hz; using 192000',
        'stagebench: note: workers=1.4 must be a whole number; using 1',
        'stagebench: note: chunk=100 below minimum 4096 frames; using 4096',
        '',
      ]);
      // 22050 frames at 44.1 kHz are 96000 at 192 kHz, in 4096-frame tasks
      expect(r.summary).toMatchObject({
        sampleRate: 192_000,
        frames: 96_000,
        workers: 1,
        params: { rate: 192_000, workers: 1, chunk: 4096 },
      });
      expect(r.summary!.tasks).toBe(Math.ceil(96_000 / 4096));
      expect(readFileSync(r.out).byteLength).toBe(96_000 * 2 * 4);
    },
    SLOW,
  );
});

describe('run decode in process', () => {
  function io() {
    const o = { stdout: '', stderr: '' };
    return { o, io: { stdout: (t: string) => (o.stdout += t), stderr: (t: string) => (o.stderr += t), env: process.env } };
  }

  it('refuses unknown parameters, values that are not numbers, --rate, a missing file (exit 2, 2, 2, 1)', async () => {
    const cases: [string[], number, RegExp][] = [
      [['--param', 'speed=2'], 2, /^stagebench: unknown parameter "speed" for stage decode \(known: rate, workers, chunk\)\n$/],
      [['--param', 'rate=fast'], 2, /^stagebench: rate=fast: not a number\n$/],
      [['--param', 'chunk='], 2, /^stagebench: chunk=: not a number\n$/],
      [['--rate', '48000'], 2, /^stagebench: --rate is for raw \.f32 input; run decode reads the rate from the file/],
    ];
    for (const [extra, code, message] of cases) {
      const { o, io: cli } = io();
      expect(await main(['run', 'decode', '--input', fixture('signal.wav'), ...extra], cli)).toBe(code);
      expect(o.stderr).toMatch(message);
      expect(o.stdout).toBe('');
    }
    const { o, io: cli } = io();
    expect(await main(['run', 'decode', '--input', join(dir, 'missing.mp3')], cli)).toBe(1);
    expect(o.stderr).toBe(`stagebench: input file not found: ${join(dir, 'missing.mp3')}\n`);
  });

  it(
    'reports progress every 10 % off a terminal and on one line in place on a terminal',
    async () => {
      for (const tty of [false, true]) {
        let stderr = '';
        let stdout = '';
        const code = await runDecodeCommand({
          input: fixture('signal.wav'),
          params: { chunk: '8192' },
          out: null,
          env: process.env,
          stdout: (t) => (stdout += t),
          stderr: (t) => (stderr += t),
          stderrIsTTY: tty,
          progressAfterMs: 0,
        });
        expect(code).toBe(0);
        expect(JSON.parse(stdout)).toMatchObject({ frames: SIGNAL_FRAMES, tasks: Math.ceil(SIGNAL_FRAMES / 8192) });
        const label = `decode ${fixture('signal.wav')}`;
        if (!tty) {
          const lines = stderr.trimEnd().split('\n');
          expect(lines.length).toBeGreaterThanOrEqual(5);
          expect(lines.at(-1)).toBe(`${label}: ${SIGNAL_FRAMES}/${SIGNAL_FRAMES} frames (100%)`);
          for (const line of lines) expect(line).toMatch(new RegExp(`^${label}: \\d+/${SIGNAL_FRAMES} frames \\(\\d+0%\\)$`));
        } else {
          expect(stderr.startsWith('\r')).toBe(true);
          expect(stderr.endsWith(`\r${label}: ${SIGNAL_FRAMES}/${SIGNAL_FRAMES} frames (100%)\n`)).toBe(true);
          expect(stderr.split('\n')).toHaveLength(2);
        }
      }
    },
    SLOW,
  );

  it(
    'stays quiet on stderr for a decode shorter than the progress delay',
    async () => {
      let stderr = '';
      const code = await runDecodeCommand({
        input: fixture('float64.wav'),
        params: {},
        out: null,
        env: process.env,
        stdout: () => {},
        stderr: (t) => (stderr += t),
        progressAfterMs: 60_000,
      });
      expect(code).toBe(0);
      expect(stderr).toBe('');
    },
    SLOW,
  );

  it(
    '--out x.wav writes every channel as a float32 WAV at the output rate, the raw output bit for bit',
    async () => {
      const raw = await run('float64');
      const out = join(dir, 'float64-bounce.wav');
      const r = await stagebench(['run', 'decode', '--input', fixture('float64.wav'), '--out', out]);
      expect(r.code).toBe(0);
      const wav = parseWav(readFileSync(out));
      expect([wav.format, wav.bitsPerSample, wav.sampleRate, wav.channels.length]).toEqual(['float', 32, 44100, 2]);
      const interleaved = interleave(wav.channels, wav.channels[0]!.length);
      expect(Buffer.compare(Buffer.from(interleaved.buffer), readFileSync(raw.out))).toBe(0);
    },
    SLOW,
  );

  it(
    'writes nothing and says why when --out cannot be written',
    async () => {
      let stderr = '';
      const code = await main(['run', 'decode', '--input', fixture('float64.wav'), '--out', join(dir, 'no-dir', 'x.f32')], {
        stdout: () => {},
        stderr: (t) => (stderr += t),
        env: process.env,
      });
      expect(code).toBe(1);
      expect(stderr).toMatch(/^stagebench: cannot write .*x\.f32: no such directory\n$/);
    },
    SLOW,
  );
});

describe('decode parameters', () => {
  it('clamp against the specs and leave the rate to the file when not given', () => {
    expect(resolveDecodeParams({})).toEqual({ params: { rate: null, workers: defaultWorkers(), chunk: 65536 }, notes: [] });
    expect(resolveDecodeParams({ rate: '0', workers: '0' })).toEqual({
      params: { rate: null, workers: defaultWorkers(), chunk: 65536 },
      notes: [],
    });
    expect(resolveDecodeParams({ rate: '22050', workers: '1', chunk: '4096' })).toEqual({
      params: { rate: 22050, workers: 1, chunk: 4096 },
      notes: [],
    });
    const { params, notes } = resolveDecodeParams({ rate: '5000', workers: '3.4', chunk: '2000000' });
    expect(params).toEqual({ rate: 8000, workers: 3, chunk: 1 << 20 });
    expect(notes.map((n) => [n.name, n.used, n.reason])).toEqual([
      ['rate', 8000, "below minimum 8000 Hz (0 is the file's own rate)"],
      ['workers', 3, 'must be a whole number'],
      ['chunk', 1 << 20, 'above maximum 1048576 frames'],
    ]);
    // a negative rate or worker count clamps to 0: the defaults
    expect(resolveDecodeParams({ rate: '-5', workers: '-1' }).params).toMatchObject({ rate: null, workers: defaultWorkers() });
  });

  it('the default worker count is half the cores within 2..8', () => {
    expect([1, 2, 4, 6, 16, 64].map((c) => defaultWorkers(c))).toEqual([2, 2, 2, 3, 8, 8]);
  });

  it('interleave puts frame i of channel c at i x channels + c', () => {
    expect([...interleave([new Float32Array([1, 2, 3]), new Float32Array([4, 5, 6])], 3)]).toEqual([1, 4, 2, 5, 3, 6]);
    expect([...interleave([new Float32Array([1, 2, 3])], 2)]).toEqual([1, 2]);
  });

  it('--help describes run decode, its parameters and exit status 3', () => {
    const text = helpText();
    expect(text).toContain('run decode\n  Decodes FILE, a WAV');
    expect(text).toMatch(/Exit status: 0 decoded; 1 nothing decoded .* 2 usage; 3 part of the file decoded/s);
    expect(text).toMatch(/--param rate=HZ {6}output rate, 8000\.\.192000 Hz; 0 \(the default\) keeps the file's own/);
    expect(text).toMatch(/--param chunk=N {6}output frames per pool task, 4096\.\.1048576 \(default 65536\)/);
  });
});
