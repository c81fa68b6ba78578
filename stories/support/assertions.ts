/**
 * Assertions shared by play functions: the real stories and the expected-failure stories call
 * the same helpers, so an expected failure proves the real check can fail.
 */
import { expect } from 'storybook/test';
import type { KernelTiming } from '../../worklet/protocol.ts';

/** Every sample equal bit for bit (NaN payloads and -0 included); reports the first mismatch. */
export function expectBitExact(actual: Float32Array, expected: Float32Array, what: string): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  let mismatches = 0;
  let first = -1;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== e[i]) {
      if (first < 0) first = i;
      mismatches++;
    }
  }
  const detail = first < 0 ? '' : ` first at sample ${first}: got ${actual[first]}, expected ${expected[first]}`;
  expect(mismatches, `${what}: ${mismatches} samples differ${detail}`).toBe(0);
}

/** Budgets for one timed kernel: p99 of batch means, and the single-quantum p99 where stated. */
export interface KernelBudget {
  kernelP99Us: number;
  quantumP99Us?: number;
}

/** Whether one measurement meets the budget. */
export function kernelMeetsBudget(timing: KernelTiming, budget: KernelBudget): boolean {
  return timing.samplesUs.length > 0 && timing.p99Us < budget.kernelP99Us
    && (budget.quantumP99Us === undefined || timing.singleQuantum.p99Us < budget.quantumP99Us);
}

/**
 * Measures up to `attempts` times and stops at the first result `within` accepts. On a shared
 * 2-core machine another thread (the audio thread, the page's painting, a browser process) can
 * take the core for a few milliseconds, which only ever adds time: what meets its budget meets it
 * in one of three measurements, what does not fails all three. Returns every result, and the
 * first accepted (null if none was).
 */
export async function measureUntilWithin<T>(measure: () => Promise<T>, within: (t: T) => boolean, attempts = 3): Promise<{ accepted: T | null; all: T[] }> {
  const all: T[] = [];
  for (let i = 0; i < attempts; i++) {
    const t = await measure();
    all.push(t);
    if (within(t)) return { accepted: t, all };
  }
  return { accepted: null, all };
}

/**
 * Times a kernel up to `attempts` times (measureUntilWithin). Returns every measurement, and the
 * one the assertions judge: the first within the budget, else the one with the lowest p99.
 */
export async function timeKernelWithin(measure: () => Promise<KernelTiming>, budget: KernelBudget, attempts = 3): Promise<{ best: KernelTiming; all: KernelTiming[] }> {
  const { accepted, all } = await measureUntilWithin(measure, (t) => kernelMeetsBudget(t, budget), attempts);
  return { best: accepted ?? all.reduce((a, b) => (b.p99Us < a.p99Us ? b : a)), all };
}

/**
 * Runs `measure` with the page's audio context suspended, then resumes it. The kernel timing
 * worker measures the stage's cost alone; on 2 cores the live audio thread running the same stage
 * (and the page drawing it) would be two more busy threads beside it.
 */
export async function withAudioSuspended<T>(runtime: { stop(): Promise<void>; start(): Promise<void> }, measure: () => Promise<T>): Promise<T> {
  await runtime.stop();
  try {
    return await measure();
  } finally {
    await runtime.start();
  }
}

/** The budget assertions over `timeKernelWithin`'s result: the message lists every attempt. */
export function expectKernelAttemptsWithinBudget(result: { best: KernelTiming; all: KernelTiming[] }, budget: KernelBudget): void {
  const { best, all } = result;
  const p99s = all.map((t) => t.p99Us.toFixed(3)).join(', ');
  expect(best.samplesUs.length, 'kernel timing has samples').toBeGreaterThan(0);
  expect(best.p99Us, `kernel p99 ${p99s} µs in ${all.length} measurement${all.length === 1 ? '' : 's'} (${best.clock}) vs budget ${budget.kernelP99Us} µs`).toBeLessThan(budget.kernelP99Us);
  if (budget.quantumP99Us !== undefined) {
    const q = all.map((t) => t.singleQuantum.p99Us.toFixed(1)).join(', ');
    const passing = all.find((t) => kernelMeetsBudget(t, budget)) ?? all.reduce((a, b) => (b.singleQuantum.p99Us < a.singleQuantum.p99Us ? b : a));
    expect(passing.singleQuantum.p99Us, `single-quantum p99 ${q} µs in ${all.length} measurement${all.length === 1 ? '' : 's'} vs budget ${budget.quantumP99Us} µs`).toBeLessThan(budget.quantumP99Us);
  }
  for (const t of all) expect(t.allocationsDuringRun, 'wasm allocations during timed batches (every measurement)').toBe(0);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface ChromiumMemory {
  usedJSHeapSize: number;
}

/** Whether the page runs under test-storybook (its browser's user agent says so). */
export function underTestRunner(): boolean {
  return navigator.userAgent.includes('StorybookTestRunner');
}

/**
 * JS heap in use after full GCs, or null where the browser offers no GC hook (an ordinary
 * browser tab: Chromium needs --js-flags=--expose-gc and --enable-precise-memory-info). Collects
 * twice with a pause between, so garbage held by pending tasks and promises is gone too.
 */
export async function heapAfterGc(): Promise<number | null> {
  const w = window as unknown as { gc?: () => void };
  const memory = (performance as unknown as { memory?: ChromiumMemory }).memory;
  if (!w.gc || !memory) return null;
  w.gc();
  await sleep(100);
  w.gc();
  return memory.usedJSHeapSize;
}

/** Polls `check` until it holds (or throws its last error after `timeoutMs`). */
export async function eventually<T>(check: () => T, timeoutMs: number, what: string): Promise<T> {
  const start = performance.now();
  for (;;) {
    try {
      return check();
    } catch (err) {
      if (performance.now() - start > timeoutMs) throw new Error(`${what} not reached within ${timeoutMs} ms: ${(err as Error).message}`);
    }
    await sleep(50);
  }
}
