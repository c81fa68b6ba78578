#!/usr/bin/env -S npx tsx
/**
 * Decoder fuzz run: seeded mutations of the decode fixtures (scripts/fuzz-inputs.ts), each decoded
 * on the worker pool in Node (worker threads running the wasm, as `stagebench run decode` does).
 *
 *   npm run fuzz                                   2,000 inputs, seed 1
 *   npm run fuzz -- --seed 7 --count 500           another seed
 *   npm run fuzz -- --seed 7 --only 123,456        those inputs alone (what a saved failure says)
 *   options: --seed N|random  --count M  --only I[,J...]  --timeout-ms 10000 (per input)
 *            --check-every 50  --workers 2  --task-timeout-ms 3000 (the pool's hang watchdog)
 *
 * Every input must end in a DecodeResult within the bound (a file problem is an `error` naming the
 * file, never a rejection), and no worker may crash or hang on it. The decodes run in a child
 * process that this one watches: a hang on the decoding side's main thread (codec-parser, the WAV
 * probe) cannot stop a timer in its own process, so the bound is kept from outside; a hung or
 * crashed child is recorded against its input, killed and replaced, and the run goes on. After
 * every `--check-every` inputs, and at the end, the pool decodes three known-good files, which
 * must equal the first such decode bit for bit, with no worker left dead.
 *
 * Prints counts by outcome, times per input and restarts, and `PASS` or `FAIL`; writes
 * test-results/fuzz.json, and each failing input with its seed to test-results/fuzz-failures/.
 * Exit status: 0 pass, 1 fail, 2 usage.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { wasmPath } from '../dsp-stages/wasm-file.ts';
import { upperMedian } from '../worklet/stats.ts';
import { parseOptions, type OptionTable } from '../cli/args.ts';
import { errorKind, loadFixtures, makeInput, resultProblems, type FuzzInput } from './fuzz-inputs.ts';

const SELF = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const RESULTS_DIR = `${ROOT}test-results`;

export interface FuzzOptions {
  seed: number;
  /** Inputs 0..count-1, unless `only` names some. */
  count: number;
  only: number[] | null;
  /** Longest one input may take, from the decode call to its result (ms). */
  timeoutMs: number;
  /** A known-good decode after this many inputs. */
  checkEvery: number;
  workers: number;
  /** The pool's own hang detection per task (ms): below the per-input bound, so a hung worker is caught and retried within it. */
  taskTimeoutMs: number;
  /** Test hooks: make the child hang (busy loop) or die at these input indices, to prove they are caught. */
  simulateHang: number[];
  simulateCrash: number[];
  /** Where fuzz.json and fuzz-failures/ go. */
  resultsDir: string;
  quiet: boolean;
}

export const DEFAULTS: FuzzOptions = {
  seed: 1,
  count: 2000,
  only: null,
  timeoutMs: 10_000,
  checkEvery: 50,
  workers: 2,
  taskTimeoutMs: 3000,
  simulateHang: [],
  simulateCrash: [],
  resultsDir: RESULTS_DIR,
  quiet: false,
};

// ---------------------------------------------------------------------------------------------
// messages between this process and the child that decodes

interface WorkerFault {
  cause: string;
  error: string;
  retrying: boolean;
}

interface InputRecord {
  index: number;
  ms: number;
  kind: string;
  error: string | null;
  format: string | null;
  frames: number;
  channels: number;
  sampleRate: number;
  problems: string[];
  faults: WorkerFault[];
  /** Set when decode(pool, ...) rejected instead of resolving. */
  rejected: string | null;
}

interface HealthRecord {
  /** Inputs done before this check (0: the reference decode before the first input). */
  after: number;
  ms: number;
  /** Per known-good file: sha256 of its planes, frames, error. */
  decodes: { file: string; hash: string; frames: number; error: string | null }[];
  workers: { id: number; state: string; restarts: number }[];
  queued: number;
  running: number;
  problem: string | null;
}

type FromChild =
  | { type: 'ready'; poolStartMs: number; workers: number; mode: string }
  | { type: 'start'; index: number }
  | { type: 'result'; record: InputRecord }
  | { type: 'health'; record: HealthRecord }
  | { type: 'finished'; restarts: number; tasksDone: number; tasksFailed: number; retries: number };

interface RunMessage {
  type: 'run';
  seed: number;
  indices: number[];
  /** Position in the whole run of indices[0] (health checks fall every checkEvery positions). */
  position: number;
  total: number;
  checkEvery: number;
  workers: number;
  taskTimeoutMs: number;
  simulateHang: number[];
  simulateCrash: number[];
}

const KNOWN_GOOD = [
  { file: 'signal.flac', outputRate: 48000 },
  { file: 'signal.mp3', outputRate: undefined },
  { file: 'signal.wav', outputRate: undefined },
] as const;

// ---------------------------------------------------------------------------------------------
// the child: the pool, the decodes

async function child(): Promise<void> {
  const send = (m: FromChild) => process.send!(m);
  const run = await new Promise<RunMessage>((resolve) => process.once('message', (m) => resolve(m as RunMessage)));
  // imported here: the parent needs none of this
  const { WorkerPool } = await import('../worklet/pool/pool.ts');
  const { decode } = await import('../dsp-stages/decode/pool/decode.ts');
  const { spawnNodeWorker } = await import('../worklet/pool/node.ts');
  const { readWasmBytes, wasmPath } = await import('../dsp-stages/wasm-file.ts');
  const fixtures = loadFixtures();
  let faults: WorkerFault[] = [];
  const t0 = performance.now();
  const pool = await WorkerPool.create({
    wasmBytes: readWasmBytes(wasmPath()),
    spawn: spawnNodeWorker,
    workers: run.workers,
    taskTimeoutMs: run.taskTimeoutMs,
    onTaskFailed: (f) => faults.push({ cause: f.cause, error: f.error, retrying: f.retrying }),
  });
  send({ type: 'ready', poolStartMs: performance.now() - t0, workers: pool.size, mode: pool.mode });

  const health = async (after: number): Promise<void> => {
    const h0 = performance.now();
    const decodes: HealthRecord['decodes'] = [];
    let problem: string | null = null;
    for (const k of KNOWN_GOOD) {
      try {
        const r = await decode(pool, { name: k.file, bytes: fixtures.get(k.file)! }, { outputRate: k.outputRate });
        const hash = createHash('sha256');
        for (const plane of r.channelData) hash.update(new Uint8Array(plane.slice().buffer));
        decodes.push({ file: k.file, hash: hash.digest('hex'), frames: r.frames, error: r.error });
      } catch (err) {
        problem ??= `${k.file}: decode rejected: ${(err as Error).message}`;
        decodes.push({ file: k.file, hash: '', frames: 0, error: (err as Error).message });
      }
    }
    const s = pool.stats();
    send({
      type: 'health',
      record: {
        after,
        ms: performance.now() - h0,
        decodes,
        problem,
        queued: s.queued,
        running: s.running,
        workers: s.workers.map((w) => ({ id: w.id, state: w.state, restarts: w.restarts })),
      },
    });
  };

  // the reference before the first input; after a replaced process, the check that was due
  if (run.position === 0 || run.position % run.checkEvery === 0) await health(run.position);
  let position = run.position;
  for (const index of run.indices) {
    const input = makeInput(fixtures, run.seed, index);
    faults = [];
    send({ type: 'start', index });
    if (run.simulateHang.includes(index)) for (;;);
    if (run.simulateCrash.includes(index)) process.kill(process.pid, 'SIGKILL');
    const t = performance.now();
    let record: InputRecord;
    try {
      const r = await decode(
        pool,
        { name: input.name, bytes: input.bytes },
        { outputRate: input.outputRate, chunkFrames: input.chunkFrames },
      );
      record = {
        index,
        ms: performance.now() - t,
        kind: errorKind(input.name, r.error),
        error: r.error,
        format: r.format,
        frames: r.frames,
        channels: r.channels,
        sampleRate: r.sampleRate,
        problems: resultProblems(input.name, r),
        faults,
        rejected: null,
      };
    } catch (err) {
      record = {
        index,
        ms: performance.now() - t,
        kind: 'rejected',
        error: null,
        format: null,
        frames: 0,
        channels: 0,
        sampleRate: 0,
        problems: [],
        faults,
        rejected: (err as Error).message,
      };
    }
    send({ type: 'result', record });
    position++;
    if (position % run.checkEvery === 0 || position === run.total) await health(position);
  }
  const s = pool.stats();
  send({
    type: 'finished',
    restarts: s.workers.reduce((a, w) => a + w.restarts, 0),
    tasksDone: s.tasksDone,
    tasksFailed: s.tasksFailed,
    retries: s.retries,
  });
  await pool.shutdown();
  process.disconnect();
}

// ---------------------------------------------------------------------------------------------
// the parent: the bound, the records, the report

export interface Failure {
  index: number | null;
  reason: string;
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface FuzzSummary {
  seed: number;
  checkEvery: number;
  inputs: number;
  completed: number;
  outcomes: Record<string, number>;
  formats: Record<string, number>;
  msMedian: number;
  msMax: number;
  msMaxIndex: number;
  poolStartMs: number;
  /** Worker threads the pool replaced (a crash or hang), over every child. */
  workerRestarts: number;
  /** Decoding processes that were killed (hang) or died, and replaced. */
  childRestarts: number;
  workerFaults: { index: number; cause: string; error: string }[];
  health: HealthRecord[];
  failures: Failure[];
  checks: Check[];
  wallS: number;
  pass: boolean;
}

/** The failing input and what to run to see it again, beside the results. */
function saveFailure(dir: string, input: FuzzInput, seed: number, reason: string, count: number): string {
  mkdirSync(dir, { recursive: true });
  const stem = `${dir}/seed-${seed}-input-${input.index}`;
  const ext = input.name.slice(input.name.lastIndexOf('.'));
  writeFileSync(`${stem}${ext}`, input.bytes);
  writeFileSync(
    `${stem}.json`,
    `${JSON.stringify(
      {
        seed,
        index: input.index,
        name: input.name,
        reason,
        base: input.base,
        steps: input.steps,
        outputRate: input.outputRate ?? null,
        chunkFrames: input.chunkFrames ?? null,
        bytes: input.bytes.length,
        reproduce: `npm run fuzz -- --seed ${seed} --only ${input.index}`,
        reproduceRun: `npm run fuzz -- --seed ${seed} --count ${count}`,
      },
      null,
      2,
    )}\n`,
  );
  return `${stem}${ext}`;
}

export async function runFuzz(opts: FuzzOptions): Promise<FuzzSummary> {
  const t0 = Date.now();
  const log = (s: string) => {
    if (!opts.quiet) console.log(s);
  };
  const indices = opts.only ?? Array.from({ length: opts.count }, (_, i) => i);
  const fixtures = loadFixtures();
  const failuresDir = `${opts.resultsDir}/fuzz-failures`;
  rmSync(failuresDir, { recursive: true, force: true });
  const records = new Map<number, InputRecord>();
  const health: HealthRecord[] = [];
  const failures: Failure[] = [];
  let poolStartMs = 0;
  let workerRestarts = 0;
  let childRestarts = 0;
  let reference: HealthRecord | null = null;

  const fail = (index: number | null, reason: string) => {
    failures.push({ index, reason });
    let where = '';
    if (index !== null) {
      const input = makeInput(fixtures, opts.seed, index);
      where = ` (saved: ${saveFailure(failuresDir, input, opts.seed, reason, Math.max(...indices) + 1).slice(ROOT.length)})`;
    }
    log(`fuzz: FAILURE${index !== null ? ` input ${index}` : ''}: ${reason}${where}`);
  };

  const checkHealth = (h: HealthRecord) => {
    health.push(h);
    const problems: string[] = [];
    if (h.problem) problems.push(h.problem);
    if (!reference) {
      const broken = h.decodes.filter((d) => d.error !== null || d.frames === 0);
      if (broken.length > 0)
        problems.push(`the reference decodes failed: ${broken.map((d) => `${d.file}: ${d.error ?? 'no frames'}`).join('; ')}`);
      else reference = h;
    } else {
      for (const d of h.decodes) {
        const ref = reference.decodes.find((x) => x.file === d.file)!;
        if (d.hash !== ref.hash || d.frames !== ref.frames || d.error !== null) {
          problems.push(`${d.file} differs from the first decode (frames ${d.frames} vs ${ref.frames}, error ${d.error})`);
        }
      }
    }
    const dead = h.workers.filter((w) => w.state === 'dead' || w.state === 'stopped');
    if (dead.length > 0) problems.push(`workers ${dead.map((w) => `${w.id} (${w.state})`).join(', ')} not running`);
    if (h.queued !== 0 || h.running !== 0) problems.push(`${h.queued} tasks queued and ${h.running} running with no decode in progress`);
    (h as HealthRecord & { ok?: boolean }).ok = problems.length === 0;
    if (problems.length > 0) fail(null, `pool check after ${h.after} inputs: ${problems.join('; ')}`);
  };

  let position = 0;
  let remaining = indices;
  while (remaining.length > 0) {
    const outcome = await new Promise<{ done: boolean; stuckAt: number | null; reason: string }>((resolve) => {
      const proc: ChildProcess = fork(SELF, ['--child'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      let current: number | null = null;
      let timer: ReturnType<typeof setTimeout> | null = null;
      let finished = false;
      let settled = false;
      const settle = (r: { done: boolean; stuckAt: number | null; reason: string }) => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        resolve(r);
      };
      const arm = (ms: number, what: () => string) => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => {
          proc.kill('SIGKILL');
          settle({ done: false, stuckAt: current, reason: what() });
        }, ms);
      };
      // starting the pool (tsx, wasm, workers) and the reference decodes
      arm(120_000, () => 'the decoding process did not start its pool within 120 s');
      proc.on('message', (raw) => {
        const m = raw as FromChild;
        switch (m.type) {
          case 'ready':
            poolStartMs = Math.max(poolStartMs, m.poolStartMs);
            arm(60_000, () => 'the reference decodes took over 60 s');
            break;
          case 'start':
            current = m.index;
            arm(opts.timeoutMs, () => `hang: no DecodeResult within ${opts.timeoutMs} ms`);
            break;
          case 'result': {
            current = null;
            records.set(m.record.index, m.record);
            position++;
            const r = m.record;
            if (r.rejected !== null) fail(r.index, `decode rejected instead of resolving: ${r.rejected}`);
            if (r.problems.length > 0) fail(r.index, `malformed result: ${r.problems.join('; ')}`);
            const bad = r.faults.filter((f) => f.cause === 'crash' || f.cause === 'hang');
            if (bad.length > 0) fail(r.index, `worker ${bad.map((f) => `${f.cause}: ${f.error}`).join('; ')}`);
            if (position % 100 === 0) log(`fuzz: ${position}/${indices.length} inputs (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
            // the next message is a start, a health check or the end: each gets its own bound
            arm(60_000, () => 'no message from the decoding process for 60 s between inputs');
            break;
          }
          case 'health':
            checkHealth(m.record);
            arm(60_000, () => 'no message from the decoding process for 60 s after a pool check');
            break;
          case 'finished':
            finished = true;
            workerRestarts += m.restarts;
            arm(30_000, () => 'the decoding process did not exit within 30 s of finishing');
            break;
        }
      });
      proc.on('exit', (code, signal) => {
        if (finished && code === 0) settle({ done: true, stuckAt: null, reason: '' });
        else settle({ done: false, stuckAt: current, reason: `crash: the decoding process exited (${signal ?? `code ${code}`})` });
      });
      proc.send({
        type: 'run',
        seed: opts.seed,
        indices: remaining,
        position,
        total: indices.length,
        checkEvery: opts.checkEvery,
        workers: opts.workers,
        taskTimeoutMs: opts.taskTimeoutMs,
        simulateHang: opts.simulateHang,
        simulateCrash: opts.simulateCrash,
      } satisfies RunMessage);
    });
    if (outcome.done) break;
    childRestarts++;
    if (outcome.stuckAt === null) {
      fail(null, outcome.reason);
      // not stuck on an input: retrying the same inputs would fail the same way
      break;
    }
    fail(outcome.stuckAt, outcome.reason);
    // the stuck input counts as done; the next process goes on after it
    position++;
    remaining = remaining.slice(remaining.indexOf(outcome.stuckAt) + 1);
  }

  const done = [...records.values()];
  const outcomes: Record<string, number> = {};
  const formats: Record<string, number> = {};
  for (const r of done) {
    outcomes[r.kind] = (outcomes[r.kind] ?? 0) + 1;
    const f = r.format ?? 'unrecognised';
    formats[f] = (formats[f] ?? 0) + 1;
  }
  const times = done.map((r) => r.ms);
  const slowest = done.reduce<InputRecord | null>((a, r) => (!a || r.ms > a.ms ? r : a), null);
  const workerFaults = done.flatMap((r) => r.faults.map((f) => ({ index: r.index, cause: f.cause, error: f.error })));
  const hungOrCrashed = failures.filter((f) => /^(hang|crash)/.test(f.reason)).length;
  const rejected = done.filter((r) => r.rejected !== null).length;
  const malformed = done.filter((r) => r.problems.length > 0).length;
  const workerCrashes = done.filter((r) => r.faults.some((f) => f.cause === 'crash' || f.cause === 'hang')).length;
  const checks: Check[] = [
    {
      name: `every input ends in a DecodeResult within ${opts.timeoutMs} ms`,
      ok: hungOrCrashed === 0 && rejected === 0 && done.length === indices.length,
      detail: `${done.length} of ${indices.length} resolved; ${hungOrCrashed} hung or crashed the decoding process, ${rejected} rejected`,
    },
    { name: 'every error names the file; every result is well-formed', ok: malformed === 0, detail: `${malformed} malformed` },
    {
      name: 'no worker crashes or hangs on any input',
      ok: workerCrashes === 0,
      detail: `${workerCrashes} inputs with a worker crash or hang`,
    },
    ...health.map((h) => ({
      name:
        h.after === 0
          ? 'known-good decodes before the first input (the reference)'
          : `known-good decodes after ${h.after} inputs equal the reference bit for bit; no worker dead`,
      ok: (h as HealthRecord & { ok?: boolean }).ok === true,
      detail: `${h.decodes.map((d) => `${d.file} ${d.frames} frames ${d.hash.slice(0, 12)}`).join(', ')}; workers ${h.workers.map((w) => w.state).join('/')}`,
    })),
  ];
  const summary: FuzzSummary = {
    seed: opts.seed,
    checkEvery: opts.checkEvery,
    inputs: indices.length,
    completed: done.length,
    outcomes,
    formats,
    msMedian: times.length === 0 ? 0 : upperMedian(times),
    msMax: slowest?.ms ?? 0,
    msMaxIndex: slowest?.index ?? -1,
    poolStartMs,
    workerRestarts,
    childRestarts,
    workerFaults,
    health,
    failures,
    checks,
    wallS: (Date.now() - t0) / 1000,
    pass: checks.every((c) => c.ok) && failures.length === 0,
  };
  mkdirSync(opts.resultsDir, { recursive: true });
  writeFileSync(`${opts.resultsDir}/fuzz.json`, `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}

export function printSummary(s: FuzzSummary): void {
  console.log(
    `\nfuzz: seed ${s.seed}, ${s.completed} of ${s.inputs} inputs decoded in ${s.wallS.toFixed(1)} s (pool start ${s.poolStartMs.toFixed(0)} ms)`,
  );
  console.log('outcome                                                                                      count');
  for (const [kind, n] of Object.entries(s.outcomes).sort((a, b) => b[1] - a[1]))
    console.log(`  ${kind.padEnd(92)} ${String(n).padStart(5)}`);
  console.log(
    `formats detected: ${Object.entries(s.formats)
      .map(([f, n]) => `${f} ${n}`)
      .join(', ')}`,
  );
  console.log(`time per input: median ${s.msMedian.toFixed(1)} ms, max ${s.msMax.toFixed(1)} ms (input ${s.msMaxIndex})`);
  const thrown = s.workerFaults.filter((f) => f.cause === 'throw').length;
  console.log(
    `worker restarts ${s.workerRestarts}, decoding-process restarts ${s.childRestarts}; tasks that threw in a worker (reported as errors) ${thrown}`,
  );
  for (const f of s.workerFaults.filter((x) => x.cause !== 'throw').slice(0, 20))
    console.log(`  worker ${f.cause} on input ${f.index}: ${f.error}`);
  // the pool checks read alike: one line when they all passed
  const poolChecks = s.checks.filter((c) => c.name.startsWith('known-good'));
  for (const c of s.checks) {
    if (poolChecks.includes(c) && poolChecks.every((x) => x.ok)) continue;
    console.log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name} (${c.detail})`);
  }
  if (poolChecks.length > 0 && poolChecks.every((x) => x.ok)) {
    const last = poolChecks[poolChecks.length - 1]!;
    console.log(
      `ok   ${poolChecks.length} pool checks (before the first input, then every ${s.checkEvery} and at the end): known-good decodes equal the reference bit for bit, no worker dead (${last.detail})`,
    );
  }
  for (const f of s.failures.slice(0, 30)) console.log(`  failure${f.index !== null ? ` input ${f.index}` : ''}: ${f.reason}`);
  if (s.failures.length > 0)
    console.log(`failing inputs saved in test-results/fuzz-failures/ (each with its .json: seed, steps, the command to reproduce)`);
  console.log(s.pass ? 'fuzz: PASS' : 'fuzz: FAIL');
}

export class UsageError extends Error {}

function intList(flag: string, v: string): number[] {
  const xs = v.split(',').map((x) => Number(x));
  if (xs.length === 0 || xs.some((x) => !Number.isInteger(x) || x < 0))
    throw new UsageError(`${flag} takes whole numbers >= 0 separated by commas, got ${JSON.stringify(v)}`);
  return xs;
}

/** The options and what each takes. */
const OPTIONS: OptionTable = {
  '--quiet': 'switch',
  '--seed': 'value',
  '--count': 'value',
  '--only': 'value',
  '--timeout-ms': 'value',
  '--check-every': 'value',
  '--workers': 'value',
  '--task-timeout-ms': 'value',
  '--simulate-hang': 'value',
  '--simulate-crash': 'value',
  '--results-dir': 'value',
};

export function parseArgs(argv: string[]): FuzzOptions {
  const o: FuzzOptions = { ...DEFAULTS };
  const parsed = parseOptions(argv, OPTIONS, { command: 'fuzz', positionals: 0, error: (m) => new UsageError(m) });
  for (const { flag, value: v } of parsed.given) {
    if (v === true) {
      o.quiet = true;
      continue;
    }
    const whole = (min: number, max: number) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max)
        throw new UsageError(`${flag} takes a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`);
      return n;
    };
    switch (flag) {
      case '--seed':
        o.seed = v === 'random' ? Math.floor(Math.random() * 2 ** 31) : whole(0, 2 ** 32 - 1);
        break;
      case '--count':
        o.count = whole(1, 10_000_000);
        break;
      case '--only':
        o.only = intList(flag, v);
        break;
      case '--timeout-ms':
        o.timeoutMs = whole(100, 3_600_000);
        break;
      case '--check-every':
        o.checkEvery = whole(1, 10_000_000);
        break;
      case '--workers':
        o.workers = whole(1, 8);
        break;
      case '--task-timeout-ms':
        o.taskTimeoutMs = whole(100, 3_600_000);
        break;
      case '--simulate-hang':
        o.simulateHang = intList(flag, v);
        break;
      case '--simulate-crash':
        o.simulateCrash = intList(flag, v);
        break;
      case '--results-dir':
        o.resultsDir = v;
        break;
    }
  }
  return o;
}

if (process.argv[1] === SELF) {
  if (process.argv[2] === '--child') {
    await child();
  } else {
    let opts: FuzzOptions;
    try {
      opts = parseArgs(process.argv.slice(2));
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      console.error(
        `fuzz: ${err.message}\nusage: npm run fuzz -- [--seed N|random] [--count M] [--only I,J] [--timeout-ms MS] [--check-every K] [--workers W]`,
      );
      process.exit(2);
    }
    if (!existsSync(wasmPath())) {
      console.error(`fuzz: no wasm module at ${wasmPath()}: run npm run build:wasm`);
      process.exit(1);
    }
    console.log(
      `fuzz: seed ${opts.seed}, ${opts.only ? `inputs ${opts.only.join(',')}` : `${opts.count} inputs`}, ${opts.workers} workers, ${opts.timeoutMs} ms per input, pool check every ${opts.checkEvery}`,
    );
    const summary = await runFuzz(opts);
    printSummary(summary);
    process.exit(summary.pass ? 0 : 1);
  }
}
