/**
 * Every bench case's impl names, as --json prints them: unique within the case, and where one
 * package gives several rows, each names its variant (`package (variant)`).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { wasmInstanceFactory } from '../dsp-stages/wasm-file.ts';
import { decodeBench } from './decode.bench.ts';
import { DECODE_BENCH_FORMATS } from './decode-fixtures.ts';
import { decodeBenchImplNames } from './decode-impls.ts';
import { checkImplNames, type BenchCase } from '../dsp-stages/bench-harness.ts';
import { BENCH_FILES } from './index.ts';

const cases: BenchCase[] = [];

beforeAll(async () => {
  // decode's cases live in driver threads (decode.test.ts checks they build decodeBenchImplNames)
  for (const file of BENCH_FILES.filter((f) => f !== decodeBench)) {
    await file.prepare?.();
    cases.push(...file.cases({ newWasm: wasmInstanceFactory() }));
  }
}, 20_000);

describe('bench impl names', () => {
  it('are unique and unambiguous in every case', () => {
    expect(cases.length).toBeGreaterThan(0);
    for (const c of cases) expect(() => checkImplNames(c), c.name).not.toThrow();
    for (const format of DECODE_BENCH_FORMATS) {
      for (const workers of [1, 2, 4]) {
        const c = { name: `decode/${format}-1s`, impls: decodeBenchImplNames(format, workers).map((name) => ({ name })) };
        expect(() => checkImplNames(c), `${c.name} (${workers} workers)`).not.toThrow();
      }
    }
  });

  it('every case names its "ours" among its impls', () => {
    for (const c of cases)
      expect(
        c.impls.map((i) => i.name),
        c.name,
      ).toContain(c.ours);
  });
});
