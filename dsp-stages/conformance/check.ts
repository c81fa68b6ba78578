/** One outcome of the conformance checks, before it is attached to a stage: what was checked, the figure measured, the verdict. */
export interface Check {
  check: string;
  figure: string;
  /** null: a note (measured, not asserted). */
  ok: boolean | null;
}
