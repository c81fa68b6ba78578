import { afterEach, describe, expect, it, vi } from 'vitest';
import { reportMeasurement } from './report.ts';

describe('reportMeasurement', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('keeps a value JSON has no number for by its name, so the written report does not read 0', () => {
    const page: { __stagebenchMeasurements?: unknown[] } = {};
    vi.stubGlobal('window', page);
    const m = { unit: 'dBFS', source: 'test' };
    reportMeasurement({ ...m, name: 'exactly zero', value: -Infinity });
    reportMeasurement({ ...m, name: 'not a number', value: NaN });
    reportMeasurement({ ...m, name: 'ordinary', value: -38.18 });
    const written = JSON.parse(JSON.stringify(page.__stagebenchMeasurements)) as Array<{ name: string; value: unknown }>;
    expect(written.map((r) => [r.name, r.value])).toEqual([
      ['exactly zero', '-Infinity'],
      ['not a number', 'NaN'],
      ['ordinary', -38.18],
    ]);
    // as npm test prints them (scripts/test.mjs, printMeasurements)
    expect(written.map((r) => String(Number(Number(r.value).toPrecision(4))))).toEqual(['-Infinity', 'NaN', '-38.18']);
  });
});
