/**
 * Parameters under the conformance suite: probes at and beyond each numeric parameter's range,
 * clamp checks, seeded random change sequences, and sweeps of every probe during one render.
 */
import type { ClampNote, NumberParam, ParamSpec, ParamValues } from '../types.ts';
import { RENDER_QUANTUM_FRAMES } from '../types.ts';
import { clampParam } from '../params.ts';
import { mulberry32 } from '../signals.ts';
import type { Check } from './check.ts';
import { formatFigure as fmt } from './numbers.ts';

const Q = RENDER_QUANTUM_FRAMES;

export interface ParamProbe {
  label: 'min' | 'max' | 'below min' | 'above max' | 'NaN';
  given: number;
  /** The value the clamp must produce. */
  expected: number;
  /** The note's reason (null: no note). */
  reason: RegExp | null;
}

/** The nearest allowed value (a `values` list, else any number). */
function nearestAllowed(spec: NumberParam, x: number): number {
  if (!spec.values || spec.values.length === 0) return spec.integer ? Math.round(x) : x;
  return spec.values.reduce((best, v) => (Math.abs(v - x) < Math.abs(best - x) ? v : best));
}

/**
 * Five probes of a numeric parameter: its min and max (kept, no note), a tenth of its range (at
 * least one step) below and above (clamped to min / max with a note), and NaN (the default, with
 * a note).
 */
export function parameterProbes(spec: NumberParam): ParamProbe[] {
  const out = Math.max(spec.step, (spec.max - spec.min) / 10, 1);
  const minAllowed = nearestAllowed(spec, spec.min);
  const maxAllowed = nearestAllowed(spec, spec.max);
  return [
    { label: 'min', given: spec.min, expected: minAllowed, reason: minAllowed === spec.min ? null : /not one of/ },
    { label: 'max', given: spec.max, expected: maxAllowed, reason: maxAllowed === spec.max ? null : /not one of/ },
    { label: 'below min', given: spec.min - out, expected: minAllowed, reason: /below minimum/ },
    { label: 'above max', given: spec.max + out, expected: maxAllowed, reason: /above maximum/ },
    { label: 'NaN', given: NaN, expected: spec.default, reason: /not a number/ },
  ];
}

/** clampParam on a probe against what the probe expects. */
export function checkClamp(spec: NumberParam, probe: ParamProbe): { check: Check; note: ClampNote | null } {
  const { value, note } = clampParam(spec, probe.given);
  const noteOk = probe.reason === null ? note === null : note !== null && probe.reason.test(note.reason) && note.used === value;
  const ok = Object.is(value, probe.expected) && noteOk;
  return {
    check: {
      check: `${spec.name} ${probe.label} (${fmt(probe.given, 2)}) → ${fmt(probe.expected, 2)}${probe.reason ? ' with a note' : ', no note'}`,
      figure: `${fmt(Number(value), 2)}${note ? `: ${note.reason}` : ''}`,
      ok,
    },
    note,
  };
}

/** Defaults inside their range and allowed: a spec that breaks this breaks every clamp. */
export function checkSpec(spec: ParamSpec): Check {
  if (spec.kind === 'choice') {
    return {
      check: `${spec.name}: default is an option`,
      figure: `${spec.default} of ${spec.options.length}`,
      ok: spec.options.includes(spec.default),
    };
  }
  const inRange = spec.min <= spec.default && spec.default <= spec.max && spec.min < spec.max;
  const allowed = !spec.values || spec.values.includes(spec.default);
  return {
    check: `${spec.name}: min < max, default in range${spec.values ? ' and allowed' : ''}`,
    figure: `${spec.min} ≤ ${spec.default} ≤ ${spec.max}`,
    ok: inRange && allowed,
  };
}

export interface ParamChange {
  atFrame: number;
  name: string;
  value: number | string;
}

/** A random value for a parameter: NaN, below min or above max 6 % of the time each (an unknown option 10 % for a choice), exactly min or max 7 %. */
function randomValue(spec: ParamSpec, rand: () => number): number | string {
  const r = rand();
  if (spec.kind === 'choice') {
    return r < 0.1 ? 'not-an-option' : spec.options[Math.floor(rand() * spec.options.length)]!;
  }
  const span = spec.max - spec.min;
  if (r < 0.06) return NaN;
  if (r < 0.12) return spec.min - rand() * span * 0.5 - spec.step;
  if (r < 0.18) return spec.max + rand() * span * 0.5 + spec.step;
  if (r < 0.25) return rand() < 0.5 ? spec.min : spec.max;
  if (spec.values && rand() < 0.5) return spec.values[Math.floor(rand() * spec.values.length)]!;
  const v = spec.min + rand() * span;
  // whole numbers mostly, for a whole-number parameter (the rest are rounded, with a note)
  return spec.integer && rand() < 0.7 ? Math.round(v) : v;
}

/**
 * A seeded sequence of `count` parameter changes over every parameter of `specs`, in `groups`
 * groups at quantum boundaries `spacing` frames apart from `firstFrame` (changes of one group
 * reach the stage together, in order).
 */
export function randomParamChanges(
  specs: readonly ParamSpec[],
  opts: { count: number; seed: number; groups: number; firstFrame: number; spacing: number },
): ParamChange[] {
  if (specs.length === 0) return [];
  if (opts.firstFrame % Q !== 0 || opts.spacing % Q !== 0 || opts.spacing <= 0)
    throw new Error(`randomParamChanges: firstFrame and spacing must be positive multiples of ${Q}`);
  const rand = mulberry32(opts.seed);
  const perGroup = Math.ceil(opts.count / opts.groups);
  const out: ParamChange[] = [];
  for (let i = 0; i < opts.count; i++) {
    const spec = specs[Math.floor(rand() * specs.length)]!;
    out.push({ atFrame: opts.firstFrame + Math.floor(i / perGroup) * opts.spacing, name: spec.name, value: randomValue(spec, rand) });
  }
  return out;
}

/** How many changes of a sequence the clamp changes (each would show a note). */
export function clampedChanges(
  specs: readonly ParamSpec[],
  changes: readonly ParamChange[],
): { clamped: number; byReason: Record<string, number> } {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const byReason: Record<string, number> = {};
  let clamped = 0;
  for (const c of changes) {
    const spec = byName.get(c.name);
    if (!spec) continue;
    const { note } = clampParam(spec, c.value);
    if (!note) continue;
    clamped++;
    const key = /^(not a number|below minimum|above maximum|not one of|must be a whole number)/.exec(note.reason)?.[1] ?? note.reason;
    byReason[key] = (byReason[key] ?? 0) + 1;
  }
  return { clamped, byReason };
}

export interface ProbeSegment {
  name: string;
  label: ParamProbe['label'];
  given: number;
  /** Frames [from, to) the probe value is in force (the output checked there). */
  from: number;
  to: number;
}

/**
 * Every numeric parameter alone at each of its probes, in turn, as changes during one render: the
 * probe is sent at a quantum boundary and held `holdQuanta` quanta (the NaN probe, last for each
 * parameter, brings it back to its default before the next parameter's turn).
 */
export function probeSweep(
  specs: readonly ParamSpec[],
  firstFrame: number,
  holdQuanta: number,
): { changes: ParamChange[]; segments: ProbeSegment[]; end: number } {
  if (firstFrame % Q !== 0 || !(holdQuanta >= 1))
    throw new Error(`probeSweep: firstFrame must be a multiple of ${Q} and holdQuanta at least 1`);
  const changes: ParamChange[] = [];
  const segments: ProbeSegment[] = [];
  let at = firstFrame;
  for (const spec of specs) {
    if (spec.kind !== 'number') continue;
    for (const probe of parameterProbes(spec)) {
      changes.push({ atFrame: at, name: spec.name, value: probe.given });
      segments.push({ name: spec.name, label: probe.label, given: probe.given, from: at, to: at + holdQuanta * Q });
      at += holdQuanta * Q;
    }
  }
  return { changes, segments, end: at };
}

/** Every parameter back to its default, at one boundary. */
export function resetChanges(specs: readonly ParamSpec[], atFrame: number): ParamChange[] {
  return specs.map((s) => ({ atFrame, name: s.name, value: s.default }));
}

/** Every numeric parameter at its maximum (choices at their last option): the largest allocations. */
export function extremeParams(specs: readonly ParamSpec[]): ParamValues {
  const out: ParamValues = {};
  for (const s of specs) out[s.name] = s.kind === 'number' ? s.max : s.options[s.options.length - 1]!;
  return out;
}
