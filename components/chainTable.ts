/** The per-stage table of a timed chain: each stage's share of the quantum, and the chain's budget. */
import { getStage } from '../dsp-stages/registry.ts';
import type { ChainTiming } from '../worklet/protocol.ts';
import { RENDER_QUANTUM_FRAMES, budgetScaleAt } from '../dsp-stages/types.ts';

export interface ChainRow {
  stage: string;
  p50Us: number;
  p99Us: number;
  /** p50 and p99 as % of the quantum's deadline. */
  p50Pct: number;
  p99Pct: number;
  /** The stage's own kernel budget (its descriptor's kernelP99Us, at the timed quantum: `budgetScaleAt`). */
  budgetUs: number;
}

/** A stage's kernel budget at `quantumFrames`-frame quanta: its descriptor's `budgets.kernelP99Us` scaled by `budgetScaleAt`. */
function stageBudgetUs(id: string, quantumFrames: number): number {
  return getStage(id).budgets.kernelP99Us * budgetScaleAt(quantumFrames);
}

/** The chain's budget at `quantumFrames`-frame quanta: the sum of its stages' kernel budgets. */
export function chainBudgetUs(stages: readonly string[], quantumFrames: number = RENDER_QUANTUM_FRAMES): number {
  return stages.reduce((sum, id) => sum + stageBudgetUs(id, quantumFrames), 0);
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
    stages: timing.stages.map((s) => row(s.stage, s, stageBudgetUs(s.stage, timing.quantumFrames))),
    total: row(
      'chain',
      timing.total,
      chainBudgetUs(
        timing.stages.map((s) => s.stage),
        timing.quantumFrames,
      ),
    ),
  };
}
