/**
 * Measurements a play function wants kept (quanta/s, kernel p99, heap growth...): collected on
 * the page and written by the test runner's postVisit hook to test-results/measurements.jsonl,
 * which `npm test` prints as a table.
 */
export interface Measurement {
  name: string;
  value: number;
  unit: string;
  /** The clock or method behind the figure. */
  source: string;
}

/**
 * A measurement as the page keeps it for the runners, which write it as JSON: a value JSON has no
 * number for (an exactly-zero residual's -Infinity dBFS, a NaN) is kept as its name, which
 * JSON.stringify would otherwise write as null and the report print as 0.
 */
export type ReportedMeasurement = Omit<Measurement, 'value'> & { value: number | 'Infinity' | '-Infinity' | 'NaN' };

declare global {
  interface Window {
    __stagebenchMeasurements?: ReportedMeasurement[];
  }
}

export function reportMeasurement(m: Measurement): void {
  const value = Number.isFinite(m.value) ? m.value : (String(m.value) as 'Infinity' | '-Infinity' | 'NaN');
  (window.__stagebenchMeasurements ??= []).push({ ...m, value });
}
