/**
 * The soak run's analysis, on made-up samples: counters across the worklet's resets, the heap
 * windows, the per-stage verdicts (each check can fail), the status bar's text, the stage list.
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULTS,
  counterGrowth,
  formatTable,
  heapSampleDue,
  heapVerdict,
  parseArgs,
  parseStatus,
  soakChecks,
  stageStories,
  summariseStage,
  type Sample,
  type Visit,
} from './soak-analysis.ts';
import { medianOrNull } from '../worklet/stats.ts';

const MB = 2 ** 20;

/** One visit of `seconds` samples: steady 344.5 quanta/s, 60 rAF/s, a flat heap read every 5th second, unless told otherwise. */
function visitSamples(visit: number, t0: number, seconds: number, over: (i: number) => Partial<Sample> = () => ({})): Sample[] {
  return Array.from({ length: seconds }, (_, i) => ({
    t: t0 + i + 1,
    visit,
    sinceRender: i + 0.5,
    heapBytes: i % 5 === 0 ? 20 * MB : null,
    gcMs: i % 5 === 0 ? 60 : null,
    load1: 1,
    rafPerS: 60,
    stage: 'gain',
    wasm: 'active',
    context: 'running',
    qps: 344.5,
    expectedQps: 344.5,
    quantaOver: 0,
    quanta: Math.round((i + 0.5) * 344.5),
    tickSpans: i,
    underruns: 0,
    clockLagMs: 2 - i * 0.1,
    ...over(i),
  }));
}

const visit = (index: number, startS: number, endS: number, storyId = 'dsp-stages-gain-template--output-equals-the-reference'): Visit => ({
  index,
  storyId,
  title: 'DSP Stages/Gain (template)',
  startS,
  endS,
  renderedS: startS + 0.5,
  play: 'off',
});

describe('soak analysis', () => {
  it('median of odd and even counts, null for none', () => {
    expect(medianOrNull([3, 1, 2])).toBe(2);
    expect(medianOrNull([4, 1, 2, 3])).toBe(2.5);
    expect(medianOrNull([])).toBeNull();
  });

  it('counter growth adds increases, restarts after a reset, and splits the stage start from the steady run', () => {
    const s = visitSamples(0, 0, 6, (i) => ({
      quantaOver: [1, 1, 1, 2, 0, 1][i],
      quanta: [100, 444, 788, 1132, 50, 394][i],
      tickSpans: [0, 1, 1, 2, 0, 0][i],
    }));
    // the worklet reset its counters before the fifth sample (the quantum count went down)
    const g = counterGrowth(s, 2.5);
    expect(g.quantaOver).toBe(1 + 0 + 0 + 1 + 0 + 1);
    expect(g.quantaOverAtStart).toBe(1); // the first two samples are within 2.5 s of the render
    expect(g.quanta).toBe(1132 + 394);
    expect(g.tickSpans).toBe(2);
    // steady rate: increases between settled samples only (not across the reset)
    expect(g.steadyQuanta).toBe(344 + 344);
    expect(g.steadyS).toBe(2);
  });

  it('a first sample taken before the story rendered does not count (the status bar may show the previous stage)', () => {
    const s = visitSamples(0, 0, 3, (i) => (i === 0 ? { sinceRender: null, quantaOver: 7, quanta: 3000 } : {}));
    expect(counterGrowth(s).quantaOver).toBe(0);
    // rendered 0.5 s ago, yet 3,000 quanta (8.7 s of them): still the previous stage's counts
    const stale = visitSamples(0, 0, 3, (i) => (i === 0 ? { quantaOver: 7, quanta: 3000 } : {}));
    expect(counterGrowth(stale).quantaOver).toBe(0);
    expect(counterGrowth(stale).quanta).toBe(Math.round(2.5 * 344.5));
  });

  it('heap verdict: first and last window medians, a minute at most', () => {
    const flat = visitSamples(0, 0, 600);
    expect(heapVerdict(flat, 600)).toMatchObject({ windowS: 60, growthBytes: 0, maxBytes: 20 * MB });
    const leak = visitSamples(0, 0, 600, (i) => ({ heapBytes: 20 * MB + i * 20_000 }));
    const v = heapVerdict(leak, 600);
    expect(v.growthBytes! / MB).toBeCloseTo((540 * 20_000) / MB, 0);
    expect(heapVerdict(visitSamples(0, 0, 60), 60).windowS).toBe(15);
  });

  it('heap samples (a forced gc) every heapEveryS, never as a stage starts', () => {
    const opts = { settleS: 2.5, heapEveryS: 5 };
    // the npm test soak: 6 stages of 10 s, one sample a second
    const due: number[] = [];
    let last: number | null = null;
    for (let t = 0; t < 60; t++) {
      if (heapSampleDue(t % 10, last === null ? null : t - last, opts, 10)) {
        due.push(t);
        last = t;
      }
    }
    expect(due.every((t) => t % 10 >= 3.5)).toBe(true);
    expect(due).toEqual([4, 9, 14, 19, 24, 29, 34, 39, 44, 49, 54, 59]);
    // a visit shorter than the start window still reads the heap in its second half
    expect(heapSampleDue(2, null, opts, 4)).toBe(true);
    expect(heapSampleDue(1, null, opts, 4)).toBe(false);
    expect(heapSampleDue(8, 3, opts, 100)).toBe(false);
  });

  it('each check passes on a clean run and fails on its own fault', () => {
    const visits = [visit(0, 0, 10)];
    const soakRun = (opts: typeof DEFAULTS, over: (i: number) => Partial<Sample> = () => ({}), problems: string[] = []) => {
      const samples = visitSamples(0, 0, 10, over);
      const stage = summariseStage(visits, samples, opts);
      return soakChecks([stage], heapVerdict(samples, 10), opts, problems);
    };
    const run = (over: (i: number) => Partial<Sample> = () => ({}), problems: string[] = []) => soakRun(DEFAULTS, over, problems);
    const failing = (checks: ReturnType<typeof soakRun>) =>
      checks.filter((c) => !c.ok).map((c) => c.name.replace(/^DSP Stages\/Gain \(template\) \([^)]*\): /, ''));
    expect(failing(run())).toEqual([]);
    expect(failing(run((i) => ({ heapBytes: (20 + i) * MB })))).toEqual([expect.stringMatching(/^JS heap growth below 5.00 MB/)]);
    expect(failing(run(() => ({ heapBytes: 60 * MB })))).toEqual([expect.stringMatching(/^JS heap below 50.00 MB/)]);
    expect(failing(run(() => ({}), ['the page crashed']))).toEqual([expect.stringMatching(/crashed/)]);
    // the browser's counters: underruns after the settle time, a lag beyond 50 ms, or no counter shown
    const settle = DEFAULTS.settleS;
    expect(failing(run((i) => ({ underruns: i + 0.5 > settle + 2 ? 3 : 0 })))).toEqual([expect.stringMatching(/^no browser underrun/)]);
    expect(failing(run((i) => ({ underruns: i + 0.5 < settle ? 7 : 0 })))).toEqual([]); // while starting: not judged
    expect(failing(run(() => ({ underruns: null })))).toEqual([expect.stringMatching(/^no browser underrun/)]);
    expect(failing(run((i) => ({ clockLagMs: i === 8 ? -51 : 0 })))).toEqual([expect.stringMatching(/^audio clock lag within 50 ms/)]);
    expect(failing(run(() => ({ clockLagMs: null })))).toEqual([expect.stringMatching(/^audio clock lag within 50 ms/)]);
    // the seconds that hold a forced GC lose frames to the measurement: left out of the rAF median
    expect(failing(run((i) => (i % 5 === 0 ? { rafPerS: 20 } : {})))).toEqual([]);
    expect(failing(run((i) => (i % 5 === 0 ? {} : { rafPerS: 40 })))).toEqual([
      expect.stringMatching(/^requestAnimationFrame median >= 55/),
    ]);
    // one settled sample 6 % fast (as the status bar's EMA shows after a stage switch today)
    expect(failing(run((i) => (i === 5 ? { qps: 365.2 } : {})))).toEqual([expect.stringMatching(/^quanta\/s within 5 %/)]);
    // an unsettled sample (story rendered 0.5 s ago) is not held to the bound
    expect(failing(run((i) => (i === 0 ? { qps: 600 } : {})))).toEqual([]);
    expect(failing(run((i) => (i === 6 ? { wasm: 'fallback' } : {})))).toEqual([expect.stringMatching(/wasm active/)]);
    // while it runs: at most 10 ‰ of the quanta after the first 2.5 s (about 2,400 here)
    expect(failing(run((i) => ({ quantaOver: i >= 7 ? 20 : 0 })))).toEqual([]);
    expect(failing(run((i) => ({ quantaOver: i >= 7 ? 30 : 0 })))).toEqual([
      expect.stringMatching(/^at most 10 ‰ of quanta >= 1 ms while it runs/),
    ]);
    expect(failing(soakRun({ ...DEFAULTS, maxQuantaOverPermille: 0 }, (i) => ({ quantaOver: i >= 7 ? 1 : 0 })))).toEqual([
      expect.stringMatching(/^no quantum >= 1 ms while it runs/),
    ]);
    // as the stage starts (the first 2.5 s, about 860 quanta here): 10 ‰
    expect(failing(run((i) => ({ quantaOver: i >= 1 ? 8 : 0 })))).toEqual([]);
    expect(failing(run((i) => ({ quantaOver: i >= 1 ? 9 : 0 })))).toEqual([
      expect.stringMatching(/^at most 10 ‰ of quanta >= 1 ms as the stage starts/),
    ]);
    // a quantum surely over the deadline fails, whenever it comes
    expect(failing(run((i) => ({ overDeadline: i >= 5 ? 1 : 0 })))).toEqual([
      expect.stringMatching(/^no quantum over the deadline while it runs/),
    ]);
    // one as the stage starts is the switch's; two are not
    expect(failing(run((i) => ({ overDeadline: i >= 1 ? 1 : 0 })))).toEqual([]);
    expect(failing(run((i) => ({ overDeadline: i >= 1 ? 2 : 0 })))).toEqual([
      expect.stringMatching(/^at most 1 quantum a visit over the deadline as the stage starts/),
    ]);
    expect(failing(run(() => ({ overDeadline: 0 })))).toEqual([]);
    expect(failing(run((i) => ({ rafPerS: i < 6 ? 40 : 60 })))).toEqual([expect.stringMatching(/^requestAnimationFrame median >= 55/)]);
    expect(failing(run(() => ({ qps: null })))).toEqual([expect.stringMatching(/^quanta\/s within/)]);
  });

  it('a stage visited twice sums its visits', () => {
    const samples = [
      ...visitSamples(0, 0, 5, () => ({ quantaOver: 0 })),
      ...visitSamples(1, 5, 5, () => ({ stage: 'eq' })),
      ...visitSamples(2, 10, 5, (i) => ({ quantaOver: i >= 3 ? 1 : 0 })),
    ];
    const s = summariseStage([visit(0, 0, 5), visit(2, 10, 15)], samples, DEFAULTS);
    expect(s.visits).toBe(2);
    expect(s.seconds).toBe(10);
    expect(s.quantaOver).toBe(1);
    expect(s.settledSamples).toBe(6); // sinceRender 2.5, 3.5 and 4.5 s in each of the two visits
    expect(formatTable([s])).toMatch(/gain\s+output-equals-the-reference\s+10/);
  });

  it('reads the status bar as it renders', () => {
    const status = parseStatus({
      qpsText: '344.6',
      qpsItem: 'quanta/s344.6 (Date.now() window, EMA; expected 344.5 = sample rate / 128)',
      overText: '1,204',
      overItem:
        'quanta ≥ 1 ms1,204 (Date.now() step ≥ 2 ms across the callback, of 123,456 quanta; 3,021 more spanned one 1 ms tick (0–2 ms long))',
    });
    expect(status).toEqual({
      qps: 344.6,
      expectedQps: 344.5,
      quantaOver: 1204,
      quanta: 123456,
      tickSpans: 3021,
      underruns: null,
      clockLagMs: null,
    });
    expect(parseStatus({ qpsText: '—', qpsItem: null, overText: null, overItem: null, underrunText: '—', lagText: '—' })).toEqual({
      qps: null,
      expectedQps: null,
      quantaOver: null,
      quanta: null,
      tickSpans: null,
      underruns: null,
      clockLagMs: null,
    });
    expect(
      parseStatus({ qpsText: null, qpsItem: null, overText: null, overItem: null, underrunText: '12', lagText: '-3.97 ms' }),
    ).toMatchObject({
      underruns: 12,
      clockLagMs: -3.97,
    });
  });

  it('takes the first story of each stage title and of the chain, in index order', () => {
    const e = (id: string, title: string, type = 'story') => [id, { id, title, type, name: id }] as const;
    const index = {
      entries: Object.fromEntries([
        e('introduction--docs', 'Introduction', 'docs'),
        e('dsp-stages-eq--docs', 'DSP Stages/EQ', 'docs'),
        e('dsp-stages-eq--live', 'DSP Stages/EQ'),
        e('dsp-stages-eq--offline', 'DSP Stages/EQ'),
        e('dsp-stages-gain-template--first', 'DSP Stages/Gain (template)'),
        e('dsp-stages-gain-template--second', 'DSP Stages/Gain (template)'),
        e('expected-failures-eq--x', 'Expected Failures/EQ'),
        e('workbench-share--bench', 'Workbench/Share'),
        e('workbench-chain--eq-then-fft', 'Workbench/Chain'),
        e('workbench-chain--tuned', 'Workbench/Chain'),
        e('workbench-chain-x--first', 'Workbench/Chain X'),
      ]),
    };
    expect(stageStories(index).map((s) => s.id)).toEqual([
      'dsp-stages-eq--live',
      'dsp-stages-gain-template--first',
      'workbench-chain--eq-then-fft',
    ]);
  });

  it('parseArgs: defaults, flags and clear errors', () => {
    expect(parseArgs([])).toEqual(DEFAULTS);
    expect(parseArgs(['--duration', '60', '--play', '--min-raf', '50'])).toMatchObject({ durationS: 60, play: true, minRafPerS: 50 });
    expect(() => parseArgs(['--duration', '0'])).toThrow(/--duration takes a positive number/);
    expect(() => parseArgs(['--per-stage', '2'])).toThrow(/at least 5 s/);
    expect(() => parseArgs(['--max-quanta-over-permille', '-1'])).toThrow(/number >= 0/);
    expect(() => parseArgs(['--nope', '1'])).toThrow(/unknown option --nope/);
  });
});
