/**
 * Order statistics and the mean, for timings and other measured figures: one definition of each,
 * shared by the runtime, the stories, the benches and the scripts.
 *
 * Three medians, because the figures they report were defined differently and stay as they are:
 * - `median`: the middle value, or for an even count the mean of the two middle values (linear
 *   interpolation halfway between them); `medianOfSorted` is the same on values already sorted;
 * - `upperMedian`: the element at index floor(n / 2) of the sorted values, i.e. for an even
 *   count the higher of the two middle values (always one of the values);
 * - `percentile(sorted, 50)`: the nearest-rank median, for an even count the lower of the two.
 *
 * None of them reads an empty list as a figure: they return NaN (`medianOrNull`: null), and a
 * caller that shows something else for no values says so where it calls.
 */

const ascending = (a: number, b: number): number => a - b;

/** A sorted copy (ascending); the values are not touched. */
function sortedCopy(xs: readonly number[]): number[] {
  return [...xs].sort(ascending);
}

/**
 * The median of values sorted ascending: the middle one, or the mean of the two middle ones for an
 * even count. NaN for none.
 */
export function medianOfSorted(sorted: readonly number[]): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The median of values in any order (see `medianOfSorted`). NaN for none. */
export function median(xs: readonly number[]): number {
  return medianOfSorted(sortedCopy(xs));
}

/** `median`, or null for none (a summary that shows "no value" rather than NaN). */
export function medianOrNull(xs: readonly number[]): number | null {
  return xs.length === 0 ? null : median(xs);
}

/**
 * The upper median: the element at index floor(n / 2) of the sorted values (for an odd count the
 * median; for an even count the higher of the two middle values). NaN for none.
 */
export function upperMedian(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  return sortedCopy(xs)[xs.length >> 1]!;
}

/**
 * The nearest-rank percentile of values sorted ascending: the smallest value with at least p % of
 * the values at or below it, i.e. the element at index ceil(p / 100 × n) − 1, clamped to the list
 * (p = 0 gives the minimum, p = 100 the maximum; p = 50 of an even count is the lower middle
 * value). No interpolation: always one of the values. NaN for none.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

/** The arithmetic mean, summed in order. NaN for none. */
export function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}
