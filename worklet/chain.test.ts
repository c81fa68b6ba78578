/** The chain core on the built module: stages on one wasm instance against their references applied in order. */
import { beforeAll, describe, expect, it } from 'vitest';
import { instantiateStagebench, type StagebenchWasm } from './abi.ts';
import { readWasmBytes, wasmPath } from '../dsp-stages/wasm-file.ts';
import { createChain, parseChainIds, renderChain, resolveChainSpecs, type ChainParams, type ChainStageSpec } from './chain.ts';
import { sine, whiteNoise } from '../dsp-stages/signals.ts';
import { delayedPair } from '../dsp-stages/delayed-pair.ts';
import { timeChain } from './kernel-timing.ts';
import { conformance as eqConformance } from '../dsp-stages/eq/conformance.ts';
import { conformance as fftConformance } from '../dsp-stages/fft/conformance.ts';
import { conformance as shiftConformance } from '../dsp-stages/shift/conformance.ts';
import { STAGES } from '../dsp-stages/registry.ts';
import { conformanceOf } from '../dsp-stages/node-registry.ts';
import { MAX_QUANTUM_FRAMES } from './quantum.ts';

let fresh: () => StagebenchWasm;
beforeAll(() => {
  const bytes = readWasmBytes(wasmPath());
  fresh = () => instantiateStagebench(bytes);
});

const RATE = 48000;
const FRAMES = 48000;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

function signal(): Float32Array {
  const tone = sine(FRAMES, RATE, 1000, 0.3);
  const noise = whiteNoise(FRAMES, 0.1, 7);
  return tone.map((v, i) => v + noise[i]!);
}

/** The references applied in order: the same stages, each on its TypeScript reference. */
function references(stages: ChainStageSpec[], inputs: Float32Array[]) {
  return renderChain(createChain({ wasm: null, stages, sampleRate: RATE }), inputs);
}

/** Figures within `tol` relative (tol × max(1, |reference|)), where the reference gives one. */
function expectFigures(got: number[], want: number[], tol: number): number {
  let compared = 0;
  want.forEach((w, i) => {
    if (Number.isNaN(w)) return;
    compared++;
    expect(Math.abs(got[i]! - w), `figure ${i}: ${got[i]} vs ${w}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(w)));
  });
  return compared;
}

describe('createChain', () => {
  it('parses a chain written a,b', () => {
    expect(parseChainIds(' eq, fft ')).toEqual(['eq', 'fft']);
    expect(parseChainIds('eq  fft shift')).toEqual(['eq', 'fft', 'shift']);
    expect(() => parseChainIds('eq,,fft')).toThrow(/separated by commas or spaces/);
    expect(() => parseChainIds('  ')).toThrow(/separated by commas or spaces/);
  });

  it('runs eq then fft on one instance as their references do in order', () => {
    const stages: ChainStageSpec[] = [
      { stage: 'eq', params: {} },
      { stage: 'fft', params: {} },
    ];
    const wasm = fresh();
    const chain = createChain({ wasm, stages, sampleRate: RATE });
    expect(chain.backend).toBe('wasm');
    expect(chain.links.map((l) => l.fallbackReason)).toEqual([null, null]);
    const input = signal();
    const got = renderChain(chain, [input]);
    const want = references(stages, [input]);
    // the EQ changes the signal, and the chain's output is the EQ's (the FFT passes it on)
    expect(maxAbsDiff(want.output, input)).toBeGreaterThan(0.01);
    expect(maxAbsDiff(got.output, want.output)).toBeLessThanOrEqual(eqConformance.outputTolerance);
    expect(expectFigures(got.figures[1]!, want.figures[1]!, fftConformance.figureTolerance)).toBe(3);
    // the FFT analysed the EQ's output, not the raw input: in the wrong order its peak level differs
    const wrongOrder = references([stages[1]!, stages[0]!], [input]);
    expect(Math.abs(got.figures[1]![1]! - wrongOrder.figures[0]![1]!)).toBeGreaterThan(0.1);
  });

  it('bypass passes a stage over; solo runs only the soloed stages', () => {
    const input = signal();
    const stages: ChainStageSpec[] = [
      { stage: 'eq', params: {} },
      { stage: 'gain', params: { gain: 2 } },
    ];
    const chain = createChain({ wasm: fresh(), stages, sampleRate: RATE });
    const both = renderChain(chain, [input]).output;
    expect(maxAbsDiff(both, input)).toBeGreaterThan(0.01);
    chain.setFlags(0, { bypass: true });
    const gained = renderChain(chain, [input]).output;
    expect(Array.from(gained)).toEqual(Array.from(input, (v) => Math.fround(v * 2)));
    chain.setFlags(0, { bypass: false });
    chain.setFlags(1, { solo: true });
    expect(chain.runs(0)).toBe(false);
    expect(Array.from(renderChain(chain, [input]).output)).toEqual(Array.from(gained));
    chain.setFlags(1, { bypass: true });
    // soloed but bypassed: nothing runs, the input passes through bit for bit
    expect(Array.from(renderChain(chain, [input]).output)).toEqual(Array.from(input));
  });

  it('feeds shift the EQ output on channel 0 and channel 1 as it came', () => {
    const pair = delayedPair({ n: 16384 * 3, delay: 12.5, snrDb: 40, seed: 3 });
    const stages: ChainStageSpec[] = [
      { stage: 'eq', params: {} },
      { stage: 'shift', params: { size: 16384, spread: 'off' } },
    ];
    const inputs = [pair.reference, pair.input];
    const got = renderChain(createChain({ wasm: fresh(), stages, sampleRate: RATE }), inputs);
    const want = references(stages, inputs);
    expect(maxAbsDiff(got.output, want.output)).toBeLessThanOrEqual(eqConformance.outputTolerance);
    expect(expectFigures(got.figures[1]!, want.figures[1]!, shiftConformance.figureTolerance)).toBe(4);
  });

  it('a stage that cannot start on wasm runs its reference and says why', () => {
    const chain = createChain({ wasm: null, stages: [{ stage: 'eq', params: {} }], sampleRate: RATE });
    expect(chain.backend).toBe('reference');
    expect(chain.links[0]!.fallbackReason).toMatch(/no wasm/);
    expect(() => createChain({ wasm: null, stages: [], sampleRate: RATE })).toThrow(/at least one stage/);
  });
});

describe('the largest render quantum a page may ask for', () => {
  it.each(Object.keys(STAGES))('%s runs in a chain at MAX_QUANTUM_FRAMES as its reference does', (id) => {
    const stages: ChainStageSpec[] = [{ stage: id, params: {} }];
    const Q = MAX_QUANTUM_FRAMES;
    const x = signal();
    const inputs = [x, x.map((v) => 0.5 * v)];
    const chain = createChain({ wasm: fresh(), stages, sampleRate: RATE, quantumFrames: Q });
    expect(chain.links[0]!.fallbackReason).toBeNull();
    const got = renderChain(chain, inputs);
    const want = renderChain(createChain({ wasm: null, stages, sampleRate: RATE, quantumFrames: Q }), inputs);
    expect(maxAbsDiff(got.output, want.output), `${id} at ${Q}-frame quanta`).toBeLessThanOrEqual(conformanceOf(id).spec.outputTolerance);
  });
});

describe('timeChain', () => {
  it('times each stage as it runs in the chain, and the whole chain, without allocating', () => {
    const timing = timeChain({
      stages: [
        { stage: 'eq', params: {} },
        { stage: 'fft', params: {} },
      ],
      sampleRate: RATE,
      wasm: fresh(),
      input: signal(),
      batches: 20,
      minBatchMs: 1,
      now: () => performance.now(),
      clock: 'performance.now() in Node',
    });
    expect(timing.stages.map((s) => [s.stage, s.backend])).toEqual([
      ['eq', 'wasm'],
      ['fft', 'wasm'],
    ]);
    for (const s of [...timing.stages, timing.total]) {
      expect(s.p50Us).toBeGreaterThan(0);
      expect(s.p99Us).toBeGreaterThanOrEqual(s.p50Us);
    }
    expect(timing.deadlineUs).toBeCloseTo((128 / RATE) * 1e6, 6);
    expect(timing.allocationsDuringRun).toBe(0);
  });
});

describe('a chain written as story args', () => {
  it('puts each stage at its defaults but for the parameters given, clamped with a note', () => {
    // numbers as a link gives them: text
    const { specs, notes } = resolveChainSpecs('eq fft', { eq: { preset: 'telephone' }, fft: { size: '5000' } });
    expect(specs.map((s) => s.stage)).toEqual(['eq', 'fft']);
    expect(specs[0]!.params.preset).toBe('telephone');
    // 5000 is no FFT size: the nearest one, with a note named for its stage
    expect(specs[1]!.params.size).toBe(4096);
    expect(notes.map((n) => n.name)).toEqual(['fft.size']);
    expect(specs[1]!.params.window).toBe(STAGES.fft!.params.find((p) => p.name === 'window')!.default);
    expect(resolveChainSpecs('eq,fft').notes).toEqual([]);
  });

  it('bypasses and solos the stages its flags name', () => {
    const { specs } = resolveChainSpecs('gain eq fft', {}, { bypass: 'eq', solo: 'gain fft' });
    expect(specs.map((s) => [s.stage, s.bypass, s.solo])).toEqual([
      ['gain', false, true],
      ['eq', true, false],
      ['fft', false, true],
    ]);
    expect(() => resolveChainSpecs('eq', {}, { bypass: 'fft' })).toThrow('bypass fft: stage fft is not in the chain (stages eq)');
  });

  it('refuses an unknown parameter and parameters of a stage not in the chain', () => {
    expect(() => resolveChainSpecs('eq', { eq: { bogus: 1 } })).toThrow(/unknown parameter "eq.bogus" \(stage eq has: .*preset/);
    expect(() => resolveChainSpecs('eq', { fft: { size: 4096 } })).toThrow('parameter fft.size: stage fft is not in the chain (stages eq)');
    // what a hand-edited link or control can give
    expect(() => resolveChainSpecs('eq', 'abc' as unknown as ChainParams)).toThrow(
      `a chain's parameters are { stage: { name: value } }, got "abc"`,
    );
    expect(() => resolveChainSpecs('eq', { eq: 5 } as unknown as ChainParams)).toThrow(
      'the parameters of stage eq are { name: value }, got 5',
    );
  });
});

describe('an offline analysis', () => {
  it('ends with the figures of the last hop, as the reference does, whatever the size', () => {
    // 40960 frames: the last hop of every size falls on the render's last quantum, so an analysis
    // spread over the following quanta (the live default) would still be unfinished at the end
    const wasm = fresh();
    const input = sine(40960, RATE, 1000.3, 0.4);
    for (const size of [512, 2048, 8192, 32768]) {
      // the rectangular window makes the peak depend on where the frame starts: a frame one hop off shows
      const { specs } = resolveChainSpecs('fft', { fft: { size, window: 'rect' } });
      const got = renderChain(createChain({ wasm, stages: specs, sampleRate: RATE, offline: true }), [input]).figures[0]!;
      const want = renderChain(createChain({ wasm: null, stages: specs, sampleRate: RATE, offline: true }), [input]).figures[0]!;
      expect(Math.abs(got[0]! - want[0]!) / want[0]!, `N = ${size}: peak ${got[0]} Hz vs reference ${want[0]} Hz`).toBeLessThan(1e-9);
      expect(Math.abs(got[1]! - want[1]!), `N = ${size}: peak level`).toBeLessThan(1e-4);
    }
  });
});
