/**
 * Accessibility checks for the test runner (.storybook/test-runner.ts): which axe-core results
 * fail a story, and a readable report of them. Plain functions over axe's result objects, so the
 * report is unit-tested without a browser.
 */
import type { ImpactValue, Result } from 'axe-core';

/** Impacts that fail a story; moderate and minor ones are left to the Accessibility panel. */
export const FAILING_IMPACTS: readonly ImpactValue[] = ['critical', 'serious'];

export function seriousViolations(violations: readonly Result[]): Result[] {
  return violations.filter((v) => v.impact != null && FAILING_IMPACTS.includes(v.impact));
}

/** Elements shown per rule before "… and N more". */
const MAX_NODES = 5;

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * "story: N serious or critical accessibility violations", then per rule its impact, id, help
 * and link, and per element its selector, its HTML and axe's summary of how to fix it.
 */
export function formatViolations(storyId: string, violations: readonly Result[]): string {
  const lines = [
    `${storyId}: ${violations.length} serious or critical accessibility violation${violations.length === 1 ? '' : 's'} (axe-core)`,
  ];
  for (const v of violations) {
    lines.push(
      `  [${v.impact ?? 'unknown'}] ${v.id}: ${v.help} (${v.nodes.length} element${v.nodes.length === 1 ? '' : 's'})`,
      `    ${v.helpUrl}`,
    );
    for (const node of v.nodes.slice(0, MAX_NODES)) {
      lines.push(`    - ${node.target.map(String).join(' ')}`, `      ${oneLine(node.html, 160)}`);
      if (node.failureSummary) lines.push(`      ${oneLine(node.failureSummary, 300)}`);
    }
    if (v.nodes.length > MAX_NODES) lines.push(`    … and ${v.nodes.length - MAX_NODES} more`);
  }
  return lines.join('\n');
}
