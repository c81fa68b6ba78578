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
 * across switches shows. The stages are the first story of every "DSP Stages/*" and
 * "Template/*" title in the build's index.json. Their play functions (tests: offline renders,
 * kernel timing in a worker) do not run unless `--play` says so: the soak measures the stage
 * running live with its visualisers, as someone tuning it sees it.
 *
 * Each second: the status bar's quanta/s, "quanta ≥ 1 ms" and "over deadline" figures as shown (data-testid
 * values) and the requestAnimationFrame rate (a counter injected into the page); every 5 s
 * (--heap-every) the JS heap after a full gc() (performance.memory.usedJSHeapSize; Chromium with
 * --js-flags=--expose-gc --enable-precise-memory-info). A forced full GC of a 20 MB heap takes
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
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright';
import { medianOrNull } from '../worklet/stats.ts';

const SELF = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface SoakOptions {
  durationS: number;
  /** Seconds per stage visit (default: duration / number of stages). */
  perStageS: number | null;
  /** Story ids instead of the first story of each stage title. */
  stories: string[] | null;
  heapGrowthBytes: number;
  heapMaxBytes: number;
  minRafPerS: number;
  qpsTolerance: number;
  /** Highest share of "quanta ≥ 1 ms" accepted while a stage runs, per mille of its quanta after its first settleS seconds (0: none). */
  maxQuantaOverPermille: number;
  /** The same in the first settleS seconds of a visit, as the stage starts (its buffers are new, its first frames run). */
  maxQuantaOverAtStartPermille: number;
  /** Seconds after a story rendered before its quanta/s is held to the bound (the worklet restarts its 1 s window). */
  settleS: number;
  /** Seconds between the samples that force a full gc() and read the heap. */
  heapEveryS: number;
  /** Run the stories' play functions as the Storybook UI does (default: off, Storybook's `embed=true` render: the stage runs alone). */
  play: boolean;
  /** The static Storybook to serve (default storybook-static/, built first if missing). */
  staticDir: string;
  /** More V8 flags for Chromium's --js-flags (diagnosis, e.g. --no-wasm-lazy-compilation). */
  jsFlags: string;
  resultsDir: string;
}

export const DEFAULTS: SoakOptions = {
  durationS: 600, perStageS: null, stories: null, heapGrowthBytes: 5 * 2 ** 20, heapMaxBytes: 50 * 2 ** 20,
  minRafPerS: 55, qpsTolerance: 0.05, maxQuantaOverPermille: 10, maxQuantaOverAtStartPermille: 10, settleS: 2.5, heapEveryS: 5, play: false, staticDir: `${ROOT}storybook-static`, jsFlags: '', resultsDir: `${ROOT}test-results`,
};

// ---------------------------------------------------------------------------------------------
// what a sample holds, and the analysis (pure: unit-tested with made-up samples)

export interface Sample {
  /** Seconds since the run started (Node clock). */
  t: number;
  /** Index into the visit list: which story was asked for. */
  visit: number;
  /** Seconds since that story rendered (null before it has). */
  sinceRender: number | null;
  /** JS heap after a forced full GC; null in the samples that take none. */
  heapBytes: number | null;
  /** How long that GC took (null: none in this sample). */
  gcMs: number | null;
  /** The machine's 1-minute load average (os.loadavg()): other work on the same cores shows here. */
  load1: number;
  /** requestAnimationFrame callbacks per second since the previous sample (null for the first). */
  rafPerS: number | null;
  /** The status bar as shown. */
  stage: string | null;
  wasm: string | null;
  context: string | null;
  /** quanta/s (EMA), null while the status bar shows a dash. */
  qps: number | null;
  expectedQps: number | null;
  /** "quanta ≥ 1 ms", the quanta counted since the stage was set, and the tick spans. */
  quantaOver: number | null;
  /** "over deadline": quanta surely longer than the deadline (null where the status bar shows none). */
  overDeadline?: number | null;
  quanta: number | null;
  tickSpans: number | null;
}

export interface Visit {
  index: number;
  storyId: string;
  title: string;
  startS: number;
  endS: number;
  renderedS: number | null;
  play: string;
}

export interface StageSummary {
  storyId: string;
  title: string;
  stage: string | null;
  visits: number;
  seconds: number;
  play: string[];
  settledSamples: number;
  qpsMin: number | null;
  qpsMedian: number | null;
  qpsMax: number | null;
  expectedQps: number | null;
  qpsOutside: number;
  wasmNotActive: number;
  /** Sum over visits of the status bar's "quanta ≥ 1 ms" (callbacks whose Date.now() stepped by ≥ 2 ms). */
  quantaOver: number;
  /** The part of quantaOver counted in the first settleS seconds of a visit (the stage starting). */
  quantaOverAtStart: number;
  /** Quanta surely over the deadline (status bar "over deadline"), whole visits. */
  overDeadline: number;
  /** The part of overDeadline counted in the first settleS seconds of a visit (the stage starting). */
  overDeadlineAtStart: number;
  tickSpans: number;
  quanta: number;
  /** Quanta per second from the quantum count over the settled samples (the status bar's own count, not its EMA). */
  qpsFromCount: number | null;
  /** Quanta counted after the first settleS seconds of each visit. */
  steadyQuanta: number;
  rafMedian: number | null;
  rafMin: number | null;
  heapMedianBytes: number | null;
  gcMsMedian: number | null;
  loadMedian: number | null;
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

/**
 * Growth of the counters over one visit: the sum of the increases between samples. The worklet
 * resets them when a stage is set, which shows as the quantum count going down: the value after
 * a reset is all new.
 */
export function counterGrowth(samples: readonly Sample[], settleS = 0): { quantaOver: number; quantaOverAtStart: number; overDeadline: number; overDeadlineAtStart: number; tickSpans: number; quanta: number; steadyQuanta: number; steadyS: number } {
  const g = { quantaOver: 0, quantaOverAtStart: 0, overDeadline: 0, overDeadlineAtStart: 0, tickSpans: 0, quanta: 0, steadyQuanta: 0, steadyS: 0 };
  let prev: Sample | null = null;
  for (const s of samples) {
    if (s.quanta === null || s.quantaOver === null || s.tickSpans === null) continue;
    // the first sample of a visit only counts once its story has rendered and the counts are
    // this stage's: the status bar polls every 250 ms and may still show the previous stage's
    // (more quanta than could have run since the render)
    if (!prev && (s.sinceRender === null || s.quanta > (s.sinceRender + 1.5) * 1.2 * (s.expectedQps ?? 400))) continue;
    const reset = !prev || s.quanta < prev.quanta! || s.quantaOver < prev.quantaOver! || s.tickSpans < prev.tickSpans!;
    const over = reset ? s.quantaOver : s.quantaOver - prev!.quantaOver!;
    const quanta = reset ? s.quanta : s.quanta - prev!.quanta!;
    g.quantaOver += over;
    const od = s.overDeadline ?? 0;
    const odGrowth = reset ? od : Math.max(0, od - (prev!.overDeadline ?? 0));
    g.overDeadline += odGrowth;
    g.tickSpans += reset ? s.tickSpans : s.tickSpans - prev!.tickSpans!;
    g.quanta += quanta;
    const atStart = s.sinceRender === null || s.sinceRender < settleS;
    if (atStart) {
      g.quantaOverAtStart += over;
      g.overDeadlineAtStart += odGrowth;
    }
    if (!reset && !atStart && prev!.sinceRender !== null && prev!.sinceRender >= settleS) {
      g.steadyQuanta += quanta;
      g.steadyS += s.t - prev!.t;
    }
    prev = s;
  }
  return g;
}

/** Whether a sample's quanta/s is held to the bound: its story rendered long enough ago and a figure shows. */
export function settled(s: Sample, settleS: number): boolean {
  return s.sinceRender !== null && s.sinceRender >= settleS && s.qps !== null && s.qps > 0;
}

export function summariseStage(visits: readonly Visit[], samples: readonly Sample[], opts: Pick<SoakOptions, 'qpsTolerance' | 'settleS'>): StageSummary {
  const mine = samples.filter((s) => visits.some((v) => v.index === s.visit));
  const ok = mine.filter((s) => settled(s, opts.settleS));
  const qps = ok.map((s) => s.qps!);
  const expected = medianOrNull(ok.map((s) => s.expectedQps).filter((x): x is number => x !== null));
  // a sample whose second held a forced GC lost frames to the measurement itself
  const raf = mine.filter((s) => s.gcMs === null).map((s) => s.rafPerS).filter((x): x is number => x !== null);
  const sum = { quantaOver: 0, quantaOverAtStart: 0, overDeadline: 0, overDeadlineAtStart: 0, tickSpans: 0, quanta: 0, steadyQuanta: 0, steadyS: 0 };
  for (const v of visits) {
    const g = counterGrowth(samples.filter((s) => s.visit === v.index), opts.settleS);
    for (const k of Object.keys(sum) as (keyof typeof sum)[]) sum[k] += g[k];
  }
  return {
    storyId: visits[0]!.storyId,
    title: visits[0]!.title,
    stage: ok.find((s) => s.stage)?.stage ?? mine.find((s) => s.stage)?.stage ?? null,
    visits: visits.length,
    seconds: visits.reduce((a, v) => a + (v.endS - v.startS), 0),
    play: visits.map((v) => v.play),
    settledSamples: ok.length,
    qpsMin: qps.length ? Math.min(...qps) : null,
    qpsMedian: medianOrNull(qps),
    qpsMax: qps.length ? Math.max(...qps) : null,
    expectedQps: expected,
    qpsOutside: expected === null ? ok.length : ok.filter((s) => Math.abs(s.qps! - expected) > opts.qpsTolerance * expected).length,
    wasmNotActive: ok.filter((s) => s.wasm !== 'active').length,
    quantaOver: sum.quantaOver,
    quantaOverAtStart: sum.quantaOverAtStart,
    overDeadline: sum.overDeadline,
    overDeadlineAtStart: sum.overDeadlineAtStart,
    tickSpans: sum.tickSpans,
    quanta: sum.quanta,
    qpsFromCount: sum.steadyS > 0 ? sum.steadyQuanta / sum.steadyS : null,
    steadyQuanta: sum.steadyQuanta,
    rafMedian: medianOrNull(raf),
    rafMin: raf.length ? Math.min(...raf) : null,
    heapMedianBytes: medianOrNull(mine.map((s) => s.heapBytes).filter((x): x is number => x !== null)),
    gcMsMedian: medianOrNull(mine.map((s) => s.gcMs).filter((x): x is number => x !== null)),
    loadMedian: medianOrNull(mine.map((s) => s.load1)),
  };
}

export interface HeapVerdict {
  windowS: number;
  firstMedianBytes: number | null;
  lastMedianBytes: number | null;
  growthBytes: number | null;
  maxBytes: number | null;
}

/** Heap growth: the median of the first window against the last (a minute, or a quarter of a shorter run). */
export function heapVerdict(samples: readonly Sample[], durationS: number): HeapVerdict {
  const windowS = Math.min(60, durationS / 4);
  // the windows start at the first and end at the last sample that read the heap
  const heaps = samples.filter((s): s is Sample & { heapBytes: number } => s.heapBytes !== null);
  const start = heaps.length ? heaps[0]!.t : 0;
  const end = heaps.length ? heaps[heaps.length - 1]!.t : 0;
  const first = medianOrNull(heaps.filter((s) => s.t <= start + windowS).map((s) => s.heapBytes));
  const last = medianOrNull(heaps.filter((s) => s.t >= end - windowS).map((s) => s.heapBytes));
  return {
    windowS,
    firstMedianBytes: first,
    lastMedianBytes: last,
    growthBytes: first === null || last === null ? null : last - first,
    maxBytes: heaps.length ? Math.max(...heaps.map((s) => s.heapBytes)) : null,
  };
}

const mb = (b: number | null) => (b === null ? '-' : `${(b / 2 ** 20).toFixed(2)} MB`);

export function soakChecks(stages: readonly StageSummary[], heap: HeapVerdict, opts: SoakOptions, pageProblems: readonly string[]): Check[] {
  const checks: Check[] = [
    {
      name: `JS heap growth below ${mb(opts.heapGrowthBytes)} (median of the first ${heap.windowS.toFixed(0)} s against the last)`,
      ok: heap.growthBytes !== null && heap.growthBytes < opts.heapGrowthBytes,
      detail: `${mb(heap.firstMedianBytes)} -> ${mb(heap.lastMedianBytes)}: ${heap.growthBytes === null ? 'no samples' : `${heap.growthBytes >= 0 ? '+' : ''}${((heap.growthBytes) / 2 ** 20).toFixed(2)} MB`}`,
    },
    {
      name: `JS heap below ${mb(opts.heapMaxBytes)} after gc throughout`,
      ok: heap.maxBytes !== null && heap.maxBytes < opts.heapMaxBytes,
      detail: `max ${mb(heap.maxBytes)}`,
    },
    { name: 'the page neither crashed nor threw an uncaught exception', ok: pageProblems.length === 0, detail: pageProblems.slice(0, 3).join('; ') || 'none' },
  ];
  for (const s of stages) {
    const label = `${s.title} (${s.storyId})`;
    checks.push({
      name: `${label}: quanta/s within ${(opts.qpsTolerance * 100).toFixed(0)} % of sampleRate/128 in every settled sample, wasm active`,
      ok: s.settledSamples > 0 && s.qpsOutside === 0 && s.wasmNotActive === 0,
      detail: `${s.settledSamples} samples, ${s.qpsMin?.toFixed(1) ?? '-'}..${s.qpsMax?.toFixed(1) ?? '-'} vs ${s.expectedQps?.toFixed(1) ?? '-'}; ${s.qpsOutside} outside, ${s.wasmNotActive} not active`,
    });
    checks.push({
      name: `${label}: no quantum over the deadline while it runs (status bar "over deadline": a Date.now() step that proves the callback outlasted 128 / sampleRate)`,
      ok: s.quanta > 0 && s.overDeadline - s.overDeadlineAtStart === 0,
      detail: `${s.overDeadline - s.overDeadlineAtStart} of ${s.steadyQuanta} quanta after the first ${opts.settleS} s of each visit`,
    });
    checks.push({
      name: `${label}: at most 1 quantum a visit over the deadline as the stage starts (the switch: new buffers, the first frames)`,
      ok: s.overDeadlineAtStart <= s.visits,
      detail: `${s.overDeadlineAtStart} in ${s.visits} visit${s.visits === 1 ? '' : 's'}`,
    });
    const steadyOver = s.quantaOver - s.quantaOverAtStart;
    const atStartQuanta = Math.max(1, s.quanta - s.steadyQuanta);
    checks.push({
      name: `${label}: ${opts.maxQuantaOverPermille === 0 ? 'no quantum' : `at most ${opts.maxQuantaOverPermille} ‰ of quanta`} >= 1 ms while it runs (status bar "quanta ≥ 1 ms": an upper bound on the quanta over the deadline, preemption included)`,
      ok: s.quanta > 0 && steadyOver <= (opts.maxQuantaOverPermille / 1000) * s.steadyQuanta,
      detail: `${steadyOver} of ${s.steadyQuanta} quanta after the first ${opts.settleS} s of each visit; ${s.tickSpans} spanned one 1 ms tick`,
    });
    checks.push({
      name: `${label}: at most ${opts.maxQuantaOverAtStartPermille} ‰ of quanta >= 1 ms as the stage starts (its first ${opts.settleS} s)`,
      ok: s.quantaOverAtStart <= (opts.maxQuantaOverAtStartPermille / 1000) * atStartQuanta,
      detail: `${s.quantaOverAtStart} of about ${atStartQuanta} in ${s.visits} visit${s.visits === 1 ? '' : 's'}`,
    });
    checks.push({
      name: `${label}: requestAnimationFrame median >= ${opts.minRafPerS}/s`,
      ok: s.rafMedian !== null && s.rafMedian >= opts.minRafPerS,
      detail: `median ${s.rafMedian?.toFixed(1) ?? '-'}/s, min ${s.rafMin?.toFixed(1) ?? '-'}/s`,
    });
  }
  return checks;
}

export function formatTable(stages: readonly StageSummary[]): string {
  const head = ['stage', 'story', 's', 'play', 'quanta/s min..max (expected)', 'out', 'by count', '≥1ms (start)', 'ticks', 'rAF med/min', 'heap med', 'gc', 'load'];
  const rows = stages.map((s) => [
    s.stage ?? '?',
    s.storyId.replace(/^.*--/, ''),
    s.seconds.toFixed(0),
    [...new Set(s.play)].join(','),
    `${s.qpsMin?.toFixed(1) ?? '-'}..${s.qpsMax?.toFixed(1) ?? '-'} (${s.expectedQps?.toFixed(1) ?? '-'})`,
    String(s.qpsOutside),
    s.qpsFromCount?.toFixed(1) ?? '-',
    `${s.quantaOver} (${s.quantaOverAtStart})`,
    String(s.tickSpans),
    `${s.rafMedian?.toFixed(1) ?? '-'}/${s.rafMin?.toFixed(1) ?? '-'}`,
    mb(s.heapMedianBytes),
    `${s.gcMsMedian?.toFixed(0) ?? '-'} ms`,
    s.loadMedian?.toFixed(1) ?? '-',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}

// ---------------------------------------------------------------------------------------------
// the stories

interface IndexEntry {
  id: string;
  type: string;
  title: string;
  name: string;
}

/** The first story of every "DSP Stages/*" and "Template/*" title, in index order. */
export function stageStories(index: { entries: Record<string, IndexEntry> }): IndexEntry[] {
  const seen = new Set<string>();
  const out: IndexEntry[] = [];
  for (const e of Object.values(index.entries)) {
    if (e.type !== 'story' || !/^(DSP Stages|Template)\//.test(e.title) || seen.has(e.title)) continue;
    seen.add(e.title);
    out.push(e);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// the browser side

declare global {
  interface Window {
    __soak?: { frames: number; finished: Record<string, string>; rendered: Record<string, number> };
    __STORYBOOK_ADDONS_CHANNEL__?: { on(event: string, fn: (...args: unknown[]) => void): void; emit(event: string, ...args: unknown[]): void };
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
      if ((newPhase === 'playing' || newPhase === 'completed') && soak.rendered[storyId] === undefined) soak.rendered[storyId] = performance.now();
    });
    channel.on('storyFinished', (e) => {
      const { storyId, status } = e as { storyId: string; status: string };
      soak.finished[storyId] = status;
    });
  }, 5);
}

interface PageSample {
  now: number;
  frames: number;
  heap: number | null;
  gcMs: number | null;
  renderedAt: number | null;
  play: string | null;
  stage: string | null;
  wasm: string | null;
  context: string | null;
  qpsText: string | null;
  qpsItem: string | null;
  overText: string | null;
  overItem: string | null;
  deadlineText: string | null;
}

function samplePage(page: Page, storyId: string, withGc: boolean): Promise<PageSample> {
  return page.evaluate(([id, gc]) => {
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
    };
  }, [storyId, withGc] as const);
}

const num = (s: string | null | undefined): number | null => {
  if (s === null || s === undefined) return null;
  const x = Number(s.replace(/,/g, '').trim());
  return Number.isFinite(x) ? x : null;
};

/** The status bar's figures from its text (what a user reads). */
export function parseStatus(p: Pick<PageSample, 'qpsText' | 'qpsItem' | 'overText' | 'overItem'>): Pick<Sample, 'qps' | 'expectedQps' | 'quantaOver' | 'quanta' | 'tickSpans'> {
  const expected = /expected ([\d.]+) =/.exec(p.qpsItem ?? '');
  const counts = /of ([\d,]+) quanta; ([\d,]+) more spanned/.exec(p.overItem ?? '');
  return {
    qps: num(p.qpsText),
    expectedQps: num(expected?.[1]),
    quantaOver: num(p.overText),
    quanta: num(counts?.[1]),
    tickSpans: num(counts?.[2]),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required',
  '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
  '--enable-precise-memory-info',
  '--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows',
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
  if (stories.length === 0) throw new Error(`no "DSP Stages/*" or "Template/*" stories in ${opts.staticDir}/index.json`);
  const perStageS = opts.perStageS ?? opts.durationS / stories.length;
  const { chromium } = await import('playwright');
  const server = await serveStatic({ dir });
  const jsFlags = ['--expose-gc', ...opts.jsFlags.split(/\s+/).filter(Boolean)].join(' ');
  const browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: [...CHROMIUM_ARGS, `--js-flags=${jsFlags}`] });
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
    log(`soak: ${stories.length} stages, ${perStageS.toFixed(1)} s each, cycling for ${opts.durationS} s: ${stories.map((s) => s.title).join(', ')}`);
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
    await page.waitForFunction(() => window.__soak !== undefined && window.__STORYBOOK_ADDONS_CHANNEL__ !== undefined, null, { timeout: 30_000 });
    if (!opts.play) await page.evaluate(() => history.replaceState(history.state, '', `${location.pathname}?embed=true`));
    const t0 = Date.now();
    const elapsed = () => (Date.now() - t0) / 1000;
    let prev: PageSample | null = null;
    let visit: Visit | null = null;
    let k = 0;
    for (;;) {
      const t = elapsed();
      if (t >= opts.durationS) break;
      // one story: one visit (switching to the story on screen would not render it again)
      const slot = stories.length === 1 ? 0 : Math.floor(t / perStageS);
      if (!visit || slot !== visit.index) {
        if (visit) visit.endS = t;
        const story: IndexEntry = stories[slot % stories.length]!;
        visit = { index: slot, storyId: story.id, title: story.title, startS: t, endS: t, renderedS: null, play: opts.play ? 'running' : 'off' };
        visits.push(visit);
        log(`soak: ${t.toFixed(0).padStart(4)} s  ${story.title}: ${story.id}`);
        await page.evaluate((id) => {
          delete window.__soak!.rendered[id];
          delete window.__soak!.finished[id];
          window.__STORYBOOK_ADDONS_CHANNEL__!.emit('setCurrentStory', { storyId: id, viewMode: 'story' });
        }, story.id);
      }
      const p = await samplePage(page, visit.storyId, k % Math.max(1, Math.round(opts.heapEveryS)) === 0);
      if (p.renderedAt !== null && visit.renderedS === null) visit.renderedS = t - (p.now - p.renderedAt) / 1000;
      if (opts.play && p.play) visit.play = p.play === 'success' ? 'pass' : p.play;
      const status = parseStatus(p);
      samples.push({
        t: elapsed(), visit: visit.index, sinceRender: p.renderedAt === null ? null : (p.now - p.renderedAt) / 1000,
        heapBytes: p.heap, gcMs: p.gcMs, load1: loadavg()[0]!, rafPerS: prev ? ((p.frames - prev.frames) * 1000) / (p.now - prev.now) : null,
        stage: p.stage, wasm: p.wasm, context: p.context, ...status, overDeadline: num(p.deadlineText),
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
    options: opts, startedAt: new Date(Date.now() - opts.durationS * 1000).toISOString(), chromium: version, idleRafPerS: idle.rafPerS, visibility: idle.visibility, visits, stages, heap,
    pageProblems, checks, pass: checks.every((c) => c.ok), samples,
  };
  return result;
}

export class UsageError extends Error {}

export function parseArgs(argv: string[]): SoakOptions {
  const o: SoakOptions = { ...DEFAULTS };
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i]!;
    if (flag === '--play') {
      o.play = true;
      i--;
      continue;
    }
    const v = argv[i + 1];
    if (v === undefined) throw new UsageError(`${flag} needs a value`);
    const positive = () => {
      const n = Number(v);
      if (!(Number.isFinite(n) && n > 0)) throw new UsageError(`${flag} takes a positive number, got ${JSON.stringify(v)}`);
      return n;
    };
    switch (flag) {
      case '--duration': o.durationS = positive(); break;
      case '--per-stage': o.perStageS = positive(); break;
      case '--stories': o.stories = v.split(',').filter(Boolean); break;
      case '--heap-growth-mb': o.heapGrowthBytes = positive() * 2 ** 20; break;
      case '--heap-max-mb': o.heapMaxBytes = positive() * 2 ** 20; break;
      case '--min-raf': o.minRafPerS = positive(); break;
      case '--heap-every': o.heapEveryS = positive(); break;
      case '--qps-tolerance': o.qpsTolerance = positive(); break;
      case '--max-quanta-over-permille':
      case '--max-quanta-over-at-start-permille': {
        const n = Number(v);
        if (!(Number.isFinite(n) && n >= 0)) throw new UsageError(`${flag} takes a number >= 0, got ${JSON.stringify(v)}`);
        if (flag === '--max-quanta-over-permille') o.maxQuantaOverPermille = n;
        else o.maxQuantaOverAtStartPermille = n;
        break;
      }
      case '--static-dir': o.staticDir = v; break;
      case '--results-dir': o.resultsDir = v; break;
      case '--js-flags': o.jsFlags = v; break;
      default: throw new UsageError(`unknown option ${flag}`);
    }
  }
  if (o.perStageS !== null && o.perStageS < 5) throw new UsageError('--per-stage must be at least 5 s (a stage needs time to start and settle)');
  return o;
}

if (process.argv[1] === SELF) {
  let opts: SoakOptions;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`soak: ${err.message}\nusage: npm run soak -- [--duration S] [--per-stage S] [--stories id,id] [--heap-growth-mb MB] [--heap-max-mb MB] [--heap-every S] [--min-raf N] [--max-quanta-over-permille N]`);
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
