/** Parameter helpers shared by every stage: defaults, clamping with notes, parsing CLI values. */
import type { ClampNote, ParamSpec, ParamValues, StageDescriptor } from './types.ts';

/**
 * `params` with the stage's `offlineParams` over them: what a render with no deadline (an
 * OfflineAudioContext, a file through the CLI) runs with.
 */
export function withOfflineParams(stage: Pick<StageDescriptor, 'offlineParams'>, params: ParamValues): ParamValues {
  return stage.offlineParams ? { ...params, ...stage.offlineParams } : params;
}

export function defaultParams(specs: readonly ParamSpec[]): ParamValues {
  const values: ParamValues = {};
  for (const spec of specs) values[spec.name] = spec.default;
  return values;
}

/**
 * Brings one value into its spec's range. Never throws: NaN or a wrong type falls back to the
 * default, out-of-range numbers are clamped, and every change is reported as a note.
 */
export function clampParam(spec: ParamSpec, given: unknown): { value: number | string; note: ClampNote | null } {
  if (spec.kind === 'choice') {
    if (typeof given === 'string' && spec.options.includes(given)) return { value: given, note: null };
    return {
      value: spec.default,
      note: { name: spec.name, given, used: spec.default, reason: `not one of ${spec.options.join(', ')}` },
    };
  }
  const n = typeof given === 'string' && given.trim() !== '' ? Number(given) : given;
  if (typeof n !== 'number' || Number.isNaN(n)) {
    return { value: spec.default, note: { name: spec.name, given, used: spec.default, reason: 'not a number' } };
  }
  let value = Math.min(spec.max, Math.max(spec.min, n));
  if (spec.integer) value = Math.round(value);
  if (spec.values && spec.values.length > 0) {
    const nearest = spec.values.reduce((best, v) => (Math.abs(v - value) < Math.abs(best - value) ? v : best));
    if (nearest !== value && value === n) {
      return { value: nearest, note: { name: spec.name, given, used: nearest, reason: `not one of ${spec.values.join(', ')}` } };
    }
    value = nearest;
  }
  if (value === n) return { value, note: null };
  const reason =
    n < spec.min
      ? `below minimum ${spec.min} ${spec.unit}`.trim()
      : n > spec.max
        ? `above maximum ${spec.max} ${spec.unit}`.trim()
        : 'must be a whole number';
  return { value, note: { name: spec.name, given, used: value, reason } };
}

/** Clamps every known parameter, fills defaults, and reports unknown names as errors. */
export function resolveParams(
  specs: readonly ParamSpec[],
  given: Record<string, unknown>,
): { values: ParamValues; notes: ClampNote[]; unknown: string[] } {
  const values = defaultParams(specs);
  const notes: ClampNote[] = [];
  const known = new Set(specs.map((s) => s.name));
  const unknown = Object.keys(given).filter((k) => !known.has(k));
  for (const spec of specs) {
    if (!(spec.name in given)) continue;
    const { value, note } = clampParam(spec, given[spec.name]);
    values[spec.name] = value;
    if (note) notes.push(note);
  }
  return { values, notes, unknown };
}

export function formatClampNote(note: ClampNote): string {
  return `${note.name}=${String(note.given)} ${note.reason}; using ${String(note.used)}`;
}

/** Reads a numeric parameter that `resolveParams` has already validated. */
export function numberParam(values: ParamValues, name: string): number {
  const v = values[name];
  if (typeof v !== 'number') throw new Error(`parameter ${name} is not a number`);
  return v;
}
