/**
 * The Rust stages' parameters (`pub const PARAMS` of rust/src/stages/<id>, read from the built
 * module with `stage_kind_param`) against their TypeScript declarations (dsp-stages/<id>/params.ts,
 * the product's one source), so the two cannot drift apart silently. The host creates a stage
 * from a block of (value, min, max) triples (generic.ts), so Rust's defaults and ranges are the
 * fallbacks where a block leaves a parameter out, as the legacy `<stage>_create` exports do; they
 * must still be the same.
 *
 * The rules:
 * - every Rust kind is a registered stage, and every registered stage is a Rust kind but those in
 *   NOT_KINDS;
 * - a stage's Rust parameters are its params.ts parameters but the host's (below), in the same
 *   order, and come first: the host's follow them, so a block of the leading triples fits;
 * - the host's parameters are applied in TypeScript and never reach the kernel: every `liveOnly`
 *   one (scheduling on the live audio thread) and those in HOST_PARAMS;
 * - per parameter, in f32: a number is `real` in Rust, or `integer` / `fixed` when it must be a
 *   whole number, with the same default, min and max; a choice is an `integer` whose values are
 *   its option indices, 0 to options - 1, its default the default option's index.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { STAGES } from './registry.ts';
import type { ParamSpec } from './types.ts';
import { moduleKinds, type RustParamKind, type RustParamSpec, type RustStageKind } from './generic.ts';
import { loadWasm } from './wasm-file.ts';

/** Registered stages that are not kinds of the stage ABI, and why. */
const NOT_KINDS: Readonly<Record<string, string>> = {
  decode: 'decodes files on the worker pool; its spectrum is the fft kind',
};

/** Parameters the TypeScript host applies itself (besides the live-only ones), by stage, and how. */
const HOST_PARAMS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'ring-copy': { capacity: "the input ring's capacity, given to init" },
  fft: { hop: 'the host starts an analysis every hop', spread: 'the host spreads each analysis over the quanta of its hop' },
  eq: { preset: 'the host expands a preset into the band parameters (eqBands)' },
};

function isHostParam(stageId: string, spec: ParamSpec): boolean {
  return spec.liveOnly === true || Object.hasOwn(HOST_PARAMS[stageId] ?? {}, spec.name);
}

/** What the Rust declaration of a TypeScript parameter must be: its kinds, default and range, in f32. */
function expected(spec: ParamSpec): { kinds: readonly RustParamKind[]; default: number; min: number; max: number } {
  if (spec.kind === 'choice') {
    return { kinds: ['integer'], default: spec.options.indexOf(spec.default), min: 0, max: spec.options.length - 1 };
  }
  const kinds: readonly RustParamKind[] = spec.integer ? ['integer', 'fixed'] : ['real'];
  return { kinds, default: Math.fround(spec.default), min: Math.fround(spec.min), max: Math.fround(spec.max) };
}

/** Every difference between a stage's TypeScript parameters and its Rust kind, as `stage.param.field: ...`. */
function differences(stageId: string, ts: readonly ParamSpec[], rust: readonly RustParamSpec[]): string[] {
  const out: string[] = [];
  const kernel = ts.filter((p) => !isHostParam(stageId, p));
  const firstHost = ts.findIndex((p) => isHostParam(stageId, p));
  if (firstHost >= 0 && ts.slice(firstHost).some((p) => !isHostParam(stageId, p))) {
    const late = ts.slice(firstHost).filter((p) => !isHostParam(stageId, p));
    out.push(
      `${stageId}: ${late.map((p) => p.name).join(', ')} follow the host's ${ts[firstHost]!.name} in params.ts (the kernel's come first)`,
    );
  }
  if (kernel.length !== rust.length) {
    out.push(
      `${stageId}: ${kernel.length} kernel parameters in params.ts (${kernel.map((p) => p.name).join(', ')}), ` +
        `${rust.length} in Rust PARAMS (${rust.map((p) => p.name).join(', ')})`,
    );
  }
  kernel.forEach((spec, i) => {
    const r = rust[i];
    if (!r) return;
    const where = `${stageId}.${spec.name}`;
    if (r.name !== spec.name) out.push(`${where}.name: parameter ${i} is ${spec.name} in params.ts, ${r.name} in Rust`);
    const want = expected(spec);
    if (!want.kinds.includes(r.kind))
      out.push(
        `${where}.kind: params.ts ${spec.kind}${spec.kind === 'number' && spec.integer ? ' (integer)' : ''} wants Rust ${want.kinds.join(' or ')}, Rust has ${r.kind}`,
      );
    for (const field of ['default', 'min', 'max'] as const) {
      if (!Object.is(r[field], want[field])) out.push(`${where}.${field}: params.ts ${want[field]}, Rust ${r[field]}`);
    }
  });
  return out;
}

let kinds: RustStageKind[];
beforeAll(() => {
  kinds = moduleKinds(loadWasm());
});

describe('Rust PARAMS and params.ts', () => {
  it('every Rust kind is a registered stage, and every registered stage a kind but the listed ones', () => {
    const ids = kinds.map((k) => k.id);
    expect(
      ids.filter((id) => !(id in STAGES)),
      'Rust kinds without a registered stage',
    ).toEqual([]);
    expect(Object.keys(STAGES).filter((id) => !ids.includes(id))).toEqual(Object.keys(NOT_KINDS));
  });

  it("the host's parameters are params.ts parameters, not in Rust", () => {
    for (const [id, names] of Object.entries(HOST_PARAMS)) {
      const kind = kinds.find((k) => k.id === id);
      expect(kind, `${id} is a Rust kind`).toBeDefined();
      for (const name of Object.keys(names)) {
        expect(
          STAGES[id]!.params.map((p) => p.name),
          `${id}.${name} in params.ts`,
        ).toContain(name);
        expect(
          kind!.params.map((p) => p.name),
          `${id}.${name} is the host's`,
        ).not.toContain(name);
      }
    }
  });

  it('agree for every stage: count, order, names, kinds, defaults and ranges', () => {
    const found = kinds.flatMap((k) => (STAGES[k.id] ? differences(k.id, STAGES[k.id]!.params, k.params) : []));
    expect(found).toEqual([]);
  });

  it('a difference names the stage, parameter and field', () => {
    const choice: ParamSpec = {
      kind: 'choice',
      name: 'phat',
      label: '',
      unit: '',
      options: ['on', 'off'],
      default: 'off',
      description: '',
    };
    const level: ParamSpec = {
      kind: 'number',
      name: 'level',
      label: '',
      unit: '',
      min: 0,
      max: 4,
      step: 0.1,
      default: 0.3,
      description: '',
    };
    const rust = (name: string, kind: RustParamKind, def: number, min: number, max: number): RustParamSpec => ({
      name,
      kind,
      default: def,
      min,
      max,
    });
    expect(differences('s', [choice, level], [rust('phat', 'integer', 1, 0, 1), rust('level', 'real', Math.fround(0.3), 0, 4)])).toEqual(
      [],
    );
    // a 0/1 switch where params.ts has ['on', 'off']: index 1 is off, the default
    expect(differences('s', [choice], [rust('phat', 'integer', 0, 0, 1)])).toEqual(['s.phat.default: params.ts 1, Rust 0']);
    expect(differences('s', [level], [rust('level', 'integer', 0.3, 0, 3.4028234663852886e38)])).toEqual([
      's.level.kind: params.ts number wants Rust real, Rust has integer',
      's.level.default: params.ts 0.30000001192092896, Rust 0.3',
      's.level.max: params.ts 4, Rust 3.4028234663852886e+38',
    ]);
    expect(differences('s', [level, choice], [rust('phat', 'integer', 1, 0, 1), rust('level', 'real', Math.fround(0.3), 0, 4)])).toContain(
      's.level.name: parameter 0 is level in params.ts, phat in Rust',
    );
    expect(differences('s', [level], [])).toEqual(['s: 1 kernel parameters in params.ts (level), 0 in Rust PARAMS ()']);
    const live: ParamSpec = { ...choice, name: 'spread', liveOnly: true };
    expect(differences('s', [level, live], [rust('level', 'real', Math.fround(0.3), 0, 4)])).toEqual([]);
    expect(differences('s', [live, level], [rust('level', 'real', Math.fround(0.3), 0, 4)])).toEqual([
      "s: level follow the host's spread in params.ts (the kernel's come first)",
    ]);
  });
});
