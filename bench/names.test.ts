/**
 * Every bench case's impl names, as --json prints them: unique within the case, and where one
 * package gives several rows, each names its variant (`package (variant)`). The cases are those of
 * every registered stage's bench file, built as `stagebench bench` builds them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wasmInstanceFactory } from '../dsp-stages/wasm-file.ts';
import { checkImplNames, type BenchCase } from '../dsp-stages/bench-harness.ts';
import { BENCH_FILES } from './index.ts';

const cases: BenchCase[] = [];

beforeAll(async () => {
  for (const file of BENCH_FILES) {
    await file.prepare?.();
    cases.push(...file.cases({ newWasm: wasmInstanceFactory() }));
  }
}, 120_000); // a file's set-up may start worker threads

afterAll(async () => {
  for (const file of BENCH_FILES) await file.close?.();
});

describe('bench impl names', () => {
  it('every bench file builds the cases it declares', () => {
    expect(cases.map((c) => c.name)).toEqual(BENCH_FILES.flatMap((f) => f.caseNames));
  });

  it('are unique and unambiguous in every case', () => {
    expect(cases.length).toBeGreaterThan(0);
    for (const c of cases) expect(() => checkImplNames(c), c.name).not.toThrow();
  });

  it('every case names its "ours" among its impls', () => {
    for (const c of cases)
      expect(
        c.impls.map((i) => i.name),
        c.name,
      ).toContain(c.ours);
  });
});
