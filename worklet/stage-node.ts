/**
 * The processor in an audio context: its module added to the context, and a node running one
 * stage. The runtime's live node and every offline render are made here, with the same channel
 * layout.
 */
import processorUrl from './processor.ts?worker&url';
import type { ParamValues } from '../dsp-stages/types.ts';
import type { ChainStageSpec } from './chain.ts';
import { contextQuantumFrames } from './quantum.ts';
import { createTelemetryBuffer, telemetryViews, type TelemetryViews } from './layout.ts';
import { PROCESSOR_NAME, type FromProcessor, type ProcessorOptions } from './protocol.ts';
import { loadWasmBytes } from './wasm-fetch.ts';

/** How long a new node may take to report its status, ms. */
const STATUS_TIMEOUT_MS = 10_000;

/** Whether the page may share memory with its worklet and workers (SharedArrayBuffer). */
export function isCrossOriginIsolated(): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && globalThis.crossOriginIsolated === true;
}

/** Adds the processor's module to `ctx`. */
export function addProcessorModule(ctx: BaseAudioContext): Promise<void> {
  return ctx.audioWorklet.addModule(processorUrl);
}

/**
 * A node running the processor: one mono output and one input of two channels (a mono source is
 * copied to both: a stage may compare them).
 */
export function processorNode(ctx: BaseAudioContext, processorOptions: ProcessorOptions): AudioWorkletNode {
  return new AudioWorkletNode(ctx, PROCESSOR_NAME, {
    numberOfInputs: 1,
    numberOfOutputs: 1,
    outputChannelCount: [1],
    channelCount: 2,
    channelCountMode: 'explicit',
    processorOptions,
  });
}

/** A node running a stage, with the status the processor reported for it. */
export interface StageNode {
  node: AudioWorkletNode;
  status: 'active' | 'fallback';
  reason: string | null;
  /** The telemetry buffer's views (null without SharedArrayBuffer: the worklet's copy is private). */
  views: TelemetryViews | null;
}

/**
 * Adds the processor to `ctx` (once per context) and creates a node running `stage`, resolved
 * once the processor has reported its status (wasm active, or the fallback with the reason).
 */
export async function createStageNode(
  ctx: BaseAudioContext,
  opts: { stage: string; params: ParamValues; chain?: ChainStageSpec[]; wasmBytes?: ArrayBuffer | null },
): Promise<StageNode> {
  await addProcessorModule(ctx);
  const loaded =
    opts.wasmBytes === undefined
      ? await loadWasmBytes()
      : { bytes: opts.wasmBytes, reason: opts.wasmBytes ? null : 'no wasm bytes were given' };
  const isolated = isCrossOriginIsolated();
  const telemetry = createTelemetryBuffer(isolated);
  const node = processorNode(ctx, {
    wasmBytes: loaded.bytes ? loaded.bytes.slice(0) : null,
    wasmMissingReason: loaded.reason,
    telemetry,
    stage: opts.stage,
    params: opts.params,
    chain: opts.chain,
    offline: typeof OfflineAudioContext !== 'undefined' && ctx instanceof OfflineAudioContext,
    quantumFrames: contextQuantumFrames(ctx),
  });
  const status = await new Promise<{ status: 'active' | 'fallback'; reason: string | null }>((resolve, reject) => {
    const timeout = setTimeout(
      () => reject(new Error(`the processor did not report a status within ${STATUS_TIMEOUT_MS} ms`)),
      STATUS_TIMEOUT_MS,
    );
    node.port.onmessage = (event: MessageEvent<FromProcessor>) => {
      const msg = event.data;
      if (msg.type === 'status') {
        clearTimeout(timeout);
        resolve({ status: msg.status, reason: msg.reason });
      } else if (msg.type === 'stage-error') {
        clearTimeout(timeout);
        reject(new Error(`stage ${msg.stage}: ${msg.message}`));
      }
    };
  });
  node.port.onmessage = null;
  return { node, ...status, views: isolated ? telemetryViews(telemetry) : null };
}
