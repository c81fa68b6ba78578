/** The ring-copy bench case: both implementations really copy, and the case runs end to end. */
import { describe, expect, it } from 'vitest';
import { ringCopyBench } from './bench.ts';
import { BENCH_FILES } from '../../bench/index.ts';
import { runCase } from '../bench-harness.ts';
import { STAGES } from '../registry.ts';
import { wasmInstanceFactory } from '../wasm-file.ts';

describe('ring-copy bench case', () => {
  it('is listed, and names a registered stage', () => {
    expect(BENCH_FILES).toContain(ringCopyBench);
    for (const file of BENCH_FILES) expect(STAGES).toHaveProperty(file.stage);
  });

  it('has both impls, each passing its bit-exact check over two laps of the ring', () => {
    const [c] = ringCopyBench.cases({ newWasm: wasmInstanceFactory() });
    expect(c!.name).toBe('ring-copy/128');
    expect(c!.impls.map((i) => i.name)).toEqual(['stagebench', 'ringbuf.js']);
    for (const impl of c!.impls) expect(() => impl.check!()).not.toThrow();
  });

  it('runs with the real clock and gives positive per-call times', () => {
    const [c] = ringCopyBench.cases({ newWasm: wasmInstanceFactory() });
    const results = runCase(c!, { warmupMs: 5, samples: 5, minSampleMs: 0.2, now: () => performance.now() });
    for (const r of results) {
      expect(r.medianUs).toBeGreaterThan(0);
      expect(r.medianUs).toBeLessThan(1000); // a 128-sample copy, not a millisecond
      expect(r.p95Us).toBeGreaterThanOrEqual(r.medianUs);
    }
  });
});
