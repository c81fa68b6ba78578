/**
 * `stagebench bench [stage] [--runs N] [--json]`: runs the bench cases of every stage (or of one).
 * Async because a bench file may need asynchronous set-up (`prepare`: a peer's wasm module). With
 * `--runs N` the cases run in N fresh processes one after another and the table gives the median
 * of their medians with the range: a process can keep one implementation slower for its whole
 * life (docs/benchmarks.md, fft/real-512), so one process's ratio is not the figure to quote.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { getStage } from '../dsp-stages/registry.ts';
import { BENCH_FILES } from '../bench/index.ts';
import {
  DEFAULT_BENCH_OPTIONS,
  alignColumns,
  formatTable,
  runCase,
  type BenchCase,
  type BenchOptions,
  type BenchResult,
} from '../dsp-stages/bench-harness.ts';
import type { BenchFile } from '../dsp-stages/bench-harness.ts';
import { CliError } from './run.ts';
import { readFileBytes } from '../dsp-stages/node-api.ts';
import { wasmInstanceFactory, wasmPath } from '../dsp-stages/wasm-file.ts';
import { percentile } from '../worklet/stats.ts';

/** Most processes `--runs` starts. */
export const MAX_BENCH_RUNS = 50;
/**
 * The environment variable through which `--runs` hands its timing overrides (`options`, for
 * tests: JSON of `warmupMs`, `samples`, `minSampleMs`) to the processes it starts.
 */
export const BENCH_OPTIONS_ENV = 'STAGEBENCH_BENCH_OPTIONS';

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
  /** Fresh processes to run the cases in (`--runs N`); 1 (the default): this process. */
  runs?: number;
  /** An earlier run's --json output to compare with (`--compare FILE`). */
  compare?: string | null;
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

/** A case in the --json output: which impl the ratios are taken against. */
export interface BenchJsonCase {
  stage: string;
  case: string;
  ours: string;
}

/** The --json output of one run. */
export interface BenchJson {
  results: BenchJsonResult[];
  cases: BenchJsonCase[];
}

/**
 * The JSON printed with --json: exactly these keys per result (`accuracy` only where measured),
 * and the cases with the impl that is ours.
 */
export function benchJson(results: readonly BenchResult[], cases: readonly BenchCase[]): BenchJson {
  return {
    results: results.map((r) => {
      const out: BenchJsonResult = { stage: r.stage, case: r.case, impl: r.impl, medianUs: r.medianUs, p95Us: r.p95Us };
      if (r.accuracy) out.accuracy = r.accuracy.figures;
      return out;
    }),
    cases: cases.map((c) => ({ stage: c.stage, case: c.name, ours: c.ours })),
  };
}

/** A median and the range it came from. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: percentile(sorted, 50), min: sorted[0] ?? NaN, max: sorted.at(-1) ?? NaN };
}

/** One (case, impl) over the runs of `--runs`. */
export interface BenchRunsRow {
  stage: string;
  case: string;
  impl: string;
  ours: boolean;
  /** The runs' medians (µs), in run order. */
  runMediansUs: number[];
  /** The median (and range) of the runs' medians. */
  medianUs: Spread;
  /** The median of the runs' p95s. */
  p95Us: number;
  /** Ours over this impl, run by run: their median and range (null on ours' own row). */
  ratio: Spread | null;
}

/**
 * The rows of several runs' --json outputs, in the first run's order. Throws if the runs do not
 * hold the same cases and impls (a run of another build or stage).
 */
export function aggregateRuns(runs: readonly BenchJson[]): BenchRunsRow[] {
  const first = runs[0];
  if (!first) throw new Error('no runs to aggregate');
  const key = (r: { case: string; impl: string }) => `${r.case}\u0000${r.impl}`;
  const shape = (run: BenchJson) => run.results.map(key).join('\n');
  runs.forEach((run, i) => {
    if (shape(run) !== shape(first)) throw new Error(`run ${i + 1} measured other cases or impls than run 1`);
  });
  const oursOf = new Map(first.cases.map((c) => [c.case, c.ours]));
  // every run holds the same rows (checked above)
  const rowIn = (run: BenchJson, c: string, impl: string) => run.results.find((x) => x.case === c && x.impl === impl);
  const medianOf = (run: BenchJson, c: string, impl: string) => rowIn(run, c, impl)?.medianUs ?? NaN;
  return first.results.map((r) => {
    const ours = oursOf.get(r.case);
    if (ours === undefined) throw new Error(`case ${r.case} names no impl as ours`);
    const runMediansUs = runs.map((run) => medianOf(run, r.case, r.impl));
    return {
      stage: r.stage,
      case: r.case,
      impl: r.impl,
      ours: r.impl === ours,
      runMediansUs,
      medianUs: spread(runMediansUs),
      p95Us: spread(runs.map((run) => rowIn(run, r.case, r.impl)?.p95Us ?? NaN)).median,
      ratio: r.impl === ours ? null : spread(runs.map((run) => medianOf(run, r.case, ours) / medianOf(run, r.case, r.impl))),
    };
  });
}

/** `median (min-max)`, `unit` after the median; the median alone when the range is one value (one run). */
function spreadText(s: Spread, digits: number, unit = ''): string {
  const median = `${s.median.toFixed(digits)}${unit}`;
  return s.min === s.max ? median : `${median} (${s.min.toFixed(digits)}-${s.max.toFixed(digits)})`;
}

/** The table of `aggregateRuns`: median of the runs' medians (range), median p95, ratio median (range). */
export function formatRunsTable(rows: readonly BenchRunsRow[], runs: number): string {
  const table: string[][] = [['case', 'impl', `median µs (range of ${runs} runs)`, 'p95 µs', 'ours/peer (range)']];
  for (const r of rows)
    table.push([r.case, r.impl, spreadText(r.medianUs, 3), r.p95Us.toFixed(3), r.ratio ? spreadText(r.ratio, 2, '×') : '(ours)']);
  return alignColumns(table, (col) => col < 2);
}

/** A (case, impl) and its medians over one run or several (`runMediansUs` of --runs). */
interface MeasuredRow {
  case: string;
  impl: string;
  medians: number[];
}

/** One (case, impl) of an earlier bench's --json against now (`--compare FILE`). */
export interface BenchCompareRow {
  case: string;
  impl: string;
  /** The earlier medians: their median and range (null: the row is new). */
  before: Spread | null;
  /** Now (null: not measured now). */
  now: Spread | null;
  /** Now's median over the earlier one. */
  ratio: number | null;
  /**
   * `faster` or `slower` when the two ranges do not overlap, `within noise` when they do; null
   * when a side is missing or holds one run (no range to judge by: use --runs on both).
   */
  verdict: 'faster' | 'slower' | 'within noise' | null;
}

/**
 * Rows of an earlier `bench --json` (with or without --runs), checked: a clear error for anything
 * else.
 */
export function parseBenchJson(text: string, what: string): MeasuredRow[] {
  const fail = (why: string) => new CliError(`${what} is not the --json output of stagebench bench: ${why}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw fail(`not JSON (${(err as Error).message})`);
  }
  const results = (parsed as { results?: unknown } | null)?.results;
  if (!Array.isArray(results)) throw fail('no "results" array');
  return results.map((r: unknown, i) => {
    const row = r as { case?: unknown; impl?: unknown; medianUs?: unknown; runMediansUs?: unknown };
    if (typeof row.case !== 'string' || typeof row.impl !== 'string' || typeof row.medianUs !== 'number')
      throw fail(`result ${i + 1} lacks a case, an impl or a medianUs`);
    const runs =
      Array.isArray(row.runMediansUs) && row.runMediansUs.every((m) => typeof m === 'number')
        ? (row.runMediansUs as number[])
        : [row.medianUs];
    return { case: row.case, impl: row.impl, medians: runs };
  });
}

/** Every row of `before` and of `now` (in now's order, then what only `before` has), side by side. */
export function compareBench(before: readonly MeasuredRow[], now: readonly MeasuredRow[]): BenchCompareRow[] {
  const key = (r: { case: string; impl: string }) => `${r.case}\u0000${r.impl}`;
  const earlier = new Map(before.map((r) => [key(r), r]));
  const nowKeys = new Set(now.map(key));
  const pairs = [
    ...now.map((r) => [earlier.get(key(r)) ?? null, r] as const),
    ...before.filter((r) => !nowKeys.has(key(r))).map((r) => [r, null] as const),
  ];
  return pairs.map(([b, n]) => {
    const bs = b ? spread(b.medians) : null;
    const ns = n ? spread(n.medians) : null;
    let verdict: BenchCompareRow['verdict'] = null;
    if (b && n && b.medians.length > 1 && n.medians.length > 1)
      verdict = ns!.max < bs!.min ? 'faster' : ns!.min > bs!.max ? 'slower' : 'within noise';
    return { case: (n ?? b)!.case, impl: (n ?? b)!.impl, before: bs, now: ns, ratio: bs && ns ? ns.median / bs.median : null, verdict };
  });
}

/** The table of `compareBench`. */
export function formatCompareTable(rows: readonly BenchCompareRow[], what: string): string {
  const table: string[][] = [['case', 'impl', 'before µs', 'now µs', 'now/before', 'verdict']];
  for (const r of rows)
    table.push([
      r.case,
      r.impl,
      r.before ? spreadText(r.before, 3) : '-',
      r.now ? spreadText(r.now, 3) : '-',
      r.ratio === null ? '-' : `${r.ratio.toFixed(2)}×`,
      r.verdict ?? (r.before && r.now ? 'one run: no range' : r.now ? 'new' : 'not measured now'),
    ]);
  return `against ${what} (faster or slower: the ranges of the runs do not overlap):\n${alignColumns(table, (col) => col < 2 || col === 5)}`;
}

/** `--compare FILE`, read before anything runs: its rows, or null. */
function loadCompare(cmd: BenchCommand): MeasuredRow[] | null {
  if (!cmd.compare) return null;
  const bytes = readFileBytes(cmd.compare, `--compare file`);
  return parseBenchJson(new TextDecoder().decode(bytes), `--compare ${cmd.compare}`);
}

/**
 * Runs `stagebench bench [stage] --json` in a fresh process; resolves to its JSON. Its progress
 * lines (`bench: <case>: ...`) go to `progress` as they come.
 */
function benchInChild(cmd: BenchCommand, progress: (line: string) => void): Promise<BenchJson> {
  const bin = fileURLToPath(new URL('./bin.mjs', import.meta.url));
  const args = [bin, 'bench', ...(cmd.stage === null ? [] : [cmd.stage]), '--json'];
  const env = { ...cmd.env, ...(cmd.options ? { [BENCH_OPTIONS_ENV]: JSON.stringify(cmd.options) } : {}) };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    let pending = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      const lines = (pending + d.toString()).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.startsWith('bench: ')) progress(line.slice('bench: '.length));
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const failure = stderr.split('\n').find((l) => l.startsWith('stagebench: '));
      if (code !== 0) return reject(new Error(failure?.replace(/^stagebench: /, '') ?? `the run exited with ${code}`));
      try {
        resolve(JSON.parse(stdout) as BenchJson);
      } catch (err) {
        reject(new Error(`the run printed no JSON: ${(err as Error).message}`));
      }
    });
  });
}

/**
 * `--runs N`: the cases in N fresh processes one after another, then their table and the files'
 * reports (given the medians of the runs' medians), or the JSON.
 */
async function benchRuns(cmd: BenchCommand, runs: number, files: readonly BenchFile[], before: MeasuredRow[] | null): Promise<void> {
  const outputs: BenchJson[] = [];
  for (let i = 1; i <= runs; i++) {
    cmd.stderr(`bench: run ${i}/${runs} in a fresh process ...\n`);
    try {
      outputs.push(await benchInChild(cmd, (line) => cmd.stderr(`bench: run ${i}/${runs}: ${line}\n`)));
    } catch (err) {
      throw new CliError(`bench run ${i}/${runs}: ${(err as Error).message}`);
    }
  }
  const rows = aggregateRuns(outputs);
  const compared =
    before &&
    compareBench(
      before,
      rows.map((r) => ({ case: r.case, impl: r.impl, medians: r.runMediansUs })),
    );
  if (cmd.json) {
    const results = rows.map((r) => ({
      stage: r.stage,
      case: r.case,
      impl: r.impl,
      medianUs: r.medianUs.median,
      p95Us: r.p95Us,
      runMediansUs: r.runMediansUs,
      ...(r.ratio ? { ratio: r.ratio } : {}),
    }));
    cmd.stdout(`${JSON.stringify({ runs, results, cases: outputs[0]!.cases, ...(compared ? { compare: compared } : {}) })}\n`);
    return;
  }
  cmd.stdout(`${formatRunsTable(rows, runs)}\n`);
  cmd.stdout(
    `(each run a fresh process timing every impl round-robin as stagebench bench does; median µs = median of the runs' medians, ` +
      `with their range; ours/peer = each run's ratio of medians, their median and range; a report below takes the medians of the medians, ` +
      `and what it measures itself it measures once, in this process)\n`,
  );
  if (compared) cmd.stdout(`\n${formatCompareTable(compared, cmd.compare!)}\n`);
  const results: BenchResult[] = rows.map((r) => ({
    stage: r.stage,
    case: r.case,
    impl: r.impl,
    medianUs: r.medianUs.median,
    p95Us: r.p95Us,
    callsPerSample: NaN,
    samplesUs: r.runMediansUs,
  }));
  const reporting = files.filter((f) => f.report);
  try {
    await printReports(cmd, reporting, results, true);
  } finally {
    for (const file of reporting) await file.close?.();
  }
}

/** Timing overrides handed down by `--runs` (BENCH_OPTIONS_ENV), or none. */
function inheritedOptions(env: NodeJS.ProcessEnv): Partial<BenchOptions> {
  const text = env[BENCH_OPTIONS_ENV];
  if (!text) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CliError(`${BENCH_OPTIONS_ENV} is not JSON: ${text}`);
  }
  const out: Partial<BenchOptions> = {};
  for (const k of ['warmupMs', 'samples', 'minSampleMs'] as const) {
    const v = (parsed as Record<string, unknown>)[k];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !(v > 0))
      throw new CliError(`${BENCH_OPTIONS_ENV}: ${k} must be a positive number, got ${JSON.stringify(v)}`);
    out[k] = v;
  }
  return out;
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
  const before = loadCompare(cmd);
  const runs = cmd.runs ?? 1;
  if (runs > 1) return benchRuns(cmd, runs, files, before);
  let newWasm;
  try {
    newWasm = wasmInstanceFactory(wasmPath(cmd.env));
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  const options: BenchOptions = { ...DEFAULT_BENCH_OPTIONS, ...inheritedOptions(cmd.env), ...cmd.options };
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
  const compared =
    before &&
    compareBench(
      before,
      results.map((r) => ({ case: r.case, impl: r.impl, medians: [r.medianUs] })),
    );
  if (cmd.json) {
    cmd.stdout(`${JSON.stringify({ ...benchJson(results, cases), ...(compared ? { compare: compared } : {}) })}\n`);
  } else {
    cmd.stdout(`${formatTable(cases, results)}\n`);
    cmd.stdout(
      `(${options.samples} samples per impl, each a batch of >= ${options.minSampleMs} ms, round-robin after ${options.warmupMs} ms warm-up; ` +
        'per-call µs by performance.now() in Node; ours/peer = median ratio, < 1 means ours is faster)\n',
    );
    if (compared) cmd.stdout(`\n${formatCompareTable(compared, cmd.compare!)}\n`);
    await printReports(cmd, files, results);
  }
}

/**
 * Each bench file's report after the table (decode: ms per second of audio, the pool's speed-up on
 * a long file), given the table's results; `prepare` runs first unless this process ran the
 * cases (with --runs the runs did).
 */
async function printReports(
  cmd: BenchCommand,
  files: readonly BenchFile[],
  results: readonly BenchResult[],
  prepare = false,
): Promise<void> {
  for (const file of files) {
    if (!file.report) continue;
    const own = results.filter((r) => r.stage === file.stage);
    try {
      if (prepare) await file.prepare?.();
      cmd.stdout(`\n${await file.report(own, { progress: (line) => cmd.stderr(`${line}\n`), quick: cmd.quick === true })}\n`);
    } catch (err) {
      throw new CliError(`bench of ${file.stage}: ${(err as Error).message}`);
    }
  }
}
