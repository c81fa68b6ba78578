/** The spectrum stage on the Node side: `run` (one analysis), `sweep` (peak accuracy) and the bench cases. */
import type { StageNode } from '../node-api.ts';
import { fftBench } from './bench.ts';
import { fftRunHelp, runFft } from './cli.ts';
import { fftSweep } from './sweep-cli.ts';

export const node: StageNode = { run: { run: runFft, help: fftRunHelp }, sweep: fftSweep, bench: fftBench };
