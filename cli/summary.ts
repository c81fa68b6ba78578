/** The common head of every `run` summary (its own module: the stage runners import it without a cycle). */
import type { ParamValues, StageDescriptor } from '../dsp-stages/types.ts';
import type { InputAudio } from './run.ts';

/** The keys every `run` summary starts with. */
export function baseSummary(
  stage: Pick<StageDescriptor, 'id'>,
  values: ParamValues,
  input: InputAudio,
  frames: number,
  backend: 'wasm' | 'reference',
): Record<string, unknown> {
  return { stage: stage.id, params: values, sampleRate: input.sampleRate, frames, channels: input.channels.length, backend };
}

