/** Every stage, by id: the worklet, the timing worker, the CLI and the bench look stages up here. */
import type { StageDescriptor } from './types.ts';
import { ringCopyStage } from './ring-copy/index.ts';
import { fftStage } from './fft/index.ts';
import { eqStage } from './eq/index.ts';
import { shiftStage } from './shift/index.ts';
import { decodeStage } from './decode/index.ts';
import { gainStage } from './gain/index.ts';

export const STAGES: Readonly<Record<string, StageDescriptor>> = {
  [ringCopyStage.id]: ringCopyStage,
  [fftStage.id]: fftStage,
  [eqStage.id]: eqStage,
  [shiftStage.id]: shiftStage,
  [decodeStage.id]: decodeStage,
  [gainStage.id]: gainStage,
};

export function getStage(id: string): StageDescriptor {
  const stage = STAGES[id];
  if (!stage) throw new Error(`unknown stage "${id}" (known: ${Object.keys(STAGES).join(', ')})`);
  return stage;
}
