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
    kernelP99Us: 0.57,
    quantumP99Us: 15,
    measured: {
      kernelP99Us: 0.19,
      quantumP99Us: 5,
      on: '2026-12-06: the template kernel with its subnormal flush, median of 10 measurements (2 npm test runs: the story budget check and Conformance / Sample rates at 4 rates; 0.17-0.37 µs), headless Chromium 156, a second host of the 2-core CI machine type (before the flush, on the first host: 0.14)',
    },
    heapGrowthBytes: 1 << 20,
    // Firefox's kernels measure slower in the 1 % tail (batches with a stall in them); its p50s are
    // close to Chromium's. Its clock is unclamped in the test profile (scripts/test-firefox.mjs).
    // Its 1 ms batches are mostly glue: a stall in one moves the p99 most (0.6-6.2 µs over 11
    // measurements in 4 runs, on a machine at a load of 9-14), so its median is of all 11.
    // Its single quanta (about 0.3 µs) catch this host's 3-5 µs stalls now and then (dsp-stages/eq/index.ts).
    firefox: {
      kernelP99Us: 3.9,
      quantumP99Us: 1.1,
      measured: {
        kernelP99Us: 1.34,
        quantumP99Us: 0.37,
        on: `${FIREFOX_MEASURED_ON}; single-quantum p99 again on 2026-12-06, with the subnormal flush, on a second host of the type: median of 10 measurements (2 npm test runs), range 0.29-0.81 µs`,
      },
    },
  },
  hasAudioOutput: true,
  createWasmKernel: (wasm, params, sampleRate, quantumFrames) => createGenericKernel(wasm, gainStage, params, sampleRate, quantumFrames),
  createReferenceKernel: (params) => createGainReference(params),
};
