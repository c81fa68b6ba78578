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

declare global {
  interface Window {
    __stagebenchMeasurements?: Measurement[];
  }
}

export function reportMeasurement(m: Measurement): void {
  (window.__stagebenchMeasurements ??= []).push(m);
}
