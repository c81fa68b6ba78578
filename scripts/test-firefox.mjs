#!/usr/bin/env node
// Story tests in Firefox: Debian's Firefox ESR driven by puppeteer-core over WebDriver BiDi (no
// geckodriver), on the static Storybook build served with COOP/COEP. The stories are those the
// Chromium passes of scripts/test-stories.mjs take, with the same tag filters: `perf` alone with one
// page at a time, then the rest; stories tagged `chromium-only` are skipped and listed with the
// reason their `parameters.chromiumOnly` gives. Each story opens at iframe.html?id=<id> and passes
// when Storybook's preview channel says its play function ran to the end (phase `played`); an
// exception in the play function, an error rendering it, or no end within the timeout fails it.
// Firefox needs an audio device for a live AudioContext (with none it stays suspended): a
// PulseAudio null sink at 48 kHz runs for the length of the run on a private socket.
// Measurements the play functions report go to test-results/measurements-firefox.jsonl with
// `engine: 'firefox'`; the per-story results to test-results/stories-firefox.json (with --pass,
// files named for the passes: measurements-firefox-perf.jsonl, stories-firefox-perf.json).
//   --build           rebuild storybook-static first (otherwise it is built only when missing:
//                     npm test has built it before its browser suites)
//   --pass NAME       only this pass, perf or rest (repeatable; default both)
//   <story files>     only the stories of these files, e.g. stories/Gain.stories.tsx
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';
import { buildStorybook, serveStatic } from './serve-static.mjs';
import { firefoxPath } from './setup.mjs';
import { storyFilter } from './test-stories.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = join(root, 'test-results');
const log = (msg) => console.log(`firefox: ${msg}`);

/**
 * A story's time limit from opening to its end: twice test-storybook's 60 s
 * (.storybook/test-runner-jest.config.cjs), as Conformance / Sample rates, timing every stage at
 * four rates, takes about 55 s in Firefox.
 */
const STORY_TIMEOUT_MS = 120_000;
/**
 * Firefox instances for the stories not tagged perf (perf stories run one at a time), one page
 * each: a page in a background tab gets no animation frames, and one in a second window of the
 * same Firefox no focus events, which the plots and the keyboard and form stories need; a page
 * alone in its own Firefox has both. Two, as the Chromium pass runs two test-storybook workers.
 */
const REST_BROWSERS = 2;
/** The tag of a story that drives keyboard focus, the clipboard or the page's controls: run alone. */
const INTERACTIVE_TAG = 'interactive';
/** The tag of a story that cannot run in Firefox; `parameters.chromiumOnly` says why. */
export const CHROMIUM_ONLY_TAG = 'chromium-only';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Rejects with `what` after `ms` unless `promise` settles first. */
function within(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} (no answer within ${ms / 1000} s)`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------------------------------------
// PulseAudio: a null sink on a private socket, so Firefox has an output device running in real time

/**
 * Starts `pulseaudio` with only a native-protocol socket and a null sink at 48 kHz, in a fresh
 * directory (its own HOME and runtime dir: nothing of a user's sound set-up is read or touched).
 * A loopback from a null source keeps one 30 ms stream on the sink: with no stream, the sink's
 * thread sleeps its 2 s default latency, and a new one waited for that wake-up, so every
 * AudioContext start and resume in Firefox took 1.95-2.0 s (measured: 10-25 ms with the loopback,
 * which costs pulseaudio about 2 % of a core). Returns { server, stop }, `server` being the
 * PULSE_SERVER value for Firefox.
 */
export async function startPulseAudio() {
  const dir = mkdtempSync(join(tmpdir(), 'stagebench-pulse-'));
  const socket = join(dir, 'pulse.sock');
  const fail = (why) =>
    new Error(
      `PulseAudio did not start: ${why}. Firefox needs it as its audio device: install it with npm run setup (Debian's pulseaudio)`,
    );
  const child = spawn(
    'pulseaudio',
    [
      '--daemonize=no',
      '--exit-idle-time=-1',
      '--use-pid-file=no',
      '--disallow-exit',
      '-n', // no default.pa: only the modules below
      `--load=module-native-protocol-unix socket=${socket} auth-anonymous=1`,
      '--load=module-null-sink sink_name=stagebench rate=48000',
      // silence into the sink, so that it wakes every few ms (see above)
      '--load=module-null-source source_name=stagebench_silence rate=48000',
      '--load=module-loopback source=stagebench_silence sink=stagebench latency_msec=30',
    ],
    // as root it warns ("not intended to be run as root") and runs: the socket is private to this run
    { env: { ...process.env, HOME: dir, XDG_RUNTIME_DIR: dir, XDG_CONFIG_HOME: dir }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  let exited = null;
  const exit = new Promise((resolve) => {
    child.on('error', (err) => resolve((exited = err.code === 'ENOENT' ? 'pulseaudio is not installed' : err.message)));
    child.on('exit', (code, signal) => resolve((exited = `it exited ${code ?? signal}`)));
  });
  const stop = async () => {
    if (exited === null) {
      child.kill('SIGTERM');
      await within(exit, 5000, 'pulseaudio stopping').catch(() => child.kill('SIGKILL'));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (!existsSync(socket)) {
    if (exited !== null || Date.now() > deadline) {
      const last = stderr
        .split('\n')
        .filter((l) => /^E: /.test(l))
        .pop();
      await stop();
      throw fail(`${exited ?? 'no socket within 10 s'}${last ? ` (${last.trim()})` : ''}`);
    }
    await sleep(50);
  }
  return { server: `unix:${socket}`, stop, pid: child.pid };
}

// ---------------------------------------------------------------------------------------------
// Firefox

/** Firefox preferences for unattended audio: autoplay allowed, a fake microphone without a prompt, no background throttling. */
const FIREFOX_PREFS = {
  'media.autoplay.default': 0,
  'media.autoplay.blocking_policy': 0,
  'media.autoplay.block-webaudio': false,
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  // a page that is not the selected tab keeps its timers at full rate (several pages run at once)
  'dom.min_background_timeout_value': 4,
  'dom.timeout.enable_budget_timer_throttling': false,
  'dom.suspend_inactive.enabled': false,
  // performance.now() unclamped: an isolated page's clock otherwise ticks in 20 µs (with jitter),
  // coarser than the 5 µs of Chromium's that the kernel budgets are read with
  'privacy.reduceTimerPrecision': false,
  'privacy.reduceTimerPrecision.unconditional': false,
  'privacy.resistFingerprinting.reduceTimerPrecision.jitter': false,
};

export async function launchFirefox(pulseServer) {
  const executablePath = firefoxPath();
  if (!existsSync(executablePath))
    throw new Error(`Firefox not found at ${executablePath}: install it with npm run setup (Debian's firefox-esr), or set FIREFOX_PATH`);
  try {
    return await puppeteer.launch({
      browser: 'firefox',
      protocol: 'webDriverBiDi',
      executablePath,
      headless: true,
      timeout: 30_000,
      protocolTimeout: 60_000,
      // the run's own handlers stop Firefox and PulseAudio (runFirefoxTests)
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
      extraPrefsFirefox: FIREFOX_PREFS,
      env: { ...process.env, PULSE_SERVER: pulseServer, MOZ_CRASHREPORTER_DISABLE: '1' },
    });
  } catch (err) {
    throw new Error(
      `Firefox did not start (${executablePath}): ${err.message.split('\n')[0]}; reinstall it with npm run setup, or set FIREFOX_PATH`,
    );
  }
}

/**
 * Runs in every page before its scripts: wraps the emit of Storybook's preview channel as it is
 * set, recording the story's render phases and any exception into `globalThis.__stagebenchStory`.
 */
function watchPreviewChannel() {
  const story = { phases: [], error: null };
  Object.defineProperty(globalThis, '__stagebenchStory', { value: story });
  let channel;
  Object.defineProperty(globalThis, '__STORYBOOK_ADDONS_CHANNEL__', {
    configurable: true,
    get: () => channel,
    set(c) {
      channel = c;
      const emit = c.emit;
      c.emit = function (event, payload, ...rest) {
        const text = (e) => (e ? String(e.message ?? e.description ?? e.title ?? e) : 'no message');
        if (event === 'storyRenderPhaseChanged') story.phases.push(payload?.newPhase);
        else if (event === 'playFunctionThrewException') story.error ??= `play function threw: ${text(payload)}`;
        else if (event === 'storyThrewException') story.error ??= `story threw: ${text(payload)}`;
        else if (event === 'storyErrored') story.error ??= `story errored: ${payload?.title ?? ''} ${payload?.description ?? ''}`.trim();
        else if (event === 'storyMissing') story.error ??= 'story missing from the build';
        return emit.call(this, event, payload, ...rest);
      };
    },
  });
}

/** The story's name as the Chromium suite's report gives it (test-storybook's test names). */
export function storyTestName(entry) {
  return `${entry.title} ${entry.exportName} ${entry.tags.includes('play-fn') ? 'play-test' : 'smoke-test'}`;
}

/** An error message without the DOM that testing-library appends to it ("Ignored nodes: ..."). */
function shortMessage(text) {
  const message = text.split(/\n\s*Ignored nodes:/)[0].trim();
  return message.length > 4000 ? `${message.slice(0, 4000)}…` : message;
}

/** Opens one story on `page` and waits for its end; returns { ok, message, measurements, notes }. */
async function runStory(page, baseUrl, entry) {
  const notes = [];
  const onConsole = (msg) => {
    if (msg.type() === 'warn' || msg.type() === 'warning') notes.push(msg.text());
  };
  page.on('console', onConsole);
  try {
    const deadline = Date.now() + STORY_TIMEOUT_MS;
    await page.goto(`${baseUrl}/iframe.html?id=${encodeURIComponent(entry.id)}&viewMode=story`, {
      waitUntil: 'load',
      timeout: STORY_TIMEOUT_MS,
    });
    let state = null;
    for (;;) {
      state = await within(
        page.evaluate(() => ({ phases: globalThis.__stagebenchStory?.phases ?? [], error: globalThis.__stagebenchStory?.error ?? null })),
        10_000,
        'the page did not answer',
      );
      const ended = ['played', 'finished', 'errored', 'aborted'].some((p) => state.phases.includes(p));
      if (state.error || ended) break;
      if (Date.now() > deadline) break;
      await sleep(100);
    }
    const measurements = await within(
      page.evaluate(() => (globalThis.__stagebenchMeasurements ?? []).splice(0)),
      10_000,
      'the page did not give its measurements',
    );
    if (state.error) return { ok: false, message: shortMessage(state.error), measurements, notes };
    if (state.phases.includes('played')) return { ok: true, message: '', measurements, notes };
    // a story without a play function (test-storybook's smoke test) passes once it rendered
    if (!entry.tags.includes('play-fn') && state.phases.includes('finished')) return { ok: true, message: '', measurements, notes };
    const last = state.phases.at(-1) ?? 'none';
    if (last === 'errored' || last === 'aborted') return { ok: false, message: `the story ended in phase ${last}`, measurements, notes };
    return { ok: false, message: `no end within ${STORY_TIMEOUT_MS / 1000} s (last phase: ${last})`, measurements, notes };
  } finally {
    page.off('console', onConsole);
  }
}

/** Runs `entries` on one page in each of `browsers` at once; calls `report` with each result as it comes. */
async function runStories(browsers, baseUrl, entries, report) {
  const queue = [...entries];
  const worker = async (browser) => {
    const page = await within(browser.newPage(), 30_000, 'Firefox opened no page');
    try {
      await page.setViewport({ width: 1280, height: 900 });
      await page.evaluateOnNewDocument(watchPreviewChannel);
      for (let entry = queue.shift(); entry; entry = queue.shift()) {
        const t0 = Date.now();
        let result;
        try {
          result = await runStory(page, baseUrl, entry);
        } catch (err) {
          result = { ok: false, message: err.message.split('\n')[0], measurements: [], notes: [] };
        }
        // leave the story (its AudioContext closes) before the next opens
        await page.goto('about:blank', { timeout: 10_000 }).catch(() => {});
        report(entry, { ...result, seconds: (Date.now() - t0) / 1000 });
      }
    } finally {
      await page.close().catch(() => {});
    }
  };
  await Promise.all(browsers.slice(0, Math.max(1, entries.length)).map(worker));
}

/** The `chromiumOnly` reasons of the skipped stories, read from the build's preview (one page, no story rendered). */
async function chromiumOnlyReasons(browser, baseUrl, entries) {
  if (entries.length === 0) return new Map();
  const page = await within(browser.newPage(), 30_000, 'Firefox opened no page');
  try {
    await page.goto(`${baseUrl}/iframe.html`, { waitUntil: 'load', timeout: 30_000 });
    const reasons = await within(
      page.evaluate(
        async (ids) => {
          const preview = globalThis.__STORYBOOK_PREVIEW__;
          for (let i = 0; i < 200 && !preview.storyStoreValue; i++) await new Promise((r) => setTimeout(r, 50));
          const out = {};
          for (const id of ids) out[id] = (await preview.storyStoreValue.loadStory({ storyId: id })).parameters?.chromiumOnly ?? null;
          return out;
        },
        entries.map((e) => e.id),
      ),
      30_000,
      "reading the skipped stories' parameters",
    );
    return new Map(Object.entries(reasons));
  } finally {
    await page.close().catch(() => {});
  }
}

/** Writes this run's Firefox measurements to `file` in test-results (its own: a Chromium suite may be appending to measurements.jsonl). */
function writeMeasurements(file, rows) {
  writeFileSync(join(resultsDir, file), rows.length ? `${rows.map((r) => JSON.stringify(r)).join('\n')}\n` : '');
}

/** The passes of the Firefox suite, in the order they run: `perf` (one page at a time), then `rest`. */
export const FIREFOX_PASSES = ['perf', 'rest'];

/**
 * The Firefox suite: { passed, failed } (each story run is one test; a skipped story is listed, not
 * counted). A failure to start PulseAudio or Firefox is one failure, named with its fix. `passes`
 * narrows it to some of FIREFOX_PASSES (npm test runs perf alone, rest beside other suites): the
 * results and measurements then go to files named for them (stories-firefox-perf.json, ...).
 */
export async function runFirefoxTests({ build = false, files = [], passes = FIREFOX_PASSES } = {}) {
  const unknownPass = passes.filter((p) => !FIREFOX_PASSES.includes(p));
  if (unknownPass.length > 0) throw new Error(`no Firefox pass ${unknownPass.join(', ')} (passes: ${FIREFOX_PASSES.join(', ')})`);
  const suffix = FIREFOX_PASSES.every((p) => passes.includes(p)) ? '' : `-${passes.join('-')}`;
  const t0 = Date.now();
  mkdirSync(resultsDir, { recursive: true });
  if (build || !existsSync(join(root, 'storybook-static/index.html'))) buildStorybook();
  const index = JSON.parse(readFileSync(join(root, 'storybook-static/index.json'), 'utf8'));
  const inFiles = (e) => files.length === 0 || files.some((f) => e.importPath.replace(/^\.\//, '') === f.replace(/^\.\//, ''));
  const stories = Object.values(index.entries).filter((e) => e.type === 'story' && inFiles(e));
  const perfWanted = storyFilter(['perf'], ['expected-failure', 'no-isolation']);
  const restWanted = storyFilter(['test'], ['perf', 'expected-failure', 'no-isolation']);
  const perf = passes.includes('perf') ? stories.filter((e) => perfWanted(e.tags ?? [])) : [];
  const rest = passes.includes('rest') ? stories.filter((e) => restWanted(e.tags ?? [])) : [];
  const skippedEntries = [...perf, ...rest].filter((e) => e.tags.includes(CHROMIUM_ONLY_TAG));
  const toRun = (list) => list.filter((e) => !e.tags.includes(CHROMIUM_ONLY_TAG));

  const cleanups = [];
  // one clean-up, whichever comes first: the end of the run or a signal (both wait for it)
  let cleaning = null;
  const cleanup = () =>
    (cleaning ??= (async () => {
      for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
    })());
  const onSignal = (signal) => {
    console.error(`firefox: ${signal}: stopping Firefox, PulseAudio and the server`);
    void cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const results = [];
  const measurements = [];
  let skipped = [];
  let browserVersion = '';
  try {
    const server = await serveStatic();
    cleanups.push(() => server.stop());
    const pulse = await startPulseAudio();
    cleanups.push(() => pulse.stop());
    const launch = async () => {
      const b = await launchFirefox(pulse.server);
      const firefoxProcess = b.process();
      cleanups.push(async () => {
        await within(b.close(), 10_000, 'Firefox closing').catch(() => firefoxProcess?.kill('SIGKILL'));
      });
      return b;
    };
    const browser = await launch();
    browserVersion = await within(browser.version(), 10_000, 'Firefox gave no version');
    log(
      `${browserVersion} over WebDriver BiDi, audio to a PulseAudio null sink at 48 kHz (started in ${((Date.now() - t0) / 1000).toFixed(1)} s)`,
    );

    const reasons = await chromiumOnlyReasons(browser, server.url, skippedEntries);
    skipped = skippedEntries.map((e) => ({ id: e.id, name: storyTestName(e), reason: reasons.get(e.id) ?? null }));
    // a skip must say why (stories/support/engines.ts gives the tag and the reason together)
    for (const s of skipped.filter((x) => !x.reason))
      results.push({
        id: s.id,
        name: s.name,
        pass: null,
        ok: false,
        seconds: 0,
        message: `tagged ${CHROMIUM_ONLY_TAG} without parameters.chromiumOnly`,
        notes: [],
      });
    const report = (pass) => (entry, r) => {
      const name = storyTestName(entry);
      results.push({ id: entry.id, name, pass, ok: r.ok, seconds: r.seconds, message: r.message, notes: r.notes });
      for (const m of r.measurements) measurements.push({ story: entry.id, engine: 'firefox', ...m });
      console.log(`  ${r.ok ? 'PASS' : 'FAIL'} ${name} (${r.seconds.toFixed(1)} s)`);
      if (!r.ok) console.log(`       ${r.message.split('\n').join('\n       ')}`);
      for (const n of r.notes.filter((x) => /skipped/i.test(x))) console.log(`       note: ${n}`);
    };
    if (passes.includes('perf')) {
      log(`pass "perf": ${toRun(perf).length} stories, one page at a time`);
      await runStories([browser], server.url, toRun(perf), report('perf'));
    }
    // stories tagged `interactive` (keyboard focus, the clipboard, the page's controls) failed now and
    // then beside a second Firefox: they run after the others, one at a time
    const interactive = toRun(rest).filter((e) => e.tags.includes(INTERACTIVE_TAG));
    const parallel = toRun(rest).filter((e) => !e.tags.includes(INTERACTIVE_TAG));
    if (passes.includes('rest')) {
      const restBrowsers = [browser];
      while (restBrowsers.length < Math.min(REST_BROWSERS, parallel.length)) restBrowsers.push(await launch());
      log(`pass "rest": ${parallel.length} stories, a page in each of ${restBrowsers.length} Firefox instance(s) at once`);
      await runStories(restBrowsers, server.url, parallel, report('rest'));
      log(`pass "rest", tagged ${INTERACTIVE_TAG}: ${interactive.length} stories, one page at a time`);
      await runStories([browser], server.url, interactive, report('rest'));
    }
  } catch (err) {
    console.error(`firefox: FAILED: ${err.message}`);
    results.push({ id: null, name: 'start-up', pass: null, ok: false, seconds: 0, message: err.message, notes: [] });
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (skipped.length > 0) {
    log(`skipped (Chromium-only), ${skipped.length}:`);
    for (const s of skipped) console.log(`  SKIP ${s.name}: ${s.reason ?? 'NO REASON GIVEN (a failure)'}`);
  }
  const passed = results.filter((r) => r.ok).length;
  let failed = results.length - passed;
  if (results.length === 0) {
    console.error('firefox: FAILED: no story ran (story files that match none?)');
    failed = 1;
  }
  const seconds = (Date.now() - t0) / 1000;
  writeMeasurements(`measurements-firefox${suffix}.jsonl`, measurements);
  writeFileSync(
    join(resultsDir, `stories-firefox${suffix}.json`),
    `${JSON.stringify({ engine: 'firefox', browser: browserVersion, seconds, passed, failed, skipped, results, measurements }, null, 2)}\n`,
  );
  log(`${passed} passed, ${failed} failed, ${skipped.length} skipped in ${seconds.toFixed(1)} s`);
  return { passed, failed };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const passes = [];
  const rest = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--pass') passes.push(args[++i]);
    else rest.push(args[i]);
  }
  const files = rest.filter((a) => /\.stories\.tsx?$/.test(a));
  const unknown = rest.filter((a) => a !== '--build' && !files.includes(a));
  if (unknown.length > 0) {
    console.error(`firefox: unknown argument ${unknown.join(' ')} (options: --build, --pass ${FIREFOX_PASSES.join('|')}, story files)`);
    process.exit(2);
  }
  try {
    const r = await runFirefoxTests({ build: rest.includes('--build'), files, passes: passes.length ? passes : FIREFOX_PASSES });
    console.log(`${r.passed} passed, ${r.failed} failed`);
    process.exit(r.failed === 0 ? 0 : 1);
  } catch (err) {
    console.error(`firefox: ${err.message}`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}
