/**
 * `stagebench bench [stage] [--json]`: runs the bench cases of every stage (or of one). Async
 * because a bench file may need asynchronous set-up (`prepare`: a peer's wasm module).
 */
import { getStage } from '../dsp-stages/registry.ts';
import { BENCH_FILES } from '../bench/index.ts';
import {
  DEFAULT_BENCH_OPTIONS,
  formatTable,
  runCase,
  type BenchCase,
  type BenchOptions,
  type BenchResult,
} from '../dsp-stages/bench-harness.ts';
import type { BenchFile } from '../dsp-stages/bench-harness.ts';
import { CliError } from './run.ts';
import { wasmInstanceFactory, wasmPath } from '../dsp-stages/wasm-file.ts';

export interface BenchCommand {
  stage: string | null;
  json: boolean;
  env: NodeJS.ProcessEnv;
  stdout(text: string): void;
  /** Progress lines. */
  stderr(text: string): void;
  options?: Partial<BenchOptions>;
  files?: readonly BenchFile[];
  /** The shortest follow-up runs after the table (each bench file's `report`, e.g. on a shorter file): for tests. */
  quick?: boolean;
}

/** One result in the --json output. */
export interface BenchJsonResult {
  stage: string;
  case: string;
  impl: string;
  medianUs: number;
  p95Us: number;
  /** Only where the case measures accuracy: the impl's figures, e.g. `absErrorSamples`. */
  accuracy?: Record<string, number>;
}

/** The JSON printed with --json: exactly these keys per result (`accuracy` only where measured). */
export function benchJson(results: readonly BenchResult[]): { results: BenchJsonResult[] } {
  return {
    results: results.map((r) => {
      const out: BenchJsonResult = { stage: r.stage, case: r.case, impl: r.impl, medianUs: r.medianUs, p95Us: r.p95Us };
      if (r.accuracy) out.accuracy = r.accuracy.figures;
      return out;
    }),
  };
}

export async function benchCommand(cmd: BenchCommand): Promise<void> {
  const all = cmd.files ?? BENCH_FILES;
  let files = all;
  if (cmd.stage !== null) {
    try {
      getStage(cmd.stage);
    } catch (err) {
      throw new CliError((err as Error).message, 2);
    }
    files = all.filter((f) => f.stage === cmd.stage);
    if (files.length === 0) throw new CliError(`stage ${cmd.stage} has no bench cases yet`);
  }
  let newWasm;
  try {
    newWasm = wasmInstanceFactory(wasmPath(cmd.env));
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  const options: BenchOptions = { ...DEFAULT_BENCH_OPTIONS, ...cmd.options };
  const cases: BenchCase[] = [];
  const results: BenchResult[] = [];
  for (const file of files) {
    try {
      await file.prepare?.();
    } catch (err) {
      throw new CliError(`bench of ${file.stage} could not be prepared: ${(err as Error).message}`);
    }
    const built = file.cases({ newWasm });
    const names = built.map((c) => c.name);
    if (names.join('\n') !== file.caseNames.join('\n')) {
      throw new Error(`bench file of ${file.stage} declares cases ${file.caseNames.join(', ')} but builds ${names.join(', ')}`);
    }
    for (const c of built) {
      cmd.stderr(`bench: ${c.name}: ${c.impls.map((i) => i.name).join(' vs ')} ...\n`);
      cases.push(c);
      try {
        results.push(...runCase(c, options));
      } catch (err) {
        // a failed output check or a clock that does not move: the bench's verdict, not a crash
        throw new CliError((err as Error).message);
      }
    }
  }
  if (cmd.json) {
    cmd.stdout(`${JSON.stringify(benchJson(results))}\n`);
  } else {
    cmd.stdout(`${formatTable(cases, results)}\n`);
    cmd.stdout(
      `(${options.samples} samples per impl, each a batch of >= ${options.minSampleMs} ms, round-robin after ${options.warmupMs} ms warm-up; ` +
        'per-call µs by performance.now() in Node; ours/peer = median ratio, < 1 means ours is faster)\n',
    );
    for (const file of files) {
      if (!file.report) continue;
      const own = results.filter((r) => r.stage === file.stage);
      try {
        cmd.stdout(`\n${await file.report(own, { progress: (line) => cmd.stderr(`${line}\n`), quick: cmd.quick === true })}\n`);
      } catch (err) {
        throw new CliError(`bench of ${file.stage}: ${(err as Error).message}`);
      }
    }
  }
}
