import { describe, expect, it } from 'vitest';
import { loadWasm } from '../wasm-file.ts';
import { RENDER_QUANTUM_FRAMES } from '../types.ts';
import { mulberry32, sine } from '../signals.ts';
import { fftStage } from './index.ts';
import { analyseFrame, besselI0, periodicWindow, realFft, relativeRmsError } from './reference.ts';
import { hopSamples } from './params.ts';
import { bindFft } from './bindings.ts';

function naiveDft(x: Float64Array): Float64Array {
  const n = x.length;
  const out = new Float64Array(n + 2);
  for (let k = 0; k <= n / 2; k++) {
    let re = 0,
      im = 0;
    for (let t = 0; t < n; t++) {
      re += x[t]! * Math.cos((-2 * Math.PI * k * t) / n);
      im += x[t]! * Math.sin((-2 * Math.PI * k * t) / n);
    }
    out[2 * k] = re;
    out[2 * k + 1] = im;
  }
  return out;
}

/** Runs the stage's wasm kernel over `signal` quantum by quantum; returns the last published frame. */
function runKernel(signal: Float32Array, params: Record<string, number | string>) {
  const wasm = loadWasm();
  const kernel = fftStage.createWasmKernel(wasm, { size: 32768, window: 'kaiser', beta: 9, hop: 0, ...params }, 48_000);
  const frame = new Float32Array(kernel.visualLength!);
  const figures = new Float64Array(16);
  let published = 0;
  let last = kernel.visualVersion!();
  for (let q = 0; q + RENDER_QUANTUM_FRAMES <= signal.length; q += RENDER_QUANTUM_FRAMES) {
    expect(kernel.process([signal.subarray(q, q + RENDER_QUANTUM_FRAMES)], null)).toBe(0);
    if (kernel.visualVersion!() !== last) {
      last = kernel.visualVersion!();
      kernel.publish!(frame, figures);
      published++;
    }
  }
  return { frame, figures, published, wasm };
}

describe('FFT reference', () => {
  it('realFft matches a naive DFT', () => {
    const rand = mulberry32(5);
    const x = Float64Array.from({ length: 256 }, () => rand() - 0.5);
    expect(relativeRmsError(realFft(x), naiveDft(x))).toBeLessThan(1e-12);
  });

  it('I0 matches known values, and the Kaiser window is periodic with its peak at N/2', () => {
    expect(besselI0(0)).toBe(1);
    expect(besselI0(1)).toBeCloseTo(1.2660658777520082, 14);
    expect(besselI0(9)).toBeCloseTo(1093.5883545113745, 9);
    const w = periodicWindow('kaiser', 9, 64);
    expect(w[32]).toBeCloseTo(1, 15);
    for (let i = 1; i < 32; i++) expect(w[i]).toBeCloseTo(w[64 - i]!, 15);
  });
});

describe('FFT stage on wasm', () => {
  it('the SIMD and scalar paths agree inside wasm (the FFT bit for bit)', () => {
    const wasm = loadWasm();
    expect(bindFft(wasm).fft_simd_enabled()).toBe(1);
    expect(bindFft(wasm).fft_selftest()).toBe(0);
  });

  it('the live kernel publishes spectra equal to the reference, peak within 0.05 Hz of 1000.37 Hz', () => {
    const n = 32768;
    const signal = sine(n * 2, 48_000, 1000.37, 0.5, 0.3);
    const { frame, figures, published } = runKernel(signal, {});
    // hop N/4 over 2N samples: 8 hops, the last analysis still in slices at the end
    expect(published).toBeGreaterThanOrEqual(6);
    expect(Math.abs(figures[0]! - 1000.37)).toBeLessThan(0.05);
    expect(figures[1]).toBeCloseTo(20 * Math.log10(0.5), 2);
    // the published frame is the one at the last completed hop: recompute it with the reference
    const hop = hopSamples(n, 0);
    const hopsDone = Math.floor(signal.length / hop);
    let end = hopsDone * hop;
    // the newest hop may still be in progress; find the frame whose spectrum matches
    const spectrum = frame.subarray(n / 2 + 1);
    let err = Infinity;
    for (let h = 0; h < 3 && err > 1e-6; h++, end -= hop) {
      const ref = analyseFrame(signal.subarray(end - n, end), periodicWindow('kaiser', 9, n));
      err = relativeRmsError(spectrum, ref.spectrum);
    }
    expect(err).toBeLessThan(1e-6);
  });

  it('analyses allocate nothing on the wasm heap', () => {
    const { wasm } = runKernel(sine(32768, 48_000, 440, 0.5), {});
    const before = wasm.exports.alloc_count();
    const kernel = fftStage.createWasmKernel(wasm, { size: 4096, window: 'hann', beta: 9, hop: 0 }, 48_000);
    const afterCreate = wasm.exports.alloc_count();
    expect(afterCreate).toBeGreaterThan(before);
    const q = sine(128, 48_000, 440, 0.5);
    for (let i = 0; i < 2000; i++) kernel.process([q], null);
    expect(wasm.exports.alloc_count()).toBe(afterCreate);
  });

  it('finishes every analysis even when the hop is one quantum (N = 512, hop 128)', () => {
    const wasm = loadWasm();
    const kernel = fftStage.createWasmKernel(wasm, { size: 512, window: 'hann', beta: 9, hop: 128 }, 48_000);
    const q = sine(128, 48_000, 3000, 0.5);
    for (let i = 0; i < 100; i++) kernel.process([q], null);
    expect(kernel.visualVersion!()).toBeGreaterThanOrEqual(98);
  });
});
