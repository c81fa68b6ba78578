/** `stagebench sweep shift`: in process through `main` on small grids, plus one child-process run. */
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { oneErrorLine, stagebench } from '../cli-testing.ts';
import { parseSnrGrid } from './sweep-cli.ts';

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

interface SweepJson {
  stage: string;
  params: Record<string, unknown>;
  trials: number;
  noisyReference: boolean;
  points: { snrDb: number; rmse: number; crbStd: number; ratio: number; outliers: number; edges: number; trials: number }[];
  thresholdSnrDb: number | null;
}

describe('stagebench sweep shift', () => {
  it('prints a table per SNR, the threshold and a legend; progress in trials every 10 % off a terminal', async () => {
    const r = await capture([
      'sweep',
      'shift',
      '--snr',
      '0:30:10',
      '--trials',
      '20',
      '--param',
      'size=4096',
      '--param',
      'span=2',
      '--param',
      'phat=off',
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr.split('\n').filter((l) => l !== '')).toEqual(
      Array.from({ length: 10 }, (_, i) => `sweep shift: ${8 * (i + 1)}/80 trials (${10 * (i + 1)}%)`),
    );
    expect(r.stdout).toMatch(
      /^sweep shift: N = 4096, H = 32, span 2 \(spacing 0\.0645\), automatic centre, PHAT off, independent noise on both channels, .*20 trials per SNR, wasm, \d+ ms\n/,
    );
    expect(r.stdout).toMatch(/^CRB: var >= \(2 \+ 1\/SNR\) \/ \(SNR_E beta\^2\)/m);
    expect(r.stdout).toMatch(/^SNR dB\s+RMSE\s+sqrt\(CRB\)\s+ratio\s+bias\s+outliers\s+edges$/m);
    const rows = r.stdout
      .split('\n')
      .filter((l) => /^\s*-?\d+\s+\d\.\d\de[-+]\d+\s+\d\.\d\de[-+]\d+\s+\d+\.\d\d\s+[+-]\d\.\d\de[-+]\d+\s+\d+\s+\d+$/.test(l));
    expect(rows.map((l) => Number(l.trim().split(/\s+/)[0]))).toEqual([0, 10, 20, 30]);
    expect(r.stdout).toMatch(
      /^threshold SNR {2}(-?\d+ dB \(the ratio is <= 1\.2 from there up\)|none: the ratio is above 1\.2 at the highest SNR \(30 dB\))$/m,
    );
    expect(r.stdout).toMatch(/^outliers: \|error\| > 1 sample/m);
  });

  it('prints one JSON object with --json; --clean-reference switches the reference noise off', async () => {
    const r = await capture(['sweep', 'shift', '--snr=0,20', '--trials=10', '--param', 'size=2048', '--json']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const j = JSON.parse(r.stdout) as SweepJson & Record<string, unknown>;
    expect(Object.keys(j)).toEqual([
      'stage',
      'params',
      'trials',
      'noisyReference',
      'reference',
      'maxDelay',
      'seed',
      'points',
      'thresholdSnrDb',
      'thresholdRatio',
      'elapsedMs',
    ]);
    expect(j).toMatchObject({
      stage: 'shift',
      params: { size: 2048, hypotheses: 32, span: 2, centreMode: 'auto', centre: 0, phat: 'off' },
      trials: 10,
      noisyReference: true,
      reference: 'white',
      maxDelay: 50,
      thresholdRatio: 1.2,
    });
    expect(j.points.map((p) => p.snrDb)).toEqual([0, 20]);
    for (const p of j.points) {
      expect(Object.keys(p)).toEqual(['snrDb', 'rmse', 'bias', 'crbStd', 'ratio', 'outliers', 'edges', 'trials']);
      expect(p.trials).toBe(10);
    }
    expect(j.points[1]!.rmse).toBeLessThan(j.points[0]!.rmse);
    const clean = JSON.parse(
      (await capture(['sweep', 'shift', '--snr', '0,20', '--trials', '10', '--param', 'size=2048', '--json', '--clean-reference'])).stdout,
    ) as SweepJson;
    expect(clean.noisyReference).toBe(false);
    // the clean-reference bound is lower: 1 instead of 2 + 1/SNR
    expect(clean.points[0]!.crbStd / j.points[0]!.crbStd).toBeCloseTo(1 / Math.sqrt(3), 2);
  });

  it('--reference draws a band-limited or pink reference; the table names it and the per-bin bound', async () => {
    const r = await capture(['sweep', 'shift', '--snr', '10,30', '--trials', '20', '--reference', 'lowpass-0.4', '--param', 'size=2048']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^sweep shift: N = 2048, .*, independent noise on both channels, Gaussian reference low-passed at 0\.4 fs, delays uniform/,
    );
    expect(r.stdout).toMatch(
      /^CRB: var >= 1 \/ sum_k 2 w_k\^2 SNR_k\^2 \/ \(1 \+ 2 SNR_k\), SNR_k per bin from each trial's clean reference/m,
    );
    const clean = await capture([
      'sweep',
      'shift',
      '--snr',
      '10',
      '--trials',
      '5',
      '--reference',
      'pink',
      '--clean-reference',
      '--param',
      'size=512',
    ]);
    expect(clean.stdout).toMatch(/, clean reference, noise on channel 1, pink Gaussian reference, /);
    expect(clean.stdout).toMatch(/^CRB: var >= 1 \/ sum_k 2 w_k\^2 SNR_k, SNR_k per bin/m);
    const j = JSON.parse(
      (await capture(['sweep', 'shift', '--snr', '20', '--trials', '10', '--reference=lowpass-0.25', '--param', 'size=2048', '--json']))
        .stdout,
    ) as SweepJson & { reference: string };
    expect(j.reference).toBe('lowpass-0.25');
    expect(j.points[0]!.outliers).toBe(0);
    expect(j.points[0]!.ratio).toBeLessThan(1.5);
  });

  it('keeps one progress line updated in place on a terminal', async () => {
    const r = await capture(['sweep', 'shift', '--snr', '10', '--trials', '30', '--param', 'size=512', '--json'], { tty: true });
    expect(r.code).toBe(0);
    expect(r.stderr.split('\n')).toEqual([
      expect.stringMatching(/^\rsweep shift: 1\/30 trials \(3%\)\r.*\rsweep shift: 30\/30 trials \(100%\)$/s),
      '',
    ]);
  });

  const errors: { args: string[]; code: number; line: RegExp; env?: NodeJS.ProcessEnv }[] = [
    {
      args: ['sweep', 'shift', '--snr', '0:10'],
      code: 2,
      line: /^stagebench: --snr wants LO:HI:STEP \(e\.g\. -10:40:5\) or a list of dB values like 0,10,20; got "0:10": three fields are needed/,
    },
    { args: ['sweep', 'shift', '--snr', '0:10:0'], code: 2, line: /got "0:10:0": STEP must be above 0/ },
    { args: ['sweep', 'shift', '--snr', '10:0:5'], code: 2, line: /got "10:0:5": HI is below LO/ },
    { args: ['sweep', 'shift', '--snr', '0,x'], code: 2, line: /got "0,x": "x" is not a finite number/ },
    { args: ['sweep', 'shift', '--snr', '0:1e6:1'], code: 2, line: /more than 1000 SNRs/ },
    { args: ['sweep', 'shift', '--trials', '0'], code: 2, line: /^stagebench: --trials must be a whole number from 1 to 100000, got "0"/ },
    { args: ['sweep', 'shift', '--trials', 'lots'], code: 2, line: /--trials must be a whole number/ },
    { args: ['sweep', 'shift', '--clean-reference=yes'], code: 2, line: /^stagebench: --clean-reference takes no value/ },
    { args: ['sweep', 'shift', '--points', '5'], code: 2, line: /^stagebench: --points is an option of sweep fft, not of sweep shift/ },
    { args: ['sweep', 'fft', '--snr', '0:10:5'], code: 2, line: /^stagebench: --snr is an option of sweep shift, not of sweep fft/ },
    { args: ['sweep', '--trials', '5', 'fft'], code: 2, line: /--trials is an option of sweep shift, not of sweep fft/ },
    {
      args: ['sweep', 'fft', '--reference', 'pink'],
      code: 2,
      line: /^stagebench: --reference is an option of sweep shift, not of sweep fft/,
    },
    {
      args: ['sweep', 'shift', '--reference', 'brown'],
      code: 2,
      line: /^stagebench: --reference must be one of white, lowpass-0\.25, lowpass-0\.4, pink, got "brown"/,
    },
    { args: ['sweep', 'shift', '--reference'], code: 2, line: /^stagebench: --reference/ },
    {
      args: ['sweep', 'shift', '--param', 'centre=5'],
      code: 2,
      line: /^stagebench: bad parameter: centre=5 has no place in sweep shift: every trial has its own delay/,
    },
    {
      args: ['sweep', 'shift', '--param', 'hypotheses=300'],
      code: 2,
      line: /^stagebench: bad parameter: hypotheses=300 above maximum 256 \(see stagebench --help\)$/,
    },
    { args: ['sweep', 'shift', '--param', 'window=hann'], code: 2, line: /^stagebench: unknown parameter "window" for stage shift/ },
    {
      args: ['sweep', 'shift', '--snr', '0', '--trials', '1'],
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
    const r = await stagebench(['sweep', 'shift', '--snr', '20', '--trials', '5', '--param', 'size=512', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/sweep shift: 5\/5 trials \(100%\)\n$/);
    expect((JSON.parse(r.stdout) as SweepJson).points).toHaveLength(1);
  });
});

describe('parseSnrGrid', () => {
  it('takes LO:HI:STEP (HI included when on the grid), a list, or one value', () => {
    expect(parseSnrGrid('-10:40:5')).toEqual([-10, -5, 0, 5, 10, 15, 20, 25, 30, 35, 40]);
    expect(parseSnrGrid('0:1:0.1')).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
    expect(parseSnrGrid('0:12:5')).toEqual([0, 5, 10]);
    expect(parseSnrGrid('3:3:1')).toEqual([3]);
    expect(parseSnrGrid('0, 10,-5')).toEqual([0, 10, -5]);
    expect(parseSnrGrid('7.5')).toEqual([7.5]);
  });
});
