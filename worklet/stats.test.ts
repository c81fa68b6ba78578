import { describe, expect, it } from 'vitest';
import { mean, median, medianOfSorted, medianOrNull, percentile, upperMedian } from './stats.ts';

describe('median', () => {
  it('is the middle value of an odd count, the mean of the two middle values of an even count', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(median([-1, 1])).toBe(0);
  });
  it('sorts numerically, not as strings, and leaves its input as it was', () => {
    const xs = [10, 9, 100, 1];
    expect(median(xs)).toBe(9.5);
    expect(xs).toEqual([10, 9, 100, 1]);
  });
  it('is NaN for none; medianOrNull is null', () => {
    expect(median([])).toBeNaN();
    expect(medianOrNull([])).toBeNull();
    expect(medianOrNull([3, 1, 2])).toBe(2);
    expect(medianOrNull([4, 1, 2, 3])).toBe(2.5);
  });
  it('of sorted values, without sorting them', () => {
    expect(medianOfSorted([1, 2, 3, 4])).toBe(2.5);
    expect(medianOfSorted([1, 2, 3])).toBe(2);
    expect(medianOfSorted([])).toBeNaN();
    // the list is read as given: unsorted input gives its middle, not its median
    expect(medianOfSorted([3, 1, 2])).toBe(1);
  });
});

describe('upperMedian', () => {
  it('is the element at floor(n / 2) of the sorted values', () => {
    expect(upperMedian([3, 1, 2])).toBe(2);
    expect(upperMedian([4, 1, 2, 3])).toBe(3);
    expect(upperMedian([5])).toBe(5);
    expect(upperMedian([])).toBeNaN();
  });
  it('leaves its input as it was', () => {
    const xs = [2, 1];
    expect(upperMedian(xs)).toBe(2);
    expect(xs).toEqual([2, 1]);
  });
});

describe('percentile (nearest rank)', () => {
  const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  it('is the element at ceil(p / 100 × n) − 1', () => {
    expect(percentile(ten, 50)).toBe(5);
    expect(percentile(ten, 95)).toBe(10);
    expect(percentile(ten, 90)).toBe(9);
    expect(percentile(ten, 91)).toBe(10);
    expect(percentile(ten, 10)).toBe(1);
    expect(percentile(ten, 11)).toBe(2);
  });
  it('is the lower middle value at p = 50 of an even count (no interpolation)', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3], 50)).toBe(2);
  });
  it('clamps to the first and last value', () => {
    expect(percentile(ten, 0)).toBe(1);
    expect(percentile(ten, 100)).toBe(10);
    expect(percentile(ten, 150)).toBe(10);
    expect(percentile(ten, -5)).toBe(1);
  });
  it('is NaN for none', () => {
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('mean', () => {
  it('sums in order and divides by the count', () => {
    expect(mean([1, 2, 3, 4])).toBe(2.5);
    expect(mean([0.1, 0.2, 0.3])).toBe((0.1 + 0.2 + 0.3) / 3);
    expect(mean([])).toBeNaN();
  });
});
