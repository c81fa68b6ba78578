/**
 * Decode: files are decoded off the audio thread on the worker pool (worklet/pool/, running this
 * stage's `decode` task kind, pool/: WAV parsed and resampled in Rust, FLAC and MP3 by their wasm
 * decoders) and streamed to the worklet through a lock-free ring. In the worklet this stage is what plays them: the decoded frames are its
 * input (see `attach-playback` in the processor), it passes channel 0 to the output (the Monitor)
 * and analyses it with the spectrum kernel (Hann window, N = 8192, hop N/4, spread over quanta),
 * so the story's scope and spectrum show what is playing.
 *
 * Its parameters (`params.ts`: output rate, workers, chunk size) configure the pool and the
 * decode, not this kernel.
 */
import { FIREFOX_MEASURED_ON } from '../types.ts';
import type { ParamValues, StageDescriptor, StageKernel } from '../types.ts';
import { defaultParams } from '../params.ts';
import { fftStage } from '../fft/index.ts';
import { fftParams } from '../fft/params.ts';
import { decodeParams } from './params.ts';

/** The spectrum shown while a decoded file plays. */
export const DECODE_SPECTRUM: ParamValues = { ...defaultParams(fftParams), size: 8192, window: 'hann' };

/** Passes channel 0 through and runs the spectrum kernel on it. */
function withPassthrough(analysis: StageKernel): StageKernel {
  return {
    backend: analysis.backend,
    visualLength: analysis.visualLength ?? 0,
    process(inputs, output) {
      const status = analysis.process(inputs, null);
      if (output) output.set(inputs[0]!.length === output.length ? inputs[0]! : inputs[0]!.subarray(0, output.length));
      return status;
    },
    setParam() {
      // rate, workers and chunk configure the pool, not this kernel
    },
    summary: () => analysis.summary(),
    visualVersion: () => analysis.visualVersion?.() ?? 0,
    publish: (out, figures) => analysis.publish?.(out, figures),
  };
}

export const decodeStage: StageDescriptor = {
  id: 'decode',
  title: 'Decode',
  wasmExports: fftStage.wasmExports,
  params: decodeParams,
  figures: fftStage.figures ?? [],
  visualiser: {
    kind: 'spectrum',
    fftSize: () => Number(DECODE_SPECTRUM.size),
    floorDb: -120,
    title: `Spectrum of what plays (Hann, N = ${DECODE_SPECTRUM.size})`,
    peakFigures: { hz: 0, db: 1 },
  },
  budgets: {
    // The spectrum kernel (N = 8192, Hann, spread over the hop) plus a 128-sample copy. Measured
    // with the story's file decoded (no pool worker busy beside the timing worker).
    kernelP99Us: 9,
    // The heaviest spread slice; 40 µs keeps it under the 80 µs it had at 48 kHz scaled to 96 kHz.
    quantumP99Us: 40,
    measured: {
      kernelP99Us: 3.04,
      quantumP99Us: 15,
      on: '2026-12-05: median of 25 measurements (5 runs of the story budget check and of Conformance / Sample rates at 4 rates), headless Chromium 156, 2-core CI machine type',
    },
    heapGrowthBytes: 1 << 20,
    // Firefox's kernels measure slower in the 1 % tail (batches with a stall in them); its p50s are
    // close to Chromium's. Its clock is unclamped in the test profile (scripts/test-firefox.mjs).
    firefox: {
      kernelP99Us: 85,
      quantumP99Us: 36,
      measured: {
        kernelP99Us: 29,
        quantumP99Us: 12,
        on: FIREFOX_MEASURED_ON,
      },
    },
  },
  hasAudioOutput: true,
  createWasmKernel: (wasm, _params, sampleRate, quantumFrames) =>
    withPassthrough(fftStage.createWasmKernel(wasm, DECODE_SPECTRUM, sampleRate, quantumFrames)),
  createReferenceKernel: (_params, sampleRate) => withPassthrough(fftStage.createReferenceKernel(DECODE_SPECTRUM, sampleRate)),
};
