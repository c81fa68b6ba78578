/**
 * Stages on the generic C ABI (rust/src/ffi.rs `stage_*`): a stage whose Rust module implements
 * the `Stage` trait and has its registry line needs no C exports of its own. `GenericStage` is one
 * instance (a handle into the runtime's instance table); `createGenericKernel` makes a
 * `StageKernel` of it for the worklet, the CLI and the tests. The parameter block the instance is
 * created from comes from the stage's params.ts, the one source of names, order, ranges and
 * defaults: numbers as (value, min, max), choices as (option index, 0, options - 1). The block
 * holds the first `stage_kind_param_count` of them: a params.ts may list host-only parameters
 * after the kernel's (the EQ's preset, the FFT's hop, the ring's capacity), which the block leaves out.
 */
import { exportNames, statusMessage, type StagebenchWasm, type F32View } from '../worklet/abi.ts';
import { RENDER_QUANTUM_FRAMES, type ParamSpec, type ParamValues, type StageDescriptor, type StageKernel } from './types.ts';

/** The generic stage exports of stagebench_dsp.wasm; handles are indices into the instance table. */
export interface GenericStageExports {
  stage_kind_count(): number;
  stage_kind_name(kind: number, outPtr: number, cap: number): number;
  stage_kind_find(namePtr: number, len: number): number;
  stage_kind_param_count(kind: number): number;
  /** Writes (default, min, max) as three f32 at `outPtr`; returns the kind code (RUST_PARAM_KINDS) or a status. */
  stage_kind_param(kind: number, index: number, outPtr: number): number;
  stage_kind_param_name(kind: number, index: number, outPtr: number, cap: number): number;
  stage_create(kind: number, sampleRate: number, maxFrames: number, paramsPtr: number, nParams: number): number;
  stage_destroy(handle: number): number;
  stage_activate(handle: number): number;
  stage_process(handle: number, n: number): number;
  stage_output_ptr(handle: number): number;
  stage_set_param(handle: number, index: number, value: number): number;
  stage_get_param(handle: number, index: number): number;
  stage_reset(handle: number): number;
  stage_figures(handle: number, outPtr: number, cap: number): number;
  stage_state_size(handle: number): number;
  stage_save_state(handle: number, outPtr: number, cap: number): number;
  stage_load_state(handle: number, ptr: number, len: number): number;
}

export const GENERIC_EXPORTS = exportNames<GenericStageExports>()(
  'stage_kind_count',
  'stage_kind_name',
  'stage_kind_find',
  'stage_kind_param_count',
  'stage_kind_param',
  'stage_kind_param_name',
  'stage_create',
  'stage_destroy',
  'stage_activate',
  'stage_process',
  'stage_output_ptr',
  'stage_set_param',
  'stage_get_param',
  'stage_reset',
  'stage_figures',
  'stage_state_size',
  'stage_save_state',
  'stage_load_state',
);

/** The generic exports on `wasm`; throws naming any the module lacks (an old build). */
export function bindGeneric(wasm: StagebenchWasm): GenericStageExports {
  return wasm.bind<GenericStageExports>(GENERIC_EXPORTS);
}

/** How a Rust parameter's values are taken, by its code in `stage_kind_param` (rust/src/stages/params.rs `ParamKind`). */
export const RUST_PARAM_KINDS = ['real', 'integer', 'fixed'] as const;
export type RustParamKind = (typeof RUST_PARAM_KINDS)[number];

/** One parameter as a Rust stage declares it (its `PARAMS`): the fallbacks where a block leaves it out. */
export interface RustParamSpec {
  name: string;
  kind: RustParamKind;
  default: number;
  min: number;
  max: number;
}

/** A stage kind of the wasm module: its id and parameters, in block order. */
export interface RustStageKind {
  id: string;
  params: RustParamSpec[];
}

/** Longest kind or parameter name read back. */
const MAX_NAME_BYTES = 256;

/** Every stage kind the module registers, with its parameters as declared in Rust (allocates; needs no `init`). */
export function moduleKinds(wasm: StagebenchWasm): RustStageKind[] {
  const x = bindGeneric(wasm);
  const name = scratchBytes(wasm, new Uint8Array(MAX_NAME_BYTES));
  const triple = wasm.exports.scratch_alloc(3);
  if (triple === 0) throw new Error('scratch_alloc(3) failed');
  const text = (len: number, what: string): string => {
    if (len < 0) throw new Error(`${what}: ${statusMessage(len)}`);
    return new TextDecoder().decode(new Uint8Array(wasm.exports.memory.buffer, name.ptr, len).slice());
  };
  try {
    return Array.from({ length: x.stage_kind_count() }, (_, kind) => {
      const id = text(x.stage_kind_name(kind, name.ptr, MAX_NAME_BYTES), `stage_kind_name(${kind})`);
      const count = x.stage_kind_param_count(kind);
      if (count < 0) throw new Error(`stage_kind_param_count(${id}): ${statusMessage(count)}`);
      const params = Array.from({ length: count }, (_, index): RustParamSpec => {
        const code = x.stage_kind_param(kind, index, triple);
        const kindName = RUST_PARAM_KINDS[code];
        if (kindName === undefined)
          throw new Error(`stage_kind_param(${id}, ${index}): ${code < 0 ? statusMessage(code) : `kind ${code}`}`);
        const [def, min, max] = new Float32Array(wasm.exports.memory.buffer, triple, 3);
        const paramName = text(x.stage_kind_param_name(kind, index, name.ptr, MAX_NAME_BYTES), `stage_kind_param_name(${id}, ${index})`);
        return { name: paramName, kind: kindName, default: def!, min: min!, max: max! };
      });
      return { id, params };
    });
  } finally {
    wasm.exports.scratch_free(triple, 3);
    name.free();
  }
}

/** Most figures a generic stage reports. */
const MAX_FIGURES = 16;

/** The block value of one parameter: a number as given, a choice as its option index. */
export function blockValue(spec: ParamSpec, value: number | string): number {
  if (spec.kind === 'number') {
    if (typeof value !== 'number') throw new Error(`parameter ${spec.name} is not a number`);
    return value;
  }
  const index = spec.options.indexOf(String(value));
  if (index < 0) throw new Error(`parameter ${spec.name}: "${String(value)}" is not one of ${spec.options.join(', ')}`);
  return index;
}

/**
 * A stage id's bytes. Ids are ASCII (lower-case words joined by "-"); TextEncoder does not exist in
 * the AudioWorklet's global scope, where stages are created.
 */
function asciiBytes(id: string): Uint8Array {
  const bytes = Uint8Array.from(id, (c) => c.charCodeAt(0));
  if (bytes.some((b, i) => b !== id.charCodeAt(i) || b > 0x7e)) throw new Error(`stage id "${id}" is not ASCII`);
  return bytes;
}

/** Copies `bytes` into fresh scratch memory; returns its pointer and how to free it. */
function scratchBytes(wasm: StagebenchWasm, bytes: Uint8Array): { ptr: number; free(): void } {
  const floats = Math.max(1, Math.ceil(bytes.length / 4));
  const ptr = wasm.exports.scratch_alloc(floats);
  if (ptr === 0) throw new Error(`scratch_alloc(${floats}) failed`);
  new Uint8Array(wasm.exports.memory.buffer, ptr, bytes.length).set(bytes);
  return { ptr, free: () => wasm.exports.scratch_free(ptr, floats) };
}

/** The ids of the stage kinds the wasm module registers, in kind order (allocates: not for the hot path). */
export function stageKindIds(wasm: StagebenchWasm): string[] {
  const x = bindGeneric(wasm);
  const ids: string[] = [];
  for (let kind = 0; kind < x.stage_kind_count(); kind++) {
    const len = x.stage_kind_name(kind, 0, 0);
    if (len < 0) throw new Error(`stage_kind_name(${kind}): ${statusMessage(len)}`);
    const scratch = scratchBytes(wasm, new Uint8Array(len));
    try {
      x.stage_kind_name(kind, scratch.ptr, len);
      ids.push(new TextDecoder().decode(new Uint8Array(wasm.exports.memory.buffer, scratch.ptr, len)));
    } finally {
      scratch.free();
    }
  }
  return ids;
}

/** The wasm registry's kind of stage `id`; throws if it has none. */
function findKind(wasm: StagebenchWasm, id: string): number {
  const x = bindGeneric(wasm);
  const bytes = asciiBytes(id);
  const name = scratchBytes(wasm, bytes);
  const kind = x.stage_kind_find(name.ptr, bytes.length);
  name.free();
  if (kind < 0) throw new Error(`stage ${id} is not in the wasm module's registry (rebuild with npm run build:wasm?)`);
  return kind;
}

function paramCountOfKind(x: GenericStageExports, kind: number, id: string): number {
  const count = x.stage_kind_param_count(kind);
  if (count < 0) throw new Error(`stage_kind_param_count(${id}): ${statusMessage(count)}`);
  return count;
}

/** How many of the stage's parameters its stage-ABI block holds (the first ones of its descriptor's). */
export function kindParamCount(wasm: StagebenchWasm, id: string): number {
  return paramCountOfKind(bindGeneric(wasm), findKind(wasm, id), id);
}

/** One instance of a registered stage on the generic ABI. */
export class GenericStage {
  readonly x: GenericStageExports;
  readonly handle: number;
  /** The parameters of the block, in its order: the first `stage_kind_param_count` of the stage's. */
  readonly blockParams: readonly ParamSpec[];

  constructor(
    readonly wasm: StagebenchWasm,
    readonly stage: Pick<StageDescriptor, 'id' | 'params'>,
    params: ParamValues,
    sampleRate: number,
    readonly maxFrames: number = RENDER_QUANTUM_FRAMES,
  ) {
    this.x = bindGeneric(wasm);
    const kind = findKind(wasm, stage.id);
    const count = paramCountOfKind(this.x, kind, stage.id);
    const specs = stage.params.slice(0, count);
    this.blockParams = specs;
    const block = new Float32Array(Math.max(1, specs.length * 3));
    specs.forEach((spec, i) => {
      const given = params[spec.name] ?? spec.default;
      block[3 * i] = blockValue(spec, given);
      block[3 * i + 1] = spec.kind === 'number' ? spec.min : 0;
      block[3 * i + 2] = spec.kind === 'number' ? spec.max : spec.options.length - 1;
    });
    const scratch = scratchBytes(wasm, new Uint8Array(block.buffer));
    const handle = this.x.stage_create(kind, sampleRate, maxFrames, scratch.ptr, specs.length);
    scratch.free();
    if (handle < 0) throw new Error(`stage_create(${stage.id}) failed: ${statusMessage(handle)}`);
    this.handle = handle;
  }

  /** Index of a parameter in the block, or -1. */
  paramIndex(name: string): number {
    return this.blockParams.findIndex((p) => p.name === name);
  }

  /** Sets a parameter (the Rust side clamps to the block's range); returns the status. Allocation-free. */
  setParam(name: string, value: number | string): number {
    const index = this.paramIndex(name);
    if (index < 0) return -4;
    return this.x.stage_set_param(this.handle, index, blockValue(this.blockParams[index]!, value));
  }

  /** The audio output buffer (`maxFrames` floats), or null for a stage without one. */
  outputView(): F32View | null {
    if (this.x.stage_output_ptr(this.handle) === 0) return null;
    return this.wasm.view(() => this.x.stage_output_ptr(this.handle), this.maxFrames);
  }

  /** The figures the instance reports (allocates, in wasm scratch memory freed before it returns: not for the hot path). */
  figures(): number[] {
    const scratch = scratchBytes(this.wasm, new Uint8Array(MAX_FIGURES * 8));
    try {
      const n = this.x.stage_figures(this.handle, scratch.ptr, MAX_FIGURES);
      if (n < 0) return [];
      // a copy: scratch memory is only sure to be 4-byte aligned
      return Array.from(new Float64Array(this.wasm.exports.memory.buffer.slice(scratch.ptr, scratch.ptr + 8 * n)));
    } finally {
      scratch.free();
    }
  }

  reset(): number {
    return this.x.stage_reset(this.handle);
  }

  /** Destroys the instance (its handle and output pointer become invalid). */
  destroy(): number {
    return this.x.stage_destroy(this.handle);
  }

  /** The instance's parameters and state, as the Rust side serialises them. */
  saveState(): Uint8Array {
    const size = this.x.stage_state_size(this.handle);
    if (size < 0) throw new Error(`stage_state_size: ${statusMessage(size)}`);
    const scratch = scratchBytes(this.wasm, new Uint8Array(size));
    try {
      const written = this.x.stage_save_state(this.handle, scratch.ptr, size);
      if (written < 0) throw new Error(`stage_save_state: ${statusMessage(written)}`);
      return new Uint8Array(this.wasm.exports.memory.buffer, scratch.ptr, written).slice();
    } finally {
      scratch.free();
    }
  }

  /** Restores saved state; returns the status (refused state changes nothing). */
  loadState(bytes: Uint8Array): number {
    const scratch = scratchBytes(this.wasm, bytes);
    try {
      return this.x.stage_load_state(this.handle, scratch.ptr, bytes.length);
    } finally {
      scratch.free();
    }
  }
}

/**
 * A `StageKernel` for a stage on the generic ABI: the seed path every quantum (push into the
 * input ring, `process_quantum` runs the active instance), its output copied out. Quanta of up to
 * `quantumFrames` frames (the instance's `maxFrames`; the input ring holds 8 of them).
 * Allocation-free per quantum.
 */
export function createGenericKernel(
  wasm: StagebenchWasm,
  stage: Pick<StageDescriptor, 'id' | 'params' | 'hasAudioOutput'>,
  params: ParamValues,
  sampleRate: number,
  quantumFrames: number = RENDER_QUANTUM_FRAMES,
): StageKernel {
  wasm.init(quantumFrames * 8);
  const instance = new GenericStage(wasm, stage, params, sampleRate, quantumFrames);
  const out = stage.hasAudioOutput ? instance.outputView() : null;
  let quanta = 0;
  return {
    backend: 'wasm',
    process(inputs, output) {
      const input = inputs[0]!;
      if (input.length > quantumFrames) return -2;
      wasm.pushInput(input);
      const status = wasm.exports.process_quantum(input.length);
      if (status < 0) return status;
      if (output && out) {
        const result = out.get();
        output.set(input.length === result.length ? result : result.subarray(0, input.length));
      }
      quanta++;
      return 0;
    },
    setParam(name, value) {
      // the value was clamped by the caller; the worklet must not throw, so a refusal is ignored
      instance.setParam(name, value);
    },
    summary: () => ({ quanta }),
  };
}
