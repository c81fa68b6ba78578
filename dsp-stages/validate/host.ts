/**
 * The generic stage ABI as the validator drives it: one wasm runtime per seeded run, its input ring
 * large enough for every block size (and for the largest analysis frame), and instances of a stage
 * on it by handle (`GenericStage`). Every check goes through `StageInstance`, so a test can wrap
 * the instances in a fault (faults.ts) without a line of test code in the wasm.
 */
import type { StagebenchWasm } from '../../worklet/abi.ts';
import { GenericStage } from '../generic.ts';
import type { ParamSpec, ParamValues, StageDescriptor } from '../types.ts';

/** Capacity of the input ring, in samples: at least the largest block and the largest FFT frame (32768). */
export const RING_CAPACITY = 1 << 16;

/** `stage_load_state`'s status for refused state (rust/src/lib.rs `status::BAD_STATE`). */
export const BAD_STATE = -5;

/** `stage_set_param`'s status for a refused value (rust/src/lib.rs `status::BAD_PARAM`). */
export const BAD_PARAM = -4;

/** One instance of the stage under test, on the generic ABI. */
export interface StageInstance {
  readonly stage: StageDescriptor;
  readonly sampleRate: number;
  readonly maxFrames: number;
  /** The parameters of the stage's block, in block order (the first `stage_kind_param_count` of its params.ts). */
  readonly blockParams: readonly ParamSpec[];
  /** Whether the instance has an audio output (`stage_output_ptr` is not null). */
  readonly hasOutput: boolean;
  /** `stage_process` over the newest `n` samples of the input ring; returns the status. */
  process(n: number): number;
  /** The first `n` samples of the output of the last process (a view over wasm memory: copy it before the next call), or null. */
  output(n: number): Float32Array | null;
  /** `stage_figures`. */
  figures(): number[];
  /** `stage_set_param` with a block value (a choice as its option index); returns the status. */
  setParam(index: number, value: number): number;
  /** `stage_get_param`: the block value as the instance holds it. */
  getParam(index: number): number;
  reset(): number;
  saveState(): Uint8Array;
  /** `stage_load_state`; returns the status. */
  loadState(bytes: Uint8Array): number;
  destroy(): void;
}

/** Wraps every instance a host creates (the test-only fault switch: see faults.ts). */
export type InstanceWrapper = (instance: StageInstance, host: ValidationHost) => StageInstance;

/** The block value of `values[spec.name]` for each block parameter, back as `ParamValues` (a choice index as its option). */
export function paramValuesFromBlock(specs: readonly ParamSpec[], block: readonly number[]): ParamValues {
  const out: ParamValues = {};
  specs.forEach((spec, i) => {
    const v = block[i]!;
    out[spec.name] = spec.kind === 'number' ? v : (spec.options[Math.round(v)] ?? spec.default);
  });
  return out;
}

function genericInstance(
  wasm: StagebenchWasm,
  stage: StageDescriptor,
  params: ParamValues,
  sampleRate: number,
  maxFrames: number,
): StageInstance {
  const g = new GenericStage(wasm, stage, params, sampleRate, maxFrames);
  const view = g.outputView();
  return {
    stage,
    sampleRate,
    maxFrames,
    blockParams: g.blockParams,
    hasOutput: view !== null,
    process: (n) => g.x.stage_process(g.handle, n),
    output: (n) => (view ? view.get().subarray(0, n) : null),
    figures: () => g.figures(),
    setParam: (index, value) => g.x.stage_set_param(g.handle, index, value),
    getParam: (index) => g.x.stage_get_param(g.handle, index),
    reset: () => g.reset(),
    saveState: () => g.saveState(),
    loadState: (bytes) => g.loadState(bytes),
    destroy: () => {
      g.destroy();
    },
  };
}

/** One wasm runtime: the ring (`RING_CAPACITY`), the instances made on it, and its allocation counters. */
export class ValidationHost {
  constructor(
    readonly wasm: StagebenchWasm,
    private readonly wrap?: InstanceWrapper,
  ) {
    wasm.init(RING_CAPACITY);
  }

  /** An instance of `stage` made from `params` (the stage's defaults for those not given). Throws if `stage_create` refuses it. */
  create(stage: StageDescriptor, params: ParamValues, sampleRate: number, maxFrames: number): StageInstance {
    const instance = genericInstance(this.wasm, stage, params, sampleRate, maxFrames);
    return this.wrap ? this.wrap(instance, this) : instance;
  }

  /** Appends `samples` to the input ring (bit-exact: NaN payloads survive). */
  push(samples: Float32Array): void {
    this.wasm.pushInput(samples);
  }

  /** The ring and the slack past its end, as the stages read it (a view: valid until memory grows). */
  ringStore(): Float32Array {
    const x = this.wasm.exports;
    return this.wasm.f32(x.get_input_ptr(), x.get_input_capacity() + x.get_input_slack());
  }

  /** Heap allocations of the module so far. */
  allocCount(): number {
    return this.wasm.exports.alloc_count();
  }

  /** Bytes the module's heap holds now (allocated, not yet freed). */
  liveBytes(): number {
    return this.wasm.exports.alloc_live_bytes();
  }

  /** Bytes of linear memory (it grows when the heap does). */
  memoryBytes(): number {
    return this.wasm.memoryBytes();
  }
}
