/** Every registered stage states both timing budgets, each within BUDGET_HEADROOM of what was measured. */
import { describe, expect, it } from 'vitest';
import { STAGES } from './registry.ts';
import { BUDGET_HEADROOM } from './types.ts';

describe.each(Object.values(STAGES))('$id budgets', (stage) => {
  const { kernelP99Us, quantumP99Us, measured } = stage.budgets;

  it('state a measured p99 for both, with the date it was taken', () => {
    expect(measured.kernelP99Us).toBeGreaterThan(0);
    expect(measured.quantumP99Us).toBeGreaterThan(0);
    expect(measured.on).toMatch(/^\d{4}-\d{2}-\d{2}\b/);
  });

  it(`are at most ${BUDGET_HEADROOM} times the measured p99 (a regression of that size fails them) and above it`, () => {
    expect(kernelP99Us).toBeLessThanOrEqual(BUDGET_HEADROOM * measured.kernelP99Us);
    expect(quantumP99Us).toBeLessThanOrEqual(BUDGET_HEADROOM * measured.quantumP99Us);
    expect(kernelP99Us).toBeGreaterThan(measured.kernelP99Us);
    expect(quantumP99Us).toBeGreaterThan(measured.quantumP99Us);
  });
});
