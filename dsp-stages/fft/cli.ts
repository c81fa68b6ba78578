/**
 * `stagebench run fft`: one analysis of the newest `size` samples of the input (channel 0) on the
 * wasm spectrum stage (window, real FFT, dB, refined peak), instead of the generic quantum loop:
 * a file is one frame to look at, not a live stream with hops.
 *
 * The samples go through the stage's own path (pushed into the wasm input ring, then
 * `fft_process`), so the result is what the live stage would publish for that frame.
 */
import { numberParam } from '../params.ts';
import { WINDOW_IDS, type FftWindow } from './params.ts';
import { statusMessage } from '../../worklet/abi.ts';
import { CliError, baseSummary, type RunReport, type RunRequest } from '../node-api.ts';
import { bindFft, type FftExports } from './bindings.ts';

/** Index of the first NaN or infinite sample of `x`, or -1. */
export function firstNonFinite(x: Float32Array): number {
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]!)) return i;
  }
  return -1;
}

export function runFft(req: RunRequest): RunReport {
  const { stage, values, input, wasm } = req;
  const samples = input.channels[0]!;
  const frames = samples.length;
  const size = numberParam(values, 'size');
  const window = values.window as FftWindow;
  const beta = numberParam(values, 'beta');
  if (frames < size) {
    throw new CliError(`input has ${frames} frames, fewer than size=${size}; pass a smaller --param size`);
  }
  const start = frames - size;
  const frame = samples.subarray(start);
  const bad = firstNonFinite(frame);
  if (bad >= 0) {
    const value = frame[bad]!;
    const what = Number.isNaN(value) ? 'NaN' : value > 0 ? '+Infinity' : '-Infinity';
    throw new CliError(
      `input sample ${start + bad} (channel 0) is ${what}: the analysed frame (samples ${start}..${frames - 1}) must be finite`,
    );
  }
  let fx: FftExports;
  try {
    fx = bindFft(wasm);
    wasm.init(size);
  } catch (err) {
    throw new CliError(`stage ${stage.id} could not start on wasm: ${(err as Error).message}`);
  }
  const created = fx.fft_create(size, WINDOW_IDS[window], beta);
  if (created < 0) throw new CliError(`stage ${stage.id} could not start on wasm: fft_create(${size}): ${statusMessage(created)}`);

  const allocBefore = wasm.exports.alloc_count();
  wasm.pushInput(frame);
  const status = fx.fft_process();
  const allocationsDuringProcess = wasm.exports.alloc_count() - allocBefore;
  if (status < 0) throw new CliError(`stage ${stage.id} failed: fft_process: ${statusMessage(status)}`);

  // a copy: the view over wasm memory is only valid until the module's memory grows
  const spectrum = wasm.f32(fx.fft_spectrum_ptr(), size + 2).slice();
  const binHz = input.sampleRate / size;
  const summary: Record<string, unknown> = {
    ...baseSummary(stage, values, input, frames, 'wasm'),
    size,
    window,
    beta,
    frameStart: start,
    binHz,
    peakHz: fx.fft_peak_bin() * binHz,
    peakDb: fx.fft_peak_db(),
    simd: fx.fft_simd_enabled() === 1,
    allocationsDuringProcess,
  };
  return { summary, primaryOutput: spectrum, audioOutput: null };
}

/** The `--help` section of `run fft`. */
export function fftRunHelp(): string {
  return `run fft
  Analyses the LAST size samples of channel 0 once (window, real FFT, dB, refined peak) on the
  wasm stage; hop and spread are not used. The input must hold at least size frames, all of
  them finite.
  The JSON adds size, window, beta, frameStart, binHz, peakHz and peakDb; --out gets the complex
  spectrum: size + 2 floats, interleaved re, im for k = 0..size/2, unnormalised.
  e.g. stagebench run fft --input tone.wav --param size=32768 --param window=kaiser \\
         --param beta=9 --out spec.f32
`;
}
