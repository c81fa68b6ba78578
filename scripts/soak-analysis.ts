/**
 * The soak run's analysis, apart from the browser that feeds it (scripts/soak.ts): the options,
 * what a sample holds, the per-stage summaries and the heap verdict, the checks and the table,
 * the status bar's text read as figures, the stories to visit, and the command line. Pure
 * functions of their arguments, unit-tested with made-up samples in soak.test.ts.
 */
import { CLOCK_LAG_BOUND_MS } from '../worklet/playback-stats.ts';
import { fileURLToPath } from 'node:url';
import { medianOrNull } from '../worklet/stats.ts';
import { parseOptions, type OptionTable } from '../cli/args.ts';

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
  /** Seconds between the samples that force a full gc() and read the heap (none as a stage starts: heapSampleDue). */
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
  durationS: 600,
  perStageS: null,
  stories: null,
  heapGrowthBytes: 5 * 2 ** 20,
  heapMaxBytes: 50 * 2 ** 20,
  minRafPerS: 55,
  qpsTolerance: 0.05,
  maxQuantaOverPermille: 10,
  maxQuantaOverAtStartPermille: 10,
  settleS: 2.5,
  heapEveryS: 5,
  play: false,
  staticDir: `${ROOT}storybook-static`,
  jsFlags: '',
  resultsDir: `${ROOT}test-results`,
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
  /** The browser's underrun events since the stage started (playbackStats; null: not shown yet, or no counter). */
  underruns?: number | null;
  /** The audio clock's lag behind wall time since the stage started, ms (null: not shown yet). */
  clockLagMs?: number | null;
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
  /** Settled samples that showed the browser's underrun count, and its growth over them (whole visits, after settleS). */
  underrunSamples: number;
  underrunsSteady: number;
  /** Settled samples that showed the audio clock's lag, and the largest |lag| among them (ms). */
  lagSamples: number;
  lagMaxAbsMs: number | null;
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
export function counterGrowth(
  samples: readonly Sample[],
  settleS = 0,
): {
  quantaOver: number;
  quantaOverAtStart: number;
  overDeadline: number;
  overDeadlineAtStart: number;
  tickSpans: number;
  quanta: number;
  steadyQuanta: number;
  steadyS: number;
} {
  const g = {
    quantaOver: 0,
    quantaOverAtStart: 0,
    overDeadline: 0,
    overDeadlineAtStart: 0,
    tickSpans: 0,
    quanta: 0,
    steadyQuanta: 0,
    steadyS: 0,
  };
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

/**
 * Whether this second's sample forces a full gc() and reads the heap: heapEveryS after the last
 * one, and never while a stage starts. A forced gc() of the page's heap keeps the main thread and
 * V8's helper threads busy for 50-180 ms; taken as a story renders it competed with the new
 * stage's first quanta for the two cores (with 10 s a stage and a heap sample every 5 s, every
 * visit began with one), so the start window's "over deadline" figure measured the soak itself.
 * The start window is settleS plus a second (a story renders within a second of being set), at
 * most half a visit so that short visits still read the heap.
 */
export function heapSampleDue(
  sinceVisitS: number,
  sinceLastHeapS: number | null,
  opts: Pick<SoakOptions, 'settleS' | 'heapEveryS'>,
  perStageS: number,
): boolean {
  const startWindowS = Math.min(opts.settleS + 1, perStageS / 2);
  return sinceVisitS >= startWindowS && (sinceLastHeapS === null || sinceLastHeapS >= opts.heapEveryS - 0.5);
}

/** Whether a sample's quanta/s is held to the bound: its story rendered long enough ago and a figure shows. */
export function settled(s: Sample, settleS: number): boolean {
  return s.sinceRender !== null && s.sinceRender >= settleS && s.qps !== null && s.qps > 0;
}

/**
 * The browser's own counters over the settled part of each visit: the growth of the underrun count
 * (the status bar restarts it when a stage is selected, which shows as the count going down) and
 * the largest audio clock lag.
 */
export function browserCounters(
  visits: readonly Visit[],
  samples: readonly Sample[],
  settleS: number,
): Pick<StageSummary, 'underrunSamples' | 'underrunsSteady' | 'lagSamples' | 'lagMaxAbsMs'> {
  let underrunSamples = 0;
  let underrunsSteady = 0;
  const lags: number[] = [];
  for (const v of visits) {
    let prev: number | null = null;
    for (const s of samples) {
      if (s.visit !== v.index || s.sinceRender === null || s.sinceRender < settleS) continue;
      if (s.clockLagMs !== null && s.clockLagMs !== undefined) lags.push(Math.abs(s.clockLagMs));
      const u = s.underruns;
      if (u === null || u === undefined) continue;
      underrunSamples++;
      if (prev !== null) underrunsSteady += u >= prev ? u - prev : u;
      prev = u;
    }
  }
  return { underrunSamples, underrunsSteady, lagSamples: lags.length, lagMaxAbsMs: lags.length ? Math.max(...lags) : null };
}

export function summariseStage(
  visits: readonly Visit[],
  samples: readonly Sample[],
  opts: Pick<SoakOptions, 'qpsTolerance' | 'settleS'>,
): StageSummary {
  const mine = samples.filter((s) => visits.some((v) => v.index === s.visit));
  const ok = mine.filter((s) => settled(s, opts.settleS));
  const qps = ok.map((s) => s.qps!);
  const browser = browserCounters(visits, samples, opts.settleS);
  const expected = medianOrNull(ok.map((s) => s.expectedQps).filter((x): x is number => x !== null));
  // a sample whose second held a forced GC lost frames to the measurement itself
  const raf = mine
    .filter((s) => s.gcMs === null)
    .map((s) => s.rafPerS)
    .filter((x): x is number => x !== null);
  const sum = {
    quantaOver: 0,
    quantaOverAtStart: 0,
    overDeadline: 0,
    overDeadlineAtStart: 0,
    tickSpans: 0,
    quanta: 0,
    steadyQuanta: 0,
    steadyS: 0,
  };
  for (const v of visits) {
    const g = counterGrowth(
      samples.filter((s) => s.visit === v.index),
      opts.settleS,
    );
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
    ...browser,
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

export function soakChecks(
  stages: readonly StageSummary[],
  heap: HeapVerdict,
  opts: SoakOptions,
  pageProblems: readonly string[],
): Check[] {
  const checks: Check[] = [
    {
      name: `JS heap growth below ${mb(opts.heapGrowthBytes)} (median of the first ${heap.windowS.toFixed(0)} s against the last)`,
      ok: heap.growthBytes !== null && heap.growthBytes < opts.heapGrowthBytes,
      detail: `${mb(heap.firstMedianBytes)} -> ${mb(heap.lastMedianBytes)}: ${heap.growthBytes === null ? 'no samples' : `${heap.growthBytes >= 0 ? '+' : ''}${(heap.growthBytes / 2 ** 20).toFixed(2)} MB`}`,
    },
    {
      name: `JS heap below ${mb(opts.heapMaxBytes)} after gc throughout`,
      ok: heap.maxBytes !== null && heap.maxBytes < opts.heapMaxBytes,
      detail: `max ${mb(heap.maxBytes)}`,
    },
    {
      name: 'the page neither crashed nor threw an uncaught exception',
      ok: pageProblems.length === 0,
      detail: pageProblems.slice(0, 3).join('; ') || 'none',
    },
  ];
  for (const s of stages) {
    const label = `${s.title} (${s.storyId})`;
    checks.push({
      name: `${label}: quanta/s within ${(opts.qpsTolerance * 100).toFixed(0)} % of sampleRate/128 in every settled sample, wasm active`,
      ok: s.settledSamples > 0 && s.qpsOutside === 0 && s.wasmNotActive === 0,
      detail: `${s.settledSamples} samples, ${s.qpsMin?.toFixed(1) ?? '-'}..${s.qpsMax?.toFixed(1) ?? '-'} vs ${s.expectedQps?.toFixed(1) ?? '-'}; ${s.qpsOutside} outside, ${s.wasmNotActive} not active`,
    });
    checks.push({
      name: `${label}: no browser underrun while it runs (status bar "browser underruns": AudioContext.playbackStats, after the first ${opts.settleS} s of each visit)`,
      ok: s.underrunSamples > 0 && s.underrunsSteady === 0,
      detail:
        s.underrunSamples > 0 ? `${s.underrunsSteady} new in ${s.underrunSamples} samples` : 'the status bar showed no underrun count',
    });
    checks.push({
      name: `${label}: audio clock lag within ${CLOCK_LAG_BOUND_MS} ms while it runs (status bar "audio clock lag", after the first ${opts.settleS} s of each visit)`,
      ok: s.lagSamples > 0 && s.lagMaxAbsMs !== null && s.lagMaxAbsMs <= CLOCK_LAG_BOUND_MS,
      detail:
        s.lagSamples > 0 ? `largest |lag| ${s.lagMaxAbsMs!.toFixed(1)} ms in ${s.lagSamples} samples` : 'the status bar showed no lag',
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
  const head = [
    'stage',
    'story',
    's',
    'play',
    'quanta/s min..max (expected)',
    'out',
    'by count',
    '≥1ms (start)',
    'ticks',
    'rAF med/min',
    'heap med',
    'gc',
    'load',
  ];
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

export interface IndexEntry {
  id: string;
  type: string;
  title: string;
  name: string;
}

/** The titles the soak visits: every stage's, and the chain's (its stages live together, each drawn). */
const SOAKED_TITLES = /^(DSP Stages\/|Workbench\/Chain$)/;

/** The first story of every "DSP Stages/*" title (one per stage) and of "Workbench/Chain", in index order. */
export function stageStories(index: { entries: Record<string, IndexEntry> }): IndexEntry[] {
  const seen = new Set<string>();
  const out: IndexEntry[] = [];
  for (const e of Object.values(index.entries)) {
    if (e.type !== 'story' || !SOAKED_TITLES.test(e.title) || seen.has(e.title)) continue;
    seen.add(e.title);
    out.push(e);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// the status bar's text

/** The status bar's quanta/s and "quanta ≥ 1 ms" figures and their items' whole text, as the page shows them. */
export interface StatusBarText {
  qpsText: string | null;
  qpsItem: string | null;
  overText: string | null;
  overItem: string | null;
  /** The browser underrun count and the audio clock lag ("-3.97 ms"), as shown. */
  underrunText?: string | null;
  lagText?: string | null;
}

/** A number as the status bar shows it (thousands separated by commas), or null for a dash or nothing. */
export const num = (s: string | null | undefined): number | null => {
  if (s === null || s === undefined) return null;
  const x = Number(s.replace(/,/g, '').trim());
  return Number.isFinite(x) ? x : null;
};

/** The status bar's figures from its text (what a user reads). */
export function parseStatus(
  p: StatusBarText,
): Pick<Sample, 'qps' | 'expectedQps' | 'quantaOver' | 'quanta' | 'tickSpans' | 'underruns' | 'clockLagMs'> {
  const lag = /^\s*(-?[\d,.]+) ms\s*$/.exec(p.lagText ?? '');
  const expected = /expected ([\d.]+) =/.exec(p.qpsItem ?? '');
  const counts = /of ([\d,]+) quanta; ([\d,]+) more spanned/.exec(p.overItem ?? '');
  return {
    qps: num(p.qpsText),
    expectedQps: num(expected?.[1]),
    quantaOver: num(p.overText),
    quanta: num(counts?.[1]),
    tickSpans: num(counts?.[2]),
    underruns: num(p.underrunText),
    clockLagMs: num(lag?.[1]),
  };
}

// ---------------------------------------------------------------------------------------------
// the command line

export class UsageError extends Error {}

/** The options and what each takes. */
const OPTIONS: OptionTable = {
  '--play': 'switch',
  '--duration': 'value',
  '--per-stage': 'value',
  '--stories': 'value',
  '--heap-growth-mb': 'value',
  '--heap-max-mb': 'value',
  '--min-raf': 'value',
  '--heap-every': 'value',
  '--qps-tolerance': 'value',
  '--max-quanta-over-permille': 'value',
  '--max-quanta-over-at-start-permille': 'value',
  '--static-dir': 'value',
  '--results-dir': 'value',
  '--js-flags': 'value',
};

export function parseArgs(argv: string[]): SoakOptions {
  const o: SoakOptions = { ...DEFAULTS };
  const parsed = parseOptions(argv, OPTIONS, { command: 'soak', positionals: 0, error: (m) => new UsageError(m) });
  for (const { flag, value: v } of parsed.given) {
    if (v === true) {
      o.play = true;
      continue;
    }
    const positive = () => {
      const n = Number(v);
      if (!(Number.isFinite(n) && n > 0)) throw new UsageError(`${flag} takes a positive number, got ${JSON.stringify(v)}`);
      return n;
    };
    switch (flag) {
      case '--duration':
        o.durationS = positive();
        break;
      case '--per-stage':
        o.perStageS = positive();
        break;
      case '--stories':
        o.stories = v.split(',').filter(Boolean);
        break;
      case '--heap-growth-mb':
        o.heapGrowthBytes = positive() * 2 ** 20;
        break;
      case '--heap-max-mb':
        o.heapMaxBytes = positive() * 2 ** 20;
        break;
      case '--min-raf':
        o.minRafPerS = positive();
        break;
      case '--heap-every':
        o.heapEveryS = positive();
        break;
      case '--qps-tolerance':
        o.qpsTolerance = positive();
        break;
      case '--max-quanta-over-permille':
      case '--max-quanta-over-at-start-permille': {
        const n = Number(v);
        if (!(Number.isFinite(n) && n >= 0)) throw new UsageError(`${flag} takes a number >= 0, got ${JSON.stringify(v)}`);
        if (flag === '--max-quanta-over-permille') o.maxQuantaOverPermille = n;
        else o.maxQuantaOverAtStartPermille = n;
        break;
      }
      case '--static-dir':
        o.staticDir = v;
        break;
      case '--results-dir':
        o.resultsDir = v;
        break;
      case '--js-flags':
        o.jsFlags = v;
        break;
    }
  }
  if (o.perStageS !== null && o.perStageS < 5)
    throw new UsageError('--per-stage must be at least 5 s (a stage needs time to start and settle)');
  return o;
}
