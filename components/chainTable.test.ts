/** The chain table: shares of the deadline, and the budgets at the quantum the chain was timed at. */
import { describe, expect, it } from 'vitest';
import { getStage } from '../dsp-stages/registry.ts';
import { chainBudgetUs, chainRows } from './chainTable.ts';
import type { ChainTiming } from '../worklet/protocol.ts';

function timing(quantumFrames: number): ChainTiming {
  const deadlineUs = (quantumFrames / 48000) * 1e6;
  return {
    clock: 'test',
    quantumFrames,
    sampleRate: 48000,
    deadlineUs,
    stages: [
      { stage: 'eq', backend: 'wasm', quantaPerBatch: 100, p50Us: 1, p99Us: 2 },
      { stage: 'fft', backend: 'wasm', quantaPerBatch: 100, p50Us: 3, p99Us: 4 },
    ],
    total: { quantaPerBatch: 100, p50Us: 4.5, p99Us: 6.5 },
    allocationsDuringRun: 0,
  };
}

describe('chainRows', () => {
  it('gives each stage its share of the deadline and its own budget; the chain the sum', () => {
    const t = timing(128);
    const { stages, total } = chainRows(t);
    expect(stages.map((r) => r.budgetUs)).toEqual([getStage('eq').budgets.kernelP99Us, getStage('fft').budgets.kernelP99Us]);
    expect(total.budgetUs).toBeCloseTo(stages[0]!.budgetUs + stages[1]!.budgetUs, 12);
    expect(total.budgetUs).toBe(chainBudgetUs(['eq', 'fft']));
    expect(stages[1]!.p99Pct).toBeCloseTo((100 * 4) / t.deadlineUs, 12);
  });

  it('scales the budgets with a quantum above 128 frames (a page opened with ?quantum=1024)', () => {
    const at128 = chainRows(timing(128));
    const at1024 = chainRows(timing(1024));
    at1024.stages.forEach((r, i) => expect(r.budgetUs).toBeCloseTo(8 * at128.stages[i]!.budgetUs, 12));
    expect(at1024.total.budgetUs).toBeCloseTo(chainBudgetUs(['eq', 'fft'], 1024), 12);
    expect(chainBudgetUs(['eq', 'fft'], 64)).toBe(chainBudgetUs(['eq', 'fft']));
  });
});
