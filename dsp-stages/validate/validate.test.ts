/**
 * The validation matrix: each check fails under its fault (faults.ts) and passes without it, on a
 * stage it can bite; a failure's seed reruns exactly; the matrix covers the registry; the report
 * formats hold what they say; docs/validation.md shows the levels as levels.ts defines them.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { STAGES, getStage } from '../registry.ts';
import { wasmInstanceFactory, REPO_ROOT } from '../wasm-file.ts';
import type { StageDescriptor } from '../types.ts';
import { NODE_CONFORMANCE } from '../node-registry.ts';
import { CHECKS, CHECK_NAMES, type CheckName } from './checks.ts';
import { kindParamCount } from '../generic.ts';
import { referenceFrom, validate, type ValidateOptions, type ValidationReport } from './engine.ts';
import { FAULTS } from './faults.ts';
import type { InstanceWrapper } from './host.ts';
import { levelTableMarkdown } from './levels.ts';
import { formatReport, toJUnit } from './report.ts';

const newWasm = wasmInstanceFactory();
const reference = referenceFrom(NODE_CONFORMANCE);

function run(stage: StageDescriptor, check: CheckName, wrap?: InstanceWrapper, extra: Partial<ValidateOptions> = {}) {
  return validate({ stages: [stage], checks: [check], level: 1, seed: 1, newWasm, reference, wrap, ...extra });
}

describe('each check bites: it fails under its fault and passes without it', () => {
  for (const fault of FAULTS) {
    it(`${fault.check} on ${fault.stage}: ${fault.does}`, () => {
      const stage = getStage(fault.stage);
      const clean = run(stage, fault.check).results[0]!;
      expect(clean.status, clean.detail).toBe('pass');
      const broken = run(stage, fault.check, fault.wrap).results[0]!;
      expect(broken.status).toBe('fail');
      expect(broken.failures.map((f) => f.message).join('\n')).toMatch(fault.failure);
    });
  }

  it('has a fault for every check', () => {
    expect(new Set(FAULTS.map((f) => f.check))).toEqual(new Set(CHECK_NAMES));
  });
});

describe('the matrix', () => {
  it('reruns a failing seed exactly with reproduce', () => {
    const fault = FAULTS.find((f) => f.check === 'param-automation')!;
    const stage = getStage(fault.stage);
    const first = run(stage, fault.check, fault.wrap, { level: 2 }).results[0]!;
    const seed = first.failures[0]!.seed;
    const again = run(stage, fault.check, fault.wrap, { level: 2, reproduce: seed }).results[0]!;
    expect(again.seeds).toEqual([seed]);
    expect(again.failures.map((f) => f.message)).toEqual(first.failures.filter((f) => f.seed === seed).map((f) => f.message));
  });

  it('validates every registered stage that is a kind of the wasm module, and lists the others as skipped with the reason', () => {
    const report = validate({ stages: Object.values(STAGES), checks: ['reset'], level: 1, seed: 1, newWasm, reference });
    expect([...report.stages, ...report.skipped.map((s) => s.stage)].sort()).toEqual(Object.keys(STAGES).sort());
    expect(report.stages).toContain('gain');
    expect(report.skipped).toContainEqual({ stage: 'decode', reason: 'the wasm module has no stage kind "decode"' });
    expect(report.results).toHaveLength(report.stages.length);
  });

  it("takes applicability from the stage's descriptor, and refuses a declaration naming no check", () => {
    const gain = getStage('gain');
    const declared = run({ ...gain, validation: { notApplicable: { state: 'saved state is not this stage’s concern' } } }, 'state')
      .results[0]!;
    expect(declared).toMatchObject({ status: 'n/a', detail: 'saved state is not this stage’s concern', seeds: [] });
    expect(() => run({ ...gain, validation: { notApplicable: { 'block-size': 'typo' } } }, 'state')).toThrow(
      /"block-size", which is not a check/,
    );
  });

  it('does not apply the checks that change parameters to a stage with none on the stage ABI, and says why', () => {
    const changing = CHECKS.filter((c) => c.changesParameters).map((c) => c.name);
    expect(changing).toEqual(['param-automation', 'param-clamp', 'param-fuzz']);
    for (const id of Object.keys(STAGES)) {
      const stage = getStage(id);
      let count: number;
      try {
        count = kindParamCount(newWasm(), id);
      } catch {
        continue; // not on the stage ABI
      }
      for (const check of changing) {
        const r = run(stage, check).results[0]!;
        if (count === 0)
          expect(r, `${id} ${check}`).toMatchObject({ status: 'n/a', detail: expect.stringMatching(/no parameters on the stage ABI/) });
        else expect(r.status, `${id} ${check}`).toBe('pass');
      }
    }
    expect(kindParamCount(newWasm(), 'ring-copy')).toBe(0);
  });

  it('fails sample-rates for a stage without audio output that does not say why the check does not apply', () => {
    const { validation: _, ...fft } = getStage('fft');
    const r = run(fft, 'sample-rates').results[0]!;
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(/no audio output on the stage ABI.*validation\.notApplicable/);
  });
});

describe('the report', () => {
  let report: ValidationReport;
  beforeAll(() => {
    report = validate({
      stages: [getStage('gain'), getStage('decode')],
      checks: ['no-allocation', 'reset'],
      level: 1,
      seed: 1,
      newWasm,
      reference,
      wrap: FAULTS.find((f) => f.check === 'no-allocation')!.wrap,
    });
  });

  it('prints a table, the failures with the command that reruns them, and one summary line', () => {
    const text = formatReport(report);
    expect(text).toMatch(/^check\s+gain\nreset\s+PASS\nno-allocation\s+FAIL\n/);
    expect(text).toContain('decode: not on the stage ABI: skipped (the wasm module has no stage kind "decode")');
    expect(text).toMatch(/reproduce: npx stagebench validate gain --check no-allocation --level 1 --reproduce \d+/);
    expect(text.trimEnd().split('\n').at(-1)).toMatch(
      /^validate: 1 passed, 1 failed, 0 not applicable; 1 stage skipped \(level 1, seed 1, [\d.]+ s\)$/,
    );
  });

  it('writes JUnit XML with a testcase per stage and check', () => {
    const xml = toJUnit(report);
    expect(xml).toMatch(/<testsuites name="stagebench validate level 1" tests="4" failures="1" skipped="2" /);
    expect(xml.match(/<testcase /g)).toHaveLength(4);
    expect(xml).toMatch(/<testcase classname="validate.gain" name="no-allocation" time="[\d.]+">\s*<failure message="seed \d+: process\(/);
    expect(xml).toMatch(/<testcase classname="validate.decode" name="reset" time="0">\s*<skipped message="not on the stage ABI: skipped/);
  });
});

/** A Markdown table's cells, trimmed (Prettier pads them to align the columns). */
function tableCells(markdown: string): string[] {
  return markdown
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((line) =>
      line
        .split('|')
        .map((cell) => cell.trim().replace(/^-+$/, '---'))
        .join('|'),
    );
}

describe('docs/validation.md', () => {
  it('shows the levels as levels.ts defines them', () => {
    const page = tableCells(readFileSync(`${REPO_ROOT}docs/validation.md`, 'utf8'));
    const levels = tableCells(levelTableMarkdown());
    const start = page.indexOf(levels[0]!);
    expect(start).toBeGreaterThanOrEqual(0);
    expect(page.slice(start, start + levels.length)).toEqual(levels);
  });
});
