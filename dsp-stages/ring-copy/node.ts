/** Ring copy on the Node side: `run` reports whether the copy is bit-exact; the bench cases. */
import { bitEqual, type StageNode } from '../node-api.ts';
import { ringCopyBench } from './bench.ts';

export const node: StageNode = {
  run: {
    summaryExtras: (run) => ({ bitExact: run.audioOutput !== null && bitEqual(run.input[0]!, run.audioOutput) }),
  },
  bench: ringCopyBench,
};
