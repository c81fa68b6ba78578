/**
 * The conformance suite's results: one row per check (stage, check, figure, verdict), collected on
 * a board the story's table observes. A check is measured before it is attached to a stage.
 */

import type { Check } from '../../../dsp-stages/conformance/check.ts';

export type { Check };

export type Verdict = 'pass' | 'fail' | 'note';

/** One line of a results table: which stage, which case, the figure measured, the verdict. */
export interface ResultRow {
  stage: string;
  check: string;
  figure: string;
  verdict: Verdict;
}

export function verdictOf(ok: boolean | null): Verdict {
  return ok === null ? 'note' : ok ? 'pass' : 'fail';
}

export interface BoardState {
  rows: readonly ResultRow[];
  /** Clamp notes and other lines the story lists under the table. */
  notes: readonly string[];
  /** What is running now ('' when idle). */
  status: string;
}

/**
 * The rows a play function collects while it runs, observable by the story's table
 * (`subscribe` + `getState` suit React's useSyncExternalStore: the state object changes only on
 * a change).
 */
export class ResultsBoard {
  private state: BoardState = { rows: [], notes: [], status: '' };
  private readonly listeners = new Set<() => void>();

  getState = (): BoardState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private set(patch: Partial<BoardState>): void {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l();
  }

  clear(): void {
    this.set({ rows: [], notes: [], status: '' });
  }

  add(stage: string, check: Check): ResultRow {
    const row = { stage, check: check.check, figure: check.figure, verdict: verdictOf(check.ok) };
    this.set({ rows: [...this.state.rows, row] });
    return row;
  }

  note(line: string): void {
    this.set({ notes: [...this.state.notes, line] });
  }

  status(text: string): void {
    this.set({ status: text });
  }

  failures(): ResultRow[] {
    return this.state.rows.filter((r) => r.verdict === 'fail');
  }
}

/** One line per failed row, for the assertion message that ends a suite. */
export function describeFailures(rows: readonly ResultRow[]): string {
  return rows.map((r) => `${r.stage} / ${r.check}: ${r.figure}`).join('\n');
}
