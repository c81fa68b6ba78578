/**
 * Test-only faults, so that expected-failure stories can prove a budget catches a realistic
 * regression instead of an impossible bound. Worklet-safe (no Node, no DOM).
 */
import type { StageKernel } from './types.ts';

/**
 * The kernel made `factor` times slower: each quantum is processed `factor` times over (the same
 * input, so a stage's work per quantum is repeated, as a regression in its arithmetic would cost).
 * Output and figures are those of the last repetition. Allocation-free; `factor` 1 is the kernel.
 */
export function slowedDown(kernel: StageKernel, factor: number): StageKernel {
  const times = Math.max(1, Math.floor(factor));
  if (times === 1) return kernel;
  // the kernels are closures (no `this`): their other members carry over as they are
  return {
    ...kernel,
    process(inputs, output) {
      let status = 0;
      for (let i = 0; i < times && status >= 0; i++) status = kernel.process(inputs, output);
      return status;
    },
  };
}
