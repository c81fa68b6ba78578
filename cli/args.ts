/**
 * One option parser for the command line and the long-run scripts: node:util's `parseArgs` splits
 * the arguments (`--flag value`, `--flag=value`, `--` ends the options), and this checks them
 * against a command's table, with the same messages everywhere:
 *
 *   --x needs a value · --x takes no value · unknown option --x for <command> · unexpected argument "y"
 *
 * A value never starts with `--` unless given inline (`--out=--odd-name`): `--input --json` is a
 * missing value, not a file named `--json`.
 */
import { parseArgs } from 'node:util';

/** What an option takes: a value (`--x v` or `--x=v`, may repeat) or nothing (a switch). */
export type OptionKind = 'value' | 'switch';

/** A command's options by flag, with their dashes: `{ '--input': 'value', '--json': 'switch' }`. */
export type OptionTable = Readonly<Record<string, OptionKind>>;

export interface ParsedOptions {
  positionals: string[];
  /** The options in the order given: a value, or true for a switch. */
  given: { flag: string; value: string | true }[];
  /** The last value given for `flag`, else null. */
  value(flag: string): string | null;
  /** Every value given for `flag`, in order. */
  values(flag: string): string[];
  has(flag: string): boolean;
}

export interface ParseOptionsHow {
  /** The command, for "unknown option --x for <command>". */
  command: string;
  /** Positional arguments allowed (default 1); one more is "unexpected argument". */
  positionals?: number;
  /** Makes the error thrown for a message (a usage error of the caller's kind). */
  error: (message: string) => Error;
  /** Appended to an unknown option's message, e.g. " (usage: ...)". */
  unknownHint?: string;
}

function isFlag(arg: string): boolean {
  return arg.startsWith('--') && arg.length > 2;
}

/** Parses `args` against `table` (see above); throws `how.error(message)` at the first problem. */
export function parseOptions(args: readonly string[], table: OptionTable, how: ParseOptionsHow): ParsedOptions {
  const options: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const [flag, kind] of Object.entries(table)) options[flag.slice(2)] = { type: kind === 'value' ? 'string' : 'boolean' };
  const { tokens } = parseArgs({ args: [...args], options, strict: false, allowPositionals: true, tokens: true });
  const positionals: string[] = [];
  const given: { flag: string; value: string | true }[] = [];
  const most = how.positionals ?? 1;
  for (const t of tokens) {
    if (t.kind === 'option-terminator') continue;
    if (t.kind === 'positional') {
      if (positionals.length >= most) throw how.error(`unexpected argument "${t.value}"`);
      positionals.push(t.value);
      continue;
    }
    const flag = t.rawName;
    const kind = table[flag];
    if (kind === undefined) throw how.error(`unknown option ${flag} for ${how.command}${how.unknownHint ?? ''}`);
    if (kind === 'switch') {
      if (t.value !== undefined) throw how.error(`${flag} takes no value`);
      given.push({ flag, value: true });
    } else {
      if (t.value === undefined || (!t.inlineValue && isFlag(t.value))) throw how.error(`${flag} needs a value`);
      given.push({ flag, value: t.value });
    }
  }
  const values = (flag: string) => given.filter((g) => g.flag === flag && g.value !== true).map((g) => g.value as string);
  return {
    positionals,
    given,
    value: (flag) => values(flag).at(-1) ?? null,
    values,
    has: (flag) => given.some((g) => g.flag === flag),
  };
}
