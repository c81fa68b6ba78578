/**
 * The A/B settings of the workbench are the CLI's: `stagebench null eq` resolves the CLI strings to
 * the same parameter values, and prints the figures the workbench's story checks its offline render
 * against (EQ_AB_CLI_FIGURES).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sourceSamples } from '../signals.ts';
import { writeWavFloat32 } from '../wav.ts';
import { stagebenchInProcess as stagebench } from '../cli-testing.ts';
import { parseSettings } from '../../cli/null.ts';
import { resolveEqCliParams } from './cli.ts';
import { EQ_AB_CLI_FIGURES, EQ_AB_INPUT, EQ_FLAT_VS_BYPASS, EQ_TWO_SETTINGS } from './ab-settings.ts';

const dir = mkdtempSync(join(tmpdir(), 'stagebench-eq-ab-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function inputWav(): string {
  const { source, sampleRate, seconds } = EQ_AB_INPUT;
  const path = join(dir, 'in.wav');
  writeFileSync(path, writeWavFloat32([sourceSamples(source, sampleRate, seconds * sampleRate)], sampleRate));
  return path;
}

describe('EQ A/B settings', () => {
  it('the CLI strings resolve to the workbench sets', () => {
    expect(resolveEqCliParams(parseSettings('--a', EQ_TWO_SETTINGS.cli.a)).values).toEqual(EQ_TWO_SETTINGS.a);
    expect(resolveEqCliParams(parseSettings('--b', EQ_TWO_SETTINGS.cli.b)).values).toEqual(EQ_TWO_SETTINGS.b);
    expect(resolveEqCliParams({}).values).toEqual(EQ_FLAT_VS_BYPASS.a);
  });

  it('stagebench null eq prints EQ_AB_CLI_FIGURES for them', async () => {
    const input = inputWav();
    const r = await stagebench(['null', 'eq', '--input', input, '--a', EQ_TWO_SETTINGS.cli.a, '--b', EQ_TWO_SETTINGS.cli.b]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const json = JSON.parse(r.stdout) as { maxAbsDiff: number; residualRmsDbfs: number; levelMatch: { gain: number } };
    expect({ maxAbsDiff: json.maxAbsDiff, residualRmsDbfs: json.residualRmsDbfs, levelMatchGain: json.levelMatch.gain }).toEqual(
      EQ_AB_CLI_FIGURES,
    );
    const flat = await stagebench(['null', 'eq', '--input', input, '--a', '', '--b', 'bypass=on']);
    expect(JSON.parse(flat.stdout).exactlyZero).toBe(true);
  });
});
