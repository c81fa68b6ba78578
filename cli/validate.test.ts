/** `stagebench validate`: arguments, the exit status, the JSON and JUnit outputs, a skipped stage. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FAULTS } from '../dsp-stages/validate/faults.ts';
import type { ValidationReport } from '../dsp-stages/validate/engine.ts';
import { stagebenchInProcess } from '../dsp-stages/cli-testing.ts';
import { validateCommand } from './validate.ts';
import { STAGES } from '../dsp-stages/registry.ts';
import { stageKindIds } from '../dsp-stages/generic.ts';
import { loadWasm } from '../dsp-stages/wasm-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'stagebench-validate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('stagebench validate', () => {
  it('prints the report as JSON, and writes JUnit XML', async () => {
    const junit = join(dir, 'v.xml');
    const r = await stagebenchInProcess(['validate', 'gain', '--level', '1', '--check', 'state,reset', '--json', '--junit', junit]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as ValidationReport;
    expect(report).toMatchObject({ level: 1, seed: 1, stages: ['gain'], checks: ['reset', 'state'], passed: 2, failed: 0 });
    expect(readFileSync(junit, 'utf8')).toMatch(/<testsuites name="stagebench validate level 1" tests="2" failures="0" skipped="0"/);
  });

  it('lists a stage that is not on the stage ABI as skipped, with the reason', async () => {
    const kinds = stageKindIds(loadWasm());
    const off = Object.keys(STAGES).find((id) => !kinds.includes(id));
    expect(off, 'a registered stage that is not a stage kind of the wasm module').toBeDefined();
    const r = await stagebenchInProcess(['validate', off!, '--level', '1']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${off}: not on the stage ABI: skipped (the wasm module has no stage kind "${off}")`);
    expect(r.stdout).toMatch(/validate: 0 passed, 0 failed, 0 not applicable; 1 stage skipped \(level 1, seed 1/);
  });

  it('exits 1 when a check fails, naming it and the command that reruns it', async () => {
    let out = '';
    const fault = FAULTS.find((f) => f.check === 'state')!;
    const code = await validateCommand(
      ['gain', '--level', '1', '--check', 'state', '--seed', '9'],
      { stdout: (t) => (out += t), stderr: () => {}, env: process.env },
      fault.wrap,
    );
    expect(code).toBe(1);
    expect(out).toMatch(/^state\s+FAIL$/m);
    expect(out).toMatch(/reproduce: npx stagebench validate gain --check state --level 1 --reproduce \d+/);
  });

  it.each([
    [['validate'], /validate needs a stage or all/],
    [['validate', 'nosuch'], /unknown stage "nosuch"/],
    [['validate', 'gain', '--level', '0'], /--level wants a whole number from 1 to 10, got "0"/],
    [['validate', 'gain', '--level', '11'], /--level wants a whole number from 1 to 10, got "11"/],
    [['validate', 'gain', '--seed', '-1'], /--seed wants a whole number/],
    [['validate', 'gain', '--check', 'state,frob'], /unknown check "frob"/],
    [['validate', 'gain', '--json=yes'], /--json takes no value/],
    [['validate', 'gain', '--frames', '3'], /unknown option --frames for validate/],
  ])('refuses %j with a usage error (exit 2)', async (args, message) => {
    const r = await stagebenchInProcess(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
