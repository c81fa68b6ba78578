/// <reference lib="webworker" />
/**
 * The validation matrix (dsp-stages/validate/, the engine `stagebench validate` runs in Node) in a
 * Web Worker of the page: the same checks, levels and seeds on the page's own wasm bytes, against
 * the stages' conformance promises as the browser finds them. A worker, so the page stays live
 * while it runs and performance.now() times the denormal-speed check as Node's clock does.
 */
import { compileStagebench, instanceFactory } from '../../worklet/abi.ts';
import { STAGES } from '../../dsp-stages/registry.ts';
import { referenceFrom, validate } from '../../dsp-stages/validate/engine.ts';
import { FAULTS } from '../../dsp-stages/validate/faults.ts';
import { STAGE_CONFORMANCE } from './conformance/promises.ts';
import type { FromValidator, ToValidator } from './validation-protocol.ts';

const post = (msg: FromValidator) => (self as unknown as Worker).postMessage(msg);

self.onmessage = (event: MessageEvent<ToValidator>) => {
  const msg = event.data;
  try {
    const fault = msg.fault === undefined ? undefined : FAULTS[msg.fault];
    if (msg.fault !== undefined && !fault) throw new Error(`no fault ${msg.fault} (there are ${FAULTS.length})`);
    const ids = msg.stages ?? Object.keys(STAGES);
    const unknown = ids.filter((id) => !STAGES[id]);
    if (unknown.length) throw new Error(`unknown stage ${unknown.join(', ')} (known: ${Object.keys(STAGES).join(', ')})`);
    const report = validate({
      stages: ids.map((id) => STAGES[id]!),
      registered: Object.keys(STAGES),
      checks: msg.checks,
      level: msg.level,
      seed: msg.seed,
      newWasm: instanceFactory(compileStagebench(msg.wasmBytes)),
      reference: referenceFrom(STAGE_CONFORMANCE),
      wrap: fault?.wrap,
      onResult: (result, done, total) => post({ type: 'result', result, done, total }),
    });
    post({ type: 'report', report });
  } catch (err) {
    post({ type: 'error', message: (err as Error).message });
  }
};
