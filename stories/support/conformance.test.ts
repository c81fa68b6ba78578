import { describe, expect, it } from 'vitest';
import { STAGES } from '../../dsp-stages/registry.ts';
import { defaultParams } from '../../dsp-stages/params.ts';
import type { NumberParam, ParamSpec } from '../../dsp-stages/types.ts';
import { gainParams } from '../../dsp-stages/gain/params.ts';
import { fftParams } from '../../dsp-stages/fft/params.ts';
import { whiteNoise, sine } from '../../dsp-stages/signals.ts';
import { ResultsBoard } from './conformance/board.ts';
import { compareSamples, isSubnormalF32, nonFiniteQuanta, timesGain } from '../../dsp-stages/conformance/numbers.ts';
import { figureValue, type RateProperty } from '../../dsp-stages/conformance-types.ts';
import { conformance as fftConformance } from '../../dsp-stages/fft/conformance.ts';
import { STAGE_CONFORMANCE, conformanceOf, counterFigures, promisedFigures, promisesByStage } from './conformance/promises.ts';
import {
  DENORMAL,
  HOSTILE_LAYOUT,
  RATE_FRAMES,
  cleanSignal,
  hostileDuring,
  hostileSequence,
  rateInput,
} from '../../dsp-stages/conformance/signals.ts';
import { runKernel } from './conformance/kernel-run.ts';
import { NODE_CONFORMANCE } from '../../dsp-stages/node-registry.ts';
import { checkEqDesign, checkOutputAgainstReference, checkTonePeak } from './conformance/rate-checks.ts';
import { checkHostileOutput, checkRecovery } from '../../dsp-stages/conformance/hostile-checks.ts';
import {
  checkClamp,
  clampedChanges,
  parameterProbes,
  probeSweep,
  randomParamChanges,
  resetChanges,
} from '../../dsp-stages/conformance/params.ts';

const RATE = 48_000;

describe('compareSamples', () => {
  it('counts bit differences, NaN-aware', () => {
    const a = Float32Array.of(1, NaN, 0, 2, Infinity);
    expect(compareSamples(a, a.slice()).bitMismatches).toBe(0);
    const b = Float32Array.of(1, 3, -0, 2.5, -Infinity);
    const c = compareSamples(a, b);
    expect(c.bitMismatches).toBe(4);
    expect(c.first).toBe(1);
    expect(c.maxAbsDiff).toBe(0.5); // 0 vs -0 differ in bits, not in value
    expect(c.finiteMismatches).toBe(2); // NaN vs 3, +Inf vs -Inf
  });
  it('throws on different lengths', () => {
    expect(() => compareSamples(new Float32Array(3), new Float32Array(4))).toThrow(/lengths differ/);
  });
});

describe('hostile inputs', () => {
  it('puts the five kinds in turn, each followed by clean audio, in one sequence', () => {
    const { input, clean, segments } = hostileSequence(RATE);
    expect(input.length).toBe(clean.length);
    expect(segments.map((g) => g.kind)).toEqual(['NaN', '+Inf', '-Inf', 'denormal', 'square']);
    expect(segments[0]).toEqual({
      kind: 'NaN',
      from: HOSTILE_LAYOUT.start,
      to: HOSTILE_LAYOUT.start + HOSTILE_LAYOUT.length,
      cleanUntil: HOSTILE_LAYOUT.start + HOSTILE_LAYOUT.length + HOSTILE_LAYOUT.gap,
    });
    expect(segments[4]!.cleanUntil).toBe(input.length);
    expect(input.length - segments[4]!.to).toBe(HOSTILE_LAYOUT.tail);
    expect(input.length % 128).toBe(0);
    expect(clean).toEqual(cleanSignal(input.length, RATE));
    // outside the segments the input is the clean signal, sample for sample
    const inside = (i: number) => segments.some((g) => i >= g.from && i < g.to);
    let differ = 0;
    for (let i = 0; i < input.length; i++) if (!inside(i) && !Object.is(input[i], clean[i])) differ++;
    expect(differ).toBe(0);
    const nan = segments[0]!;
    let misplaced = 0;
    for (let i = nan.from; i < nan.to; i++) if (Number.isNaN(input[i]!) !== (i % 7 === 0)) misplaced++;
    expect(misplaced).toBe(0);
    // NaN, +Inf and -Inf segments: every quantum of them non-finite, none elsewhere
    expect(nonFiniteQuanta(input).length).toBe((3 * HOSTILE_LAYOUT.length) / 128);
    expect(input[segments[1]!.from + 5]).toBe(Infinity);
    expect(input[segments[2]!.from + 5]).toBe(-Infinity);
    const d = input.subarray(segments[3]!.from, segments[3]!.to);
    expect(isSubnormalF32(DENORMAL)).toBe(true);
    expect(d.every((v) => isSubnormalF32(v))).toBe(true);
    const sq = input.subarray(segments[4]!.from, segments[4]!.to);
    expect(sq.every((v) => v === 1 || v === -1)).toBe(true);
    expect(sq.reduce((a, v) => a + v, 0)).toBe(0);
  }, 30_000);
  it('runs one kind to the end in a "during" render', () => {
    const { input, segment } = hostileDuring('+Inf', RATE);
    expect(segment).toEqual([HOSTILE_LAYOUT.start, HOSTILE_LAYOUT.duringFrames]);
    expect(input[input.length - 128 + 5]).toBe(Infinity);
    expect(nonFiniteQuanta(input).length).toBe((HOSTILE_LAYOUT.duringFrames - HOSTILE_LAYOUT.start) / 128);
    expect(nonFiniteQuanta(input)[0]).toBe(HOSTILE_LAYOUT.start / 128);
  });
});

describe('hostile checks fail when the promise is broken', () => {
  const { input } = hostileDuring('NaN', RATE);
  const eqLike = (): Float32Array => {
    const out = input.slice();
    for (const q of nonFiniteQuanta(input)) out.fill(0, q * 128, (q + 1) * 128);
    return out;
  };
  const contract = { kind: 'silence-and-count', counterFigure: 'nanQuanta' } as const;
  const bad = nonFiniteQuanta(input).length;

  it('passes a silenced and counted output', () => {
    const checks = checkHostileOutput(contract, { phase: 'during', input, output: eqLike(), figures: [bad] }, ['nanQuanta']);
    expect(checks.every((c) => c.ok !== false)).toBe(true);
  });
  it('fails a NaN that leaks, a loud bad quantum and a wrong count', () => {
    const leak = eqLike();
    leak[HOSTILE_LAYOUT.start + 3] = NaN;
    expect(
      checkHostileOutput(contract, { phase: 'during', input, output: leak, figures: [bad] }, ['nanQuanta'])
        .filter((c) => c.ok === false)
        .map((c) => c.check),
    ).toEqual(['no NaN or Inf in the output', 'quanta with NaN/Inf input come out silent']);
    const counter = (phase: 'during' | 'after', counted: number) =>
      checkHostileOutput(contract, { phase, input, output: eqLike(), figures: [counted] }, ['nanQuanta']).find((c) =>
        c.check.includes('counts'),
      )?.ok;
    // after the segment the count is exact; during it, it may lag the newest quanta but never exceeds them
    expect([counter('after', bad), counter('after', bad - 1), counter('after', bad + 1)]).toEqual([true, false, false]);
    expect([counter('during', bad - 31), counter('during', bad + 1), counter('during', 0)]).toEqual([true, false, false]);
  });
  it('bit-exact copy: any changed sample fails, NaN passing through does not', () => {
    expect(checkHostileOutput({ kind: 'bit-exact-copy' }, { phase: 'during', input, output: input.slice(), figures: [] }, [])[0]!.ok).toBe(
      true,
    );
    const changed = input.slice();
    changed[10] = changed[10]! + 1e-6;
    expect(checkHostileOutput({ kind: 'bit-exact-copy' }, { phase: 'during', input, output: changed, figures: [] }, [])[0]!.ok).toBe(false);
  });
  it('times gain: subnormal products flushed to 0 are counted, a wrong product fails', () => {
    const d = hostileDuring('denormal', RATE);
    const flushed = timesGain(d.input, 0.3).map((v) => (isSubnormalF32(v) ? 0 : v));
    const ok = checkHostileOutput(
      { kind: 'times-gain', gain: 0.3 },
      { phase: 'during', input: d.input, output: flushed, figures: [] },
      [],
    )[0]!;
    expect(ok.ok).toBe(true);
    expect(ok.figure).toBe(`0 wrong; 0 non-finite; ${HOSTILE_LAYOUT.duringFrames - HOSTILE_LAYOUT.start} subnormal products flushed to 0`);
    const wrong = flushed.slice();
    wrong[0] = wrong[0]! * 2;
    expect(
      checkHostileOutput({ kind: 'times-gain', gain: 0.3 }, { phase: 'during', input: d.input, output: wrong, figures: [] }, [])[0]!.ok,
    ).toBe(false);
  });
  it('analysis and count: the counter stays 0 on finite input, counts every NaN/Inf stretch after, something during', () => {
    const contract = { kind: 'analysis-and-count', counterFigure: 'nonFiniteFrames' } as const;
    const counter = (phase: 'during' | 'after', x: Float32Array, counted: number) =>
      checkHostileOutput(contract, { phase, input: x, output: null, figures: [1000, counted] }, ['peakHz', 'nonFiniteFrames']).find((c) =>
        c.check.startsWith('nonFiniteFrames'),
      )!.ok;
    const seq = hostileSequence(RATE);
    const square = hostileDuring('square', RATE).input;
    expect([counter('during', square, 0), counter('during', square, 1)]).toEqual([true, false]);
    expect([counter('during', input, 1), counter('during', input, 0)]).toEqual([true, false]);
    // NaN, +Inf and -Inf: three stretches
    expect([counter('after', seq.input, 3), counter('after', seq.input, 7), counter('after', seq.input, 2)]).toEqual([true, true, false]);
    const figuresNaN = checkHostileOutput(contract, { phase: 'after', input: seq.input, output: null, figures: [NaN, 3] }, [
      'peakHz',
      'nonFiniteFrames',
    ]);
    expect(figuresNaN.find((c) => c.check === 'figures stay finite')!.ok).toBe(false);
  });
  it('undeclared: non-finite output outside the bad quanta fails; figures must stay finite', () => {
    const out = input.slice();
    out[100] = Infinity; // quantum 0 had clean input
    const checks = checkHostileOutput({ kind: 'undeclared' }, { phase: 'during', input, output: out, figures: [NaN] }, ['x']);
    expect(checks.map((c) => c.ok)).toEqual([false, false]);
  });
});

describe('recovery', () => {
  const clean = cleanSignal(8192, RATE);
  it('passes an identical tail and identical figures, leaving counters out', () => {
    const checks = checkRecovery(
      { output: clean.slice(), figures: [1000.5, 3] },
      { output: clean, figures: [1000.5, 0] },
      4096,
      0,
      ['peak', 'count'],
      [1],
    );
    expect(checks.map((c) => c.ok)).toEqual([true, true]);
  });
  it('fails a tail off by more than the tolerance, and a different figure', () => {
    const off = clean.slice();
    off[8000] = off[8000]! + 1e-3;
    const checks = checkRecovery({ output: off, figures: [1000.6] }, { output: clean, figures: [1000.5] }, 4096, 1e-4, ['peak'], []);
    expect(checks.map((c) => c.ok)).toEqual([false, false]);
    expect(checkRecovery({ output: off, figures: [] }, { output: clean, figures: [] }, 4096, 2e-3, [], [])[0]!.ok).toBe(true);
  });
});

describe('parameter probes', () => {
  const specs = ([...gainParams, ...fftParams] as readonly ParamSpec[]).filter((p): p is NumberParam => p.kind === 'number');
  it('every probe of the real specs clamps as expected, with the notes', () => {
    for (const spec of specs) {
      for (const probe of parameterProbes(spec)) {
        const { check, note } = checkClamp(spec, probe);
        expect(check.ok, `${check.check}: ${check.figure}`).toBe(true);
        expect(note !== null).toBe(probe.reason !== null);
      }
    }
  });
  it('probes lie outside the range by at least a step', () => {
    const size = fftParams.find((p) => p.name === 'size') as NumberParam;
    const [min, max, below, above, nan] = parameterProbes(size);
    expect([min!.given, max!.given]).toEqual([512, 32768]);
    expect(below!.given).toBeLessThan(512);
    expect(above!.given).toBeGreaterThan(32768);
    expect(nan!.expected).toBe(32768);
  });
  it('a wrong expectation fails', () => {
    const gain = gainParams[0] as NumberParam;
    const probe = { ...parameterProbes(gain)[2]!, expected: 0.1 };
    expect(checkClamp(gain, probe).check.ok).toBe(false);
  });
});

describe('random parameter changes', () => {
  const specs = STAGES.eq!.params;
  const opts = { count: 1000, seed: 7, groups: 40, firstFrame: 1024, spacing: 256 };
  it('is reproducible, lands on the boundaries and mixes in hostile values', () => {
    const a = randomParamChanges(specs, opts);
    expect(a).toEqual(randomParamChanges(specs, opts));
    expect(randomParamChanges(specs, { ...opts, seed: 8 })).not.toEqual(a);
    expect(a.length).toBe(1000);
    const frames = [...new Set(a.map((c) => c.atFrame))];
    expect(frames).toEqual(Array.from({ length: 40 }, (_, i) => 1024 + i * 256));
    const names = new Set(specs.map((s) => s.name));
    expect(a.every((c) => names.has(c.name))).toBe(true);
    expect(a.some((c) => typeof c.value === 'number' && Number.isNaN(c.value))).toBe(true);
    expect(a.some((c) => c.value === 'not-an-option')).toBe(true);
    const { clamped, byReason } = clampedChanges(specs, a);
    expect(clamped).toBeGreaterThan(100);
    expect(clamped).toBeLessThan(500);
    expect(Object.keys(byReason).sort()).toEqual(['above maximum', 'below minimum', 'not a number', 'not one of']);
  });
  it('refuses boundaries that are not quantum boundaries', () => {
    expect(() => randomParamChanges(specs, { ...opts, firstFrame: 1000 })).toThrow(/multiples of 128/);
  });
  it('sweeps every numeric parameter through its probes, one at a time, back to its default last', () => {
    const { changes, segments, end } = probeSweep(specs, 1024, 8);
    const numeric = specs.filter((p) => p.kind === 'number');
    expect(changes.length).toBe(numeric.length * 5);
    expect(segments[0]).toEqual({ name: 'band1FrequencyHz', label: 'min', given: 10, from: 1024, to: 1024 + 1024 });
    expect(end).toBe(1024 + numeric.length * 5 * 1024);
    for (let i = 1; i < segments.length; i++) expect(segments[i]!.from).toBe(segments[i - 1]!.to);
    expect(changes.filter((c) => c.name === 'band3Q').map((c) => c.value)).toEqual([-40, 1000, -144, 1104, NaN]);
    expect(() => probeSweep(specs, 1000, 8)).toThrow(/multiple of 128/);
  });
  it('resets every parameter to its default', () => {
    const reset = resetChanges(specs, 4096);
    expect(Object.fromEntries(reset.map((c) => [c.name, c.value]))).toEqual(defaultParams(specs));
  });
});

describe('references run in the page', () => {
  it('the gain reference equals input × f32(gain), and the output check sees a changed sample', () => {
    const input = whiteNoise(128 * 40, 0.5, 2);
    const run = runKernel(STAGES.gain!.createReferenceKernel({ gain: 0.3 }, RATE), true, input);
    expect(run.errors).toBe(0);
    expect(checkOutputAgainstReference(run.output!, timesGain(input, 0.3), 0).ok).toBe(true);
    run.output![77] = run.output![77]! + 1e-7;
    expect(checkOutputAgainstReference(run.output!, timesGain(input, 0.3), 0).ok).toBe(false);
  });
  it('refuses an input that is not whole quanta', () => {
    expect(() => runKernel(STAGES.gain!.createReferenceKernel({ gain: 1 }, RATE), true, new Float32Array(100))).toThrow(/whole number/);
  });
  it('the FFT reference finds the tone within 0.01 bin; a wrong tone fails', () => {
    const prop = conformanceOf('fft').spec.rateProperty as Extract<RateProperty, { kind: 'tone-peak' }>;
    const { input } = rateInput(prop, 44_100);
    expect(input.length).toBe(RATE_FRAMES);
    const run = runKernel(STAGES.fft!.createReferenceKernel(defaultParams(STAGES.fft!.params), 44_100), false, input);
    const names = (STAGES.fft!.figures ?? []).map((f) => f.name);
    expect(checkTonePeak(run.figures, names, prop, 44_100, 1000.37, 0.5).map((c) => c.ok)).toEqual([true, true]);
    expect(checkTonePeak(run.figures, names, prop, 44_100, 1000.4, 0.5)[0]!.ok).toBe(false);
    expect(checkTonePeak(run.figures, names, prop, 44_100, 1000.37, 0.4)[1]!.ok).toBe(false);
  });
  it("the EQ design check passes the reference's impulse response, and fails another setting", () => {
    const params = defaultParams(STAGES.eq!.params);
    const impulse = new Float32Array(65536);
    impulse[0] = 1;
    const ir = runKernel(STAGES.eq!.createReferenceKernel(params, RATE), true, impulse).output!;
    const ok = checkEqDesign(ir, params, RATE);
    expect(ok.ok, ok.figure).toBe(true);
    expect(checkEqDesign(ir, { ...params, band4GainDb: 5 }, RATE).ok).toBe(false);
  });
  it('a sine input is what the rate input says', () => {
    const { input, label } = rateInput(null, 22_050);
    expect(label).toMatch(/noise/);
    const tone = sine(8, 22_050, 1000.37, 0.25);
    expect(Math.abs(input[0]! - tone[0]!)).toBeLessThanOrEqual(0.4);
  });
});

describe('the stage promises', () => {
  it('name only registered stages, with figures they publish', () => {
    for (const [id, spec] of Object.entries(STAGE_CONFORMANCE)) {
      const stage = STAGES[id];
      expect(stage, `${id} is registered`).toBeDefined();
      const names = (stage!.figures ?? []).map((f) => f.name);
      for (const name of promisedFigures(spec)) expect(names, `${id} publishes ${name}`).toContain(name);
      if (spec.hostile.kind === 'silence-and-count' || spec.hostile.kind === 'analysis-and-count') {
        // the counter is a count figure, so it is left out where figures must equal a clean render's
        expect(counterFigures(stage!).map((i) => names[i])).toContain(spec.hostile.counterFigure);
      }
      const analysis = spec.hostile.kind === 'analysis-only' || spec.hostile.kind === 'analysis-and-count';
      expect(stage!.hasAudioOutput, `${id}: audio output`).toBe(!analysis);
    }
  });
  it('refer to figures by name: read wherever the stage lists them, NaN for one it lacks', () => {
    expect(promisedFigures(STAGE_CONFORMANCE.fft!)).toEqual(['peakHz', 'peakDb', 'nonFiniteFrames']);
    expect(promisedFigures(STAGE_CONFORMANCE.gain!)).toEqual([]);
    expect(figureValue(['peakHz', 'peakDb'], [1000.5, -6], 'peakDb')).toBe(-6);
    expect(figureValue(['peakHz'], [1000.5], 'peakDb')).toBeNaN();
    // the same count read from another position: the check follows the name
    const contract = { kind: 'analysis-and-count', counterFigure: 'nonFiniteFrames' } as const;
    const seq = hostileSequence(RATE);
    const counted = (names: string[], figures: number[]) =>
      checkHostileOutput(contract, { phase: 'after', input: seq.input, output: null, figures }, names).find((c) =>
        c.check.startsWith('nonFiniteFrames'),
      );
    expect(counted(['nonFiniteFrames', 'peakHz'], [3, 1000])).toMatchObject({ figure: '3 counted, 3 stretches', ok: true });
    expect(counted(['peakHz', 'nonFiniteFrames'], [1000, 3])).toMatchObject({ figure: '3 counted, 3 stretches', ok: true });
    expect(counted(['peakHz'], [1000])!.ok).toBe(false);
  });
  it('an unknown stage gets the undeclared defaults', () => {
    expect(conformanceOf('no-such-stage')).toMatchObject({ declared: false, spec: { hostile: { kind: 'undeclared' } } });
  });
  it("are found in each stage's folder, dsp-stages/<id>/conformance.ts, named by the folder", () => {
    expect(Object.keys(STAGE_CONFORMANCE).sort()).toEqual(['decode', 'eq', 'fft', 'gain', 'ring-copy', 'shift']);
    expect(STAGE_CONFORMANCE.fft).toBe(fftConformance);
    expect(conformanceOf('fft')).toEqual({ declared: true, spec: fftConformance });
    const path = '../../../dsp-stages/fft/conformance.ts';
    expect(promisesByStage({ [path]: { conformance: fftConformance } }, ['fft', 'gain'])).toEqual({ fft: fftConformance });
    // a registered stage without a file is left out (conformanceOf gives it the defaults)
    expect(promisesByStage({}, ['fft'])).toEqual({});
  });
  it('refuse a conformance.ts of an unregistered stage, or one without its export', () => {
    const file = (id: string) => `../../../dsp-stages/${id}/conformance.ts`;
    expect(() => promisesByStage({ [file('nope')]: { conformance: fftConformance } }, ['fft'])).toThrow(
      /dsp-stages\/nope\/conformance\.ts: no stage "nope" is registered \(known: fft\)/,
    );
    expect(() => promisesByStage({ [file('fft')]: { promise: 'misnamed' } }, ['fft'])).toThrow(/does not export `conformance`/);
  });
});

describe('results board', () => {
  it('keeps rows, notes and failures, and tells subscribers', () => {
    const board = new ResultsBoard();
    let calls = 0;
    const unsubscribe = board.subscribe(() => calls++);
    const s0 = board.getState();
    board.add('gain', { check: 'a', figure: '1', ok: true });
    board.add('gain', { check: 'b', figure: '2', ok: false });
    board.add('gain', { check: 'c', figure: '3', ok: null });
    board.note('x');
    expect(board.getState()).not.toBe(s0);
    expect(board.getState().rows.map((r) => r.verdict)).toEqual(['pass', 'fail', 'note']);
    expect(board.failures().map((r) => r.check)).toEqual(['b']);
    expect(calls).toBe(4);
    unsubscribe();
    board.clear();
    expect(calls).toBe(4);
    expect(board.getState().rows).toEqual([]);
  });
});

describe('the promises, found two ways', () => {
  it('the CLI (by convention in Node) and the stories (import.meta.glob) find the same promises', () => {
    expect(Object.keys(NODE_CONFORMANCE).length).toBeGreaterThan(0);
    expect(NODE_CONFORMANCE).toEqual(STAGE_CONFORMANCE);
  });
});
