/**
 * Offline renders: a stage over a given input in an OfflineAudioContext, through the same
 * processor as the live runtime, for exact output values, its figures and its telemetry.
 */
import type { ParamValues } from '../dsp-stages/types.ts';
import { readVisual as readVisualFrame, snapshot, type TelemetrySnapshot } from './layout.ts';
import type { ChainStageFigures, FromProcessor, ToProcessor } from './protocol.ts';
import type { ChainStageSpec } from './chain.ts';
import { createStageNode } from './stage-node.ts';
import { contextQuantumFrames, renderSizeOptions } from './quantum.ts';

export interface OfflineRenderOptions {
  stage: string;
  params: ParamValues;
  /** A chain to render instead of `stage` (worklet/chain.ts): its output, and every stage's figures in `chainFigures`. */
  chain?: ChainStageSpec[];
  input: Float32Array;
  /** A second input channel (for a stage that compares its two inputs); absent: channel 0 is copied. */
  input2?: Float32Array;
  sampleRate: number;
  /** Override the wasm bytes (to prove the fallback path); default: the page's built wasm. */
  wasmBytes?: ArrayBuffer | null;
  /** A second path from the same source in the same context (e.g. native BiquadFilterNodes), rendered to `parallelOutput`. */
  parallel?: (ctx: OfflineAudioContext, source: AudioNode) => AudioNode;
  /**
   * Parameter changes during the render, each at a quantum boundary (suspend, set-param, sync,
   * resume when the processor answers the sync).
   * Changes at the same boundary are sent together, in their order, at one suspend.
   */
  paramChanges?: ReadonlyArray<{ atFrame: number; name: string; value: number | string }>;
  /** Frames per render quantum to ask the context for (`renderSizeHint`); absent: the default, 128. */
  quantumFrames?: number;
}

export interface OfflineRender {
  output: Float32Array;
  /** The `parallel` path's output, or null. */
  parallelOutput: Float32Array | null;
  /** The UI scope ring after the render (null without SharedArrayBuffer: the worklet's copy is private). */
  scope: Float32Array | null;
  telemetry: TelemetrySnapshot | null;
  /** The stage's last visual frame and figures (null without SharedArrayBuffer, or when it has none). */
  visual: Float32Array | null;
  figures: Float64Array | null;
  /** With `chain`: every stage's figures at the end of the render. */
  chainFigures: ChainStageFigures[] | null;
  status: 'active' | 'fallback';
  reason: string | null;
  /** Frames per render quantum the context reported (contextQuantumFrames). */
  quantumFrames: number;
}

/**
 * The samples of one channel of `buffer`, moved out of it (its ArrayBuffer transferred, so the
 * AudioBuffer keeps none), or copied where the browser refuses. Chromium keeps every finished
 * OfflineAudioContext that loaded a worklet for the page's life, and with it its source and
 * rendered buffers: moved out, they are freed with the result instead.
 */
function takeChannel(buffer: AudioBuffer, ch: number): Float32Array {
  const data = buffer.getChannelData(ch);
  if (data.byteOffset !== 0 || data.byteLength !== data.buffer.byteLength) return data.slice();
  try {
    return structuredClone(data, { transfer: [data.buffer as ArrayBuffer] });
  } catch {
    return data.slice();
  }
}

/** Longest a render waits for the processor to answer a request (a sync, the chain's figures). */
const ANSWER_TIMEOUT_MS = 5000;

/** Numbers this page's requests to offline processors: an answer echoes its request's number. */
let requestSeq = 0;

/**
 * Posts the request `ask(seq)` and resolves with the processor's `type` message echoing `seq`
 * (messages of that type posted unasked, or for an earlier request, are passed over); rejects
 * with `what` after ANSWER_TIMEOUT_MS. One request at a time per node: it holds the port's
 * onmessage until the answer.
 */
function request<T extends 'synced' | 'chain-figures'>(
  node: AudioWorkletNode,
  ask: (seq: number) => ToProcessor,
  type: T,
  what: string,
): Promise<Extract<FromProcessor, { type: T }>> {
  const seq = ++requestSeq;
  return new Promise((resolve, reject) => {
    const timeout = setTimeout(() => {
      node.port.onmessage = null;
      reject(new Error(`${what} within ${ANSWER_TIMEOUT_MS} ms`));
    }, ANSWER_TIMEOUT_MS);
    node.port.onmessage = (event: MessageEvent<FromProcessor>) => {
      const msg = event.data;
      if (msg.type !== type || msg.seq !== seq) return;
      clearTimeout(timeout);
      node.port.onmessage = null;
      resolve(msg as Extract<FromProcessor, { type: T }>);
    };
    node.port.postMessage(ask(seq));
  });
}

/**
 * The chain's per-stage figures, asked of the processor after a render: the answer to this request
 * only (the chain-figures posted as the chain was made, or once a second during a long render, can
 * arrive after the render ends; measured: once in about ten renders, the FFT's peak read 0 Hz, its
 * figures before any analysis).
 */
async function reportChain(node: AudioWorkletNode): Promise<ChainStageFigures[]> {
  const answer = await request(
    node,
    (seq) => ({ type: 'report-chain', seq }),
    'chain-figures',
    'the processor did not report the chain figures',
  );
  return answer.stages;
}

/** Renders `input` through the stage in an OfflineAudioContext with the same processor: exact output values. */
export async function renderOffline(opts: OfflineRenderOptions): Promise<OfflineRender> {
  const channels = opts.parallel ? 2 : 1;
  const ctx = new OfflineAudioContext({
    numberOfChannels: channels,
    length: opts.input.length,
    sampleRate: opts.sampleRate,
    ...renderSizeOptions(opts.quantumFrames),
  });
  const quantumFrames = contextQuantumFrames(ctx);
  const stage = await createStageNode(ctx, opts);
  const buffer = new AudioBuffer({ length: opts.input.length, sampleRate: opts.sampleRate, numberOfChannels: opts.input2 ? 2 : 1 });
  buffer.getChannelData(0).set(opts.input);
  if (opts.input2) buffer.getChannelData(1).set(opts.input2);
  const src = new AudioBufferSourceNode(ctx, { buffer });
  const merger = new ChannelMergerNode(ctx, { numberOfInputs: channels });
  src.connect(stage.node).connect(merger, 0, 0);
  if (opts.parallel) opts.parallel(ctx, src).connect(merger, 0, 1);
  merger.connect(ctx.destination);
  src.start(0);
  // a context suspends at most once per quantum: the changes of one boundary go together
  const byQuantum = new Map<number, Array<{ name: string; value: number | string }>>();
  for (const change of opts.paramChanges ?? []) {
    const quantum = Math.floor(change.atFrame / quantumFrames);
    const list = byQuantum.get(quantum) ?? [];
    list.push({ name: change.name, value: change.value });
    byQuantum.set(quantum, list);
  }
  // suspend at the quantum boundary, send the changes and a sync, resume once the processor
  // answered it (it took the changes before it: the port keeps their order)
  let syncFailure: string | null = null;
  for (const [quantum, changes] of byQuantum) {
    void ctx.suspend((quantum * quantumFrames) / opts.sampleRate).then(async () => {
      for (const change of changes)
        stage.node.port.postMessage({ type: 'set-param', name: change.name, value: change.value } satisfies ToProcessor);
      await request(
        stage.node,
        (seq) => ({ type: 'sync', seq }),
        'synced',
        `the processor did not take the parameter changes at frame ${quantum * quantumFrames}`,
      ).catch((err: Error) => (syncFailure ??= err.message));
      await ctx.resume();
    });
  }
  const rendered = await ctx.startRendering();
  if (syncFailure) {
    stage.node.port.postMessage({ type: 'release' } satisfies ToProcessor);
    throw new Error(`offline render of ${opts.chain ? 'the chain' : opts.stage}: ${syncFailure}`);
  }
  const chainFigures = opts.chain ? await reportChain(stage.node) : null;
  stage.node.port.postMessage({ type: 'release' } satisfies ToProcessor);
  const views = stage.views;
  let visual: Float32Array | null = null;
  if (views) {
    const frame = new Float32Array(views.visual.length);
    const { length } = readVisualFrame(views, frame);
    visual = length > 0 ? frame.slice(0, length) : null;
  }
  const output = takeChannel(rendered, 0);
  const parallelOutput = opts.parallel ? takeChannel(rendered, 1) : null;
  for (let ch = 0; ch < buffer.numberOfChannels; ch++) takeChannel(buffer, ch);
  return {
    output,
    parallelOutput,
    scope: views ? views.scope.slice() : null,
    telemetry: views ? snapshot(views) : null,
    visual,
    figures: views ? views.figures[0]!.slice() : null,
    chainFigures,
    status: stage.status,
    reason: stage.reason,
    quantumFrames,
  };
}
