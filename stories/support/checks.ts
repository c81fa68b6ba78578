/** Live checks shared by stage stories: quanta/s against sampleRate/128 and heap growth over a window. */
import { expect } from 'storybook/test';
import type { StagebenchRuntime } from '../../worklet/host.ts';
import { RENDER_QUANTUM_FRAMES } from '../../dsp-stages/types.ts';
import { heapAfterGc, sleep, underTestRunner } from './assertions.ts';

export interface LiveWindow {
  seconds: number;
  quantaPerSec: number;
  expectedQuantaPerSec: number;
  /** null where the browser has no GC hook (an ordinary tab). */
  heapGrowthBytes: number | null;
  wasmAllocations: number;
  wasmMemoryGrowthBytes: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
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
  const start = performance.now();
  const heap: Array<number | null> = [];
  while (performance.now() - start < seconds * 1000) {
    heap.push(await heapAfterGc());
    await sleep(Math.max(0, Math.min(250, seconds * 1000 - (performance.now() - start))));
  }
  const q1 = runtime.quantumCount();
  const elapsed = (performance.now() - start) / 1000;
  heap.push(await heapAfterGc());
  // the processor republishes wasm figures once a second
  await sleep(1100);
  const t1 = runtime.telemetry();
  const samples = heap.filter((h): h is number => h !== null);
  return {
    seconds: elapsed,
    quantaPerSec: (q1 - q0) / elapsed,
    expectedQuantaPerSec: runtime.ctx.sampleRate / RENDER_QUANTUM_FRAMES,
    heapGrowthBytes: samples.length < 6 ? null : median(samples.slice(-3)) - median(samples.slice(0, 3)),
    wasmAllocations: t1.wasmAllocCount - t0.wasmAllocCount,
    wasmMemoryGrowthBytes: t1.wasmMemoryBytes - t0.wasmMemoryBytes,
  };
}

export function expectRealTimeRate(w: LiveWindow, tolerance = 0.05): void {
  const ratio = w.quantaPerSec / w.expectedQuantaPerSec;
  expect(
    Math.abs(ratio - 1),
    `quanta/s ${w.quantaPerSec.toFixed(1)} over ${w.seconds.toFixed(2)} s vs sampleRate/128 = ${w.expectedQuantaPerSec.toFixed(1)}`,
  ).toBeLessThan(tolerance);
}

export function expectNoGrowth(w: LiveWindow, heapBudgetBytes: number): void {
  if (w.heapGrowthBytes === null) {
    // the test runner's Chromium always has the hook; an ordinary tab checks the wasm side only
    if (underTestRunner()) throw new Error('heap checks need Chromium with --js-flags=--expose-gc and --enable-precise-memory-info');
    console.warn('JS heap check skipped: this browser exposes no gc() (the test runner checks it)');
  } else {
    expect(w.heapGrowthBytes, `JS heap grew ${w.heapGrowthBytes} bytes over ${w.seconds.toFixed(1)} s (after GC)`).toBeLessThan(heapBudgetBytes);
  }
  expect(w.wasmAllocations, 'wasm heap allocations while running').toBe(0);
  expect(w.wasmMemoryGrowthBytes, 'wasm memory growth while running').toBe(0);
}
