/** Every registered stage states both timing budgets, each within BUDGET_HEADROOM of what was measured. */
import { describe, expect, it } from 'vitest';
import { STAGES } from './registry.ts';
import { BUDGET_HEADROOM, RENDER_QUANTUM_FRAMES, budgetScaleAt, timingBudget, timingBudgetAt, type StageBudgets } from './types.ts';

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

describe.each(Object.values(STAGES).filter((s) => s.budgets.firefox))('$id Firefox budgets', (stage) => {
  const firefox = stage.budgets.firefox!;

  it(`are within ${BUDGET_HEADROOM} times the p99 measured in Firefox, and above it`, () => {
    expect(firefox.measured.on).toMatch(/^\d{4}-\d{2}-\d{2}\b.*Firefox/);
    for (const key of ['kernelP99Us', 'quantumP99Us'] as const) {
      expect(firefox[key]).toBeLessThanOrEqual(BUDGET_HEADROOM * firefox.measured[key]);
      expect(firefox[key]).toBeGreaterThan(firefox.measured[key]);
    }
  });

  it('are what timingBudget gives in Firefox; Chromium keeps its own', () => {
    expect(timingBudget(stage.budgets, 'firefox')).toBe(firefox);
    expect(timingBudget(stage.budgets, 'chromium').kernelP99Us).toBe(stage.budgets.kernelP99Us);
  });
});

/** Budgets of kernel p99 2 µs and single-quantum p99 10 µs (Chromium), with Firefox's own when asked. */
function testBudgets(withFirefox: boolean): StageBudgets {
  const budgets: StageBudgets = {
    kernelP99Us: 2,
    quantumP99Us: 10,
    measured: { kernelP99Us: 1, quantumP99Us: 5, on: '2026-12-07' },
    heapGrowthBytes: 1,
  };
  if (withFirefox)
    budgets.firefox = { kernelP99Us: 3, quantumP99Us: 12, measured: { kernelP99Us: 1.5, quantumP99Us: 6, on: '2026-12-07 Firefox' } };
  return budgets;
}

it('timingBudget falls back to the Chromium budgets where a stage states none for Firefox', () => {
  const budgets = testBudgets(false);
  expect(timingBudget(budgets, 'firefox')).toBe(budgets);
});

describe('budgets at another render quantum (a page opened with ?quantum=N)', () => {
  const budgets = testBudgets(true);

  it('are the 128-frame budgets, the same object, at 128 frames or fewer', () => {
    for (const q of [1, 64, RENDER_QUANTUM_FRAMES]) {
      expect(timingBudgetAt(budgets, q, 'chromium')).toBe(timingBudget(budgets, 'chromium'));
      expect(timingBudgetAt(budgets, q, 'firefox')).toBe(budgets.firefox);
    }
  });

  it('grow as the quantum does above 128 frames, both budgets, in either engine', () => {
    expect(budgetScaleAt(441)).toBeCloseTo(441 / 128, 12);
    const at1024 = timingBudgetAt(budgets, 1024, 'chromium');
    expect([at1024.kernelP99Us, at1024.quantumP99Us]).toEqual([16, 80]);
    expect(at1024.measured).toBe(budgets.measured);
    const ff = timingBudgetAt(budgets, 256, 'firefox');
    expect([ff.kernelP99Us, ff.quantumP99Us]).toEqual([6, 24]);
  });
});
