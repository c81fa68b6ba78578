/**
 * shift/32768x32: scoring H = 32 shift hypotheses on N = 32768 frames.
 *
 * - stagebench: `shift_rescore()`, the phase-ramp scores of the shift kernel (rust/src/shift.rs)
 *   from the cross-spectrum of a delayed pair: per-bin phasor ramps and one dot product per
 *   hypothesis, no inverse FFT per hypothesis (the scoring step of the stage's analysis);
 * - @echogarden/pffft-wasm: what the ramps avoid, 32 real inverse FFTs of N points (PFFFT's SIMD
 *   build, `pffft_transform_ordered` backward), buffers allocated once in its heap.
 *
 * Before timing, our scores are checked against the kernel's own slow path (one inverse FFT per
 * hypothesis), within 1e-4 of the largest score.
 */
import type { PffftModule } from '@echogarden/pffft-wasm/simd';
import { delayedPair } from '../dsp-stages/shift/signals.ts';
import { statusMessage, type StagebenchWasm } from '../worklet/wasm.ts';
import type { BenchCase, BenchImpl } from './harness.ts';
import type { BenchEnv, BenchFile } from './types.ts';
import { loadPffft } from './fft.bench.ts';

const N = 32768;
const H = 32;
const PFFFT_REAL = 0;
const PFFFT_BACKWARD = 1;

function oursImpl(wasm: StagebenchWasm): BenchImpl {
  const x = wasm.exports;
  wasm.init(128);
  const rc = x.shift_create(N, H);
  if (rc < 0) throw new Error(`shift_create failed: ${statusMessage(rc)}`);
  x.shift_set_params(4, NaN, 0);
  const pair = delayedPair({ n: N, delay: 100.37, snrDb: 30, seed: 2 });
  wasm.f32(x.shift_input_ptr(), N).set(pair.input);
  wasm.f32(x.shift_reference_ptr(), N).set(pair.reference);
  if (x.shift_process() < 0) throw new Error('shift_process failed');
  return {
    name: 'stagebench',
    run() {
      x.shift_rescore();
    },
    check() {
      const out = x.scratch_alloc(2 * H);
      x.shift_reference_scores(out);
      const ref = new Float64Array(x.memory.buffer, out, H).slice();
      x.scratch_free(out, 2 * H);
      const scores = wasm.f32(x.shift_scores_ptr(), H);
      const scale = Math.max(...ref.map(Math.abs));
      const worst = Math.max(...Array.from(scores, (s, i) => Math.abs(s - ref[i]!)));
      if (!(worst <= 1e-4 * scale)) throw new Error(`shift scores differ from the inverse-FFT path by ${worst / scale} of the largest`);
      if (!(Math.abs(x.shift_value() - 100.37) < 0.02)) throw new Error(`shift ${x.shift_value()} instead of 100.37`);
    },
  };
}

function pffftImpl(m: PffftModule): BenchImpl {
  const setup = m._pffft_new_setup(N, PFFFT_REAL);
  if (setup === 0) throw new Error(`pffft_new_setup(${N}, PFFFT_REAL) failed`);
  const inPtr = m._pffft_aligned_malloc(4 * N);
  const outPtr = m._pffft_aligned_malloc(4 * N);
  const workPtr = m._pffft_aligned_malloc(4 * N);
  if (inPtr === 0 || outPtr === 0 || workPtr === 0) throw new Error('pffft_aligned_malloc failed');
  // a cross-spectrum-like input: any spectrum costs the same
  const spectrum = delayedPair({ n: N, delay: 3, snrDb: 30, seed: 4 }).input;
  m.HEAPF32.set(spectrum, inPtr / 4);
  return {
    name: '@echogarden/pffft-wasm',
    run() {
      for (let h = 0; h < H; h++) m._pffft_transform_ordered(setup, inPtr, outPtr, workPtr, PFFFT_BACKWARD);
    },
  };
}

let pffft: PffftModule | null = null;

export const shiftBench: BenchFile = {
  stage: 'shift',
  caseNames: [`shift/${N}x${H}`],
  async prepare() {
    pffft = await loadPffft();
  },
  cases(env: BenchEnv): BenchCase[] {
    if (!pffft) throw new Error('shift bench: prepare() must run before cases() (it loads PFFFT)');
    const ours = oursImpl(env.newWasm());
    return [{ stage: 'shift', name: `shift/${N}x${H}`, ours: ours.name, impls: [ours, pffftImpl(pffft)] }];
  },
};
