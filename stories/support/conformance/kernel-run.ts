/** Running a kernel in the page (the TypeScript reference, or any StageKernel), as the worklet runs it. */
import type { StageKernel } from '../../../dsp-stages/types.ts';
import { RENDER_QUANTUM_FRAMES } from '../../../dsp-stages/types.ts';

export interface KernelRun {
  output: Float32Array | null;
  /** The figures after the last published frame (NaN where none was published). */
  figures: Float64Array;
  /** Quanta whose process returned a negative status. */
  errors: number;
}

/**
 * Runs `kernel` over `input` in quanta of `Q` frames (the context's render quantum), as the worklet does: channel 1 is `input2` or a
 * copy of channel 0, the visual frame and figures are published whenever the version changes.
 */
export function runKernel(
  kernel: StageKernel,
  hasAudioOutput: boolean,
  input: Float32Array,
  input2?: Float32Array,
  Q: number = RENDER_QUANTUM_FRAMES,
): KernelRun {
  if (input.length % Q !== 0) throw new Error(`runKernel: ${input.length} frames is not a whole number of ${Q}-frame quanta`);
  if (input2 && input2.length !== input.length)
    throw new Error(`runKernel: channel 1 has ${input2.length} frames, channel 0 ${input.length}`);
  const output = hasAudioOutput ? new Float32Array(input.length) : null;
  const quantum = new Float32Array(Q);
  const visual = new Float32Array(kernel.visualLength ?? 0);
  const figures = new Float64Array(16).fill(NaN);
  let version = kernel.visualVersion?.() ?? 0;
  let errors = 0;
  for (let at = 0; at < input.length; at += Q) {
    const ch0 = input.subarray(at, at + Q);
    const status = kernel.process([ch0, input2 ? input2.subarray(at, at + Q) : ch0], output ? quantum : null);
    if (status < 0) {
      errors++;
      continue;
    }
    if (output) output.set(quantum, at);
    const v = kernel.visualVersion?.();
    if (v !== undefined && v !== version && kernel.publish) {
      version = v;
      kernel.publish(visual, figures);
    }
  }
  return { output, figures, errors };
}
