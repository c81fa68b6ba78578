/** The validation report as a table (stdout), JSON and JUnit XML. */
import type { CheckResult, ValidationReport } from './engine.ts';

const CELL: Record<CheckResult['status'], string> = { pass: 'PASS', fail: 'FAIL', 'n/a': 'n/a' };

/** The command that reruns one seeded run of one stage and check. */
export function reproduceCommand(report: Pick<ValidationReport, 'level'>, stage: string, check: string, seed: number): string {
  return `npx stagebench validate ${stage} --check ${check} --level ${report.level} --reproduce ${seed}`;
}

/** Failures printed per stage and check (the JSON and JUnit reports hold every one). */
const PRINTED_FAILURES = 4;

/** The summary line: counts, level, seed and time. */
export function summaryLine(report: ValidationReport): string {
  const skipped = report.skipped.length ? `; ${report.skipped.length} stage${report.skipped.length === 1 ? '' : 's'} skipped` : '';
  const seed = report.reproduce !== null ? `reproducing seed ${report.reproduce}` : `seed ${report.seed}`;
  return (
    `validate: ${report.passed} passed, ${report.failed} failed, ${report.notApplicable} not applicable${skipped} ` +
    `(level ${report.level}, ${seed}, ${report.seconds.toFixed(1)} s)`
  );
}

/** The report as the command prints it: the table (a row per check, a column per stage), notes, failures, summary. */
export function formatReport(report: ValidationReport): string {
  const lines: string[] = [];
  const cell = (stage: string, check: string) => report.results.find((r) => r.stage === stage && r.check === check);
  const first = Math.max(5, ...report.checks.map((c) => c.length));
  const widths = report.stages.map((s) => Math.max(4, s.length));
  lines.push(['check'.padEnd(first), ...report.stages.map((s, i) => s.padEnd(widths[i]!))].join('  ').trimEnd());
  for (const check of report.checks) {
    const cells = report.stages.map((s, i) => CELL[cell(s, check)?.status ?? 'n/a'].padEnd(widths[i]!));
    lines.push([check.padEnd(first), ...cells].join('  ').trimEnd());
  }
  for (const s of report.skipped) lines.push(`${s.stage}: not on the stage ABI: skipped (${s.reason})`);
  for (const k of report.unregisteredKinds)
    lines.push(`stage kind ${k} of the wasm module has no registered stage (dsp-stages/registry.ts): not validated`);
  const declared = report.results.filter((r) => r.declared !== undefined);
  if (declared.length) {
    lines.push('', 'declared by the stages:');
    for (const r of declared) lines.push(`  ${r.stage} ${r.check}: ${r.status === 'n/a' ? 'n/a: ' : ''}${r.declared}`);
  }
  const inferred = report.results.filter((r) => r.status === 'n/a' && r.declared === undefined);
  if (inferred.length) {
    lines.push('', 'not applicable:');
    for (const r of inferred) lines.push(`  ${r.stage} ${r.check}: ${r.detail}`);
  }
  const ratios = report.results.filter((r) => r.check === 'denormal-speed' && r.figures.ratio !== undefined);
  if (ratios.length) {
    lines.push(
      '',
      `denormal-speed, subnormal ÷ normal time per call (median of alternating timed runs; the worst seed): ` +
        ratios.map((r) => `${r.stage} ${r.figures.ratio!.toFixed(2)}x`).join(', '),
    );
  }
  const failed = report.results.filter((r) => r.status === 'fail');
  if (failed.length) {
    lines.push('', 'failures:');
    for (const r of failed) {
      lines.push(`  ${r.stage} ${r.check}:`);
      for (const f of r.failures.slice(0, PRINTED_FAILURES)) lines.push(`    seed ${f.seed}: ${f.message}`);
      if (r.failures.length > PRINTED_FAILURES) lines.push(`    ... ${r.failures.length - PRINTED_FAILURES} more (--json has them all)`);
      lines.push(`    reproduce: ${reproduceCommand(report, r.stage, r.check, r.failures[0]!.seed)}`);
    }
  }
  lines.push('', summaryLine(report));
  return `${lines.join('\n')}\n`;
}

function xml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** JUnit XML: a testsuite per stage, a testcase per stage and check (skipped stages' too: skipped with the reason). */
export function toJUnit(report: ValidationReport): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const suites: { name: string; cases: string[]; failures: number; skipped: number; time: number }[] = [];
  for (const stage of report.stages) {
    const results = report.results.filter((r) => r.stage === stage);
    const cases = results.map((r) => {
      const head = `    <testcase classname="validate.${xml(stage)}" name="${xml(r.check)}" time="${r.seconds.toFixed(3)}"`;
      if (r.status === 'pass') return `${head}/>`;
      if (r.status === 'n/a') return `${head}>\n      <skipped message="${xml(`not applicable: ${r.detail}`)}"/>\n    </testcase>`;
      const body = r.failures.map((f) => `seed ${f.seed}: ${f.message}`).join('\n');
      const again = reproduceCommand(report, stage, r.check, r.failures[0]!.seed);
      return `${head}>\n      <failure message="${xml(r.detail)}">${xml(`${body}\nreproduce: ${again}`)}</failure>\n    </testcase>`;
    });
    suites.push({
      name: stage,
      cases,
      failures: results.filter((r) => r.status === 'fail').length,
      skipped: results.filter((r) => r.status === 'n/a').length,
      time: results.reduce((t, r) => t + r.seconds, 0),
    });
  }
  for (const s of report.skipped) {
    const reason = xml(`not on the stage ABI: skipped (${s.reason})`);
    const cases = report.checks.map(
      (c) =>
        `    <testcase classname="validate.${xml(s.stage)}" name="${xml(c)}" time="0">\n      <skipped message="${reason}"/>\n    </testcase>`,
    );
    suites.push({ name: s.stage, cases, failures: 0, skipped: cases.length, time: 0 });
  }
  const tests = suites.reduce((n, s) => n + s.cases.length, 0);
  const failures = suites.reduce((n, s) => n + s.failures, 0);
  const skipped = suites.reduce((n, s) => n + s.skipped, 0);
  out.push(
    `<testsuites name="stagebench validate level ${report.level}" tests="${tests}" failures="${failures}" skipped="${skipped}" time="${report.seconds.toFixed(3)}">`,
  );
  for (const s of suites) {
    out.push(
      `  <testsuite name="${xml(s.name)}" tests="${s.cases.length}" failures="${s.failures}" errors="0" skipped="${s.skipped}" time="${s.time.toFixed(3)}">`,
      ...s.cases,
      '  </testsuite>',
    );
  }
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}
