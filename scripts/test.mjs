#!/usr/bin/env node
// Only Node built-ins and set-up are imported statically: everything else may not be installed yet.
// `npm test`: set up if needed, then every suite: Rust (cargo test), typecheck (tsc),
// lint (ESLint, Prettier, rustfmt and Clippy, one test each), unit (vitest), validate (`stagebench
// validate` at level 5, each stage and check one test), fuzz (200 decoder inputs on the worker
// pool), build (the static Storybook), stories-perf and stories (test-storybook on that build),
// plain-host (the no-isolation stories and the service-worker checks on a host without COOP/COEP),
// firefox-perf and firefox (the same stories in Firefox ESR over WebDriver BiDi; Chromium-only ones
// listed as skipped), the expected-failure gate (each expected-failure story fails with its
// declared message) and soak (every stage live for 60 s in all). Each suite runs in a child
// process (`node scripts/test.mjs --suite NAME` runs one alone, without set-up), in the order
// PLAN gives: what measures time alone, the rest two or three at once. Ends with one line:
// `N passed, N failed`.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, existsSync, rmSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setup, SetupError } from './setup.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = join(root, 'test-results');
const env = { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', CARGO_TERM_COLOR: 'never' };
const suites = [];

/**
 * The machine's CPU counters from /proc/stat: busy and total ticks over all cores (null where
 * there is none). A browser's processes are not all children this process waits for, so the
 * machine's own counters are what tells how busy a step kept it.
 */
function machineTicks() {
  try {
    const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
    const idle = fields[3] + fields[4]; // idle, iowait
    const total = fields.slice(0, 8).reduce((x, y) => x + y, 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

function record(name, passed, failed, seconds) {
  suites.push({ name, passed, failed, seconds });
  console.log(`\n== ${name}: ${passed} passed, ${failed} failed (${seconds.toFixed(1)} s)\n`);
}

function rust() {
  // --no-fail-fast: a failing test binary does not hide the counts of the ones after it
  const res = spawnSync(process.execPath, [join(root, 'scripts/cargo.mjs'), 'test', '--profile', 'native-test', '--no-fail-fast'], {
    cwd: root,
    env,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  process.stdout.write(res.stdout);
  process.stderr.write(res.stderr);
  let passed = 0;
  let failed = 0;
  for (const m of res.stdout.matchAll(/test result: \w+\. (\d+) passed; (\d+) failed/g)) {
    passed += Number(m[1]);
    failed += Number(m[2]);
  }
  if (res.status !== 0 && failed === 0) failed = 1; // did not compile, or crashed
  return { passed, failed };
}

function typecheck() {
  const res = spawnSync('npx', ['tsc', '--noEmit', '-p', '.'], { cwd: root, env, stdio: 'inherit' });
  return res.status === 0 ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 };
}

/**
 * One tool of the lint suite, counted as one test: its output goes to the console; when it fails,
 * one line names the tool and how to fix what it found.
 */
function lintStep(name, command, args, fix) {
  console.log(`\n-- lint: ${name}`);
  const res = spawnSync(command, args, { cwd: root, env, stdio: 'inherit' });
  if (res.status === 0) return true;
  console.error(`lint: ${name} failed (${res.error ? res.error.message : `exit ${res.status ?? res.signal}`}): ${fix}`);
  return false;
}

function lint() {
  const bin = (name) => join(root, 'node_modules/.bin', name);
  const cargo = [join(root, 'scripts/cargo.mjs')];
  const results = [
    lintStep(
      'eslint',
      bin('eslint'),
      ['.', '--max-warnings', '0'],
      'fix the problems listed above, warnings too (`npx eslint . --fix` fixes the ones marked fixable)',
    ),
    lintStep('prettier --check', bin('prettier'), ['--check', '.'], 'the files listed above are not formatted: run `npm run format`'),
    lintStep(
      'cargo fmt --check',
      process.execPath,
      [...cargo, 'fmt', '--check'],
      "the Rust code is not formatted: run `node scripts/cargo.mjs fmt` (no such subcommand: `npm run setup` installs Debian's rustfmt)",
    ),
    lintStep(
      'cargo clippy',
      process.execPath,
      [...cargo, 'clippy', '--all-targets', '--', '-D', 'warnings'],
      "fix the Clippy findings above; warnings count as errors (no such subcommand: `npm run setup` installs Debian's rust-clippy)",
    ),
  ];
  const passed = results.filter(Boolean).length;
  return { passed, failed: results.length - passed };
}

function unit() {
  const out = join(resultsDir, 'vitest.json');
  rmSync(out, { force: true });
  const res = spawnSync('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`], {
    cwd: root,
    env,
    stdio: 'inherit',
  });
  if (!existsSync(out)) return { passed: 0, failed: 1 };
  const report = JSON.parse(readFileSync(out, 'utf8'));
  const broken = report.testResults.filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length;
  const failed = report.numFailedTests + broken;
  return { passed: report.numPassedTests, failed: res.status !== 0 && failed === 0 ? 1 : failed };
}

/**
 * The validation matrix on the wasm kernels (docs/validation.md) at level 5: each stage and check
 * is one test, counted from the JUnit XML the command writes (n/a checks and skipped stages are
 * not counted); no XML (it did not run to the end) is a failure.
 */
function validate() {
  const junit = 'test-results/validate.xml';
  rmSync(join(root, junit), { force: true });
  const res = spawnSync(process.execPath, [join(root, 'cli/bin.mjs'), 'validate', 'all', '--level', '5', '--junit', junit], {
    cwd: root,
    env,
    stdio: 'inherit',
  });
  const xml = existsSync(join(root, junit)) ? readFileSync(join(root, junit), 'utf8') : '';
  const totals = xml.match(/<testsuites\b[^>]*\btests="(\d+)" failures="(\d+)" skipped="(\d+)"/);
  if (!totals) {
    console.error(`validate: no counts in ${junit} (exit ${res.status ?? res.signal})`);
    return { passed: 0, failed: 1 };
  }
  const [tests, failures, skipped] = totals.slice(1).map(Number);
  return { passed: tests - failures - skipped, failed: failures === 0 && res.status !== 0 ? 1 : failures };
}

/**
 * The short fuzz or soak run: `scripts/<name>.ts` (through tsx) writes test-results/<name>.json
 * with its checks, each counted here as one test; no JSON (it did not run to the end) is a failure.
 */
function checkedRun(name, args, figures) {
  const out = join(resultsDir, `${name}.json`);
  rmSync(out, { force: true });
  const res = spawnSync(process.execPath, ['--import', 'tsx', join(root, `scripts/${name}.ts`), ...args], {
    cwd: root,
    env,
    stdio: 'inherit',
  });
  if (!existsSync(out)) {
    console.error(`${name}: no ${out} (exit ${res.status ?? res.signal})`);
    return { passed: 0, failed: 1 };
  }
  const report = JSON.parse(readFileSync(out, 'utf8'));
  // printed with the story tests' measurements at the end
  // a value JSON has no number for goes by its name, as the stories' (stories/support/report.ts)
  const rows = figures(report).map(([label, value, unit, source]) =>
    JSON.stringify({ story: name, name: label, value: Number.isFinite(value) ? value : String(value), unit, source }),
  );
  writeFileSync(join(resultsDir, `measurements-${name}.jsonl`), `${rows.join('\n')}\n`);
  const failed = report.checks.filter((c) => !c.ok).length;
  return { passed: report.checks.length - failed, failed: failed === 0 && res.status !== 0 ? 1 : failed };
}

function fuzz() {
  return checkedRun('fuzz', ['--count', '200'], (r) => [
    ['inputs decoded (seed 1)', r.completed, `of ${r.inputs}`, 'worker pool, Node'],
    ['ended with no error', r.outcomes.ok ?? 0, 'inputs', 'the rest: an error naming the file'],
    ['median time per input', r.msMedian, 'ms', 'performance.now() around decode(pool, ...)'],
    ['max time per input', r.msMax, 'ms', `input ${r.msMaxIndex}`],
    ['worker restarts', r.workerRestarts, '', 'pool.stats()'],
  ]);
}

function soak() {
  return checkedRun('soak', ['--duration', '60'], (r) => {
    const finite = (xs) => xs.filter((x) => typeof x === 'number');
    const rows = [
      ['JS heap growth', r.heap.growthBytes ?? NaN, 'bytes', `median of the first ${r.heap.windowS} s vs the last, after gc()`],
      ['JS heap max', r.heap.maxBytes ?? NaN, 'bytes', 'performance.memory after gc()'],
      [
        'lowest rAF median of a stage',
        Math.min(...finite(r.stages.map((s) => s.rafMedian))),
        '/s',
        `idle page ${r.idleRafPerS.toFixed(1)}/s`,
      ],
      [
        'quanta over 1 ms (all stages)',
        r.stages.reduce((a, s) => a + s.quantaOver, 0),
        '',
        'status bar, Date.now() step >= 2 ms: an upper bound',
      ],
      [
        'quanta over the deadline (all stages)',
        r.stages.reduce((a, s) => a + s.overDeadline, 0),
        '',
        `status bar, a Date.now() step that proves it; ${r.stages.reduce((a, s) => a + s.overDeadlineAtStart, 0)} as stages started`,
      ],
    ];
    return rows;
  });
}

/** The measurement files of this run: the Chromium stories' first, then the others by name. */
function measurementFiles() {
  const names = readdirSync(resultsDir).filter((f) => /^measurements(-[\w-]+)?\.jsonl$/.test(f));
  return names.sort((a, b) => (a === 'measurements.jsonl' ? -1 : b === 'measurements.jsonl' ? 1 : a.localeCompare(b)));
}

function printMeasurements() {
  const rows = measurementFiles().flatMap((f) =>
    readFileSync(join(resultsDir, f), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l)),
  );
  if (rows.length === 0) return;
  console.log('measured in the story tests, the fuzz and the soak runs:');
  for (const r of rows)
    console.log(
      `  ${r.story}${r.engine ? ` (${r.engine})` : ''}: ${r.name} = ${Number(Number(r.value).toPrecision(4))} ${r.unit} [${r.source}]`,
    );
}

/** The static Storybook the browser suites share, built once: one test. */
async function build() {
  const { buildStorybook } = await import('./serve-static.mjs');
  buildStorybook();
  return { passed: 1, failed: 0 };
}

// imported only when run: they need packages that set-up may just have installed
const SUITES = {
  rust,
  typecheck,
  lint,
  unit,
  validate,
  fuzz,
  build,
  // the stories tagged perf, in Chromium with one worker
  'stories-perf': async () => (await import('./test-stories.mjs')).runStoryTests({ build: false, parts: ['perf'] }),
  // the other stories in Chromium and the shared-link check
  stories: async () => (await import('./test-stories.mjs')).runStoryTests({ build: false, parts: ['rest'] }),
  // the no-isolation stories and the service-worker checks, on a host without COOP/COEP
  'plain-host': async () => (await import('./test-stories.mjs')).runStoryTests({ build: false, parts: ['plain-host'] }),
  'firefox-perf': async () => (await import('./test-firefox.mjs')).runFirefoxTests({ passes: ['perf'] }),
  firefox: async () => (await import('./test-firefox.mjs')).runFirefoxTests({ passes: ['rest'] }),
  // every expected-failure story must fail with the assertion it declares
  gate: async () => (await import('./test-stories.mjs')).runExpectedFailureGate(),
  soak,
};

/**
 * The order of the run: the steps one after another; the lanes of a step at once (each lane's
 * suites one after another). What measures time runs alone: the unit tests and the validation
 * matrix (their denormal-speed checks time 0.5 ms runs: beside the Rust build a 5x slower fault
 * once passed for under 2x), the perf stories of each engine, the soak, and the other Chromium
 * stories (their live checks fell behind, and Render quantum / Every size ran past its 60 s,
 * beside Firefox: the browser suites keep both cores busy, so running them at once saves
 * little). Sharing the two cores: the Rust tests, lint and fuzz in one lane (Clippy waits for
 * cargo's lock on the target directory while the tests build; the fuzz run ends the lane, when
 * the rest of the step is done) beside the static build, which every browser suite needs, and
 * the typecheck and then the plain-host checks (mostly waiting on reloads: they fill the time
 * this lane would idle while the Rust lane compiles; their quanta/s checks allow 10 % and retry);
 * the Firefox stories beside the expected-failure gate (whose stories fail the more surely for it).
 */
const PLAN = [
  [
    ['rust', 'lint', 'fuzz'],
    ['build', 'typecheck', 'plain-host'],
  ],
  [['unit']],
  [['validate']],
  [['stories-perf']],
  [['firefox-perf']],
  [['soak']],
  [['stories']],
  [['firefox'], ['gate']],
];

/** Each step's suites, wall time and how busy it kept the machine. */
const steps = [];

/** One suite in this process (`--suite NAME`): its counts go to test-results/suite-NAME.json. */
async function runOne(name) {
  mkdirSync(resultsDir, { recursive: true });
  let result;
  try {
    result = await SUITES[name]();
  } catch (err) {
    console.error(`${name}: ${err.stack ?? err.message}`);
    result = { passed: 0, failed: 1 };
  }
  writeFileSync(join(resultsDir, `suite-${name}.json`), `${JSON.stringify(result)}\n`);
  process.exit(0);
}

/**
 * A suite in a child process. Alone in its step, its output streams to this console; beside
 * others, to test-results/logs/NAME.log, printed whole when it ends. No counts (it crashed, or was
 * killed) is one failure.
 */
function runChild(name, alone) {
  const t0 = Date.now();
  const resultFile = join(resultsDir, `suite-${name}.json`);
  rmSync(resultFile, { force: true });
  const logFile = join(resultsDir, 'logs', `${name}.log`);
  const fd = alone ? null : openSync(logFile, 'w');
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--suite', name], {
    cwd: root,
    env,
    stdio: alone ? 'inherit' : ['ignore', fd, fd],
  });
  running.add(child);
  if (!alone) console.log(`-- ${name}: started (output: test-results/logs/${name}.log, printed when it ends)`);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      running.delete(child);
      if (fd !== null) {
        closeSync(fd);
        console.log(`\n---- ${name} output ----`);
        process.stdout.write(readFileSync(logFile, 'utf8'));
      }
      const seconds = (Date.now() - t0) / 1000;
      if (!existsSync(resultFile)) {
        console.error(`${name}: ended without counts (exit ${code ?? signal})`);
        record(name, 0, 1, seconds);
      } else {
        const r = JSON.parse(readFileSync(resultFile, 'utf8'));
        record(name, r.passed, r.failed, seconds);
      }
      resolve();
    });
  });
}

const running = new Set();

async function runPlan() {
  mkdirSync(join(resultsDir, 'logs'), { recursive: true });
  // this run's measurements start afresh
  for (const f of measurementFiles()) rmSync(join(resultsDir, f));
  for (const step of PLAN) {
    const alone = step.length === 1 && step[0].length === 1;
    const names = step.flat();
    const t0 = Date.now();
    const ticks0 = machineTicks();
    // a line every 30 s says what is still running
    const heartbeat = alone
      ? null
      : setInterval(() => {
          const left = names.filter((n) => !suites.some((s) => s.name === n));
          console.log(`-- ${((Date.now() - t0) / 1000).toFixed(0)} s into ${names.join(', ')}: waiting for ${left.join(', ')}`);
        }, 30_000);
    await Promise.all(
      step.map(async (lane) => {
        for (const name of lane) await runChild(name, alone);
      }),
    );
    if (heartbeat) clearInterval(heartbeat);
    const ticks1 = machineTicks();
    const busy = ticks0 && ticks1 ? (ticks1.busy - ticks0.busy) / Math.max(1, ticks1.total - ticks0.total) : NaN;
    steps.push({ names, seconds: (Date.now() - t0) / 1000, busy });
  }
}

const suiteArg = process.argv.indexOf('--suite');
if (suiteArg >= 0) {
  const name = process.argv[suiteArg + 1];
  if (!(name in SUITES)) {
    console.error(`test: no suite ${name} (suites: ${Object.keys(SUITES).join(', ')})`);
    process.exit(2);
  }
  await runOne(name);
}

for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => {
    for (const c of running) c.kill(signal);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });

const t0 = Date.now();
try {
  setup();
} catch (err) {
  console.error(`setup: ${err instanceof SetupError ? err.message : err.stack}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const setupSeconds = (Date.now() - t0) / 1000;
await runPlan();

const passed = suites.reduce((s, x) => s + x.passed, 0);
const failed = suites.reduce((s, x) => s + x.failed, 0);
printMeasurements();
console.log('suite         passed  failed  seconds');
for (const s of suites)
  console.log(`${s.name.padEnd(13)} ${String(s.passed).padStart(6)}  ${String(s.failed).padStart(6)}  ${s.seconds.toFixed(1).padStart(7)}`);
// busy: the share of all the machine's cores in use during the step (anything else running included)
console.log(`step  seconds  busy  suites (${availableParallelism()} cores)`);
steps.forEach((st, i) =>
  console.log(
    `${String(i + 1).padStart(4)}  ${st.seconds.toFixed(1).padStart(7)}  ${Number.isNaN(st.busy) ? '  n/a' : `${(100 * st.busy).toFixed(0).padStart(3)} %`}  ${st.names.join(', ')}`,
  ),
);
console.log(
  `set-up ${setupSeconds.toFixed(1)} s, the suites ${((Date.now() - t0) / 1000 - setupSeconds).toFixed(1)} s: total wall time ${((Date.now() - t0) / 1000).toFixed(1)} s`,
);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
