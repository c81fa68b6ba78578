/** Live checks shared by stage stories: quanta/s against sampleRate / quantum and heap growth over a window. */
import { expect, waitFor, within } from 'storybook/test';
import type { StageDescriptor } from '../../dsp-stages/types.ts';
import { reportMeasurement } from './report.ts';
import type { StagebenchRuntime } from '../../worklet/host.ts';
import { upperMedian } from '../../worklet/stats.ts';
import { clockLagBoundMs, playbackHealth, type PlaybackHealth } from '../../worklet/playback-stats.ts';
import { timingBudgetAt } from '../../dsp-stages/types.ts';
import {
  describeAttempts,
  expectKernelAttemptsWithinBudget,
  heapAfterGc,
  sleep,
  timeKernelWithin,
  underTestRunner,
  withAudioSuspended,
} from './assertions.ts';

export interface LiveWindow {
  seconds: number;
  quantaPerSec: number;
  expectedQuantaPerSec: number;
  /** Frames per render quantum of the context. */
  quantumFrames: number;
  /** null where the browser has no GC hook (an ordinary tab). */
  heapGrowthBytes: number | null;
  wasmAllocations: number;
  wasmMemoryGrowthBytes: number;
  /**
   * The browser's underruns and the audio clock's lag accumulated over the window itself (the
   * runtime's clock samples at its start and end: playback-stats.ts); underruns null where the
   * browser has no `playbackStats`.
   */
  playback: PlaybackHealth;
}

/**
 * Runs the stage for `seconds` and measures quanta/s (SharedArrayBuffer counter over
 * performance.now()) and growth. The JS heap is sampled after GC every 250 ms; growth is the
 * median of the last three samples minus the median of the first three, so one transient (the
 * test runner's and Storybook's own traffic) neither hides nor fakes a leak.
 */
export async function measureLiveWindow(runtime: StagebenchRuntime, seconds: number): Promise<LiveWindow> {
  // a warm-up pass over the same code, so code compiled on first use is not counted as growth
  await heapAfterGc();
  await sleep(500);
  const t0 = runtime.telemetry();
  const q0 = runtime.quantumCount();
  const clock0 = runtime.clockSample();
  const start = performance.now();
  const heap: Array<number | null> = [];
  while (performance.now() - start < seconds * 1000) {
    heap.push(await heapAfterGc());
    await sleep(Math.max(0, Math.min(250, seconds * 1000 - (performance.now() - start))));
  }
  const q1 = runtime.quantumCount();
  const elapsed = (performance.now() - start) / 1000;
  // playbackStats refreshes about once a second: read the counters after the next refresh too
  const clockEnd = runtime.clockSample();
  heap.push(await heapAfterGc());
  // the processor republishes wasm figures once a second
  await sleep(1100);
  const t1 = runtime.telemetry();
  const late = runtime.clockSample();
  const clock1 = { ...clockEnd, stats: late.stats };
  const samples = heap.filter((h): h is number => h !== null);
  return {
    seconds: elapsed,
    quantaPerSec: (q1 - q0) / elapsed,
    expectedQuantaPerSec: runtime.ctx.sampleRate / runtime.state.quantumFrames,
    quantumFrames: runtime.state.quantumFrames,
    heapGrowthBytes: samples.length < 6 ? null : upperMedian(samples.slice(-3)) - upperMedian(samples.slice(0, 3)),
    wasmAllocations: t1.wasmAllocCount - t0.wasmAllocCount,
    wasmMemoryGrowthBytes: t1.wasmMemoryBytes - t0.wasmMemoryBytes,
    playback: playbackHealth(clock0, clock1, clockLagBoundMs(runtime.state.quantumFrames, runtime.ctx.sampleRate)),
  };
}

/**
 * The browser saw no glitch over the window: no new underrun event (where it counts them) and the
 * audio clock fell no more than its bound behind wall time (`clockLagBoundMs`: the status bar's verdict,
 * over the window alone: the stage had settled before it, see measureLiveWindow).
 */
export function expectNoGlitches(w: LiveWindow): void {
  const p = w.playback;
  if (p.underrunEvents !== null)
    expect(
      p.underrunEvents,
      `underruns (AudioContext.playbackStats, read after its next refresh) over ${w.seconds.toFixed(2)} s live: ${p.underrunEvents} events, ${p.underrunMs!.toFixed(1)} ms`,
    ).toBe(0);
  expect(
    p.clockLagMs,
    `audio clock lag grew ${p.clockLagMs.toFixed(1)} ms over ${w.seconds.toFixed(2)} s live (bound ${p.lagBoundMs.toFixed(1)} ms)`,
  ).toBeLessThanOrEqual(p.lagBoundMs);
}

/**
 * Quanta/s within `tolerance` of sampleRate / quantum; a count over the window cannot resolve
 * better than one quantum, so where the window holds fewer than 1 / tolerance quanta (quanta of
 * 16384 frames: 5 in 2 s) the bound is one quantum of the count instead.
 */
export function expectRealTimeRate(w: LiveWindow, tolerance = 0.05): void {
  const ratio = w.quantaPerSec / w.expectedQuantaPerSec;
  const bound = Math.max(tolerance, 1 / (w.expectedQuantaPerSec * w.seconds));
  expect(
    Math.abs(ratio - 1),
    `quanta/s ${w.quantaPerSec.toFixed(1)} over ${w.seconds.toFixed(2)} s vs sampleRate/${w.quantumFrames} = ${w.expectedQuantaPerSec.toFixed(1)} (bound ${(100 * bound).toFixed(1)} %)`,
  ).toBeLessThan(bound);
}

export function expectNoGrowth(w: LiveWindow, heapBudgetBytes: number): void {
  if (w.heapGrowthBytes === null) {
    // the test runner's Chromium always has the hook; an ordinary tab checks the wasm side only
    if (underTestRunner()) throw new Error('heap checks need Chromium with --js-flags=--expose-gc and --enable-precise-memory-info');
    console.warn('JS heap check skipped: this browser exposes no gc() (the test runner checks it)');
  } else {
    expect(w.heapGrowthBytes, `JS heap grew ${w.heapGrowthBytes} bytes over ${w.seconds.toFixed(1)} s (after GC)`).toBeLessThan(
      heapBudgetBytes,
    );
  }
  expect(w.wasmAllocations, 'wasm heap allocations while running').toBe(0);
  expect(w.wasmMemoryGrowthBytes, 'wasm memory growth while running').toBe(0);
}

/** A play function's `step` (Storybook's accepts these callbacks). */
export type Step = (label: string, play: () => Promise<void>) => Promise<void> | void;

/** Waits until the status bar says wasm `active` and the AudioContext runs. */
export async function expectActiveAndRunning(canvasElement: HTMLElement, runtime: StagebenchRuntime, step: Step): Promise<void> {
  await step('wasm is active and audio runs', async () => {
    await waitFor(() => expect(within(canvasElement).getByTestId('wasm-status')).toHaveTextContent(/^active$/), { timeout: 15_000 });
    await waitFor(() => expect(runtime.ctx.state).toBe('running'), { timeout: 10_000 });
  });
}

/** Quanta timed one by one for the single-quantum p99 (its 1 % tail is then 40 quanta). */
export const SINGLE_QUANTA = 4000;

/**
 * Times the stage's kernel in the worker (audio suspended meanwhile) and asserts its budgets on
 * one measurement: p99 of batch means, single-quantum p99, no wasm allocation. Up to three
 * measurements (another thread on the core only adds time); every attempt is reported.
 */
export async function expectKernelBudgets(runtime: StagebenchRuntime, stage: StageDescriptor, step: Step): Promise<void> {
  // the worker times quanta of the page's size (?quantum=N): the budgets at that size
  const { kernelP99Us, quantumP99Us } = timingBudgetAt(stage.budgets, runtime.state.quantumFrames);
  await step(
    `kernel p99 under ${kernelP99Us} µs and single-quantum p99 under ${quantumP99Us} µs in one measurement, no wasm allocation`,
    async () => {
      const result = await withAudioSuspended(runtime, () =>
        timeKernelWithin(() => runtime.measureKernel({ singleQuanta: SINGLE_QUANTA }), { kernelP99Us, quantumP99Us }),
      );
      const { best, all } = result;
      expect(best.backend).toBe('wasm');
      const judged = `attempt ${all.indexOf(best) + 1} of ${all.length} judged; ${describeAttempts(all)}`;
      reportMeasurement({ name: 'kernel p50', value: best.p50Us, unit: 'µs', source: best.clock });
      reportMeasurement({ name: 'kernel p99', value: best.p99Us, unit: `µs (budget ${kernelP99Us}; ${judged})`, source: best.clock });
      reportMeasurement({
        name: 'single-quantum p99',
        value: best.singleQuantum.p99Us,
        unit: `µs (budget ${quantumP99Us})`,
        source: best.clock,
      });
      expectKernelAttemptsWithinBudget(result, { kernelP99Us, quantumP99Us });
    },
  );
}

/**
 * Two seconds live, after the stage settled (started, timed, half a second of warm-up): quanta/s
 * within 5 % of sampleRate / quantum, no underrun and no clock lag growth, no heap or wasm growth.
 * Reports the figures.
 */
export async function expectLiveWindow(runtime: StagebenchRuntime, stage: StageDescriptor, step: Step): Promise<void> {
  await step('quanta/s within 5 % of sampleRate / quantum over 2 s; no underrun, no clock lag growth; no heap growth', async () => {
    const live = await measureLiveWindow(runtime, 2);
    reportMeasurement({
      name: 'quanta/s',
      value: live.quantaPerSec,
      unit: `/s (expected ${live.expectedQuantaPerSec.toFixed(1)})`,
      source: 'SharedArrayBuffer counter over performance.now()',
    });
    if (live.playback.underrunEvents !== null)
      reportMeasurement({
        name: 'underruns',
        value: live.playback.underrunEvents,
        unit: `events over ${live.seconds.toFixed(1)} s live (${live.playback.underrunMs!.toFixed(1)} ms)`,
        source: 'AudioContext.playbackStats',
      });
    reportMeasurement({
      name: 'audio clock lag growth',
      value: live.playback.clockLagMs,
      unit: `ms over ${live.seconds.toFixed(1)} s live (bound ${live.playback.lagBoundMs.toFixed(1)})`,
      source: 'AudioContext.currentTime vs performance.now()',
    });
    if (live.heapGrowthBytes !== null)
      reportMeasurement({ name: 'JS heap growth', value: live.heapGrowthBytes, unit: 'bytes', source: 'performance.memory after gc()' });
    expectRealTimeRate(live, 0.05);
    expectNoGlitches(live);
    expectNoGrowth(live, stage.budgets.heapGrowthBytes);
  });
}

/**
 * Waits until the bench's file line names `name` with `frames` frames, playing, and the frames the
 * worklet has read grow by a quarter second; the runtime reports the same file. Returns the line.
 */
export async function expectFilePlaying(
  runtime: StagebenchRuntime,
  canvas: ReturnType<typeof within>,
  name: string,
  frames: number,
): Promise<HTMLElement> {
  const rate = runtime.ctx.sampleRate;
  const line = await waitFor(
    () => {
      const l = canvas.getByTestId('file-source');
      expect(l.dataset.name).toBe(name);
      return l;
    },
    { timeout: 30_000 },
  );
  expect(Number(line.dataset.frames)).toBe(frames);
  await waitFor(() => expect(line.dataset.playing).toBe('true'), { timeout: 10_000 });
  const first = Number(line.dataset.played);
  await waitFor(() => expect(Number(line.dataset.played)).toBeGreaterThan(first + rate / 4), { timeout: 10_000 });
  expect(runtime.state.file).toEqual({ name, frames, channels: 2 });
  return line;
}
