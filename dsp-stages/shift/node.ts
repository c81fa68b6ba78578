/** The shift stage on the Node side: `run` (one analysis of a stereo file), `sweep` (against the CRB) and the bench cases. */
import type { StageNode } from '../node-api.ts';
import { shiftBench } from './bench.ts';
import { runShift, shiftRunHelp } from './cli.ts';
import { shiftSweep } from './sweep-cli.ts';

export const node: StageNode = {
  run: { run: runShift, help: shiftRunHelp },
  sweep: shiftSweep,
  bench: shiftBench,
};
