/**
 * Gain (template): every sample times a gain, on the worklet's audio output (the Monitor switch makes it
 * audible). `stagebench new` wrote this file from its template (the gain stage is the template's
 * own instance): a stage on the generic wasm ABI, so its descriptor is its parameters, budgets and
 * two kernels. The kernel is rust/src/stages/gain.rs; its TypeScript twin is reference.ts.
 */
import { FIREFOX_MEASURED_ON } from '../types.ts';
import type { StageDescriptor } from '../types.ts';
import { GENERIC_EXPORTS, createGenericKernel } from '../generic.ts';
import { gainParams } from './params.ts';
import { createGainReference } from './reference.ts';

export const gainStage: StageDescriptor = {
  id: 'gain',
  title: 'Gain (template)',
  wasmExports: GENERIC_EXPORTS,
  params: gainParams,
  budgets: {
    // One multiplication per sample plus the JS glue: a fraction of a µs per quantum; a single
    // quantum reads one 5 µs clock step at most. Measured on the template's kernel: measure again
    // after changing the kernel (docs/timing.md says how).
    kernelP99Us: 0.42,
    quantumP99Us: 15,
    measured: {
      kernelP99Us: 0.14,
      quantumP99Us: 5,
      on: '2026-12-05: the template kernel, median of 25 measurements (5 runs of the story budget check and of Conformance / Sample rates at 4 rates), headless Chromium 156, 2-core CI machine type',
    },
    heapGrowthBytes: 1 << 20,
    // Firefox's kernels measure slower in the 1 % tail (batches with a stall in them); its p50s are
    // close to Chromium's. Its clock is unclamped in the test profile (scripts/test-firefox.mjs).
    // Its 1 ms batches are mostly glue: a stall in one moves the p99 most (0.6-6.2 µs over 11
    // measurements in 4 runs, on a machine at a load of 9-14), so its median is of all 11.
    firefox: {
      kernelP99Us: 3.9,
      quantumP99Us: 0.85,
      measured: {
        kernelP99Us: 1.34,
        quantumP99Us: 0.3,
        on: FIREFOX_MEASURED_ON,
      },
    },
  },
  hasAudioOutput: true,
  createWasmKernel: (wasm, params, sampleRate, quantumFrames) => createGenericKernel(wasm, gainStage, params, sampleRate, quantumFrames),
  createReferenceKernel: (params) => createGainReference(params),
};
