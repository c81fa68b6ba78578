import { describe, expect, it } from 'vitest';
import type { Result } from 'axe-core';
import { formatViolations, seriousViolations } from './a11y.ts';

function result(id: string, impact: Result['impact'], nodes: number): Result {
  return {
    id,
    impact,
    help: `help for ${id}`,
    helpUrl: `https://dequeuniversity.com/rules/axe/4.10/${id}`,
    description: '',
    tags: [],
    nodes: Array.from({ length: nodes }, (_, i) => ({
      html: `<div   role="img"\n  class="plot-${i}">`,
      target: [`#storybook-root > div:nth-child(${i + 1})`],
      impact,
      any: [],
      all: [],
      none: [],
      failureSummary: 'Fix any of the following:\n  aria-label attribute does not exist or is empty',
    })),
  };
}

describe('accessibility report', () => {
  it('fails on serious and critical only', () => {
    const all = [
      result('role-img-alt', 'serious', 1),
      result('region', 'moderate', 2),
      result('button-name', 'critical', 1),
      result('x', 'minor', 1),
      result('y', null, 1),
    ];
    expect(seriousViolations(all).map((v) => v.id)).toEqual(['role-img-alt', 'button-name']);
    expect(seriousViolations([])).toEqual([]);
  });

  it('names the story, each rule with impact and link, and each element with its fix', () => {
    const text = formatViolations('template-gain--plots', [result('role-img-alt', 'serious', 1), result('button-name', 'critical', 7)]);
    const lines = text.split('\n');
    expect(lines[0]).toBe('template-gain--plots: 2 serious or critical accessibility violations (axe-core)');
    expect(lines[1]).toBe('  [serious] role-img-alt: help for role-img-alt (1 element)');
    expect(lines[2]).toBe('    https://dequeuniversity.com/rules/axe/4.10/role-img-alt');
    expect(lines[3]).toBe('    - #storybook-root > div:nth-child(1)');
    expect(lines[4]).toBe('      <div role="img" class="plot-0">');
    expect(lines[5]).toBe('      Fix any of the following: aria-label attribute does not exist or is empty');
    expect(text).toContain('  [critical] button-name: help for button-name (7 elements)');
    expect(text).toContain('    … and 2 more');
    expect(text.match(/^ {4}- /gm)).toHaveLength(6);
  });
});
