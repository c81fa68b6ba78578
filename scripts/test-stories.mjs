#!/usr/bin/env node
// Story tests: build the static Storybook, check its deploy headers (_headers), serve it with
// COOP/COEP, run test-storybook against it in two passes (stories tagged `perf` alone with one
// worker, so nothing shares the cores while they measure; then the rest in parallel), and open a
// shared link with args in the Storybook UI. Then serve the same build as a plain static host (no
// COOP/COEP): the stories tagged `no-isolation` run with `?coi=0` (the postMessage fallback on
// purpose), and Playwright checks that the service worker isolates a story page and the Storybook
// UI after one reload, and that `?coi=0` keeps it (or takes it) away. Every story is also checked
// for serious and critical accessibility violations (.storybook/test-runner.ts); each browser
// check counts as one test in the totals. A pass that ran no story, produced no report, or whose
// exit status disagrees with its report is a failure (story-report.mjs). `runExpectedFailureGate`
// is the expected-failure gate, which `npm test` runs as a suite of its own.
//   --expected-failures   run only the expected-failure gate: every story tagged expected-failure
//                         must run and fail with the message its parameters.expectedFailure declares
//   --no-build            reuse storybook-static
//   --no-browser-checks   skip the Playwright checks (shared link, service worker)
//   -- <args>             passed to every test-storybook pass, e.g. story files to run only those:
//                         node scripts/test-stories.mjs --no-build -- stories/Gain.stories.tsx
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright';
import { COI_OFF_PATH, buildStorybook, deployHeaderProblems, serveStatic } from './serve-static.mjs';
import { chromiumPath } from './setup.mjs';
import { judgeExpectedFailures, judgePass } from './story-report.mjs';

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

/** Whether story files are among the arguments after `--`. */
const filesGiven = () => extraArgs.some((a) => /\.stories\.tsx?$/.test(a));

/**
 * The story files of the build holding a story `wanted` takes (by its tags), so that a pass opens
 * only those: test-storybook otherwise loads every file, each costing a page, to skip its stories.
 */
function filesWith(wanted) {
  const index = JSON.parse(readFileSync(join(root, 'storybook-static/index.json'), 'utf8'));
  const files = new Set();
  for (const e of Object.values(index.entries))
    if (e.type === 'story' && wanted(e.tags ?? [])) files.add(e.importPath.replace(/^\.\//, ''));
  return [...files].sort();
}

/**
 * Whether a story with `tags` is taken by a pass with these tag filters: one of `include`, none of
 * `exclude` (test-storybook's --includeTags and --excludeTags; the Firefox suite selects with it too).
 */
export function storyFilter(include, exclude) {
  return (tags) => include.some((t) => tags.includes(t)) && !exclude.some((t) => tags.includes(t));
}

/** The tag filters of a pass, and the files holding stories they take. */
function tagFilter(include, exclude) {
  const wanted = storyFilter(include, exclude);
  const args = [
    ...(include[0] === 'test' ? [] : ['--includeTags', include.join(',')]),
    ...(exclude.length ? ['--excludeTags', exclude.join(',')] : []),
  ];
  return { args, files: filesGiven() ? [] : filesWith(wanted) };
}

function runPass(url, name, passArgs, env = {}, files = []) {
  const args = [...passArgs, ...extraArgs, ...files];
  console.log(`stories: pass "${name}" (${args.join(' ')})`);
  // with --json, test-storybook prints the Jest report on stdout and everything else on stderr
  const res = spawnSync('npx', ['test-storybook', '--url', url, '--config-dir', '.storybook', '--json', ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    env: { ...process.env, FORCE_COLOR: '0', ...env },
  });
  writeFileSync(join(resultsDir, `stories-${name}.json`), res.stdout ?? '');
  // given story files or other filters, a pass may match none of them: runStoryTests then checks
  // that the passes together ran at least one story
  const result = judgePass(name, res.stdout ?? '', res.status ?? res.signal, { mayRunNone: extraArgs.length > 0 });
  for (const p of result.problems) console.error(`stories: FAILED: ${p}`);
  return result;
}

/**
 * The expected-failure gate: the stories tagged `expected-failure` in one pass (one worker, so the
 * budget stories measure alone). Each must have run and failed with the message its
 * `parameters.expectedFailure` declares (read by the test runner's preVisit into a file named by
 * STAGEBENCH_EXPECTED_FAILURES); one test per story in the totals, each failure named.
 */
function expectedFailureGate(url) {
  const index = JSON.parse(readFileSync(join(root, 'storybook-static/index.json'), 'utf8'));
  // story files given after `--` narrow the gate to their stories
  const files = extraArgs.filter((a) => /\.stories\.tsx?$/.test(a)).map((f) => f.replace(/^\.\//, ''));
  const stories = Object.values(index.entries).filter(
    (e) =>
      e.type === 'story' &&
      e.tags.includes('expected-failure') &&
      (files.length === 0 || files.some((f) => e.importPath.replace(/^\.\//, '') === f)),
  );
  if (stories.length === 0) {
    console.error('stories: FAILED: the build has no expected-failure story');
    return { passed: 0, failed: 1 };
  }
  const declarationsFile = join(resultsDir, 'expected-failure-declarations.jsonl');
  writeFileSync(declarationsFile, '');
  // judged story by story below: a pass whose stories all fail is what it should be
  const gate = tagFilter(['expected-failure'], []);
  const pass = runPass(
    url,
    'expected-failures',
    [...gate.args, '--maxWorkers=1'],
    { STAGEBENCH_EXPECTED_FAILURES: declarationsFile },
    gate.files,
  );
  const declarations = readFileSync(declarationsFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  const rows = judgeExpectedFailures(stories, declarations, pass.tests);
  for (const r of rows) console.log(`  ${r.ok ? 'ok' : 'GATE FAILED'}: ${r.id}: ${r.detail}`);
  const failed = rows.filter((r) => !r.ok).length;
  console.log(`stories: ${rows.length - failed} of ${rows.length} expected-failure stories failed with their declared message`);
  // a pass that produced no report or had a file that did not load is a failure of its own
  const passProblems = pass.problems.filter((p) => !/exited \d+ while its report has/.test(p)).length;
  return { passed: rows.length - failed, failed: failed + passProblems };
}

// ---------------------------------------------------------------------------------------------
// Browser checks that test-storybook cannot make: it opens iframe.html without a query and does
// not survive the page reloading itself.

/** The story the checks open: the FFT bench with its link and run report (stories/Share.stories.tsx). */
const CHECK_STORY = 'workbench-share-and-run-report--bench';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` in the frame (surviving reloads) until it returns a truthy value; throws `what` with the last value or error. */
async function until(frameOf, fn, arg, what, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await frameOf().evaluate(fn, arg);
      if (last) return last;
    } catch (err) {
      last = err.message.split('\n')[0];
    }
    if (Date.now() > deadline) throw new Error(`${what} (after ${timeoutMs / 1000} s; last: ${JSON.stringify(last)})`);
    await sleep(200);
  }
}

/** What the bench says: testids' text, isolation, the service workers of the origin. */
function benchState() {
  const text = (id) => document.querySelector(`[data-testid="${id}"]`)?.textContent ?? null;
  return navigator.serviceWorker.getRegistrations().then((regs) => ({
    isolated: globalThis.crossOriginIsolated,
    controller: navigator.serviceWorker.controller?.scriptURL ?? null,
    registrations: regs.length,
    wasm: text('wasm-status'),
    telemetry: text('isolation'),
    reason: text('isolation-reason'),
    quantaPerSec: Number(text('quanta-per-sec')),
  }));
}

/** Counts loads of the page's main frame (the first is 1; history.replaceState is none). */
function countNavigations(page) {
  const counter = { n: 0 };
  page.on('load', () => {
    counter.n++;
  });
  return counter;
}

/** The state once wasm runs and the live rate is in: asserts SharedArrayBuffer telemetry at sampleRate/128 when `isolated`. */
async function expectBench(frameOf, { isolated, reason }) {
  await until(
    frameOf,
    (want) => {
      const wasm = document.querySelector('[data-testid="wasm-status"]')?.textContent;
      const reason = document.querySelector('[data-testid="isolation-reason"]')?.textContent ?? '';
      const qps = Number(document.querySelector('[data-testid="quanta-per-sec"]')?.textContent);
      return (
        wasm === 'active' &&
        globalThis.crossOriginIsolated === want.isolated &&
        new RegExp(want.reason).test(reason) &&
        Number.isFinite(qps) &&
        qps > 0
      );
    },
    { isolated, reason: reason.source },
    `wasm active, crossOriginIsolated ${isolated}, the bench saying ${reason}`,
  );
  const s = await frameOf().evaluate(benchState);
  if (isolated && !/^cross-origin isolated: SharedArrayBuffer/.test(s.telemetry ?? ''))
    throw new Error(`telemetry should come by SharedArrayBuffer: ${s.telemetry}`);
  if (!isolated && !/no SharedArrayBuffer/.test(s.telemetry ?? '')) throw new Error(`telemetry should say postMessage: ${s.telemetry}`);
  // the status bar says "expected 375.0 = sample rate / 128"
  const expected = await frameOf().evaluate(() =>
    Number(/expected ([\d.]+)/.exec(document.querySelector('[data-testid="quanta-per-sec"]')?.parentElement?.textContent ?? '')?.[1]),
  );
  if (!(expected > 0)) throw new Error('the status bar states no expected quanta/s');
  if (Math.abs(s.quantaPerSec / expected - 1) > 0.1) {
    // the worklet's EMA starts from its first window: give it a few more seconds
    const qps = await until(frameOf, () => Number(document.querySelector('[data-testid="quanta-per-sec"]')?.textContent), null, 'quanta/s');
    if (Math.abs(qps / expected - 1) > 0.1) throw new Error(`quanta/s ${qps}, expected about ${expected}`);
    s.quantaPerSec = qps;
  }
  return s;
}

async function browserChecks({ isolatedUrl, plainUrl }) {
  const checks = [];
  if (isolatedUrl) {
    checks.push([
      'a shared link with args opens the story with those params and that source (Storybook UI, headers)',
      async (browser) => {
        const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
        try {
          const page = await ctx.newPage();
          const args = 'size:8192;frequencyHz:440;source:sine;levelDb:-12';
          await page.goto(`${isolatedUrl}/?path=/story/${CHECK_STORY}&args=${args}`);
          const frameOf = () => page.frame({ url: /iframe\.html/ }) ?? page.mainFrame();
          const report = await until(
            frameOf,
            () => {
              const pre = document.querySelector('[data-testid="run-report-json"]');
              return pre ? JSON.parse(pre.textContent) : null;
            },
            null,
            'a run report in the story',
          );
          if (report.params.size !== 8192) throw new Error(`FFT size ${report.params.size}, the link says 8192`);
          if (report.source.frequencyHz !== 440 || report.source.levelDb !== -12)
            throw new Error(`source ${JSON.stringify(report.source)}, the link says 440 Hz at -12 dBFS`);
          const peak = await until(
            frameOf,
            () => {
              const v = Number(document.querySelector('[data-testid="figure-peakHz"]')?.dataset.value);
              return Math.abs(v - 440) < 1 ? v : null;
            },
            null,
            'the peak at 440 Hz',
          );
          const field = await frameOf().evaluate(() => {
            const label = [...document.querySelectorAll('label')].find((l) => l.textContent === 'Frequency (Hz)');
            return {
              frequency: label ? document.getElementById(label.htmlFor)?.value : undefined,
              link: document.querySelector('[data-testid="share-link"]')?.value,
            };
          });
          if (field.frequency !== '440') throw new Error(`the Frequency field shows ${field.frequency}`);
          const link = new URL(field.link);
          if (link.pathname !== '/' || link.searchParams.get('path') !== `/story/${CHECK_STORY}`)
            throw new Error(`the story's link should be the Storybook UI's: ${field.link}`);
          for (const part of args.split(';'))
            if (!link.searchParams.get('args').split(';').includes(part)) throw new Error(`the story's link lost ${part}: ${field.link}`);
          return `size 8192, 440 Hz at -12 dBFS applied; peak ${peak.toFixed(2)} Hz; the bench's link carries them back`;
        } finally {
          await ctx.close();
        }
      },
    ]);
  }
  if (plainUrl) {
    const storyPage = `${plainUrl}/iframe.html?id=${CHECK_STORY}&viewMode=story`;
    let swContext = null;
    checks.push([
      'plain host: the service worker isolates a story page after one reload (wasm, SharedArrayBuffer telemetry)',
      async (browser) => {
        swContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
        const page = await swContext.newPage();
        const navs = countNavigations(page);
        const t0 = Date.now();
        await page.goto(storyPage);
        const s = await expectBench(() => page.mainFrame(), {
          isolated: true,
          reason: /^cross-origin isolated: COOP\/COEP added by the service worker/,
        });
        if (!s.controller?.endsWith('/stagebench-sw.js')) throw new Error(`controlled by ${s.controller}`);
        if (navs.n !== 2) throw new Error(`${navs.n} page loads, expected 2 (one reload)`);
        await page.close();
        return `isolated after ${navs.n - 1} reload in ${((Date.now() - t0) / 1000).toFixed(1)} s; quanta/s ${s.quantaPerSec} by SharedArrayBuffer`;
      },
    ]);
    checks.push([
      'plain host: ?coi=0 while the service worker is registered: it passes the page through, the fallback runs at once and says why',
      async () => {
        if (!swContext) throw new Error("needs the previous check's browser context");
        try {
          const page = await swContext.newPage();
          const navs = countNavigations(page);
          await page.goto(`${storyPage}&coi=0`);
          const s = await expectBench(() => page.mainFrame(), {
            isolated: false,
            reason: /^not isolated \(postMessage fallback\): service worker off \(\?coi=0 in the URL\)$/,
          });
          if (navs.n !== 1) throw new Error(`${navs.n} page loads, expected 1 (no reload)`);
          return `fallback with no reload: "${s.reason}"; the worker ${s.controller ? 'passed it through' : 'was already gone'}`;
        } finally {
          await swContext.close();
        }
      },
    ]);
    checks.push([
      'plain host: ?coi=0 on a first visit registers nothing and runs the fallback with the reason',
      async (browser) => {
        const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
        try {
          const page = await ctx.newPage();
          const navs = countNavigations(page);
          await page.goto(`${storyPage}&coi=0`);
          const s = await expectBench(() => page.mainFrame(), { isolated: false, reason: /service worker off \(\?coi=0 in the URL\)/ });
          await sleep(1500);
          const later = await page.evaluate(benchState);
          if (later.registrations !== 0) throw new Error(`${later.registrations} service worker registrations`);
          if (navs.n !== 1) throw new Error(`${navs.n} page loads, expected 1 (no reload)`);
          return `"${s.reason}", quanta/s ${s.quantaPerSec} by postMessage`;
        } finally {
          await ctx.close();
        }
      },
    ]);
    checks.push([
      'plain host: the Storybook UI and its preview become isolated (the page around the story reloads once)',
      async (browser) => {
        const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
        try {
          const page = await ctx.newPage();
          const navs = countNavigations(page);
          await page.goto(`${plainUrl}/?path=/story/${CHECK_STORY}`);
          await until(
            () => page.mainFrame(),
            () => globalThis.crossOriginIsolated === true,
            null,
            'the Storybook UI cross-origin isolated',
          );
          const frameOf = () => page.frame({ url: /iframe\.html/ }) ?? page.mainFrame();
          const s = await expectBench(frameOf, { isolated: true, reason: /added by the service worker/ });
          if (navs.n !== 2) throw new Error(`${navs.n} loads of the Storybook UI, expected 2 (one reload)`);
          return `UI and preview isolated after ${navs.n - 1} reload; quanta/s ${s.quantaPerSec}`;
        } finally {
          await ctx.close();
        }
      },
    ]);
  }
  const browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: CHROMIUM_ARGS });
  let passed = 0;
  let failed = 0;
  try {
    for (const [name, run] of checks) {
      const t0 = Date.now();
      try {
        const detail = await run(browser);
        passed++;
        console.log(`stories: check passed (${((Date.now() - t0) / 1000).toFixed(1)} s): ${name}: ${detail}`);
      } catch (err) {
        failed++;
        console.error(`stories: check FAILED: ${name}: ${err.message}`);
      }
    }
  } finally {
    await browser.close();
  }
  return { passed, failed };
}

/** Arguments after `--`, passed to every test-storybook pass. */
let extraArgs = [];

/** The expected-failure gate on the static build (built first when missing or when `build`). */
export async function runExpectedFailureGate({ build = false, testStorybookArgs = [] } = {}) {
  return runStoryTests({ build, expectedFailures: true, testStorybookArgs });
}

/** The parts of the story suite, in the order they run: `runStoryTests` runs all of them unless told. */
export const STORY_PARTS = ['perf', 'rest', 'plain-host'];

/**
 * The story suite on the static build (built first when missing or when `build`). Its parts:
 * `perf`, the stories tagged perf alone with one worker; `rest`, the deploy-header check, the
 * other stories with two workers and the shared-link check; `plain-host`, the same build from a
 * host without COOP/COEP (the no-isolation stories and the service-worker checks). `npm test`
 * runs `perf` alone and the other two beside other suites. `freshMeasurements` empties
 * test-results/measurements.jsonl first (npm test empties it once, before all its suites).
 */
export async function runStoryTests({
  build = true,
  expectedFailures = false,
  testStorybookArgs = [],
  browserChecksToo = true,
  parts = STORY_PARTS,
  freshMeasurements = false,
} = {}) {
  extraArgs = testStorybookArgs;
  mkdirSync(resultsDir, { recursive: true });
  if (freshMeasurements) rmSync(join(resultsDir, 'measurements.jsonl'), { force: true });
  if (build || !existsSync(join(root, 'storybook-static/index.html'))) buildStorybook();
  if (expectedFailures) {
    const server = await serveStatic();
    try {
      return expectedFailureGate(server.url);
    } finally {
      await server.stop();
    }
  }
  const none = { passed: 0, failed: 0, ran: 0 };
  const sum = (...rs) => ({ passed: rs.reduce((a, r) => a + r.passed, 0), failed: rs.reduce((a, r) => a + r.failed, 0) });
  let perf = none;
  let rest = none;
  let headers = none;
  let shared = none;
  let fallback = none;
  let sw = none;
  if (parts.includes('perf') || parts.includes('rest')) {
    const server = await serveStatic();
    try {
      if (parts.includes('perf')) {
        const perfTags = tagFilter(['perf'], ['expected-failure', 'no-isolation']);
        perf = runPass(server.url, 'perf', [...perfTags.args, '--maxWorkers=1'], {}, perfTags.files);
      }
      if (parts.includes('rest')) {
        headers = checkDeployHeaders();
        const restTags = tagFilter(['test'], ['perf', 'expected-failure', 'no-isolation']);
        rest = runPass(server.url, 'rest', [...restTags.args, '--maxWorkers=2'], {}, restTags.files);
        if (browserChecksToo) shared = await browserChecks({ isolatedUrl: server.url });
      }
    } finally {
      await server.stop();
    }
  }
  if (parts.includes('plain-host')) {
    // the same build from a plain static host (no COOP/COEP): with ?coi=0 (the COI_OFF_PATH entry
    // redirects there), the postMessage fallback; without, the service worker's isolation
    const plain = await serveStatic({ isolated: false });
    try {
      const plainTags = tagFilter(['no-isolation'], ['expected-failure']);
      fallback = runPass(`${plain.url}${COI_OFF_PATH}`, 'no-isolation', [...plainTags.args, '--maxWorkers=1'], {}, plainTags.files);
      if (browserChecksToo) sw = await browserChecks({ plainUrl: plain.url });
    } finally {
      await plain.stop();
    }
  }
  // given story files or tags, a pass may match none; the parts together must run at least one story
  const ranNone = perf.ran + rest.ran + fallback.ran === 0 ? 1 : 0;
  if (ranNone)
    console.error(`stories: FAILED: no pass ran a story (parts ${parts.join(', ')}; test-storybook arguments: ${extraArgs.join(' ')})`);
  const total = sum(headers, perf, rest, shared, fallback, sw);
  return { passed: total.passed, failed: total.failed + ranNone };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dashDash = process.argv.indexOf('--');
  const own = dashDash < 0 ? process.argv.slice(2) : process.argv.slice(2, dashDash);
  const testStorybookArgs = dashDash < 0 ? [] : process.argv.slice(dashDash + 1);
  const unknown = own.filter((a) => a !== '--expected-failures' && a !== '--no-build' && a !== '--no-browser-checks');
  if (unknown.length > 0) {
    console.error(
      `stories: unknown option ${unknown.join(' ')} (options: --expected-failures, --no-build, --no-browser-checks, -- <test-storybook args>)`,
    );
    process.exit(2);
  }
  const expectedFailures = own.includes('--expected-failures');
  try {
    const r = await runStoryTests({
      build: !own.includes('--no-build'),
      expectedFailures,
      testStorybookArgs,
      browserChecksToo: !own.includes('--no-browser-checks'),
      freshMeasurements: !expectedFailures,
    });
    console.log(`${r.passed} passed, ${r.failed} failed`);
    process.exit(r.failed === 0 ? 0 : 1);
  } catch (err) {
    console.error(`stories: ${err.message}`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}
