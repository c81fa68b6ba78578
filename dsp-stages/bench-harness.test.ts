import { describe, expect, it } from 'vitest';
import { calibrate, checkImplNames, formatTable, implPackage, ratio, runCase, type BenchCase, type BenchOptions } from './bench-harness.ts';

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

  it('idles settleMs before every timed batch, off the clock, when the case asks', () => {
    const log: string[] = [];
    const { c, now } = fakeCase({ a: 0.001, b: 0.002 }, log);
    const slept: number[] = [];
    const results = runCase({ ...c, settleMs: 7 }, { warmupMs: 0, samples: 3, minSampleMs: 1, now, sleep: (ms) => slept.push(ms) });
    // no warm-up batches (warmupMs 0): one idle per sample batch, 3 samples x 2 impls
    expect(slept).toEqual([7, 7, 7, 7, 7, 7]);
    expect(results[0]!.medianUs).toBeCloseTo(1, 9);
    const none: number[] = [];
    runCase(c, { warmupMs: 0, samples: 3, minSampleMs: 1, now, sleep: (ms) => none.push(ms) });
    expect(none).toEqual([]);
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
    expect(() => runCase({ ...c, impls: [c.impls[0]!, c.impls[0]!] }, opts(now))).toThrow('impl names must be unique ("a" twice)');
  });

  it('refuses a bare package name beside a variant of the same package', () => {
    const { c, now } = fakeCase({ a: 0.001, 'a (fast)': 0.001 });
    expect(() => runCase(c, opts(now))).toThrow(
      'bench case fake/1: "a" is a bare package name beside its variants "a (fast)": name its variant too',
    );
  });

  it("takes each impl's accuracy once, off the clock, and shows it in an accuracy column", () => {
    const { c, now } = fakeCase({ a: 0.001, b: 0.002 });
    let calls = 0;
    c.impls[1]!.accuracy = () => {
      calls++;
      return { summary: '|err| 0.1', figures: { absError: 0.1 } };
    };
    const results = runCase(c, opts(now));
    expect(calls).toBe(1);
    expect(results[0]!.accuracy).toBeUndefined();
    expect(results[1]!.accuracy).toEqual({ summary: '|err| 0.1', figures: { absError: 0.1 } });
    const lines = formatTable([c], results).split('\n');
    expect(lines[0]).toMatch(/ours\/peer\s+accuracy$/);
    expect(lines[1]).toMatch(/\(ours\)$/);
    expect(lines[2]).toMatch(/0\.50×\s+\|err\| 0\.1$/);
    // no accuracy anywhere: no column
    const one = fakeCase({ a: 0.001 });
    expect(formatTable([one.c], runCase(one.c, opts(one.now)))).not.toContain('accuracy');
  });
});

describe('impl names', () => {
  const names = (...xs: string[]) => ({ name: 'x/1', impls: xs.map((name) => ({ name })) });

  it('split into the package and its variant', () => {
    expect(implPackage('@echogarden/pffft-wasm (32 inverse FFTs)')).toBe('@echogarden/pffft-wasm');
    expect(implPackage('stagebench (pool, 2 workers, 0.25 s chunks)')).toBe('stagebench');
    expect(implPackage('fft.js')).toBe('fft.js');
    expect(implPackage('hand-written JS DF2T cascade')).toBe('hand-written JS DF2T cascade');
  });

  it('accept distinct packages, and several variants of one package when each names its variant', () => {
    expect(() => checkImplNames(names('stagebench', 'fft.js', 'kissfft-js'))).not.toThrow();
    expect(() => checkImplNames(names('stagebench (a)', 'stagebench (b)', 'fili'))).not.toThrow();
  });

  it('reject a duplicate, or a bare package name used beside its variants', () => {
    expect(() => checkImplNames(names('fili', 'fili'))).toThrow('bench case x/1: impl names must be unique ("fili" twice)');
    expect(() => checkImplNames(names('p (a)', 'p (a)'))).toThrow('impl names must be unique ("p (a)" twice)');
    expect(() => checkImplNames(names('@echogarden/pffft-wasm', '@echogarden/pffft-wasm (32 inverse FFTs)'))).toThrow(
      '"@echogarden/pffft-wasm" is a bare package name beside its variants "@echogarden/pffft-wasm (32 inverse FFTs)"',
    );
  });
});
