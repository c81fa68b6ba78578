#!/usr/bin/env node
// Story tests: build the static Storybook, check its deploy headers (_headers), serve it with
// COOP/COEP, run test-storybook against it in two passes (stories tagged `perf` alone with one
// worker, so nothing shares the cores while they measure; then the rest in parallel), stop the
// server. Every story is also checked for serious and critical accessibility violations
// (.storybook/test-runner.ts).
//   --expected-failures   run only the expected-failure stories; pass when every one fails
//   --no-build            reuse storybook-static
//   -- <args>             passed to every test-storybook pass, e.g. story files to run only those:
//                         node scripts/test-stories.mjs --no-build -- stories/TemplateGain.stories.tsx
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildStorybook, deployHeaderProblems, serveStatic } from './serve-static.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = join(root, 'test-results');

/** The build's `_headers` (what a static host sends): one check, counted with the stories. */
function checkDeployHeaders() {
  const problems = deployHeaderProblems();
  if (problems.length === 0) {
    console.log('stories: storybook-static/_headers has COOP/COEP/CORP and the .js/.wasm content types');
    return { passed: 1, failed: 0 };
  }
  for (const p of problems) console.error(`stories: ${p}`);
  return { passed: 0, failed: 1 };
}

function runPass(url, name, passArgs, env = {}) {
  const args = [...passArgs, ...extraArgs];
  console.log(`stories: pass "${name}" (${args.join(' ')})`);
  // with --json, test-storybook prints the Jest report on stdout and everything else on stderr
  const res = spawnSync('npx', ['test-storybook', '--url', url, '--config-dir', '.storybook', '--json', ...args], {
    cwd: root, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 64 << 20,
    env: { ...process.env, FORCE_COLOR: '0', ...env },
  });
  writeFileSync(join(resultsDir, `stories-${name}.json`), res.stdout ?? '');
  let report;
  try {
    report = JSON.parse(res.stdout.slice(res.stdout.indexOf('{')));
  } catch {
    return { passed: 0, failed: 1, tests: [{ name: `${name}: test-storybook produced no JSON report (exit ${res.status})`, status: 'failed' }] };
  }
  const tests = report.testResults.flatMap((file) =>
    file.assertionResults.map((a) => ({ name: a.fullName, status: a.status, duration: a.duration })));
  // a suite that failed to run at all (e.g. a story file that does not load) counts as one failure
  const broken = report.testResults.filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length;
  return { passed: report.numPassedTests, failed: report.numFailedTests + broken, tests };
}

/** Arguments after `--`, passed to every test-storybook pass. */
let extraArgs = [];

export async function runStoryTests({ build = true, expectedFailures = false, testStorybookArgs = [] } = {}) {
  extraArgs = testStorybookArgs;
  mkdirSync(resultsDir, { recursive: true });
  rmSync(join(resultsDir, 'measurements.jsonl'), { force: true });
  if (build || !existsSync(join(root, 'storybook-static/index.html'))) buildStorybook();
  const headers = expectedFailures ? { passed: 0, failed: 0 } : checkDeployHeaders();
  const server = await serveStatic();
  try {
    if (expectedFailures) {
      const r = runPass(server.url, 'expected-failures', ['--includeTags', 'expected-failure', '--maxWorkers=1'], { STAGEBENCH_EXPECTED_FAILURES: '1' });
      const ran = r.tests.filter((t) => t.status === 'passed' || t.status === 'failed');
      const unexpectedPasses = ran.filter((t) => t.status === 'passed');
      for (const t of ran) console.log(`  ${t.status === 'failed' ? 'failed as expected' : 'PASSED (should have failed)'}: ${t.name}`);
      const ok = ran.length > 0 && unexpectedPasses.length === 0;
      console.log(`stories: ${ran.length - unexpectedPasses.length} of ${ran.length} expected-failure stories failed as they should`);
      return { passed: ran.length - unexpectedPasses.length, failed: ok ? 0 : Math.max(1, unexpectedPasses.length) };
    }
    const perf = runPass(server.url, 'perf', ['--includeTags', 'perf', '--excludeTags', 'expected-failure,no-isolation', '--maxWorkers=1']);
    const rest = runPass(server.url, 'rest', ['--excludeTags', 'perf,expected-failure,no-isolation', '--maxWorkers=2']);
    await server.stop();
    // the same build from a plain static host (no COOP/COEP): the postMessage fallback
    const plain = await serveStatic({ isolated: false });
    try {
      const fallback = runPass(plain.url, 'no-isolation', ['--includeTags', 'no-isolation', '--excludeTags', 'expected-failure', '--maxWorkers=1']);
      return {
        passed: headers.passed + perf.passed + rest.passed + fallback.passed,
        failed: headers.failed + perf.failed + rest.failed + fallback.failed,
      };
    } finally {
      await plain.stop();
    }
  } finally {
    await server.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dashDash = process.argv.indexOf('--');
  const own = dashDash < 0 ? process.argv.slice(2) : process.argv.slice(2, dashDash);
  const testStorybookArgs = dashDash < 0 ? [] : process.argv.slice(dashDash + 1);
  const unknown = own.filter((a) => a !== '--expected-failures' && a !== '--no-build');
  if (unknown.length > 0) {
    console.error(`stories: unknown option ${unknown.join(' ')} (options: --expected-failures, --no-build, -- <test-storybook args>)`);
    process.exit(2);
  }
  const expectedFailures = own.includes('--expected-failures');
  try {
    const r = await runStoryTests({ build: !own.includes('--no-build'), expectedFailures, testStorybookArgs });
    console.log(`${r.passed} passed, ${r.failed} failed`);
    process.exit(r.failed === 0 ? 0 : 1);
  } catch (err) {
    console.error(`stories: ${err.message}`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}
