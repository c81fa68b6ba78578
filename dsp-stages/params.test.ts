import { describe, expect, it } from 'vitest';
import { clampParam, defaultParams, formatClampNote, numberParam, resolveParams, withOfflineParams } from './params.ts';
import type { ChoiceParam, NumberParam, ParamSpec } from './types.ts';
import { ringCopyParams } from './ring-copy/params.ts';

const gain: NumberParam = {
  kind: 'number',
  name: 'gain',
  label: 'Gain',
  unit: 'dB',
  min: -60,
  max: 12,
  step: 0.5,
  default: 0,
  description: 'output gain',
};
const taps: NumberParam = { ...gain, name: 'taps', unit: '', min: 1, max: 64, step: 1, default: 8, integer: true };
const windowFn: ChoiceParam = {
  kind: 'choice',
  name: 'window',
  label: 'Window',
  unit: '',
  options: ['hann', 'hamming', 'blackman'],
  default: 'hann',
  description: 'FFT window',
};
const specs: readonly ParamSpec[] = [gain, taps, windowFn];

describe('clampParam (number)', () => {
  it('keeps in-range values without a note, numbers or numeric strings', () => {
    expect(clampParam(gain, -3.5)).toEqual({ value: -3.5, note: null });
    expect(clampParam(gain, ' 6 ')).toEqual({ value: 6, note: null });
    expect(clampParam(gain, 12)).toEqual({ value: 12, note: null });
  });

  it('clamps below the minimum and above the maximum, naming the bound and unit', () => {
    expect(clampParam(gain, -100)).toEqual({ value: -60, note: { name: 'gain', given: -100, used: -60, reason: 'below minimum -60 dB' } });
    expect(clampParam(gain, '40')).toEqual({ value: 12, note: { name: 'gain', given: '40', used: 12, reason: 'above maximum 12 dB' } });
    expect(clampParam(gain, Infinity).value).toBe(12);
    expect(clampParam(gain, -Infinity).value).toBe(-60);
  });

  it('leaves no trailing space when the unit is empty', () => {
    expect(clampParam(taps, 0).note?.reason).toBe('below minimum 1');
    expect(clampParam(taps, 65).note?.reason).toBe('above maximum 64');
  });

  it('rounds integer parameters, with a note', () => {
    expect(clampParam(taps, 4.4)).toEqual({ value: 4, note: { name: 'taps', given: 4.4, used: 4, reason: 'must be a whole number' } });
    expect(clampParam(taps, '7.5').value).toBe(8);
    expect(clampParam(taps, 5)).toEqual({ value: 5, note: null });
    // out of range and fractional: the range is the reason given
    expect(clampParam(taps, 0.4)).toMatchObject({ value: 1, note: { reason: 'below minimum 1' } });
  });

  it('falls back to the default for NaN, wrong types and blank strings', () => {
    for (const bad of [NaN, 'abc', '', '   ', undefined, null, true, {}]) {
      const { value, note } = clampParam(gain, bad);
      expect(value).toBe(0);
      expect(note).toEqual({ name: 'gain', given: bad, used: 0, reason: 'not a number' });
    }
  });

  it('clamps the ring-copy capacity to whole samples in 128..2^20', () => {
    const [capacity] = ringCopyParams;
    expect(clampParam(capacity, 100).value).toBe(128);
    expect(clampParam(capacity, 2 ** 21).value).toBe(2 ** 20);
    expect(clampParam(capacity, 401)).toEqual({ value: 401, note: null });
  });
});

describe('clampParam (choice)', () => {
  it('accepts an option and replaces anything else with the default', () => {
    expect(clampParam(windowFn, 'blackman')).toEqual({ value: 'blackman', note: null });
    expect(clampParam(windowFn, 'kaiser')).toEqual({
      value: 'hann',
      note: { name: 'window', given: 'kaiser', used: 'hann', reason: 'not one of hann, hamming, blackman' },
    });
    expect(clampParam(windowFn, 3).value).toBe('hann');
  });
});

describe('resolveParams', () => {
  it('fills defaults for missing names', () => {
    expect(resolveParams(specs, {})).toEqual({ values: { gain: 0, taps: 8, window: 'hann' }, notes: [], unknown: [] });
    expect(defaultParams(specs)).toEqual({ gain: 0, taps: 8, window: 'hann' });
  });

  it('clamps given values, collects notes in spec order and lists unknown names', () => {
    const r = resolveParams(specs, { window: 'nope', zeta: 1, gain: '99', taps: '16', alpha: 'x' });
    expect(r.values).toEqual({ gain: 12, taps: 16, window: 'hann' });
    expect(r.notes.map((n) => n.name)).toEqual(['gain', 'window']);
    expect(r.unknown).toEqual(['zeta', 'alpha']);
  });

  it('does not let unknown names into the values', () => {
    const r = resolveParams(specs, { gainn: 3 });
    expect(r.values).not.toHaveProperty('gainn');
    expect(r.unknown).toEqual(['gainn']);
  });
});

describe('withOfflineParams', () => {
  it("puts the stage's offline settings over the given ones, and leaves a stage without any alone", () => {
    const given = { size: 4096, spread: 'on' };
    expect(withOfflineParams({ offlineParams: { spread: 'off' } }, given)).toEqual({ size: 4096, spread: 'off' });
    expect(given.spread).toBe('on');
    expect(withOfflineParams({}, given)).toBe(given);
  });
});

describe('formatClampNote and numberParam', () => {
  it('formats a note as name=given reason; using value', () => {
    expect(formatClampNote({ name: 'capacity', given: '5', used: 128, reason: 'below minimum 128 samples' })).toBe(
      'capacity=5 below minimum 128 samples; using 128',
    );
    expect(formatClampNote(clampParam(gain, NaN).note!)).toBe('gain=NaN not a number; using 0');
  });

  it('reads numbers and refuses strings', () => {
    expect(numberParam({ capacity: 256 }, 'capacity')).toBe(256);
    expect(() => numberParam({ window: 'hann' }, 'window')).toThrow('parameter window is not a number');
    expect(() => numberParam({}, 'missing')).toThrow('parameter missing is not a number');
  });
});

describe('clampParam with allowed values', () => {
  const size = {
    kind: 'number',
    name: 'size',
    label: 'Size',
    unit: 'samples',
    min: 512,
    max: 32768,
    step: 1,
    default: 32768,
    integer: true,
    values: [512, 1024, 2048, 4096, 8192, 16384, 32768],
    description: 'FFT size.',
  } as const;

  it('keeps an allowed value without a note', () => {
    expect(clampParam(size, 4096)).toEqual({ value: 4096, note: null });
  });

  it('snaps an in-range value to the nearest allowed one, with a note', () => {
    const r = clampParam(size, 5000);
    expect(r.value).toBe(4096);
    expect(r.note?.reason).toBe('not one of 512, 1024, 2048, 4096, 8192, 16384, 32768');
  });

  it('clamps out of range first, then snaps', () => {
    expect(clampParam(size, 100000).value).toBe(32768);
    expect(clampParam(size, 1).note?.reason).toMatch(/below minimum 512/);
  });
});
