/**
 * A chain: registered stages in order on ONE wasm instance, each stage's audio output the next
 * one's input, one quantum at a time. The core the AudioWorklet processor runs ('set-chain'),
 * the kernel-timing worker times and `stagebench run chain` runs in Node.
 *
 * Each stage is made by its own `createWasmKernel` on a chain link of the instance
 * (`StagebenchWasm.chainLink`): its `init` adds an input ring (`input_add`) instead of replacing
 * the runtime, so every stage reads its own ring and they all live at once. The chain activates
 * a stage's instance (`stage_activate`, which also makes its ring current) before every call into
 * its kernel: its process, its parameters, its figures. A stage that only analyses (no audio
 * output: fft, shift) runs on what reaches it, publishes its figures, and passes its input on
 * unchanged. An audio stage writes channel 0; a second channel (the shift stage's) passes on
 * as it came.
 *
 * Bypass skips a stage (its input passes on); while any stage is soloed, only the soloed ones
 * run. Without wasm (or when a stage cannot start on it) a stage runs its TypeScript reference.
 *
 * Worklet-safe (no DOM, no Node); process() allocates nothing for whole quanta.
 */
import { getStage } from '../dsp-stages/registry.ts';
import { clampParam, resolveParams, withOfflineParams } from '../dsp-stages/params.ts';
import { RENDER_QUANTUM_FRAMES, type ClampNote, type ParamValues, type StageDescriptor, type StageKernel } from '../dsp-stages/types.ts';
import type { StagebenchWasm } from './abi.ts';

/** One stage of a chain as a host asks for it. */
export interface ChainStageSpec {
  stage: string;
  params: ParamValues;
  bypass?: boolean;
  solo?: boolean;
}

/**
 * The ids of a chain written `a,b,...` or `a b ...` (a CLI flag, a story arg: spaces keep it in a
 * shared link, where Storybook drops commas): none empty.
 */
export function parseChainIds(text: string): string[] {
  const ids = text.trim().split(/\s*,\s*|\s+/);
  if (ids.some((id) => id === '')) throw new Error(`a chain is stage ids separated by commas or spaces, got "${text}"`);
  return ids;
}

/**
 * A chain parameter's name, `<stage>.<name>` (a story arg, a CLI flag), split. Throws for a name
 * without both parts, or of a stage not among `ids` (`where` names the chain in the message).
 */
export function splitChainParamName(
  name: string,
  ids: readonly string[],
  where = `stages ${ids.join(',')}`,
): { stage: string; param: string } {
  const dot = name.indexOf('.');
  if (dot <= 0 || dot === name.length - 1) {
    throw new Error(`a chain parameter is <stage>.<name>=value (e.g. ${ids[0] ?? 'eq'}.<name>), got "${name}"`);
  }
  const stage = name.slice(0, dot);
  if (!ids.includes(stage)) throw new Error(`parameter ${name}: stage ${stage} is not in the chain (${where})`);
  return { stage, param: name.slice(dot + 1) };
}

/** Parameters of a chain's stages by stage id, then by name (a story arg: `params.eq.band1GainDb:-9` in a link). */
export type ChainParams = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

/**
 * The chain written `a b ...` (or `a,b,...`) with its stages' parameters (story args): each stage
 * at its defaults but for the parameters given (numbers may come as text, as from a link),
 * clamped to their specs (the notes say what changed), and bypassed or soloed when `flags` names
 * it (stage ids separated by spaces or commas). Throws for an unknown stage or parameter, or
 * parameters or flags of a stage not in it.
 */
export function resolveChainSpecs(
  stagesText: string,
  params: ChainParams = {},
  flags: { bypass?: string; solo?: string } = {},
): { specs: ChainStageSpec[]; notes: ClampNote[] } {
  const ids = parseChainIds(stagesText);
  const flagged = (which: 'bypass' | 'solo'): Set<string> => {
    const text = (flags[which] ?? '').trim();
    const named = text === '' ? [] : parseChainIds(text);
    for (const id of named)
      if (!ids.includes(id)) throw new Error(`${which} ${id}: stage ${id} is not in the chain (stages ${ids.join(',')})`);
    return new Set(named);
  };
  const bypassed = flagged('bypass');
  const soloed = flagged('solo');
  const given = new Map<string, Record<string, unknown>>(ids.map((id) => [id, {}]));
  const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isRecord(params)) throw new Error(`a chain's parameters are { stage: { name: value } }, got ${JSON.stringify(params)}`);
  for (const [id, values] of Object.entries(params)) {
    if (!isRecord(values)) {
      throw new Error(`the parameters of stage ${id} are { name: value }, got ${JSON.stringify(values)}`);
    }
    for (const [name, value] of Object.entries(values)) {
      const { stage, param } = splitChainParamName(`${id}.${name}`, ids);
      given.get(stage)![param] = value;
    }
  }
  const notes: ClampNote[] = [];
  const specs = ids.map((id) => {
    const stage = getStage(id);
    const { values, notes: clamped, unknown } = resolveParams(stage.params, given.get(id)!);
    if (unknown.length > 0) {
      const known = stage.params.map((p) => p.name).join(', ') || 'none';
      throw new Error(`unknown parameter ${unknown.map((u) => `"${id}.${u}"`).join(', ')} (stage ${id} has: ${known})`);
    }
    for (const note of clamped) notes.push({ ...note, name: `${id}.${note.name}` });
    return { stage: id, params: values, bypass: bypassed.has(id), solo: soloed.has(id) };
  });
  return { specs, notes };
}

/** One stage of a running chain. */
export interface ChainLink {
  readonly stage: StageDescriptor;
  readonly values: ParamValues;
  readonly kernel: StageKernel;
  /** Why the stage runs its reference (null on wasm). */
  readonly fallbackReason: string | null;
  readonly bypass: boolean;
  readonly solo: boolean;
}

export interface Chain {
  readonly links: readonly ChainLink[];
  /** 'wasm' when every stage runs on wasm, else 'reference' (some stage runs its TypeScript reference). */
  readonly backend: 'wasm' | 'reference';
  /** Frames per quantum the stages were made for. */
  readonly quantumFrames: number;
  /** Whether link `i` runs (not bypassed, and soloed if any is). */
  runs(i: number): boolean;
  /** Bypass or solo link `i` from the next quantum on. */
  setFlags(i: number, flags: { bypass?: boolean; solo?: boolean }): void;
  /**
   * Runs link `i` on `channels` (channel 0, and a second one when given) if it runs, and returns
   * the channels after it: its output (and the second channel as it came) for an audio stage,
   * `channels` otherwise. Status < 0: the stage refused the quantum (`lastStatus`).
   */
  step(i: number, channels: readonly Float32Array[]): readonly Float32Array[];
  /** The status of the last `step` (0 or a negative status code). */
  lastStatus: number;
  /** Runs the whole chain on one quantum; the last channels' channel 0 goes to `output`. Returns 0 or the first refusal. */
  process(inputs: readonly Float32Array[], output: Float32Array | null): number;
  /** Sets a parameter of link `i` (clamped to its spec; unknown names ignored). */
  setParam(i: number, name: string, value: number | string): void;
  /** The live figures of link `i`, in the order of its descriptor's `figures` (allocates: not for the hot path). */
  figures(i: number): number[];
  /** The links that have a visual frame, in order: the processor gives each a visual slot of its own. */
  readonly visualLinks: readonly number[];
  /** The chain as one StageKernel, without a visual frame (its links publish theirs: `visualLinks`). */
  kernel(): StageKernel;
}

/** `kernel` with every call made after `activate()` (which makes its instance the active one). */
function activated(kernel: StageKernel, activate: () => void): StageKernel {
  return {
    backend: kernel.backend,
    visualLength: kernel.visualLength,
    process(inputs, output) {
      activate();
      return kernel.process(inputs, output);
    },
    setParam(name, value) {
      activate();
      kernel.setParam(name, value);
    },
    summary() {
      activate();
      return kernel.summary();
    },
    visualVersion: kernel.visualVersion ? () => kernel.visualVersion!() : undefined,
    publish: kernel.publish
      ? (out, figures) => {
          activate();
          kernel.publish!(out, figures);
        }
      : undefined,
  };
}

export interface CreateChainOptions {
  /** The wasm module (null: every stage runs its reference). Its runtime is re-initialised. */
  wasm: StagebenchWasm | null;
  stages: readonly ChainStageSpec[];
  sampleRate: number;
  quantumFrames?: number;
  /** In an OfflineAudioContext: each stage's `offlineParams` apply (no deadline there). */
  offline?: boolean;
  /** Force the reference for every stage (tests). */
  reference?: boolean;
}

/** Makes the chain; throws for an unknown stage, an empty chain or a stage that neither backend can start. */
export function createChain(opts: CreateChainOptions): Chain {
  if (opts.stages.length === 0) throw new Error('a chain needs at least one stage');
  const Q = opts.quantumFrames ?? RENDER_QUANTUM_FRAMES;
  const wasm = opts.reference ? null : opts.wasm;
  // a fresh runtime: the rings and instances of whatever ran before are dropped
  wasm?.init(Q * 8);
  const x = wasm?.exports as unknown as { stage_active(): number; stage_activate(handle: number): number } | undefined;
  const links: Array<ChainLink & { bypass: boolean; solo: boolean }> = opts.stages.map((spec) => {
    const stage = getStage(spec.stage);
    const { values } = resolveParams(stage.params, opts.offline ? withOfflineParams(stage, spec.params) : spec.params);
    let kernel: StageKernel | null = null;
    let fallbackReason: string | null = wasm ? null : 'no wasm module';
    if (wasm && x) {
      try {
        const made = stage.createWasmKernel(wasm.chainLink(), values, opts.sampleRate, Q);
        const handle = x.stage_active();
        if (handle < 0) throw new Error(`no active instance after creating it (status ${handle})`);
        kernel = activated(made, () => x.stage_activate(handle));
      } catch (err) {
        fallbackReason = `stage ${stage.id} could not start on wasm: ${(err as Error).message}`;
      }
    }
    kernel ??= stage.createReferenceKernel(values, opts.sampleRate, Q);
    return { stage, values, kernel, fallbackReason, bypass: spec.bypass === true, solo: spec.solo === true };
  });
  const outputs = links.map(() => new Float32Array(Q));
  // the channels after each audio link: mono, and with a second channel passed on (no allocation per quantum)
  const mono = outputs.map((o): Float32Array[] => [o]);
  const stereo = outputs.map((o): Float32Array[] => [o, o]);
  const visualLinks = links.flatMap((link, i) => ((link.kernel.visualLength ?? 0) > 0 ? [i] : []));
  const figureBuffers = links.map((l) => ({ visual: new Float32Array(l.kernel.visualLength ?? 0), figures: new Float64Array(16) }));

  let anySolo = links.some((l) => l.solo);
  const chain: Chain = {
    links,
    backend: links.every((l) => l.kernel.backend === 'wasm') ? 'wasm' : 'reference',
    quantumFrames: Q,
    lastStatus: 0,
    visualLinks,
    runs(i) {
      const link = links[i]!;
      return !link.bypass && (!anySolo || link.solo);
    },
    setFlags(i, flags) {
      const link = links[i];
      if (!link) return;
      if (flags.bypass !== undefined) link.bypass = flags.bypass;
      if (flags.solo !== undefined) link.solo = flags.solo;
      anySolo = links.some((l) => l.solo);
    },
    step(i, channels) {
      chain.lastStatus = 0;
      if (!chain.runs(i)) return channels;
      const link = links[i]!;
      const frames = channels[0]!.length;
      if (!link.stage.hasAudioOutput) {
        chain.lastStatus = link.kernel.process(channels, null);
        return channels;
      }
      const full = outputs[i]!;
      const out = frames === full.length ? full : full.subarray(0, frames);
      chain.lastStatus = link.kernel.process(channels, out);
      if (channels.length < 2) {
        const m = mono[i]!;
        m[0] = out;
        return m;
      }
      const s = stereo[i]!;
      s[0] = out;
      s[1] = channels[1]!;
      return s;
    },
    process(inputs, output) {
      let channels: readonly Float32Array[] = inputs;
      let status = 0;
      for (let i = 0; i < links.length; i++) {
        channels = chain.step(i, channels);
        if (chain.lastStatus < 0 && status === 0) status = chain.lastStatus;
      }
      if (output) output.set(channels[0]!);
      return status;
    },
    setParam(i, name, value) {
      const link = links[i];
      const spec = link?.stage.params.find((p) => p.name === name);
      if (link && spec) link.kernel.setParam(name, clampParam(spec, value).value);
    },
    figures(i) {
      const link = links[i]!;
      const buf = figureBuffers[i]!;
      buf.figures.fill(NaN);
      link.kernel.publish?.(buf.visual, buf.figures);
      return Array.from(buf.figures.subarray(0, link.stage.figures?.length ?? 0));
    },
    kernel() {
      return {
        backend: chain.backend,
        process: (inputs, output) => chain.process(inputs, output),
        setParam: () => {
          // a chain's parameters are per link: Chain.setParam
        },
        summary: () => ({ stages: links.map((l) => l.stage.id).join(','), backend: chain.backend }),
      };
    },
  };
  return chain;
}

/** What `renderChain` gives: the chain's output (channel 0) and each link's figures at the end. */
export interface ChainRender {
  output: Float32Array;
  figures: number[][];
}

/**
 * Runs `chain` over `inputs` (one channel, or two for a stage that compares them) quantum by
 * quantum, as the processor does, the last quantum possibly shorter. Throws on a refusal.
 */
export function renderChain(chain: Chain, inputs: readonly Float32Array[]): ChainRender {
  const frames = inputs[0]?.length ?? 0;
  const output = new Float32Array(frames);
  const Q = chain.quantumFrames;
  for (let start = 0; start < frames; start += Q) {
    const end = Math.min(frames, start + Q);
    const status = chain.process(
      inputs.map((ch) => ch.subarray(start, end)),
      output.subarray(start, end),
    );
    if (status < 0) throw new Error(`chain refused the quantum at frame ${start}: status ${status}`);
  }
  return { output, figures: chain.links.map((_, i) => chain.figures(i)) };
}
