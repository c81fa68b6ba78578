/** The eq bench cases: every implementation computes the same cascade, and a wrong one is caught. */
import { beforeAll, describe, expect, it } from 'vitest';
import { wasmInstanceFactory } from '../wasm-file.ts';
import { BiquadCascade } from './reference.ts';
import { BENCH_FILES } from '../../bench/index.ts';
import { checkImplNames, runCase, type BenchCase } from '../bench-harness.ts';
import { benchInProcess } from '../cli-testing.ts';
import {
  EQ_BENCH_RATE,
  EQ_BENCH_SIZES,
  EQ_BENCH_TOLERANCE,
  EQ_FAST_BENCH_TOLERANCE,
  EQ_PEER_NAMES,
  JsBiquadCascade,
  benchBands,
  checkEqOutputs,
  eqBench,
  eqBenchInput,
  maxAbsDiff,
  type EqBenchImpl,
} from './bench.ts';

let cases: BenchCase[];
const IMPLS = ['stagebench', 'hand-written JS DF2T cascade', 'fili (IirFilter.multiStep)'];

beforeAll(() => {
  cases = eqBench.cases({ newWasm: wasmInstanceFactory() });
});

describe('eq bench cases', () => {
  it('are listed: one render quantum (128) and a 1024-frame block, each with ours and both peers, exact and fast', () => {
    expect(BENCH_FILES).toContain(eqBench);
    expect(eqBench.caseNames).toEqual(['eq/8x128', 'eq/8x1024', 'eq-fast/8x128', 'eq-fast/8x1024']);
    expect(cases.map((c) => c.name)).toEqual(eqBench.caseNames);
    expect([...EQ_PEER_NAMES]).toEqual(IMPLS.slice(1));
    for (const c of cases) {
      expect(c.stage).toBe('eq');
      expect(c.ours).toBe('stagebench');
      expect(c.impls.map((i) => i.name)).toEqual(IMPLS);
      expect(() => checkImplNames(c)).not.toThrow();
    }
  });

  it('uses the story default: eight active sections', () => {
    const bands = benchBands();
    expect(bands).toHaveLength(8);
    expect(bands.every((b) => b.type !== 'off')).toBe(true);
  });

  it('every implementation passes its output check (each peer against ours within 1e-4 on one block from rest)', () => {
    for (const c of cases) {
      for (const impl of c.impls) expect(() => impl.check?.(), `${c.name} ${impl.name}`).not.toThrow();
    }
  });

  it('carries the state from call to call: two blocks in a row are one long block', () => {
    EQ_BENCH_SIZES.forEach((n, ci) => {
      const impls = cases[ci]!.impls as EqBenchImpl[];
      const input = eqBenchInput(n);
      const twice = new Float32Array(2 * n);
      twice.set(input);
      twice.set(input, n);
      const ref = new Float32Array(twice.length);
      new BiquadCascade(benchBands(), EQ_BENCH_RATE).process(twice, ref);
      for (const impl of impls) {
        expect(maxAbsDiff(impl.blockFromRest(), ref.subarray(0, n)), `${n} ${impl.name}`).toBeLessThan(1e-4);
        impl.run();
        expect(maxAbsDiff(impl.lastOutput(), ref.subarray(n)), `${n} ${impl.name}`).toBeLessThan(1e-4);
      }
    });
  });

  it('the eq-fast cases run the fast arithmetic: not the exact bits, within the fast tolerance of them', () => {
    EQ_BENCH_SIZES.forEach((n, ci) => {
      const exact = (cases[ci]!.impls[0] as EqBenchImpl).blockFromRest();
      const fast = (cases[ci + EQ_BENCH_SIZES.length]!.impls[0] as EqBenchImpl).blockFromRest();
      const diff = maxAbsDiff(exact, fast);
      expect(diff, `${n}`).toBeGreaterThan(0);
      expect(diff, `${n}`).toBeLessThan(EQ_FAST_BENCH_TOLERANCE);
    });
  });

  it("reports ours' error against the f64 cascade: fast is within 1e-5 of it, closer than exact's f32-rounded feedback", () => {
    EQ_BENCH_SIZES.forEach((n, ci) => {
      const [exact, fast] = [cases[ci]!, cases[ci + EQ_BENCH_SIZES.length]!].map((c) => c.impls[0]!.accuracy!().figures.maxAbsErrorVsF64!);
      expect(fast, `${n}`).toBeGreaterThan(0);
      expect(fast, `${n}`).toBeLessThan(1e-5);
      expect(exact, `${n}`).toBeGreaterThan(fast!);
      expect(exact, `${n}`).toBeLessThan(EQ_BENCH_TOLERANCE);
    });
  });

  it('rejects a cascade that differs, or an output that is the input', () => {
    const n = 1024;
    const input = eqBenchInput(n);
    const fixed = (name: string, out: Float32Array): EqBenchImpl => ({
      name,
      run: () => {},
      blockFromRest: () => out,
      lastOutput: () => out,
    });
    const good = new Float32Array(n);
    new JsBiquadCascade(benchBands(), EQ_BENCH_RATE).process(input, good);
    const off = good.map((v, i) => (i === 500 ? v + 1e-3 : v));
    expect(() => checkEqOutputs(fixed('a', good), fixed('b', good), input)).not.toThrow();
    expect(() => checkEqOutputs(fixed('a', good), fixed('b', off), input)).toThrow(/a and b differ by up to 1\.00e-3/);
    expect(() => checkEqOutputs(fixed('a', input), fixed('b', input), input)).toThrow(/a: the output is the input/);
  });

  it('runs with the real clock', () => {
    for (const c of cases) {
      const results = runCase(c, { warmupMs: 5, samples: 5, minSampleMs: 0.2, now: () => performance.now() });
      expect(results.map((r) => r.impl)).toEqual(IMPLS);
      for (const r of results) {
        expect(r.medianUs).toBeGreaterThan(0);
        expect(r.medianUs).toBeLessThan(2000);
      }
    }
  });
});

describe('stagebench bench eq', () => {
  it('prints both sizes of both precisions in the table: ours with its error against f64, then each peer with its ratio', async () => {
    const { stdout } = await benchInProcess('eq');
    for (const name of eqBench.caseNames) {
      expect(stdout).toMatch(new RegExp(`${name}\\s+stagebench\\s+[\\d.]+\\s+[\\d.]+\\s+\\(ours\\)\\s+\\|err\\| vs f64 [\\d.]+e-\\d`));
      expect(stdout).toMatch(new RegExp(`${name}\\s+hand-written JS DF2T cascade\\s+[\\d.]+\\s+[\\d.]+\\s+[\\d.]+×`));
      expect(stdout).toMatch(new RegExp(`${name}\\s+fili \\(IirFilter\\.multiStep\\)\\s+[\\d.]+\\s+[\\d.]+\\s+[\\d.]+×`));
    }
  }, 60_000);
});
