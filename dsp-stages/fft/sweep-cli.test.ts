/** `stagebench sweep fft`: in process through `main`, plus one child-process run. */
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { oneErrorLine, stagebench } from '../cli-testing.ts';
import { formatSmall, sampleRows } from './sweep-cli.ts';
import { progressReporter } from '../node-api.ts';

async function capture(argv: string[], opts: { tty?: boolean; env?: NodeJS.ProcessEnv } = {}) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env: opts.env ?? process.env,
    stderrIsTTY: opts.tty ?? false,
  });
  return { code, stdout, stderr };
}

describe('stagebench sweep fft', () => {
  it('prints a table of about 12 sampled points and the statistics; progress every 10 % on a non-terminal stderr', async () => {
    const r = await capture(['sweep', 'fft', '--points', '40', '--param', 'size=8192']);
    expect(r.code).toBe(0);
    expect(r.stderr.split('\n').filter((l) => l !== '')).toEqual(
      Array.from({ length: 10 }, (_, i) => `sweep fft: ${4 * (i + 1)}/40 points (${10 * (i + 1)}%)`),
    );
    expect(r.stdout).toMatch(/^sweep fft: N = 8192, kaiser window \(beta 9\), 48000 Hz \(bin 5\.8594 Hz\), 40 sines/);
    const rows = r.stdout.split('\n').filter((l) => /^\s+\d+\.\d{4}\s+\d+\.\d{4}\s+[+-]/.test(l));
    expect(rows.length).toBeGreaterThanOrEqual(12);
    expect(rows.length).toBeLessThanOrEqual(13);
    expect(r.stdout).toMatch(/<- worst/);
    expect(r.stdout).toMatch(/^mean \|error\|\s+\S+ Hz$/m);
    expect(r.stdout).toMatch(/^max \|error\|\s+\S+ Hz at \d+\.\d{4} Hz$/m);
    expect(r.stdout).toMatch(/^RMS error\s+\S+ Hz/m);
    expect(r.stdout).toMatch(/^level error\s+max \S+ dB/m);
  });

  it('prints one JSON object with --json', async () => {
    const r = await capture([
      'sweep',
      'fft',
      '--points=30',
      '--param',
      'size=32768',
      '--param',
      'window=kaiser',
      '--param',
      'beta=9',
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const j = JSON.parse(r.stdout) as Record<string, unknown> & { points: Record<string, number>[] };
    expect(Object.keys(j)).toEqual([
      'stage',
      'params',
      'sampleRate',
      'points',
      'meanAbsErrorHz',
      'maxAbsErrorHz',
      'rmsErrorHz',
      'worstHz',
      'levelErrorMaxDb',
    ]);
    expect(j).toMatchObject({ stage: 'fft', params: { size: 32768, window: 'kaiser', beta: 9 }, sampleRate: 48000 });
    expect(j.points).toHaveLength(30);
    for (const p of j.points) expect(Object.keys(p)).toEqual(['frequencyHz', 'estimateHz', 'errorHz', 'levelDb']);
    expect(j.maxAbsErrorHz as number).toBeLessThan(0.05);
    expect(j.points.map((p) => p.frequencyHz)).toContain(j.worstHz);
  });

  it('keeps one progress line updated in place on a terminal', async () => {
    const r = await capture(['sweep', 'fft', '--points', '50', '--param', 'size=1024', '--json'], { tty: true });
    expect(r.code).toBe(0);
    expect(r.stderr.split('\n')).toEqual([
      expect.stringMatching(/^\rsweep fft: 1\/50 points \(2%\)\r.*\rsweep fft: 50\/50 points \(100%\)$/s),
      '',
    ]);
    expect(r.stderr.split('\r').length - 1).toBe(50);
  });

  it('takes --rate, capping the top frequency at 0.45 x the rate', async () => {
    const r = await capture(['sweep', 'fft', '--points', '5', '--param', 'size=2048', '--rate', '16000', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { sampleRate: number; points: { frequencyHz: number }[] };
    expect(j.sampleRate).toBe(16000);
    expect(j.points[4]!.frequencyHz).toBeCloseTo(7200, -1);
  });

  it('notes parameters that have no effect on a sweep', async () => {
    const r = await capture(['sweep', 'fft', '--points', '2', '--param', 'size=512', '--param', 'hop=256', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^stagebench: note: hop has no effect on a sweep/);
  });

  const errors: { args: string[]; code: number; line: RegExp; env?: NodeJS.ProcessEnv }[] = [
    { args: ['sweep', 'fft', '--param', 'size=1000'], code: 2, line: /^stagebench: bad parameter: size=1000 not one of 512, .*32768$/ },
    { args: ['sweep', 'fft', '--param', 'beta=25'], code: 2, line: /^stagebench: bad parameter: beta=25 above maximum 20$/ },
    {
      args: ['sweep', 'fft', '--param', 'window=flat'],
      code: 2,
      line: /^stagebench: bad parameter: window=flat not one of rect, hann, kaiser$/,
    },
    { args: ['sweep', 'fft', '--param', 'gain=1'], code: 2, line: /^stagebench: unknown parameter "gain" for stage fft/ },
    { args: ['sweep', 'fft', '--param', 'size'], code: 2, line: /^stagebench: --param wants name=value, got "size"/ },
    {
      args: ['sweep', 'fft', '--points', 'many'],
      code: 2,
      line: /^stagebench: --points must be a whole number from 1 to 100000, got "many"/,
    },
    { args: ['sweep', 'fft', '--points', '0'], code: 2, line: /--points must be a whole number/ },
    { args: ['sweep', 'fft', '--rate', '30'], code: 2, line: /^stagebench: --rate 30 is too low for a sweep from 20 Hz$/ },
    { args: ['sweep', 'fft', '--out', 'x'], code: 2, line: /^stagebench: unknown option --out for sweep/ },
    { args: ['sweep'], code: 2, line: /^stagebench: sweep needs a stage: sweep fft/ },
    { args: ['sweep', 'ring-copy'], code: 2, line: /^stagebench: stage ring-copy has no sweep \(there are: sweep fft, sweep shift\)$/ },
    { args: ['sweep', 'nope'], code: 2, line: /^stagebench: unknown stage "nope"/ },
    {
      args: ['sweep', 'fft'],
      code: 1,
      line: /^stagebench: wasm module not found at .*missing\.wasm: run npm run build:wasm$/,
      env: { ...process.env, STAGEBENCH_WASM: join(tmpdir(), 'missing.wasm') },
    },
  ];

  it.each(errors)('fails in one line: $args', async ({ args, code, line, env }) => {
    const r = await capture(args, env ? { env } : {});
    expect(r.code).toBe(code);
    const line0 = oneErrorLine(r);
    expect(line0).toMatch(line);
  });

  it('runs from the command line', async () => {
    const r = await stagebench(['sweep', 'fft', '--points', '10', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/sweep fft: 10\/10 points \(100%\)\n$/);
    expect((JSON.parse(r.stdout) as { points: unknown[] }).points).toHaveLength(10);
  });
});

describe('sweep output helpers', () => {
  it('samples rows evenly, ends included, and adds the worst point', () => {
    const points = Array.from({ length: 100 }, (_, i) => ({ frequencyHz: i, estimateHz: i, errorHz: 0, levelDb: 0 }));
    const rows = sampleRows(points, 12, 50);
    expect(rows[0]).toBe(0);
    expect(rows[rows.length - 1]).toBe(99);
    expect(rows).toContain(50);
    expect(rows).toHaveLength(13);
    expect(sampleRows(points.slice(0, 3), 12, 1)).toEqual([0, 1, 2]);
    expect(sampleRows(points.slice(0, 1), 12, 0)).toEqual([0]);
  });

  it('reports progress every 10 % off a terminal, in place on one', () => {
    let out = '';
    const p = progressReporter((t) => (out += t), false, 'x');
    for (let i = 1; i <= 7; i++) p.update(i, 7);
    p.end();
    expect(out.split('\n').filter((l) => l)).toEqual([
      'x: 1/7 points (10%)',
      'x: 2/7 points (20%)',
      'x: 3/7 points (40%)',
      'x: 4/7 points (50%)',
      'x: 5/7 points (70%)',
      'x: 6/7 points (80%)',
      'x: 7/7 points (100%)',
    ]);
    out = '';
    const t = progressReporter((s) => (out += s), true, 'x');
    for (let i = 1; i <= 1000; i++) t.update(i, 1000);
    t.end();
    expect(out.split('\r').length - 1).toBe(101); // 0 % .. 100 %, each once
    expect(out.endsWith('x: 1000/1000 points (100%)\n')).toBe(true);
  });

  it('formats tiny figures in exponent form', () => {
    expect(formatSmall(0.0000123)).toBe('1.23e-5');
    expect(formatSmall(0.25, true)).toBe('+0.2500');
    expect(formatSmall(-0.003, true)).toBe('-3.00e-3');
    expect(formatSmall(0)).toBe('0.0000');
    expect(formatSmall(Infinity)).toBe('Infinity');
  });
});
