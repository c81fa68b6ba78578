#!/usr/bin/env -S npx tsx
/**
 * Soak run: every stage live in turn, with its visualisers, in headless Chromium on the static
 * build, sampled once a second.
 *
 *   npm run soak                          10 minutes (600 s / stages each, cycling until the time is up)
 *   npm run soak -- --duration 60         what `npm test` runs
 *   options: --duration S  --per-stage S  --stories id,id  --play  --heap-growth-mb 5  --heap-max-mb 50
 *            --heap-every 5  --min-raf 55  --qps-tolerance 0.05  --max-quanta-over-permille 10  --max-quanta-over-at-start-permille 10
 *            --static-dir DIR  --js-flags "V8 flags"  --results-dir DIR
 *
 * A copy of the build is served (a rebuild during the run changes nothing), and one page
 * (iframe.html, no manager) stays open for the whole run: stories switch in place as the Storybook
 * UI switches them, so the shared runtime, its AudioContext and the heap live on, and a leak
 * across switches shows. The stages are the first story of every "DSP Stages/*" title in the
 * build's index.json, and the first of "Workbench/Chain" (EQ → FFT: two stages on one instance, each
 * publishing its own visual slot, both drawn). Their play functions (tests: offline renders,
 * kernel timing in a worker) do not run unless `--play` says so: the soak measures the stage
 * running live with its visualisers, as someone tuning it sees it.
 *
 * Each second: the status bar's quanta/s, "quanta ≥ 1 ms" and "over deadline" figures as shown (data-testid
 * values) and the requestAnimationFrame rate (a counter injected into the page); every 5 s
 * (--heap-every), never in a visit's first 3.5 s (heapSampleDue), the JS heap after a full gc()
 * (performance.memory.usedJSHeapSize; Chromium with --js-flags=--expose-gc
 * --enable-precise-memory-info). A forced full GC of a 20 MB heap takes
 * 50-180 ms on this class of machine, on the main thread and V8's helper threads: taken every
 * second it cost the page frames and the audio thread its core, so it is taken less often, and the
 * seconds that hold one are left out of the rAF figure. Asserts:
 * - JS heap growth below 5 MB (median of the first minute against the last, or of the first and
 *   last quarter of a shorter run), and below 50 MB throughout;
 * - quanta/s (the status bar's EMA) within 5 % of sampleRate/128 in every sample from 2.5 s after
 *   a story rendered (the worklet publishes its first 1 s window after a stage switch by then);
 * - over the deadline: the status bar's "over deadline" counts callbacks across which Date.now()
 *   stepped by floor(128 / sampleRate in ms) + 2 or more, which proves they outlasted the deadline
 *   (4 ms at 44.1 kHz against 2.9). None while a stage runs; at most 1 a visit as it starts (the
 *   switch: new buffers, first frames);
 * - "quanta ≥ 1 ms" (Date.now() stepped by 2 ms or more: longer than 1 ms) bounds the quanta over
 *   the deadline from above but counts every preemption of the audio thread too: at most 10 ‰ of
 *   the quanta, while a stage runs and as it starts. Measured here (60 s, 10 s a stage): 0-11 of
 *   about 3,000 a visit, the most for Shift Hypotheses;
 * - the rAF median of each stage at least 55/s.
 * Prints a per-stage table and PASS or FAIL; writes test-results/soak.json (every sample, with the
 * machine's load average beside it). Exit status: 0 pass, 1 fail, 2 usage.
 *
 * This file drives the browser; what the samples mean (the summaries, the checks above, the
 * table, the command line) is in soak-analysis.ts.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright';
import {
  DEFAULTS,
  UsageError,
  heapSampleDue,
  heapVerdict,
  formatTable,
  num,
  parseArgs,
  parseStatus,
  soakChecks,
  stageStories,
  summariseStage,
  type Check,
  type HeapVerdict,
  type IndexEntry,
  type Sample,
  type SoakOptions,
  type StageSummary,
  type StatusBarText,
  type Visit,
} from './soak-analysis.ts';

const SELF = fileURLToPath(import.meta.url);

// ---------------------------------------------------------------------------------------------
// the browser side

declare global {
  interface Window {
    __soak?: { frames: number; finished: Record<string, string>; rendered: Record<string, number> };
    __STORYBOOK_ADDONS_CHANNEL__?: {
      on(event: string, fn: (...args: unknown[]) => void): void;
      emit(event: string, ...args: unknown[]): void;
    };
    gc?: () => void;
  }
}

/**
 * Runs in the page before its own scripts (an init script): the rAF counter, and listeners on
 * Storybook's channel as soon as the preview creates it, so the first story's render is seen too.
 */
function instrumentPage(): void {
  if (window.top !== window) return;
  const soak = { frames: 0, finished: {} as Record<string, string>, rendered: {} as Record<string, number> };
  window.__soak = soak;
  const tick = () => {
    soak.frames++;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  const attach = setInterval(() => {
    const channel = window.__STORYBOOK_ADDONS_CHANNEL__;
    if (!channel) return;
    clearInterval(attach);
    // on screen: the play function starts, or the render completes (no play function, or embed mode)
    channel.on('storyRenderPhaseChanged', (e) => {
      const { newPhase, storyId } = e as { newPhase: string; storyId: string };
      if ((newPhase === 'playing' || newPhase === 'completed') && soak.rendered[storyId] === undefined)
        soak.rendered[storyId] = performance.now();
    });
    channel.on('storyFinished', (e) => {
      const { storyId, status } = e as { storyId: string; status: string };
      soak.finished[storyId] = status;
    });
  }, 5);
}

interface PageSample extends StatusBarText {
  now: number;
  frames: number;
  heap: number | null;
  gcMs: number | null;
  renderedAt: number | null;
  play: string | null;
  stage: string | null;
  wasm: string | null;
  context: string | null;
  deadlineText: string | null;
}

function samplePage(page: Page, storyId: string, withGc: boolean): Promise<PageSample> {
  return page.evaluate(
    ([id, gc]) => {
      let gcMs: number | null = null;
      if (gc) {
        const g0 = performance.now();
        window.gc!();
        gcMs = performance.now() - g0;
      }
      const memory = (performance as unknown as { memory: { usedJSHeapSize: number } }).memory;
      const el = (testId: string) => document.querySelector(`[data-testid="${testId}"]`);
      const text = (testId: string) => el(testId)?.textContent ?? null;
      return {
        now: performance.now(),
        frames: window.__soak!.frames,
        heap: gc ? memory.usedJSHeapSize : null,
        gcMs,
        renderedAt: window.__soak!.rendered[id] ?? null,
        play: window.__soak!.finished[id] ?? null,
        stage: text('stage-id'),
        wasm: text('wasm-status'),
        context: text('context-state'),
        qpsText: text('quanta-per-sec'),
        qpsItem: el('quanta-per-sec')?.parentElement?.textContent ?? null,
        overText: text('quanta-over-1ms'),
        overItem: el('quanta-over-1ms')?.parentElement?.textContent ?? null,
        deadlineText: text('quanta-over-deadline'),
        underrunText: text('underrun-events'),
        lagText: text('clock-lag-ms'),
      };
    },
    [storyId, withGc] as const,
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--enable-precise-memory-info',
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];

/** requestAnimationFrame rate of an empty page: what headless Chromium gives with nothing to draw. */
async function idleRaf(context: BrowserContext, seconds: number): Promise<{ rafPerS: number; visibility: string }> {
  const page = await context.newPage();
  try {
    await page.setContent('<!doctype html><title>idle</title><p>idle</p>');
    return await page.evaluate(async (s) => {
      let frames = 0;
      const tick = () => {
        frames++;
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
      await new Promise((r) => setTimeout(r, 300));
      const f0 = frames;
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, s * 1000));
      return { rafPerS: ((frames - f0) * 1000) / (performance.now() - t0), visibility: document.visibilityState };
    }, seconds);
  } finally {
    await page.close();
  }
}

export interface SoakResult {
  options: SoakOptions;
  startedAt: string;
  chromium: string;
  idleRafPerS: number;
  visibility: string;
  visits: Visit[];
  stages: StageSummary[];
  heap: HeapVerdict;
  pageProblems: string[];
  checks: Check[];
  pass: boolean;
  samples: Sample[];
}

export async function runSoak(opts: SoakOptions, log: (s: string) => void = console.log): Promise<SoakResult> {
  const serve = (await import(new URL('./serve-static.mjs', import.meta.url).href)) as {
    serveStatic: (o: { dir: string }) => Promise<{ url: string; stop: () => Promise<void> }>;
    buildStorybook: () => void;
  };
  const { chromiumPath } = (await import(new URL('./setup.mjs', import.meta.url).href)) as { chromiumPath: () => string };
  if (!existsSync(`${opts.staticDir}/index.json`)) {
    if (opts.staticDir !== DEFAULTS.staticDir) throw new Error(`no static Storybook in ${opts.staticDir} (no index.json)`);
    log('soak: no static build: building it');
    serve.buildStorybook();
  }
  // a copy of the build is served: a rebuild of storybook-static during the run (new asset
  // names) would otherwise break every story the page has not loaded yet
  const served = mkdtempSync(join(tmpdir(), 'stagebench-soak-'));
  try {
    cpSync(opts.staticDir, served, { recursive: true });
    return await soakBuild(opts, served, serve.serveStatic, chromiumPath, log);
  } finally {
    rmSync(served, { recursive: true, force: true });
  }
}

async function soakBuild(
  opts: SoakOptions,
  dir: string,
  serveStatic: (o: { dir: string }) => Promise<{ url: string; stop: () => Promise<void> }>,
  chromiumPath: () => string,
  log: (s: string) => void,
): Promise<SoakResult> {
  const index = JSON.parse(readFileSync(`${dir}/index.json`, 'utf8')) as { entries: Record<string, IndexEntry> };
  let stories = stageStories(index);
  if (opts.stories) {
    const wanted = opts.stories;
    const unknown = wanted.filter((id) => !index.entries[id] || index.entries[id]!.type !== 'story');
    if (unknown.length > 0) throw new Error(`no such stories in ${opts.staticDir}/index.json: ${unknown.join(', ')}`);
    stories = wanted.map((id) => index.entries[id]!);
  }
  if (stories.length === 0) throw new Error(`no "DSP Stages/*" stories in ${opts.staticDir}/index.json`);
  const perStageS = opts.perStageS ?? opts.durationS / stories.length;
  const { chromium } = await import('playwright');
  const server = await serveStatic({ dir });
  const jsFlags = ['--expose-gc', ...opts.jsFlags.split(/\s+/).filter(Boolean)].join(' ');
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [...CHROMIUM_ARGS, `--js-flags=${jsFlags}`],
  });
  const pageProblems: string[] = [];
  const samples: Sample[] = [];
  const visits: Visit[] = [];
  const version = browser.version();
  let idle = { rafPerS: 0, visibility: '' };
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    // tsx compiles this file with esbuild's keepNames, which wraps functions in __name(...): the
    // functions passed to page.evaluate carry those calls into the page
    await context.addInitScript({ content: 'globalThis.__name ??= (fn) => fn;' });
    await context.addInitScript(instrumentPage);
    idle = await idleRaf(context, 3);
    log(`soak: headless Chromium ${version}: an idle page gets ${idle.rafPerS.toFixed(1)} rAF/s (visibility ${idle.visibility})`);
    log(
      `soak: ${stories.length} stages, ${perStageS.toFixed(1)} s each, cycling for ${opts.durationS} s: ${stories.map((s) => s.title).join(', ')}`,
    );
    const page = await context.newPage();
    page.on('crash', () => pageProblems.push('the page crashed'));
    page.on('pageerror', (err) => pageProblems.push(`uncaught: ${err.message.split('\n')[0]}`));
    const consoleErrors = new Set<string>();
    page.on('console', (m) => {
      if (m.type() !== 'error' || consoleErrors.size >= 20) return;
      const text = m.text().split('\n')[0]!;
      if (!consoleErrors.has(text)) log(`soak: page console error: ${text}`);
      consoleErrors.add(text);
    });
    // The preview opens with no story, then each story is set over Storybook's channel, as the
    // Storybook UI does. Without --play, `embed=true` is put into the URL after the preview has
    // started: Storybook reads it at each render as "render, do not play", while its embed-mode
    // size reporter (set up only when the page loads with it) stays off: that reporter measures
    // every element after each DOM change, hundreds of ms a second of main-thread work on a bench
    // whose figures change four times a second, which no user of the Storybook UI pays.
    await page.goto(`${server.url}/iframe.html`);
    await page.waitForFunction(() => window.__soak !== undefined && window.__STORYBOOK_ADDONS_CHANNEL__ !== undefined, null, {
      timeout: 30_000,
    });
    if (!opts.play) await page.evaluate(() => history.replaceState(history.state, '', `${location.pathname}?embed=true`));
    const t0 = Date.now();
    const elapsed = () => (Date.now() - t0) / 1000;
    let prev: PageSample | null = null;
    let visit: Visit | null = null;
    let lastHeapT: number | null = null;
    let k = 0;
    for (;;) {
      const t = elapsed();
      if (t >= opts.durationS) break;
      // one story: one visit (switching to the story on screen would not render it again)
      const slot = stories.length === 1 ? 0 : Math.floor(t / perStageS);
      if (!visit || slot !== visit.index) {
        if (visit) visit.endS = t;
        const story: IndexEntry = stories[slot % stories.length]!;
        visit = {
          index: slot,
          storyId: story.id,
          title: story.title,
          startS: t,
          endS: t,
          renderedS: null,
          play: opts.play ? 'running' : 'off',
        };
        visits.push(visit);
        log(`soak: ${t.toFixed(0).padStart(4)} s  ${story.title}: ${story.id}`);
        await page.evaluate((id) => {
          delete window.__soak!.rendered[id];
          delete window.__soak!.finished[id];
          window.__STORYBOOK_ADDONS_CHANNEL__!.emit('setCurrentStory', { storyId: id, viewMode: 'story' });
        }, story.id);
      }
      const heapDue = heapSampleDue(t - visit.startS, lastHeapT === null ? null : t - lastHeapT, opts, perStageS);
      if (heapDue) lastHeapT = t;
      const p = await samplePage(page, visit.storyId, heapDue);
      if (p.renderedAt !== null && visit.renderedS === null) visit.renderedS = t - (p.now - p.renderedAt) / 1000;
      if (opts.play && p.play) visit.play = p.play === 'success' ? 'pass' : p.play;
      const status = parseStatus(p);
      samples.push({
        t: elapsed(),
        visit: visit.index,
        sinceRender: p.renderedAt === null ? null : (p.now - p.renderedAt) / 1000,
        heapBytes: p.heap,
        gcMs: p.gcMs,
        load1: loadavg()[0]!,
        rafPerS: prev ? ((p.frames - prev.frames) * 1000) / (p.now - prev.now) : null,
        stage: p.stage,
        wasm: p.wasm,
        context: p.context,
        ...status,
        overDeadline: num(p.deadlineText),
      });
      prev = p;
      k++;
      // the next sample on the second, whatever this one cost
      const next = k * 1000 - (Date.now() - t0);
      if (next > 0) await sleep(next);
    }
    if (visit) visit.endS = elapsed();
  } finally {
    await browser.close();
    await server.stop();
  }
  const byStory = new Map<string, Visit[]>();
  for (const v of visits) byStory.set(v.storyId, [...(byStory.get(v.storyId) ?? []), v]);
  const stages = [...byStory.values()].map((vs) => summariseStage(vs, samples, opts));
  const heap = heapVerdict(samples, opts.durationS);
  const checks = soakChecks(stages, heap, opts, pageProblems);
  const result: SoakResult = {
    options: opts,
    startedAt: new Date(Date.now() - opts.durationS * 1000).toISOString(),
    chromium: version,
    idleRafPerS: idle.rafPerS,
    visibility: idle.visibility,
    visits,
    stages,
    heap,
    pageProblems,
    checks,
    pass: checks.every((c) => c.ok),
    samples,
  };
  return result;
}

if (process.argv[1] === SELF) {
  let opts: SoakOptions;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(
      `soak: ${err.message}\nusage: npm run soak -- [--duration S] [--per-stage S] [--stories id,id] [--heap-growth-mb MB] [--heap-max-mb MB] [--heap-every S] [--min-raf N] [--max-quanta-over-permille N]`,
    );
    process.exit(2);
  }
  try {
    const r = await runSoak(opts);
    mkdirSync(opts.resultsDir, { recursive: true });
    writeFileSync(`${opts.resultsDir}/soak.json`, `${JSON.stringify(r, null, 1)}\n`);
    console.log(`\n${formatTable(r.stages)}\n`);
    for (const c of r.checks) console.log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name} (${c.detail})`);
    console.log(r.pass ? 'soak: PASS' : 'soak: FAIL');
    process.exit(r.pass ? 0 : 1);
  } catch (err) {
    console.error(`soak: ${(err as Error).message}`);
    process.exit(1);
  }
}
