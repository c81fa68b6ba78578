#!/usr/bin/env node
// Only Node built-ins and set-up are imported statically: everything else may not be installed yet.
// `npm test`: set up if needed, then every suite: Rust (cargo test), typecheck (tsc),
// lint (ESLint, Prettier, rustfmt and Clippy, one test each), unit (vitest), validate (`stagebench
// validate` at level 5, each stage and check one test), fuzz (200 decoder inputs on the worker
// pool), stories (test-storybook on the static build), firefox (the same stories in Firefox ESR
// over WebDriver BiDi, on that build; Chromium-only ones listed as skipped), the expected-failure gate (each
// expected-failure story fails with its declared message) and soak (every stage live for 60 s in
// all). Ends with one line: `N passed, N failed`.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setup, SetupError } from './setup.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = join(root, 'test-results');
const env = { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', CARGO_TERM_COLOR: 'never' };
const suites = [];

function record(name, passed, failed, seconds) {
  suites.push({ name, passed, failed, seconds });
  console.log(`\n== ${name}: ${passed} passed, ${failed} failed (${seconds.toFixed(1)} s)\n`);
}

async function timed(name, fn) {
  const t0 = Date.now();
  try {
    const { passed, failed } = await fn();
    record(name, passed, failed, (Date.now() - t0) / 1000);
  } catch (err) {
    console.error(`${name}: ${err.message}`);
    record(name, 0, 1, (Date.now() - t0) / 1000);
  }
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

/** Figures of the fuzz and soak runs, printed with the story tests' measurements. */
const runFigures = [];

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
  runFigures.push(...figures(report).map(([label, value, unit, source]) => ({ story: name, name: label, value, unit, source })));
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

function printMeasurements() {
  const file = join(resultsDir, 'measurements.jsonl');
  const rows = existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : [];
  rows.push(...runFigures);
  if (rows.length === 0) return;
  console.log('measured in the story tests, the fuzz and the soak runs:');
  for (const r of rows)
    console.log(
      `  ${r.story}${r.engine ? ` (${r.engine})` : ''}: ${r.name} = ${Number(Number(r.value).toPrecision(4))} ${r.unit} [${r.source}]`,
    );
}

const t0 = Date.now();
try {
  setup();
} catch (err) {
  console.error(`setup: ${err instanceof SetupError ? err.message : err.stack}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
mkdirSync(resultsDir, { recursive: true });
await timed('rust', rust);
await timed('typecheck', typecheck);
await timed('lint', lint);
await timed('unit', unit);
await timed('validate', validate);
await timed('fuzz', fuzz);
// imported only now: it needs packages that set-up may just have installed
const { runExpectedFailureGate, runStoryTests } = await import('./test-stories.mjs');
await timed('stories', () => runStoryTests({ build: true }));
// the same stories in Firefox, on the build the stories suite just made
const { runFirefoxTests } = await import('./test-firefox.mjs');
await timed('firefox', () => runFirefoxTests());
// every expected-failure story must fail with the assertion it declares
await timed('gate', () => runExpectedFailureGate());
// on the static build the stories just made
await timed('soak', soak);

const passed = suites.reduce((s, x) => s + x.passed, 0);
const failed = suites.reduce((s, x) => s + x.failed, 0);
printMeasurements();
console.log('suite       passed  failed  seconds');
for (const s of suites)
  console.log(`${s.name.padEnd(11)} ${String(s.passed).padStart(6)}  ${String(s.failed).padStart(6)}  ${s.seconds.toFixed(1).padStart(7)}`);
console.log(`total wall time ${((Date.now() - t0) / 1000).toFixed(1)} s`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
