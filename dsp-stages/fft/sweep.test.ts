import { describe, expect, it } from 'vitest';
import { loadWasm } from '../wasm-file.ts';
import { SWEEP_LEVEL_DB, runPeakSweep, type PeakSweepOptions } from './sweep.ts';

const base = { sampleRate: 48_000, size: 32768, window: 'kaiser', beta: 9 } as const;

describe('runPeakSweep on wasm', () => {
  it('N = 32768, Kaiser 9, 60 points: max error under 0.05 Hz, levels at -6.02 dBFS, consistent stats', async () => {
    const r = await runPeakSweep({ ...base, wasm: loadWasm(), points: 60 });
    expect(r.backend).toBe('wasm');
    expect(r.points).toHaveLength(60);
    expect(r.maxAbsErrorHz).toBeLessThan(0.05);
    expect(r.levelErrorMaxDb).toBeLessThan(0.01);
    expect(r.binHz).toBe(48_000 / 32768);
    // log-spaced over 20 Hz..20 kHz, each moved by at most half a bin
    const half = r.binHz / 2;
    for (let i = 0; i < 60; i++) {
      const nominal = 20 * Math.pow(1000, i / 59);
      const p = r.points[i]!;
      expect(Math.abs(p.frequencyHz - nominal)).toBeLessThanOrEqual(half + 1e-9);
      expect(p.errorHz).toBeCloseTo(p.estimateHz - p.frequencyHz, 12);
      expect(Math.abs(p.levelDb - SWEEP_LEVEL_DB)).toBeLessThanOrEqual(r.levelErrorMaxDb);
    }
    // not bin-centred: the offsets from the nearest bin centre are spread, not all near 0
    const offsets = r.points.map((p) => Math.abs(p.frequencyHz / r.binHz - Math.round(p.frequencyHz / r.binHz)));
    expect(Math.max(...offsets)).toBeGreaterThan(0.3);
    // the statistics agree with the points
    const abs = r.points.map((p) => Math.abs(p.errorHz));
    expect(r.maxAbsErrorHz).toBe(Math.max(...abs));
    expect(r.meanAbsErrorHz).toBeCloseTo(abs.reduce((a, b) => a + b) / 60, 15);
    expect(r.rmsErrorHz).toBeCloseTo(Math.sqrt(r.points.reduce((s, p) => s + p.errorHz ** 2, 0) / 60), 15);
    expect(r.meanAbsErrorHz).toBeLessThanOrEqual(r.rmsErrorHz);
    expect(r.rmsErrorHz).toBeLessThanOrEqual(r.maxAbsErrorHz);
    expect(r.points[abs.indexOf(r.maxAbsErrorHz)]!.frequencyHz).toBe(r.worstHz);
    expect(r.elapsedMs).toBeGreaterThan(0);
  });

  it('reports progress with increasing counts ending at the total', async () => {
    const calls: [number, number][] = [];
    await runPeakSweep({ ...base, size: 4096, wasm: loadWasm(), points: 25, onProgress: (done, total) => calls.push([done, total]) });
    expect(calls).toEqual(Array.from({ length: 25 }, (_, i) => [i + 1, 25]));
  });

  it('is reproducible for a seed, and another seed gives other frequencies and phases', async () => {
    const wasm = loadWasm();
    const opts = { ...base, size: 2048, wasm, points: 8 };
    const a = await runPeakSweep({ ...opts, seed: 7 });
    const b = await runPeakSweep({ ...opts, seed: 7 });
    const c = await runPeakSweep({ ...opts, seed: 8 });
    expect(b.points).toEqual(a.points);
    expect(c.points[3]!.frequencyHz).not.toBe(a.points[3]!.frequencyHz);
  });

  it('makes no wasm heap allocation per point', async () => {
    const wasm = loadWasm();
    const allocations = async (points: number) => {
      const before = wasm.exports.alloc_count();
      await runPeakSweep({ ...base, size: 1024, wasm, points });
      return wasm.exports.alloc_count() - before;
    };
    expect(await allocations(40)).toBe(await allocations(2));
  });
});

describe('runPeakSweep on the TypeScript reference', () => {
  it('agrees with the wasm stage', async () => {
    const opts = { ...base, size: 4096, window: 'hann', points: 6, fMinHz: 100, fMaxHz: 15000 } as const;
    const ref = await runPeakSweep({ ...opts, wasm: null });
    const wasm = await runPeakSweep({ ...opts, wasm: loadWasm() });
    expect(ref.backend).toBe('reference');
    ref.points.forEach((p, i) => {
      expect(p.frequencyHz).toBe(wasm.points[i]!.frequencyHz);
      expect(Math.abs(p.estimateHz - wasm.points[i]!.estimateHz)).toBeLessThan(1e-3);
      expect(Math.abs(p.levelDb - wasm.points[i]!.levelDb)).toBeLessThan(1e-3);
    });
  });
});

describe('runPeakSweep control', () => {
  const small: PeakSweepOptions = { ...base, size: 1024, wasm: null, points: 40 };

  it('stops when aborted from the progress callback', async () => {
    const controller = new AbortController();
    let last = 0;
    const run = runPeakSweep({
      ...small,
      signal: controller.signal,
      onProgress: (done) => {
        last = done;
        if (done === 5) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(last).toBe(5);
  });

  it('stops when aborted by a timer while it yields, with the abort reason', async () => {
    const controller = new AbortController();
    let last = 0;
    const run = runPeakSweep({ ...small, yieldEvery: 1, signal: controller.signal, onProgress: (done) => (last = done) });
    setTimeout(() => controller.abort(new Error('user stop')), 0);
    await expect(run).rejects.toThrow('user stop');
    expect(last).toBeGreaterThan(0);
    expect(last).toBeLessThan(40);
  });

  it('rejects at once with an already aborted signal, before any point', async () => {
    let calls = 0;
    const run = runPeakSweep({ ...small, signal: AbortSignal.abort(), onProgress: () => calls++ });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(calls).toBe(0);
  });

  it('lets timers run between points with yieldEvery, and not without', async () => {
    const seen = async (yieldEvery: number | undefined) => {
      let fired = false;
      const timer = setTimeout(() => (fired = true), 0);
      const log: boolean[] = [];
      await runPeakSweep({ ...small, points: 6, yieldEvery, onProgress: () => log.push(fired) });
      clearTimeout(timer);
      return log;
    };
    expect(await seen(undefined)).toEqual([false, false, false, false, false, false]);
    const yielding = await seen(2);
    expect(yielding.slice(0, 2)).toEqual([false, false]);
    expect(yielding.slice(2)).toEqual([true, true, true, true]);
  });

  it('rejects bad options with a RangeError naming the option', async () => {
    const bad: [Partial<PeakSweepOptions>, RegExp][] = [
      [{ size: 1000 }, /size must be one of 512, .*32768, got 1000/],
      [{ points: 0 }, /points must be a whole number >= 1/],
      [{ points: 2.5 }, /points must be a whole number/],
      [{ beta: Number.NaN }, /beta must be within 0\.\.20/],
      [{ sampleRate: 0 }, /sampleRate must be a positive number/],
      [{ fMaxHz: 24_000 }, /fMaxHz \(24000 Hz\) must be below the Nyquist frequency \(24000 Hz\)/],
      [{ fMinHz: 500, fMaxHz: 100 }, /fMaxHz must be at least fMinHz/],
      [{ window: 'blackman' as never }, /window must be one of rect, hann, kaiser/],
      [{ yieldEvery: -1 }, /yieldEvery must be a whole number >= 0/],
    ];
    for (const [change, message] of bad) {
      await expect(runPeakSweep({ ...small, ...change })).rejects.toThrow(message);
      await expect(runPeakSweep({ ...small, ...change })).rejects.toBeInstanceOf(RangeError);
    }
  });

  it('runs a single point at fMinHz', async () => {
    const r = await runPeakSweep({ ...small, size: 32768, points: 1, fMinHz: 1000 });
    expect(r.points).toHaveLength(1);
    expect(Math.abs(r.points[0]!.frequencyHz - 1000)).toBeLessThanOrEqual(r.binHz / 2);
    expect(r.worstHz).toBe(r.points[0]!.frequencyHz);
  });
});
