/**
 * Gain, the template stage: every sample times a gain, on the worklet's audio output (the Monitor
 * switch makes it audible). The smallest descriptor with every part a stage needs: wasm entry
 * points, parameters, budgets, a wasm kernel and its TypeScript reference. README "Add a stage"
 * walks through it.
 */
import type { StageDescriptor } from '../types.ts';
import { RENDER_QUANTUM_FRAMES } from '../types.ts';
import { numberParam } from '../params.ts';
import { statusMessage } from '../../worklet/abi.ts';
import { GAIN_PARAM_IDS, gainParams } from './params.ts';
import { createGainReference } from './reference.ts';
import { GAIN_EXPORTS, bindGain } from './bindings.ts';

/** The wasm input ring: a few quanta are enough, the stage reads only the newest one. */
const RING_CAPACITY = RENDER_QUANTUM_FRAMES * 8;

export const gainStage: StageDescriptor = {
  id: 'gain',
  title: 'Gain (template)',
  wasmExports: GAIN_EXPORTS,
  params: gainParams,
  budgets: {
    // One multiplication per sample plus the JS glue: a fraction of a µs per quantum; a single
    // quantum reads one 5 µs clock step at most.
    kernelP99Us: 0.42,
    quantumP99Us: 15,
    measured: {
      kernelP99Us: 0.14,
      quantumP99Us: 5,
      on: '2026-12-05: median of 25 measurements (5 runs of the story budget check and of Conformance / Sample rates at 4 rates), headless Chromium 156, 2-core CI machine type',
    },
    heapGrowthBytes: 1 << 20,
  },
  hasAudioOutput: true,
  createWasmKernel(wasm, params) {
    const x = bindGain(wasm);
    wasm.init(RING_CAPACITY);
    const rc = x.gain_create(RENDER_QUANTUM_FRAMES);
    if (rc < 0) throw new Error(`gain_create failed: ${statusMessage(rc)}`);
    const set = (name: string, value: number) => {
      const status = x.gain_set_param(GAIN_PARAM_IDS[name] ?? -1, value);
      if (status < 0) throw new Error(`gain_set_param(${name}, ${value}) failed: ${statusMessage(status)}`);
    };
    set('gain', numberParam(params, 'gain'));
    const out = wasm.view(() => x.gain_output_ptr(), RENDER_QUANTUM_FRAMES);
    let quanta = 0;
    return {
      backend: 'wasm',
      process(inputs, output) {
        const input = inputs[0]!;
        if (input.length > RENDER_QUANTUM_FRAMES) return -2;
        wasm.pushInput(input);
        // the seed ABI's dispatch: process_quantum runs gain_process while the gain is active
        const status = wasm.exports.process_quantum(input.length);
        if (status < 0) return status;
        if (output) {
          const result = out.get();
          output.set(input.length === result.length ? result : result.subarray(0, input.length));
        }
        quanta++;
        return 0;
      },
      setParam(name, value) {
        // the value was clamped by the caller; the worklet must not throw, so a refusal is ignored
        if (typeof value === 'number' && name in GAIN_PARAM_IDS) x.gain_set_param(GAIN_PARAM_IDS[name]!, value);
      },
      summary: () => ({ quanta }),
    };
  },
  createReferenceKernel: (params) => createGainReference(params),
};
