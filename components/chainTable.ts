/** The per-stage table of a timed chain: each stage's share of the quantum, and the chain's budget. */
import { getStage } from '../dsp-stages/registry.ts';
import type { ChainTiming } from '../worklet/protocol.ts';

export interface ChainRow {
  stage: string;
  p50Us: number;
  p99Us: number;
  /** p50 and p99 as % of the quantum's deadline. */
  p50Pct: number;
  p99Pct: number;
  /** The stage's own kernel budget (its descriptor's kernelP99Us). */
  budgetUs: number;
}

/** The chain's budget: the sum of its stages' kernel budgets (each descriptor's `budgets.kernelP99Us`). */
export function chainBudgetUs(stages: readonly string[]): number {
  return stages.reduce((sum, id) => sum + getStage(id).budgets.kernelP99Us, 0);
}

/** One row per stage, in chain order, then the chain's total (its budget: the sum of the stages'). */
export function chainRows(timing: ChainTiming): { stages: ChainRow[]; total: ChainRow } {
  const pct = (us: number) => (100 * us) / timing.deadlineUs;
  const row = (stage: string, t: { p50Us: number; p99Us: number }, budgetUs: number): ChainRow => ({
    stage,
    p50Us: t.p50Us,
    p99Us: t.p99Us,
    p50Pct: pct(t.p50Us),
    p99Pct: pct(t.p99Us),
    budgetUs,
  });
  return {
    stages: timing.stages.map((s) => row(s.stage, s, getStage(s.stage).budgets.kernelP99Us)),
    total: row('chain', timing.total, chainBudgetUs(timing.stages.map((s) => s.stage))),
  };
}
