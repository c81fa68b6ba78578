import { describe, expect, it } from 'vitest';
import { loadWasm } from '../wasm-file.ts';
import type { StagebenchWasm } from '../../worklet/abi.ts';
import { delayedPair } from '../delayed-pair.ts';
import { bindShift } from './bindings.ts';

const N = 32768;
const H = 32;

function analyse(wasm: StagebenchWasm, pair: { reference: Float32Array; input: Float32Array }, span: number, phat: boolean) {
  const x = bindShift(wasm);
  expect(x.shift_set_params(span, NaN, phat ? 1 : 0)).toBe(0);
  wasm.f32(x.shift_input_ptr(), N).set(pair.input);
  wasm.f32(x.shift_reference_ptr(), N).set(pair.reference);
  expect(x.shift_process()).toBe(0);
  return { shift: x.shift_value(), centre: x.shift_centre(), best: x.shift_best(), scores: wasm.f32(x.shift_scores_ptr(), H).slice() };
}

function fresh(): StagebenchWasm {
  const wasm = loadWasm();
  wasm.init(128);
  expect(bindShift(wasm).shift_create(N, H)).toBe(0);
  return wasm;
}

describe('shift hypotheses on wasm', () => {
  it('estimates a delay of 100.37 samples at 30 dB SNR within 0.02, with and without PHAT', () => {
    const wasm = fresh();
    const pair = delayedPair({ n: N, delay: 100.37, snrDb: 30, seed: 3 });
    for (const phat of [false, true]) {
      const r = analyse(wasm, pair, 2, phat);
      expect(r.centre).toBe(100);
      expect(Math.abs(r.shift - 100.37), `PHAT ${phat}: ${r.shift}`).toBeLessThan(0.02);
    }
  });

  it('scores H = 32 hypotheses equal to 32 inverse FFTs within 1e-4 relative', () => {
    const wasm = fresh();
    const r = analyse(wasm, delayedPair({ n: N, delay: -57.81, snrDb: 20, seed: 8 }), 4, false);
    const out = wasm.exports.scratch_alloc(2 * H); // H doubles
    expect(bindShift(wasm).shift_reference_scores(out)).toBe(0);
    const ref = new Float64Array(wasm.exports.memory.buffer, out, H).slice();
    wasm.exports.scratch_free(out, 2 * H);
    const scale = Math.max(...ref.map(Math.abs));
    const worst = Math.max(...r.scores.map((s, i) => Math.abs(s - ref[i]!)));
    expect(worst / scale).toBeLessThan(1e-4);
    expect(Math.abs(r.shift + 57.81)).toBeLessThan(0.02);
  });

  it('PHAT still finds a delay of 3.0 samples on a white reference at 60 dB within 1e-3', () => {
    // white: no bin carries noise alone, so whitening costs accuracy (see the sweep) but no bias
    const r = analyse(fresh(), delayedPair({ n: N, delay: 3, snrDb: 60, seed: 1, shape: 'noise' }), 2, true);
    expect(r.centre).toBe(3);
    expect(Math.abs(r.shift - 3), `PHAT on white: ${r.shift}`).toBeLessThan(1e-3);
  });

  it('zero delay gives 0 within 0.01', () => {
    const r = analyse(fresh(), delayedPair({ n: N, delay: 0, snrDb: 30, seed: 5 }), 2, false);
    expect(Math.abs(r.shift)).toBeLessThan(0.01);
  });

  it('rejects bad parameters and allocates nothing while processing', () => {
    const wasm = fresh();
    const x = bindShift(wasm);
    expect(x.shift_set_params(-1, NaN, 0)).toBe(-4);
    expect(x.shift_set_params(NaN, NaN, 0)).toBe(-4);
    expect(x.shift_set_params(2, Infinity, 0)).toBe(-4);
    expect(x.shift_create(1000, H)).toBe(-2);
    expect(x.shift_create(N, 0)).toBe(-2);
    expect(x.shift_create(N, H)).toBe(0);
    const pair = delayedPair({ n: N, delay: 12.5, snrDb: 30, seed: 1 });
    analyse(wasm, pair, 2, false);
    const before = wasm.exports.alloc_count();
    for (let i = 0; i < 5; i++) analyse(wasm, pair, 2, i % 2 === 0);
    expect(wasm.exports.alloc_count()).toBe(before);
  });
});

describe('shift stage kernels', () => {
  async function runKernel(backend: 'wasm' | 'reference', mode: 'channels' | 'hops') {
    const { shiftStage } = await import('./index.ts');
    const { defaultParams } = await import('../params.ts');
    const params = { ...defaultParams(shiftStage.params), mode, size: 4096 };
    const kernel =
      backend === 'wasm' ? shiftStage.createWasmKernel(loadWasm(), params, 48_000) : shiftStage.createReferenceKernel(params, 48_000);
    const pair = delayedPair({ n: 4096 * 4, delay: 21.37, snrDb: 30, seed: 6 });
    for (let q = 0; q < pair.reference.length / 128; q++) {
      const a = pair.reference.subarray(q * 128, (q + 1) * 128);
      const b = pair.input.subarray(q * 128, (q + 1) * 128);
      expect(kernel.process([a, b], null)).toBe(0);
    }
    // the wasm kernel spreads an analysis over the 4 quanta from its hop: 3 more (short of the
    // next hop) let the last one finish
    const quiet = new Float32Array(128);
    for (let q = 0; q < 3; q++) expect(kernel.process([quiet, quiet], null)).toBe(0);
    const frame = new Float32Array(kernel.visualLength!);
    const figures = new Float64Array(16);
    kernel.publish!(frame, figures);
    return { version: kernel.visualVersion!(), shift: figures[0]!, scores: frame.subarray(0, 32), taus: frame.subarray(32, 64) };
  }

  it('channels mode: wasm and reference find the delay between channel 0 and channel 1', async () => {
    for (const backend of ['wasm', 'reference'] as const) {
      const r = await runKernel(backend, 'channels');
      expect(r.version).toBeGreaterThanOrEqual(12);
      expect(Math.abs(r.shift - 21.37), `${backend}: ${r.shift}`).toBeLessThan(0.05);
    }
  });

  it('spread and whole analyses give the same results, the spread one 3 quanta later', async () => {
    const { shiftStage } = await import('./index.ts');
    const { defaultParams } = await import('../params.ts');
    const pair = delayedPair({ n: 4096 * 4, delay: 21.37, snrDb: 30, seed: 6 });
    const make = (spread: string) =>
      shiftStage.createWasmKernel(loadWasm(), { ...defaultParams(shiftStage.params), size: 4096, spread }, 48_000);
    const whole = make('off');
    const spread = make('on');
    const versions: [number, number][] = [];
    for (let q = 0; q < pair.reference.length / 128 + 3; q++) {
      const inside = q < pair.reference.length / 128;
      const a = inside ? pair.reference.subarray(q * 128, (q + 1) * 128) : new Float32Array(128);
      const b = inside ? pair.input.subarray(q * 128, (q + 1) * 128) : new Float32Array(128);
      expect(whole.process([a, b], null)).toBe(0);
      expect(spread.process([a, b], null)).toBe(0);
      versions.push([whole.visualVersion!(), spread.visualVersion!()]);
    }
    // every analysis the whole kernel finished at quantum q, the spread one finished at q + 3
    for (let q = 3; q < versions.length; q++) expect(versions[q]![1]).toBe(versions[q - 3]![0]);
    const out = (k: typeof whole) => {
      const frame = new Float32Array(k.visualLength!);
      const figures = new Float64Array(16);
      k.publish!(frame, figures);
      return { frame, shift: figures[0] };
    };
    const [w, s] = [out(whole), out(spread)];
    expect(s.shift).toBe(w.shift);
    expect(Array.from(s.frame)).toEqual(Array.from(w.frame));
  });

  it('the default params find a delay of 3.0 samples on a reference low-passed at 0.4 fs, at 60 dB, within 1e-3; PHAT does not', async () => {
    // The tolerance: sqrt(CRB) is 5.4e-6 samples here (N = 32768, both channels noisy) and the
    // refinement on the default grid (spacing 2/31) adds under 1e-7 on this spectrum's correlation
    // peak (a parabola would add up to 1.6e-5); 1e-3 is 180 sqrt(CRB). PHAT gives the empty band above
    // 0.4 fs (a fifth of the bins, noise only) the weight of the signal bins: 3.5e-3 off on this
    // pair at 40, 60 and 100 dB alike, and 0.02-0.3 samples on a noise low-passed by an FIR.
    const { shiftStage } = await import('./index.ts');
    const { defaultParams } = await import('../params.ts');
    const defaults = defaultParams(shiftStage.params);
    expect(defaults.phat, 'the default weighting').toBe('off');
    expect(defaults.size).toBe(N);
    const pair = delayedPair({ n: N, delay: 3, snrDb: 60, seed: 1, shape: 'lowpass-0.4' });
    const estimate = (params: typeof defaults) => {
      const kernel = shiftStage.createWasmKernel(loadWasm(), params, 48_000);
      const quiet = new Float32Array(128);
      // N samples: the analysis at the last quantum is of exactly the pair; 3 more finish its parts
      for (let q = 0; q < N / 128 + 3; q++) {
        const inside = q < N / 128;
        const a = inside ? pair.reference.subarray(q * 128, (q + 1) * 128) : quiet;
        const b = inside ? pair.input.subarray(q * 128, (q + 1) * 128) : quiet;
        expect(kernel.process([a, b], null)).toBe(0);
      }
      const figures = new Float64Array(16);
      kernel.publish!(new Float32Array(kernel.visualLength!), figures);
      expect(kernel.visualVersion!()).toBe(1);
      return figures[0]!;
    };
    const shift = estimate(defaults);
    expect(Math.abs(shift - 3), `default: ${shift}`).toBeLessThan(1e-3);
    const phat = estimate({ ...defaults, phat: 'on' });
    expect(Math.abs(phat - 3), `PHAT: ${phat}`).toBeGreaterThan(1e-3);
  });

  it("wasm scores equal the reference kernel's (direct sums) on the same frames", async () => {
    const w = await runKernel('wasm', 'channels');
    const r = await runKernel('reference', 'channels');
    const scale = Math.max(...Array.from(r.scores, Math.abs));
    for (let i = 0; i < 32; i++) {
      expect(w.taus[i]).toBeCloseTo(r.taus[i]!, 4);
      expect(Math.abs(w.scores[i]! - r.scores[i]!) / scale).toBeLessThan(1e-3);
    }
  });
});
