/**
 * The page's side of the validation matrix: runs it in the validation worker on the page's wasm
 * bytes, publishes each check's result as it arrives (for the story's table), and judges the
 * report the way `stagebench validate` does (any failed check fails).
 */
import type { CheckName } from '../../dsp-stages/validate/checks.ts';
import type { CheckResult, ValidationReport } from '../../dsp-stages/validate/engine.ts';
import { reproduceCommand } from '../../dsp-stages/validate/report.ts';
import { loadWasmBytes } from '../../worklet/wasm-fetch.ts';
import type { FromValidator, ToValidator } from './validation-protocol.ts';
import ValidationWorker from './validation.worker.ts?worker';

export interface MatrixOptions {
  level: number;
  seed: number;
  stages?: string[];
  checks?: CheckName[];
  /** Test only: a fault of dsp-stages/validate/faults.ts, by index. */
  fault?: number;
  /** A run that has produced no result for this long is stopped with an error (a check hung). */
  stallMs?: number;
}

export interface MatrixState {
  options: MatrixOptions | null;
  results: readonly CheckResult[];
  done: number;
  total: number;
  report: ValidationReport | null;
  error: string | null;
}

const IDLE: MatrixState = { options: null, results: [], done: 0, total: 0, report: null, error: null };

/** One run at a time, observable by a table (`subscribe` + `getState` suit useSyncExternalStore). */
export class MatrixRunner {
  private state: MatrixState = IDLE;
  private readonly listeners = new Set<() => void>();
  private current: { key: string; promise: Promise<ValidationReport>; worker: Worker } | null = null;

  getState = (): MatrixState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private set(next: Partial<MatrixState>): void {
    this.state = { ...this.state, ...next };
    for (const l of this.listeners) l();
  }

  /** Runs the matrix; the same options while a run is going on join that run. */
  run(options: MatrixOptions): Promise<ValidationReport> {
    const key = JSON.stringify(options);
    if (this.current?.key === key) return this.current.promise;
    this.current?.worker.terminate();
    const worker = new ValidationWorker();
    this.set({ ...IDLE, options });
    const promise = new Promise<ValidationReport>((resolve, reject) => {
      const stallMs = options.stallMs ?? 60_000;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const fail = (message: string) => {
        clearTimeout(timer);
        worker.terminate();
        this.set({ error: message });
        reject(new Error(message));
      };
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => fail(`validation stalled: no check finished within ${stallMs / 1000} s`), stallMs);
      };
      worker.onmessage = (event: MessageEvent<FromValidator>) => {
        const msg = event.data;
        if (msg.type === 'result') {
          arm();
          this.set({ results: [...this.state.results, msg.result], done: msg.done, total: msg.total });
        } else if (msg.type === 'report') {
          clearTimeout(timer);
          worker.terminate();
          this.set({ report: msg.report });
          resolve(msg.report);
        } else {
          fail(`validation could not run: ${msg.message}`);
        }
      };
      worker.onerror = (event) => fail(`validation worker failed: ${event.message || 'script error'}`);
      arm();
      void loadWasmBytes().then(({ bytes, reason }) => {
        if (!bytes) return fail(`validation needs the wasm: ${reason}`);
        const { stallMs: _stall, ...rest } = options;
        const msg: ToValidator = { type: 'validate', wasmBytes: bytes.slice(0), ...rest };
        worker.postMessage(msg, [msg.wasmBytes]);
      });
    });
    this.current = { key, promise, worker };
    return promise;
  }
}

/**
 * Throws unless every check that ran passed and the matrix is whole (each validated stage has a
 * result for each check): the failures, one line each, with the command that reproduces them.
 */
export function expectMatrixPasses(report: ValidationReport): void {
  const missing = report.stages.flatMap((s) => report.checks.filter((c) => !report.results.some((r) => r.stage === s && r.check === c)));
  if (report.stages.length === 0 || report.checks.length === 0 || missing.length > 0)
    throw new Error(`the matrix is not whole: ${report.stages.length} stages, ${report.checks.length} checks, ${missing.length} missing`);
  const failed = report.results.filter((r) => r.status === 'fail');
  if (failed.length > 0)
    throw new Error(
      `failed checks:\n${failed
        .map((r) => `  ${r.stage} ${r.check}: ${r.detail} (reproduce: ${reproduceCommand(report, r.stage, r.check, r.failures[0]!.seed)})`)
        .join('\n')}`,
    );
  if (report.passed === 0) throw new Error('no check passed');
}
