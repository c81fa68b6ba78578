/**
 * The ring-copy bench case: both implementations really copy, the case runs end to end, and
 * `stagebench bench ring-copy` prints it (table and --json).
 */
import { describe, expect, it } from 'vitest';
import { ringCopyBench } from './bench.ts';
import { BENCH_FILES } from '../../bench/index.ts';
import { runCase } from '../bench-harness.ts';
import { STAGES } from '../registry.ts';
import { wasmInstanceFactory } from '../wasm-file.ts';
import { benchInProcess } from '../cli-testing.ts';

describe('ring-copy bench case', () => {
  it('is listed, and names a registered stage', () => {
    expect(BENCH_FILES).toContain(ringCopyBench);
    expect(ringCopyBench.caseNames).toEqual(['ring-copy/128']);
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

describe('stagebench bench ring-copy', () => {
  it('prints exactly {"results": [{stage, case, impl, medianUs, p95Us}], "cases": [{stage, case, ours}]} with --json', async () => {
    const { stdout, stderr } = await benchInProcess('ring-copy', { json: true });
    expect(stderr).toContain('ring-copy/128');
    const parsed = JSON.parse(stdout) as { results: Record<string, unknown>[]; cases: unknown[] };
    expect(Object.keys(parsed)).toEqual(['results', 'cases']);
    expect(parsed.cases).toEqual([{ stage: 'ring-copy', case: 'ring-copy/128', ours: 'stagebench' }]);
    expect(parsed.results.map((r) => r.impl)).toEqual(['stagebench', 'ringbuf.js']);
    for (const r of parsed.results) {
      expect(Object.keys(r).sort()).toEqual(['case', 'impl', 'medianUs', 'p95Us', 'stage']);
      expect(r).toMatchObject({ stage: 'ring-copy', case: 'ring-copy/128' });
      expect(r.medianUs).toBeGreaterThan(0);
      expect(r.p95Us as number).toBeGreaterThanOrEqual(r.medianUs as number);
    }
  });

  it('prints its rows in the table, ours and the peer with its ratio', async () => {
    const { stdout } = await benchInProcess('ring-copy');
    expect(stdout).toMatch(/ring-copy\/128\s+stagebench\s+[\d.]+\s+[\d.]+\s+\(ours\)/);
    expect(stdout).toMatch(/ring-copy\/128\s+ringbuf\.js\s+[\d.]+\s+[\d.]+\s+[\d.]+×/);
  });
});
