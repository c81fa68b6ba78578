/**
 * The fft stage's wasm exports (rust/src/stages/fft.rs), typed: the only module that names them. Everything
 * else (descriptor, CLI, bench, pool, tests) calls the stage through `bindFft`.
 */
import { exportNames, type StagebenchWasm } from '../../worklet/abi.ts';

export interface FftExports {
  fft_create(size: number, window: number, beta: number): number;
  fft_process(): number;
  fft_begin(): number;
  fft_step(): number;
  fft_set_window(window: number, beta: number): number;
  fft_size(): number;
  fft_spectrum_ptr(): number;
  fft_db_ptr(): number;
  fft_peak_bin(): number;
  fft_peak_db(): number;
  fft_non_finite_frames(): number;
  fft_transform(inPtr: number, outPtr: number): number;
  fft_selftest(): number;
  fft_simd_enabled(): number;
}

/** Every export of `FftExports`, checked when a module is bound. */
export const FFT_EXPORTS = exportNames<FftExports>()(
  'fft_create',
  'fft_process',
  'fft_begin',
  'fft_step',
  'fft_set_window',
  'fft_size',
  'fft_spectrum_ptr',
  'fft_db_ptr',
  'fft_peak_bin',
  'fft_peak_db',
  'fft_non_finite_frames',
  'fft_transform',
  'fft_selftest',
  'fft_simd_enabled',
);

/** The stage's exports on `wasm`; throws naming any the module lacks (an old build). */
export function bindFft(wasm: StagebenchWasm): FftExports {
  return wasm.bind<FftExports>(FFT_EXPORTS);
}
