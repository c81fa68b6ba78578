/**
 * The validation matrix: every registered stage that is a kind of the wasm module's stage registry,
 * times every check, times the level's seeded runs. A stage that is no such kind is listed as
 * skipped with the reason; a check the stage's descriptor declares not applicable is listed with
 * its reason. Nothing here names a stage: a new one is covered by its registry lines alone.
 */
import type { StagebenchWasm } from '../../worklet/abi.ts';
import { kindParamCount, stageKindIds } from '../generic.ts';
import type { StageDescriptor } from '../types.ts';
import { paramsIn, promiseIn, type StageConformance } from '../conformance-types.ts';
import { CHECKS, CHECK_NAMES, type CheckName, type ReferencePromise } from './checks.ts';
import { ValidationHost, type InstanceWrapper } from './host.ts';
import { runSeed } from './inputs.ts';
import { getLevel } from './levels.ts';

export interface ValidateOptions {
  /** The stages to validate (the registry's, or one). */
  stages: readonly StageDescriptor[];
  /** Every registered stage id, to list the wasm module's stage kinds that have none (default: `stages`'). */
  registered?: readonly string[];
  /** The checks to run (default: all of them). */
  checks?: readonly CheckName[];
  level: number;
  /** Base seed: each run's seed is derived from it, the stage, the check and the run's index. */
  seed: number;
  /** Run exactly this one seed per stage and check instead (a run's seed, as a failure prints it). */
  reproduce?: number | null;
  /** A fresh instance of the wasm module (one runtime per run). */
  newWasm(): StagebenchWasm;
  /** What the stage promises against its TypeScript reference (the conformance suite's promise). */
  reference(stage: StageDescriptor): ReferencePromise;
  /** Test only: wraps every instance the checks make (a fault, to prove a check fails). */
  wrap?: InstanceWrapper;
  /** Called after each stage and check. */
  onResult?(result: CheckResult, done: number, total: number): void;
}

export type CheckStatus = 'pass' | 'fail' | 'n/a';

export interface CheckResult {
  stage: string;
  check: CheckName;
  status: CheckStatus;
  /** The reason for n/a; for a failure its first line; for a pass the seeds run and what was compared. */
  detail: string;
  /** What the stage's descriptor declares for this check (why it does not apply, or a tolerance and why). */
  declared?: string;
  /** The seeds run. */
  seeds: number[];
  failures: { seed: number; message: string }[];
  /** The figures of the runs (the worst, where several runs report one: the largest). */
  figures: Record<string, number>;
  seconds: number;
}

export interface ValidationReport {
  level: number;
  seed: number;
  reproduce: number | null;
  checks: CheckName[];
  /** Stages validated, in order. */
  stages: string[];
  /** Registered stages that are not on the stage ABI, with the reason. */
  skipped: { stage: string; reason: string }[];
  /** Stage kinds of the wasm module with no registered stage (nothing to take parameters from). */
  unregisteredKinds: string[];
  results: CheckResult[];
  passed: number;
  failed: number;
  notApplicable: number;
  seconds: number;
}

/**
 * What each stage promises against its reference, from a table of the stages' conformance promises
 * (Node's and the browser's find the same files): the conformance parameters, output tolerance,
 * hostile-input contract and recovery tolerance.
 */
export function referenceFrom(table: Readonly<Record<string, StageConformance>>): (stage: StageDescriptor) => ReferencePromise {
  return (stage) => {
    const { spec } = promiseIn(table, stage.id);
    return {
      params: paramsIn(table, stage),
      outputTolerance: spec.outputTolerance,
      hostile: spec.hostile,
      recoveryTolerance: spec.recoveryTolerance,
    };
  };
}

/** The checks that compare two renders: of a stage without audio output, they compare its figures alone. */
const FIGURES_ONLY: ReadonlySet<CheckName> = new Set(['block-sizes', 'reset', 'state', 'param-fuzz']);

/** Throws if the descriptor's `validation` names a check that does not exist. */
export function checkDeclarations(stage: StageDescriptor): void {
  for (const name of Object.keys(stage.validation?.notApplicable ?? {})) {
    if (!(CHECK_NAMES as readonly string[]).includes(name)) {
      throw new Error(`stage ${stage.id}: validation.notApplicable names "${name}", which is not a check (${CHECK_NAMES.join(', ')})`);
    }
  }
}

/** What the stage's descriptor declares for `check` (a reason it does not apply, or a tolerance and why), if anything. */
function declaration(stage: StageDescriptor, check: CheckName): string | undefined {
  const v = stage.validation;
  if (v?.notApplicable?.[check] !== undefined) return v.notApplicable[check];
  if (check === 'block-sizes' && v?.blockSizeTolerance) return `within ${v.blockSizeTolerance.tolerance}: ${v.blockSizeTolerance.reason}`;
  const above = v?.referenceToleranceAbove;
  if (check === 'sample-rates' && above) return `above ${above.aboveHz} Hz within ${above.tolerance}: ${above.reason}`;
  return undefined;
}

function describePass(stage: StageDescriptor, check: CheckName, runs: number, figures: Record<string, number>): string {
  const seeds = `${runs} seed${runs === 1 ? '' : 's'}`;
  if (check === 'denormal-speed' && figures.ratio !== undefined) return `${seeds}; subnormal/normal ${figures.ratio.toFixed(2)}x`;
  if (!stage.hasAudioOutput && FIGURES_ONLY.has(check)) return `${seeds}; figures compared (no audio output)`;
  return seeds;
}

export function validate(options: ValidateOptions): ValidationReport {
  const t0 = performance.now();
  const level = getLevel(options.level);
  const checks = CHECKS.filter((c) => !options.checks || options.checks.includes(c.name));
  const kinds = stageKindIds(options.newWasm());
  const onAbi = options.stages.filter((s) => kinds.includes(s.id));
  const skipped = options.stages
    .filter((s) => !kinds.includes(s.id))
    .map((s) => ({ stage: s.id, reason: `the wasm module has no stage kind "${s.id}"` }));
  onAbi.forEach(checkDeclarations);
  const probe = options.newWasm();
  const paramCounts = new Map(onAbi.map((s) => [s.id, kindParamCount(probe, s.id)]));
  const results: CheckResult[] = [];
  const total = onAbi.length * checks.length;
  for (const stage of onAbi) {
    for (const check of checks) {
      const started = performance.now();
      const reason =
        stage.validation?.notApplicable?.[check.name] ??
        (check.changesParameters && paramCounts.get(stage.id) === 0
          ? 'the stage has no parameters on the stage ABI (stage_kind_param_count is 0): nothing to change'
          : undefined);
      const declared = declaration(stage, check.name);
      const base = { stage: stage.id, check: check.name, ...(declared !== undefined ? { declared } : {}) };
      if (reason !== undefined) {
        results.push({ ...base, status: 'n/a', detail: reason, seeds: [], failures: [], figures: {}, seconds: 0 });
        options.onResult?.(results.at(-1)!, results.length, total);
        continue;
      }
      const seeds =
        options.reproduce != null
          ? [options.reproduce >>> 0]
          : Array.from({ length: level.seeds }, (_, i) => runSeed(options.seed, stage.id, check.name, i));
      const failures: CheckResult['failures'] = [];
      const figures: Record<string, number> = {};
      for (const seed of seeds) {
        let run;
        try {
          run = check.run({
            stage,
            level,
            seed,
            newHost: () => new ValidationHost(options.newWasm(), options.wrap),
            reference: options.reference,
          });
        } catch (err) {
          run = { failures: [`threw: ${(err as Error).message}`], figures: {} };
        }
        for (const message of run.failures) failures.push({ seed, message });
        for (const [k, v] of Object.entries(run.figures)) figures[k] = Math.max(figures[k] ?? -Infinity, v);
      }
      const status: CheckStatus = failures.length ? 'fail' : 'pass';
      const detail = failures.length
        ? `seed ${failures[0]!.seed}: ${failures[0]!.message}`
        : describePass(stage, check.name, seeds.length, figures);
      results.push({ ...base, status, detail, seeds, failures, figures, seconds: (performance.now() - started) / 1000 });
      options.onResult?.(results.at(-1)!, results.length, total);
    }
  }
  const count = (s: CheckStatus) => results.filter((r) => r.status === s).length;
  return {
    level: level.level,
    seed: options.seed,
    reproduce: options.reproduce ?? null,
    checks: checks.map((c) => c.name),
    stages: onAbi.map((s) => s.id),
    skipped,
    unregisteredKinds: kinds.filter((k) => !(options.registered ?? options.stages.map((s) => s.id)).includes(k)),
    results,
    passed: count('pass'),
    failed: count('fail'),
    notApplicable: count('n/a'),
    seconds: (performance.now() - t0) / 1000,
  };
}
