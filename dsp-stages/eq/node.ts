/** The 8-band EQ on the Node side: `run` (bands as compound values) and the bench cases. */
import type { StageNode } from '../node-api.ts';
import { eqBench } from './bench.ts';
import { EQ_CLI_PARAMS, eqRunHelp, resolveEqCliParams, runEq } from './cli.ts';

export const node: StageNode = {
  run: { run: runEq, resolveParams: resolveEqCliParams, cliParams: EQ_CLI_PARAMS, help: eqRunHelp },
  bench: eqBench,
};
