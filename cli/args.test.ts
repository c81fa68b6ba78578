import { describe, expect, it } from 'vitest';
import { parseOptions, type OptionTable } from './args.ts';

const TABLE: OptionTable = { '--input': 'value', '--param': 'value', '--json': 'switch' };
const how = { command: 'run', error: (m: string) => new Error(m) };

describe('parseOptions', () => {
  it('takes values spaced or inline, repeated values in order, switches and one positional', () => {
    const o = parseOptions(['eq', '--input', 'a.wav', '--param=x=1', '--param', 'y=2', '--json'], TABLE, how);
    expect(o.positionals).toEqual(['eq']);
    expect(o.value('--input')).toBe('a.wav');
    expect(o.values('--param')).toEqual(['x=1', 'y=2']);
    expect(o.value('--param')).toBe('y=2');
    expect(o.has('--json')).toBe(true);
    expect(o.has('--input')).toBe(true);
    expect(o.value('--out')).toBeNull();
    expect(o.given).toEqual([
      { flag: '--input', value: 'a.wav' },
      { flag: '--param', value: 'x=1' },
      { flag: '--param', value: 'y=2' },
      { flag: '--json', value: true },
    ]);
  });

  it('reads a value that starts with one dash, an inline value that starts with two, and arguments after --', () => {
    const o = parseOptions(['--input', '-', '--param=--odd', '--', '--json'], TABLE, how);
    expect(o.value('--input')).toBe('-');
    expect(o.value('--param')).toBe('--odd');
    expect(o.positionals).toEqual(['--json']);
    expect(o.has('--json')).toBe(false);
  });

  it.each([
    [['--input'], '--input needs a value'],
    [['--input', '--json'], '--input needs a value'],
    [['--json=yes'], '--json takes no value'],
    [['--frames', '3'], 'unknown option --frames for run'],
    [['-q'], 'unknown option -q for run'],
    [['eq', 'extra'], 'unexpected argument "extra"'],
  ])('refuses %j: %s', (args, message) => {
    expect(() => parseOptions(args, TABLE, how)).toThrow(new Error(message));
  });

  it('counts positionals against the limit given, and appends the hint to an unknown option', () => {
    expect(() => parseOptions(['x'], TABLE, { ...how, positionals: 0 })).toThrow('unexpected argument "x"');
    expect(parseOptions(['a', 'b', 'c'], TABLE, { ...how, positionals: Infinity }).positionals).toEqual(['a', 'b', 'c']);
    expect(() => parseOptions(['--force'], TABLE, { ...how, command: 'new', unknownHint: ' (usage: new <id>)' })).toThrow(
      'unknown option --force for new (usage: new <id>)',
    );
  });

  it('throws the caller’s kind of error', () => {
    class UsageError extends Error {}
    expect(() => parseOptions(['--nope'], TABLE, { command: 'soak', error: (m) => new UsageError(m) })).toThrow(UsageError);
  });
});
