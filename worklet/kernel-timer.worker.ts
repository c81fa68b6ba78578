/// <reference lib="webworker" />
/**
 * The kernel-timing worker: performance.now() exists here (not in the AudioWorklet), so the
 * stage's process entry is timed here on the same wasm bytes and the same input.
 */
import type { FromTimer, ToTimer } from './protocol.ts';
import { instantiateStagebench } from './abi.ts';
import { timeChain, timeKernel } from './kernel-timing.ts';

self.onmessage = (event: MessageEvent<ToTimer>) => {
  const msg = event.data;
  let reply: FromTimer;
  try {
    if (msg.type === 'measure-chain') {
      const timing = timeChain({
        stages: msg.stages,
        sampleRate: msg.sampleRate,
        // a fresh instance per measurement, every stage of the chain on it
        wasm: msg.wasmBytes ? instantiateStagebench(msg.wasmBytes) : null,
        input: msg.input,
        batches: msg.batches,
        minBatchMs: msg.minBatchMs,
        quantumFrames: msg.quantumFrames,
        now: () => performance.now(),
        clock: 'performance.now() in a Web Worker',
      });
      (self as unknown as Worker).postMessage({ type: 'chain-timing', id: msg.id, timing } satisfies FromTimer);
      return;
    }
    const timing = timeKernel({
      stage: msg.stage,
      params: msg.params,
      sampleRate: msg.sampleRate,
      // a fresh instance per measurement: no state carries over between stages
      wasm: msg.wasmBytes ? instantiateStagebench(msg.wasmBytes) : null,
      input: msg.input,
      batches: msg.batches,
      minBatchMs: msg.minBatchMs,
      singleQuanta: msg.singleQuanta,
      slowdown: msg.slowdown,
      quantumFrames: msg.quantumFrames,
      now: () => performance.now(),
      clock: 'performance.now() in a Web Worker',
    });
    reply = { type: 'timing', id: msg.id, timing };
  } catch (err) {
    reply = { type: 'timing-failed', id: msg.id, error: (err as Error).message };
  }
  (self as unknown as Worker).postMessage(reply);
};
