/**
 * `stagebench validate <stage|all> [--level 1..10] [--seed N] [--reproduce SEED] [--check NAMES]
 * [--json] [--junit FILE]`: the validation matrix of dsp-stages/validate/ on the wasm kernels, in
 * Node, through the generic stage ABI. docs/validation.md describes the checks and the levels.
 */
import { writeFileSync } from 'node:fs';
import { progressReporter, usage, CliError } from '../dsp-stages/node-api.ts';
import { STAGES, getStage } from '../dsp-stages/registry.ts';
import { wasmInstanceFactory, wasmPath } from '../dsp-stages/wasm-file.ts';
import { CHECK_NAMES, type CheckName } from '../dsp-stages/validate/checks.ts';
import { referenceFrom, validate } from '../dsp-stages/validate/engine.ts';
import type { InstanceWrapper } from '../dsp-stages/validate/host.ts';
import { MAX_LEVEL } from '../dsp-stages/validate/levels.ts';
import { parseOptions } from './args.ts';
import { formatReport, toJUnit } from '../dsp-stages/validate/report.ts';
import { NODE_CONFORMANCE } from '../dsp-stages/node-registry.ts';

/** The level when `--level` is not given (pluginval's default strictness). */
export const DEFAULT_LEVEL = 5;
/** The base seed when `--seed` is not given: two runs agree unless told otherwise. */
export const DEFAULT_SEED = 1;

export const VALIDATE_USAGE = `stagebench validate <stage|all> [--level 1..${MAX_LEVEL}] [--seed N] [--reproduce SEED] [--check NAME[,NAME]...] [--json] [--junit FILE]`;

export const VALIDATE_HELP = `validate
  Runs every check on each registered stage that is a kind of the wasm module's stage registry (or
  on the one named), through the generic stage ABI:
    ${CHECK_NAMES.join(', ')}.
  Prints a table (PASS, FAIL or n/a per check and stage) and a summary line; exits 1 if any check
  failed. A registered stage that is not a kind of the wasm module is listed as skipped, with why.
  --level N        1 (a few rates, one block size, one seed) to ${MAX_LEVEL} (all rates and block sizes, 10
                   seeds, every byte of saved state flipped, long renders); default ${DEFAULT_LEVEL}
  --seed N         base seed of the runs (default ${DEFAULT_SEED})
  --reproduce SEED run only this seed (as a failure prints it) for each stage and check
  --check NAMES    only these checks (comma-separated)
  --json           print the report as one JSON object instead of the table
  --junit FILE     also write the report as JUnit XML (a testcase per stage and check)
  See docs/validation.md.
`;

interface ValidateArgs {
  stage: string;
  level: number;
  seed: number;
  reproduce: number | null;
  checks: CheckName[] | null;
  json: boolean;
  junit: string | null;
}

function wholeNumber(flag: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!(text.trim() !== '' && Number.isInteger(n) && n >= min && n <= max))
    throw usage(`${flag} wants a whole number from ${min} to ${max}, got "${text}"`);
  return n;
}

export function parseValidateArgs(args: readonly string[]): ValidateArgs {
  const o = parseOptions(
    args,
    { '--level': 'value', '--seed': 'value', '--reproduce': 'value', '--check': 'value', '--json': 'switch', '--junit': 'value' },
    { command: 'validate', error: usage },
  );
  const stage = o.positionals[0] ?? null;
  /** The whole number given for `flag`, else null. */
  const whole = (flag: string, min: number, max: number) => {
    const text = o.value(flag);
    return text === null ? null : wholeNumber(flag, text, min, max);
  };
  const checkText = o.value('--check');
  let checks: CheckName[] | null = null;
  if (checkText !== null) {
    const names = checkText.split(',');
    for (const n of names)
      if (!(CHECK_NAMES as readonly string[]).includes(n)) throw usage(`unknown check "${n}" (checks: ${CHECK_NAMES.join(', ')})`);
    checks = names as CheckName[];
  }
  if (stage === null) throw usage(`validate needs a stage or all (stages: ${Object.keys(STAGES).join(', ')})`);
  return {
    stage,
    level: whole('--level', 1, MAX_LEVEL) ?? DEFAULT_LEVEL,
    seed: whole('--seed', 0, 0xffffffff) ?? DEFAULT_SEED,
    reproduce: whole('--reproduce', 0, 0xffffffff),
    checks,
    json: o.has('--json'),
    junit: o.value('--junit'),
  };
}

export interface ValidateIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
  stderrIsTTY?: boolean;
}

/**
 * Runs the command; resolves to the exit code (0 all passed, 1 a check failed). Throws CliError on
 * usage errors. `wrap` is for tests only: a fault around every instance (dsp-stages/validate/faults.ts).
 */
export async function validateCommand(args: readonly string[], io: ValidateIo, wrap?: InstanceWrapper): Promise<number> {
  const a = parseValidateArgs(args);
  let stages;
  try {
    stages = a.stage === 'all' ? Object.values(STAGES) : [getStage(a.stage)];
  } catch (err) {
    throw new CliError((err as Error).message, 2);
  }
  let newWasm;
  try {
    newWasm = wasmInstanceFactory(wasmPath(io.env));
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  const progress = io.stderrIsTTY ? progressReporter(io.stderr, true, 'validate', 'checks') : null;
  const report = validate({
    stages,
    registered: Object.keys(STAGES),
    checks: a.checks ?? undefined,
    level: a.level,
    seed: a.seed,
    reproduce: a.reproduce,
    newWasm,
    wrap,
    reference: referenceFrom(NODE_CONFORMANCE),
    onResult: (_r, done, total) => progress?.update(done, total),
  });
  progress?.end();
  if (a.junit !== null) {
    try {
      writeFileSync(a.junit, toJUnit(report));
    } catch (err) {
      throw new CliError(`cannot write ${a.junit}: ${(err as Error).message}`);
    }
  }
  io.stdout(a.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  return report.failed === 0 ? 0 : 1;
}
