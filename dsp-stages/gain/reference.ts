/**
 * Gain (template)'s plain TypeScript reference: the same arithmetic as rust/src/stages/gain.rs (subnormal
 * input flushed to zero, then one float32 multiplication per sample), so its output equals the wasm
 * kernel's bit for bit. Runs in the worklet when wasm is unavailable, and in tests.
 */
import type { ParamValues, StageKernel } from '../types.ts';
import { numberParam } from '../params.ts';
import { flushSubnormalF32 } from '../conformance/numbers.ts';

/** `out[i] = flush(input[i]) × gain`, rounded to float32 as the wasm kernel does. Allocation-free. */
export function applyGain(input: Float32Array, gain: number, out: Float32Array): void {
  const g = Math.fround(gain);
  for (let i = 0; i < input.length; i++) out[i] = flushSubnormalF32(input[i]!) * g;
}

export function createGainReference(params: ParamValues): StageKernel {
  let gain = numberParam(params, 'gain');
  let quanta = 0;
  return {
    backend: 'reference',
    process(inputs, output) {
      if (output) applyGain(inputs[0]!, gain, output);
      quanta++;
      return 0;
    },
    setParam(name, value) {
      if (name === 'gain' && typeof value === 'number') gain = value;
    },
    summary: () => ({ quanta }),
  };
}
