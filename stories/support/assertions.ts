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

export function expectKernelWithinBudget(timing: KernelTiming, budgetUs: number): void {
  expect(timing.samplesUs.length, 'kernel timing has samples').toBeGreaterThan(0);
  expect(timing.p99Us, `kernel p99 ${timing.p99Us.toFixed(3)} µs (${timing.clock}) vs budget ${budgetUs} µs`).toBeLessThan(budgetUs);
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
