/**
 * A tiny benchmark harness: the implementations of one case run interleaved, round-robin, in one
 * process, after a warm-up. Each sample times a batch of calls long enough for performance.now()
 * to resolve it (>= minSampleMs), so a sample is a per-call mean over the batch; we report the
 * median and p95 of those per-call figures, in µs.
 */
import { percentile } from '../worklet/stats.ts';
import type { StagebenchWasm } from '../worklet/abi.ts';

export interface BenchImpl {
  /**
   * Shown in the table and the JSON: the package (`stagebench`, `ringbuf.js`...), followed by
   * ` (variant)` when one package gives several rows of a case (see `checkImplNames`).
   */
  name: string;
  /** One call: the unit being timed. */
  run(): void;
  /** Throws if the implementation does not do the job (run once before timing). */
  check?(): void;
  /**
   * How close the result is to the truth, for cases whose implementations trade accuracy for
   * speed (run once after `check`, before timing; off the clock). Absent: not applicable.
   */
  accuracy?(): BenchAccuracy;
}

/** An implementation's accuracy: a short text for the table, the figures for --json. */
export interface BenchAccuracy {
  /** E.g. `|err| 0.0012, RMSE 0.0015 (8 trials)`. */
  summary: string;
  figures: Record<string, number>;
}

export interface BenchCase {
  /** Stage id from the registry. */
  stage: string;
  /** Case name, e.g. `ring-copy/128`. */
  name: string;
  /** The impl the ratios are taken against (its median over each peer's). */
  ours: string;
  impls: BenchImpl[];
  /**
   * Idle time before every timed batch (warm-up and samples), off the clock: for implementations
   * that leave work running after they answer (a decoder rebuilt in another thread), so that work
   * ends before the next batch is timed instead of landing on whichever impl runs next. Absent: 0.
   */
  settleMs?: number;
}

export interface BenchOptions {
  /** Warm-up time per impl, ms (interleaved like the samples). */
  warmupMs: number;
  /** Timed samples per impl. */
  samples: number;
  /** Shortest timed batch, ms. */
  minSampleMs: number;
  now: () => number;
  /** Waits `ms` (a case's `settleMs`); default: blocks the thread in Atomics.wait. */
  sleep?: (ms: number) => void;
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/** Blocks this thread for `ms` (Atomics.wait on a cell nobody notifies). */
export function blockingSleep(ms: number): void {
  if (ms > 0) Atomics.wait(sleepCell, 0, 0, ms);
}

export const DEFAULT_BENCH_OPTIONS: BenchOptions = {
  warmupMs: 300,
  samples: 201,
  minSampleMs: 1,
  now: () => performance.now(),
};

export interface BenchResult {
  stage: string;
  case: string;
  impl: string;
  medianUs: number;
  p95Us: number;
  /** Calls per timed batch. */
  callsPerSample: number;
  /** Per-call time of every sample, µs, in the order taken. */
  samplesUs: number[];
  /** The impl's `accuracy()`, when it has one. */
  accuracy?: BenchAccuracy;
}

/** The package part of an impl name: `fili` of `fili (IirFilter.multiStep)`; the whole name without a variant. */
export function implPackage(name: string): string {
  const m = /^(.+?) \((.+)\)$/.exec(name);
  return m ? m[1]! : name;
}

/**
 * Throws unless a case's impl names are unique and unambiguous: where one package gives several
 * rows, every one of them names its variant (`@echogarden/pffft-wasm (32 inverse FFTs)`), so no
 * bare package name stands for one of several variants.
 */
export function checkImplNames(c: { name: string; impls: readonly { name: string }[] }): void {
  const names = c.impls.map((i) => i.name);
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new Error(`bench case ${c.name}: impl names must be unique ("${name}" twice)`);
    seen.add(name);
  }
  for (const name of names) {
    if (implPackage(name) !== name) continue;
    const variants = names.filter((other) => other !== name && implPackage(other) === name);
    if (variants.length > 0) {
      throw new Error(
        `bench case ${c.name}: "${name}" is a bare package name beside its variants ${variants.map((v) => `"${v}"`).join(', ')}: name its variant too`,
      );
    }
  }
}

function timeBatch(impl: BenchImpl, calls: number, now: () => number): number {
  const t0 = now();
  for (let i = 0; i < calls; i++) impl.run();
  return now() - t0;
}

/** Calls per batch: doubled from 1 until one batch takes at least `minMs`. */
export function calibrate(impl: BenchImpl, minMs: number, now: () => number): number {
  let calls = 1;
  for (;;) {
    if (timeBatch(impl, calls, now) >= minMs) return calls;
    if (calls >= 1 << 24) throw new Error(`${impl.name}: a batch of ${calls} calls still took under ${minMs} ms (is the clock running?)`);
    calls *= 2;
  }
}

/** Runs one case: check, calibrate, warm up and sample every impl round-robin. */
export function runCase(c: BenchCase, opts: BenchOptions = DEFAULT_BENCH_OPTIONS): BenchResult[] {
  if (c.impls.length === 0) throw new Error(`bench case ${c.name} has no implementations`);
  if (!c.impls.some((i) => i.name === c.ours)) throw new Error(`bench case ${c.name}: "ours" impl ${c.ours} is missing`);
  checkImplNames(c);
  for (const impl of c.impls) {
    try {
      impl.check?.();
    } catch (err) {
      throw new Error(`bench case ${c.name}: ${impl.name} failed its check: ${(err as Error).message}`);
    }
  }
  const accuracy = c.impls.map((impl) => impl.accuracy?.());
  const { now } = opts;
  const settle = (): void => {
    if (c.settleMs) (opts.sleep ?? blockingSleep)(c.settleMs);
  };
  const calls = c.impls.map((impl) => calibrate(impl, opts.minSampleMs, now));
  // warm-up: interleaved batches until every impl had warmupMs
  const warmed = c.impls.map(() => 0);
  while (warmed.some((ms) => ms < opts.warmupMs)) {
    c.impls.forEach((impl, i) => {
      if (warmed[i]! >= opts.warmupMs) return;
      settle();
      warmed[i]! += timeBatch(impl, calls[i]!, now);
    });
  }
  const samples: number[][] = c.impls.map(() => []);
  const n = c.impls.length;
  for (let s = 0; s < opts.samples; s++) {
    // rotate who goes first, so no impl always runs right after the same other one
    for (let k = 0; k < n; k++) {
      const i = (s + k) % n;
      settle();
      const ms = timeBatch(c.impls[i]!, calls[i]!, now);
      samples[i]!.push((ms * 1000) / calls[i]!);
    }
  }
  return c.impls.map((impl, i) => {
    const sorted = [...samples[i]!].sort((a, b) => a - b);
    const result: BenchResult = {
      stage: c.stage,
      case: c.name,
      impl: impl.name,
      medianUs: percentile(sorted, 50),
      p95Us: percentile(sorted, 95),
      callsPerSample: calls[i]!,
      samplesUs: samples[i]!,
    };
    if (accuracy[i]) result.accuracy = accuracy[i];
    return result;
  });
}

/** Median of ours over the median of `peer` in the same case (NaN when either is missing). */
export function ratio(results: readonly BenchResult[], c: { name: string; ours: string }, peer: string): number {
  const ours = results.find((r) => r.case === c.name && r.impl === c.ours);
  const other = results.find((r) => r.case === c.name && r.impl === peer);
  return ours && other ? ours.medianUs / other.medianUs : NaN;
}

/**
 * A readable table: one row per (case, impl), with ours/peer ratios on peer rows, and an
 * accuracy column when any row has an accuracy.
 */
export function formatTable(cases: readonly { name: string; ours: string }[], results: readonly BenchResult[]): string {
  const withAccuracy = results.some((r) => r.accuracy);
  const head = ['case', 'impl', 'median µs', 'p95 µs', 'ours/peer'];
  const rows: string[][] = [withAccuracy ? [...head, 'accuracy'] : head];
  for (const c of cases) {
    for (const r of results.filter((x) => x.case === c.name)) {
      const ratioText = r.impl === c.ours ? '(ours)' : `${ratio(results, c, r.impl).toFixed(2)}×`;
      const row = [r.case, r.impl, r.medianUs.toFixed(3), r.p95Us.toFixed(3), ratioText];
      rows.push(withAccuracy ? [...row, r.accuracy?.summary ?? ''] : row);
    }
  }
  // text columns (case, impl, accuracy) to the left, figures to the right
  return alignColumns(rows, (col) => col < 2 || col === 5);
}

/** Rows of cells as a text table: columns padded to their widest cell, to the left where `left(col)`, else to the right. */
export function alignColumns(rows: readonly (readonly string[])[], left: (col: number) => boolean): string {
  const widths = (rows[0] ?? []).map((_, col) => Math.max(...rows.map((row) => row[col]?.length ?? 0)));
  return rows
    .map((row) =>
      row
        .map((cell, col) => (left(col) ? cell.padEnd(widths[col]!) : cell.padStart(widths[col]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export interface BenchEnv {
  /** A fresh wasm instance (one runtime each, so cases do not share state). */
  newWasm(): StagebenchWasm;
}

export interface BenchFile {
  /** Stage id from the registry. */
  stage: string;
  /** The names of the cases `cases` builds, in order (for --help without building them; checked by the bench). */
  caseNames: readonly string[];
  /**
   * Asynchronous set-up run once before `cases` (e.g. instantiating a peer's Emscripten module,
   * whose factory is async). Absent: nothing to prepare.
   */
  prepare?(): Promise<void>;
  /**
   * Ends what `prepare` started (threads, pools), for a caller that goes on running after the
   * bench (a test); the CLI just exits. Absent: nothing to end.
   */
  close?(): Promise<void>;
  cases(env: BenchEnv): BenchCase[];
  /** What `stagebench --help` says of these cases (indented two spaces, ends with a newline). */
  help?: string;
  /**
   * Text printed after the table (not with --json): figures a per-call table cannot hold, e.g.
   * decode's ms per second of audio and the pool's speed-up on a long file. Progress lines go to
   * `ctx.progress`; `ctx.quick` asks for the shortest version (the CLI's tests). Absent: nothing more.
   */
  report?(results: readonly BenchResult[], ctx: { progress(line: string): void; quick: boolean }): Promise<string>;
}
