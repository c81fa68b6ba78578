/**
 * Ring copy: each quantum goes into the wasm input ring (the seed ABI) and is read back by
 * `process_quantum`; the worklet also copies it into the UI scope ring. The foundation stage:
 * proves both rings round-trip the signal bit for bit and times the copy.
 */
import { FIREFOX_MEASURED_ON } from '../types.ts';
import type { StageDescriptor } from '../types.ts';
import { RENDER_QUANTUM_FRAMES } from '../types.ts';
import { numberParam } from '../params.ts';
import { statusMessage } from '../../worklet/abi.ts';
import { ringCopyParams } from './params.ts';
import { createRingCopyReference } from './reference.ts';
import { RING_COPY_EXPORTS, bindRingCopy } from './bindings.ts';

export const ringCopyStage: StageDescriptor = {
  id: 'ring-copy',
  title: 'Ring Copy',
  wasmExports: RING_COPY_EXPORTS,
  params: ringCopyParams,
  budgets: {
    // A 128-sample copy (the default quantum) in and out plus the JS glue: a fraction of a µs per quantum; a single
    // quantum reads one 5 µs clock step at most.
    kernelP99Us: 0.39,
    quantumP99Us: 15,
    measured: {
      kernelP99Us: 0.13,
      quantumP99Us: 5,
      on: '2026-12-05: median of 25 measurements (5 runs of the story budget check and of Conformance / Sample rates at 4 rates), headless Chromium 156, 2-core CI machine type',
    },
    heapGrowthBytes: 1 << 20,
    // Firefox's kernels measure slower in the 1 % tail (batches with a stall in them); its p50s are
    // close to Chromium's. Its clock is unclamped in the test profile (scripts/test-firefox.mjs).
    firefox: {
      kernelP99Us: 5.5,
      quantumP99Us: 0.85,
      measured: {
        kernelP99Us: 1.9,
        quantumP99Us: 0.3,
        on: FIREFOX_MEASURED_ON,
      },
    },
  },
  hasAudioOutput: true,
  createWasmKernel(wasm, params, _sampleRate, quantumFrames = RENDER_QUANTUM_FRAMES) {
    const x = bindRingCopy(wasm);
    // the ring holds at least one quantum: process_quantum reads the newest one back from it
    wasm.init(Math.max(numberParam(params, 'capacity'), quantumFrames));
    const rc = x.ring_copy_create(quantumFrames);
    if (rc < 0) throw new Error(`ring_copy_create failed: ${statusMessage(rc)}`);
    const out = wasm.view(() => x.ring_copy_output_ptr(), quantumFrames);
    let quanta = 0;
    return {
      backend: 'wasm',
      process(inputs, output) {
        const input = inputs[0]!;
        wasm.pushInput(input);
        if (input.length > quantumFrames) return -2;
        const status = wasm.exports.process_quantum(input.length);
        if (status < 0) return status;
        if (output) {
          const readBack = out.get();
          // a full quantum copies the cached view whole; a short one (CLI tail) needs a sub-view
          output.set(input.length === readBack.length ? readBack : readBack.subarray(0, input.length));
        }
        quanta++;
        return 0;
      },
      setParam() {
        // capacity is fixed at create; the host re-creates the stage when it changes
      },
      summary: () => ({ quanta, writePos: wasm.exports.get_write_pos() }),
    };
  },
  createReferenceKernel: (params) => createRingCopyReference(params),
};
