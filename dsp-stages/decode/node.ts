/**
 * Decode on the Node side: `run decode` is its own command (encoded files in, the pool), and the
 * bench cases: the decodes (bench.ts) and the resampler (bench/resample.ts).
 */
import { usage, type StageNode } from '../node-api.ts';
import { decodeBench } from './bench.ts';
import { resampleBench } from './bench/resample.ts';
import { decodeHelpText, runDecodeCommand } from './cli.ts';

export const node: StageNode = {
  run: {
    help: decodeHelpText,
    command: (cmd) => {
      if (cmd.rate !== null)
        throw usage('--rate is for raw .f32 input; run decode reads the rate from the file (--param rate=HZ sets the output rate)');
      return runDecodeCommand(cmd);
    },
  },
  bench: [decodeBench, resampleBench],
};
