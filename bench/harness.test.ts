import { describe, expect, it } from 'vitest';
import { calibrate, formatTable, ratio, runCase, type BenchCase, type BenchOptions } from './harness.ts';

/** A fake clock and impls whose calls cost a fixed fake time each. */
function fakeCase(costsMs: Record<string, number>, log: string[] = []) {
  let t = 0;
  const now = () => t;
  const c: BenchCase = {
    stage: 'ring-copy',
    name: 'fake/1',
    ours: 'a',
    impls: Object.entries(costsMs).map(([name, cost]) => ({
      name,
      run: () => {
        t += cost;
        if (log[log.length - 1] !== name) log.push(name);
      },
    })),
  };
  return { c, now };
}

describe('calibrate', () => {
  it('doubles the batch until it lasts at least minMs', () => {
    const { c, now } = fakeCase({ a: 0.001 });
    expect(calibrate(c.impls[0]!, 1, now)).toBe(1024);
    expect(calibrate(c.impls[0]!, 0.5, now)).toBe(512);
  });

  it('gives up on a clock that never moves', () => {
    const impl = { name: 'stuck', run: () => {} };
    expect(() => calibrate(impl, 1, () => 0)).toThrow(/stuck: a batch of \d+ calls still took under 1 ms/);
  });
});

describe('runCase', () => {
  const opts = (now: () => number): BenchOptions => ({ warmupMs: 3, samples: 10, minSampleMs: 1, now });

  it('reports per-call median and p95 in µs and the ours/peer ratio', () => {
    const { c, now } = fakeCase({ a: 0.001, b: 0.004 });
    const results = runCase(c, opts(now));
    expect(results.map((r) => r.impl)).toEqual(['a', 'b']);
    const [a, b] = results;
    expect(a).toMatchObject({ stage: 'ring-copy', case: 'fake/1', callsPerSample: 1024 });
    expect(a!.medianUs).toBeCloseTo(1, 9);
    expect(a!.p95Us).toBeCloseTo(1, 9);
    expect(b!.callsPerSample).toBe(256);
    expect(b!.medianUs).toBeCloseTo(4, 9);
    expect(a!.samplesUs).toHaveLength(10);
    expect(ratio(results, c, 'b')).toBeCloseTo(0.25, 9);
    expect(formatTable([c], results)).toMatch(/fake\/1\s+b\s+4\.000\s+4\.000\s+0\.25×/);
    expect(formatTable([c], results)).toMatch(/fake\/1\s+a\s+1\.000\s+1\.000\s+\(ours\)/);
  });

  it('interleaves impls round-robin, rotating which goes first', () => {
    const log: string[] = [];
    const { c, now } = fakeCase({ a: 0.001, b: 0.001, c: 0.001 }, log);
    runCase(c, { warmupMs: 0, samples: 3, minSampleMs: 1, now });
    // the last 9 batches are the samples: abc, bca, cab
    expect(log.slice(-9).join('')).toBe('abcbcacab');
  });

  it('checks every impl before timing and names the one that fails', () => {
    const { c, now } = fakeCase({ a: 0.001, b: 0.001 });
    c.impls[1]!.check = () => {
      throw new Error('output differs');
    };
    expect(() => runCase(c, opts(now))).toThrow('bench case fake/1: b failed its check: output differs');
  });

  it('refuses a case without its "ours" impl or with duplicate names', () => {
    const { c, now } = fakeCase({ a: 0.001 });
    expect(() => runCase({ ...c, ours: 'zz' }, opts(now))).toThrow('"ours" impl zz is missing');
    expect(() => runCase({ ...c, impls: [c.impls[0]!, c.impls[0]!] }, opts(now))).toThrow('impl names must be unique');
  });
});
