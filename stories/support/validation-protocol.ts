/** Messages between the page and the validation worker (validation.worker.ts). */
import type { CheckName } from '../../dsp-stages/validate/checks.ts';
import type { CheckResult, ValidationReport } from '../../dsp-stages/validate/engine.ts';

export interface ToValidator {
  type: 'validate';
  wasmBytes: ArrayBuffer;
  level: number;
  seed: number;
  /** Stage ids (default: every registered stage). */
  stages?: string[];
  /** Check names (default: all). */
  checks?: CheckName[];
  /** Test only: the index of a fault in dsp-stages/validate/faults.ts, wrapped around every instance. */
  fault?: number;
}

export type FromValidator =
  | { type: 'result'; result: CheckResult; done: number; total: number }
  | { type: 'report'; report: ValidationReport }
  | { type: 'error'; message: string };
