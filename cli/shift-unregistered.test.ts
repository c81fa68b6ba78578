/**
 * `run shift` and `sweep shift` with a registry that has no shift stage: the CLI defines the
 * stage's id, title and parameters itself, so both work before (and after) the stage is registered.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { StageDescriptor } from '../dsp-stages/types.ts';

vi.mock('../dsp-stages/registry.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../dsp-stages/registry.ts')>();
  const STAGES: Record<string, StageDescriptor> = Object.fromEntries(Object.entries(real.STAGES).filter(([id]) => id !== 'shift'));
  return {
    STAGES,
    getStage: (id: string): StageDescriptor => {
      const stage = STAGES[id];
      if (!stage) throw new Error(`unknown stage "${id}" (known: ${Object.keys(STAGES).join(', ')})`);
      return stage;
    },
  };
});

const { STAGES } = await import('../dsp-stages/registry.ts');
const { main } = await import('./main.ts');
const { delayedPair } = await import('../dsp-stages/delayed-pair.ts');
const { writeWavFloat32 } = await import('../dsp-stages/wav.ts');

const dir = mkdtempSync(join(tmpdir(), 'stagebench-shift-unreg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function capture(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: process.env });
  return { code, stdout, stderr };
}

describe('shift without a registry entry', () => {
  it('is not in the (mocked) registry', () => {
    expect('shift' in STAGES).toBe(false);
  });

  it('run shift works and names the stage', async () => {
    const pair = delayedPair({ n: 4096, delay: -12.3, snrDb: 30, seed: 2 });
    const path = join(dir, 'pair.wav');
    writeFileSync(path, writeWavFloat32([pair.reference, pair.input], 48000));
    const r = await capture(['run', 'shift', '--input', path, '--param', 'size=4096', '--param', 'span=2']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as { stage: string; shift: number; centre: number };
    expect(s.stage).toBe('shift');
    expect(s.centre).toBe(-12);
    expect(Math.abs(s.shift + 12.3)).toBeLessThan(0.02);
  });

  it('sweep shift works', async () => {
    const r = await capture(['sweep', 'shift', '--snr', '20', '--trials', '3', '--param', 'size=512', '--json']);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { points: unknown[] }).points).toHaveLength(1);
  });

  it('help lists it with the CLI parameters, and error messages count it as known', async () => {
    const help = await capture(['--help']);
    expect(help.stdout).toMatch(/^ {4}shift {2}Shift hypotheses/m);
    expect(help.stdout).toMatch(/^ {6}span {2}\(samples, >= 0, default 2\)/m);
    const unknown = await capture(['run', 'nope', '--input', 'x.wav']);
    // the registry's stages, then shift (CLI-only here) last
    expect(unknown.stderr).toBe(`stagebench: unknown stage "nope" (known: ${[...Object.keys(STAGES), 'shift'].join(', ')})\n`);
    const noSweep = await capture(['sweep', 'eq']);
    expect(noSweep.stderr).toBe('stagebench: stage eq has no sweep (there are: sweep fft, sweep shift)\n');
  });
});
