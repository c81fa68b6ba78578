/**
 * The checks, each one seeded run of one stage: what `stagebench validate` runs per stage, per
 * level and per seed (engine.ts). docs/validation.md says what each one asserts, and why.
 */
import { statusMessage } from '../../worklet/abi.ts';
import { clampParam, defaultParams } from '../params.ts';
import { RENDER_QUANTUM_FRAMES, type ParamSpec, type ParamValues, type StageDescriptor } from '../types.ts';
import type { HostileContract } from '../conformance-types.ts';
import { checkRecovery, checkHostileOutput, counterFigures } from '../conformance/hostile-checks.ts';
import type { Check as ConformanceCheck } from '../conformance/check.ts';
import { extremeParams, parameterProbes, checkClamp, randomParamChanges, resetChanges } from '../conformance/params.ts';
import { RECOVERY_TAIL, hostileSequence } from '../conformance/signals.ts';
import { moduleKinds, type RustParamKind } from '../generic.ts';
import { BAD_PARAM, BAD_STATE, paramValuesFromBlock, type StageInstance, type ValidationHost } from './host.ts';
import { hostileSignal, randomBlockValue, seededRand, subnormalSignal, testSignal, type Rand } from './inputs.ts';
import { RANDOM_BLOCK_MAX, RANDOM_STATE_BYTES, TIMED_RUN_MS, type Level } from './levels.ts';
import {
  compareFigures,
  compareOutputs,
  firstNonFinite,
  fixedBlocks,
  fmt,
  maxFramesFor,
  randomBlocks,
  randomSizes,
  runReference,
  runSteps,
  sameBytes,
  type Around,
  type Step,
} from './render.ts';

export const CHECK_NAMES = [
  'block-sizes',
  'sample-rates',
  'reset',
  'state',
  'denormal-speed',
  'input-immutable',
  'param-automation',
  'no-allocation',
  'hostile-input',
  'param-clamp',
  'param-fuzz',
  'stage-switching',
] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

/** What the stage promises against its TypeScript reference (the conformance suite's promise). */
export interface ReferencePromise {
  /** Parameters of the render. */
  params: ParamValues;
  /** Largest |wasm − reference| on the audio output; 0: bit for bit. */
  outputTolerance: number;
  /** What the stage does with NaN, infinities, subnormals and a full-scale square wave. */
  hostile: HostileContract;
  /** After hostile input (or parameters back to their defaults), the output's tail equals a clean render's within this (0: bit for bit). */
  recoveryTolerance: number;
}

/** The rate of every check but sample-rates. */
export const CHECK_RATE = 48000;

/** The most the subnormal input may slow a process call down (median against median). */
export const MAX_DENORMAL_RATIO = 2;

/** Frames per call of the denormal-speed check. */
export const TIMED_BLOCK = 1024;

/** Time the denormal-speed check runs both inputs before it measures, ms. */
const WARM_UP_MS = 20;

/**
 * Parameter changes of each kind (between calls, inside a block) in one render of the
 * param-automation and no-allocation checks, at most: some stages recompute tables on a change
 * (the FFT's 32768-point window, about 0.7 ms).
 */
const CHANGES_PER_RENDER = 32;

/** Process calls of one block size in the input-immutable check (the whole ring is compared around each). */
const IMMUTABLE_CALLS = 256;

/** One seeded run of a check on a stage. */
export interface RunContext {
  stage: StageDescriptor;
  level: Level;
  seed: number;
  /** A fresh wasm runtime (one per run at least; a check may take several). */
  newHost(): ValidationHost;
  reference(stage: StageDescriptor): ReferencePromise;
}

export interface RunResult {
  /** What went wrong, one line each (empty: the run passed). */
  failures: string[];
  /** Numbers the report prints (the denormal ratio...). */
  figures: Record<string, number>;
}

export interface Check {
  name: CheckName;
  /** One line: what the check asserts. */
  asserts: string;
  /** The check changes parameters: not applicable to a stage whose stage-ABI block holds none. */
  changesParameters?: true;
  run(ctx: RunContext): RunResult;
}

/** Failure messages kept per run: the first few, then one line saying how many more there were. */
const KEPT_FAILURES = 6;

/** Failures of one run. */
class Failures {
  private readonly kept: string[] = [];
  private more = 0;

  add(message: string | null): void {
    if (message === null) return;
    if (this.kept.length < KEPT_FAILURES) this.kept.push(message);
    else this.more++;
  }

  addAll(messages: readonly string[]): void {
    for (const m of messages) this.add(m);
  }

  /** The failed ones of the conformance suite's checks, as "check: figure" (`what` before each). */
  addFailed(checks: readonly ConformanceCheck[], what: string): void {
    for (const c of checks) if (c.ok === false) this.add(`${what}: ${c.check}: ${c.figure}`);
  }

  result(figures: Record<string, number> = {}): RunResult {
    return { failures: this.more ? [...this.kept, `... and ${this.more} more failures in this run`] : this.kept, figures };
  }
}

type Change = { index: number; value: number };

/** Random values for about half of the block parameters (fixed ones included: the instance refuses those). */
function randomChanges(specs: readonly ParamSpec[], rand: Rand): Change[] {
  const out: Change[] = [];
  specs.forEach((spec, index) => {
    if (rand() < 0.5) out.push({ index, value: randomBlockValue(spec, rand) });
  });
  return out;
}

function apply(instance: StageInstance, changes: readonly Change[]): void {
  for (const c of changes) instance.setParam(c.index, c.value);
}

function defaults(stage: StageDescriptor): ParamValues {
  return defaultParams(stage.params);
}

/** `instance`'s current parameters (as it holds them), as `ParamValues`: a new instance made from them has the same. */
function currentParams(instance: StageInstance): ParamValues {
  return paramValuesFromBlock(
    instance.blockParams,
    instance.blockParams.map((_, i) => instance.getParam(i)),
  );
}

function sizeLabel(size: number | 'random'): string {
  return size === 'random' ? 'random blocks' : `blocks of ${size}`;
}

const blockSizes: Check = {
  name: 'block-sizes',
  asserts:
    'every block size (and 0, a no-op) gives the 128-frame render: bit for bit, or within the tolerance the stage declares; figures equal',
  run({ stage, level, seed, newHost }) {
    const f = new Failures();
    const rand = seededRand(seed);
    const host = newHost();
    const input = testSignal(level.frames, CHECK_RATE, rand);
    const ref = host.create(stage, defaults(stage), CHECK_RATE, RENDER_QUANTUM_FRAMES);
    const changes = randomChanges(ref.blockParams, rand);
    apply(ref, changes);
    const want = runSteps(host, ref, input, fixedBlocks(RENDER_QUANTUM_FRAMES));
    const wantFigures = ref.figures();
    ref.destroy();
    f.addAll(want.errors.map((e) => `128-frame render: ${e}`));
    const declared = stage.validation?.blockSizeTolerance;
    const tolerance = declared?.tolerance ?? 0;
    const maxFrames = maxFramesFor(level.blockSizes, RANDOM_BLOCK_MAX);
    for (const size of [...level.blockSizes, 'random' as const]) {
      const label = sizeLabel(size);
      const instance = host.create(stage, defaults(stage), CHECK_RATE, maxFrames);
      apply(instance, changes);
      // a call of 0 frames must change nothing: its state and figures before and after
      const zeroCalls: Around = (call, step, at) => {
        if (step.kind !== 'process' || step.n !== 0) return call();
        const state = instance.saveState();
        const figures = instance.figures();
        const status = call();
        if (status < 0) f.add(`process(0) at frame ${at}: ${statusMessage(status)}`);
        if (!sameBytes(instance.saveState(), state)) f.add(`process(0) at frame ${at} changed the saved state`);
        const d = compareFigures(instance.figures(), figures);
        if (d) f.add(`process(0) at frame ${at} changed the figures: ${d}`);
        return status;
      };
      const steps = size === 'random' ? randomBlocks(rand, level.frames) : fixedBlocks(size);
      const got = runSteps(host, instance, input, steps, zeroCalls);
      f.addAll(got.errors.map((e) => `${label}: ${e}`));
      if (got.output && want.output) {
        const d = compareOutputs(got.output, want.output, tolerance);
        if (d) f.add(`${label}: output vs the 128-frame render: ${d}${declared ? ` (declared: ${declared.reason})` : ''}`);
      }
      const d = compareFigures(instance.figures(), wantFigures);
      if (d) f.add(`${label}: figures vs the 128-frame render: ${d}`);
      instance.destroy();
    }
    return f.result();
  },
};

const sampleRates: Check = {
  name: 'sample-rates',
  asserts: "at every rate the output is finite and equals the stage's TypeScript reference within the conformance promise's tolerance",
  run({ stage, level, seed, newHost, reference }) {
    const f = new Failures();
    const rand = seededRand(seed);
    const promise = reference(stage);
    const host = newHost();
    for (const rate of level.rates) {
      const instance = host.create(stage, promise.params, rate, RENDER_QUANTUM_FRAMES);
      if (!instance.hasOutput) {
        instance.destroy();
        f.add(
          'no audio output on the stage ABI, so nothing to compare with the reference: the descriptor must say why (validation.notApplicable)',
        );
        break;
      }
      const input = testSignal(level.frames, rate, rand);
      const got = runSteps(host, instance, input, fixedBlocks(RENDER_QUANTUM_FRAMES));
      instance.destroy();
      f.addAll(got.errors.map((e) => `${rate} Hz: ${e}`));
      const want = runReference(stage.createReferenceKernel(promise.params, rate), input);
      const bad = firstNonFinite(got.output!);
      if (bad >= 0) f.add(`${rate} Hz: non-finite output at frame ${bad} (${got.output![bad]}) for finite input`);
      const above = stage.validation?.referenceToleranceAbove;
      const wider = above !== undefined && rate > above.aboveHz;
      const d = compareOutputs(got.output!, want, wider ? above.tolerance : promise.outputTolerance);
      if (d) f.add(`${rate} Hz: output vs the reference: ${d}${wider ? ` (declared above ${above.aboveHz} Hz: ${above.reason})` : ''}`);
    }
    return f.result();
  },
};

const reset: Check = {
  name: 'reset',
  asserts: "after hostile input and random parameters, reset then a render equals a new instance's render (same parameters), bit for bit",
  run({ stage, level, seed, newHost }) {
    const f = new Failures();
    const rand = seededRand(seed);
    const host = newHost();
    const maxFrames = RANDOM_BLOCK_MAX;
    const a = host.create(stage, defaults(stage), CHECK_RATE, maxFrames);
    apply(a, randomChanges(a.blockParams, rand));
    const hostile = runSteps(host, a, hostileSignal(level.frames, CHECK_RATE, rand), randomBlocks(rand, level.frames));
    f.addAll(hostile.errors.map((e) => `hostile render: ${e}`));
    const status = a.reset();
    if (status < 0) f.add(`stage_reset: ${statusMessage(status)}`);
    const b = host.create(stage, currentParams(a), CHECK_RATE, maxFrames);
    if (!sameBytes(a.saveState(), b.saveState()))
      f.add("after reset, the saved state differs from a new instance's with the same parameters");
    const clean = testSignal(level.frames, CHECK_RATE, rand);
    const steps = randomBlocks(rand, level.frames);
    const got = runSteps(host, a, clean, steps);
    const want = runSteps(host, b, clean, steps);
    f.addAll([...got.errors, ...want.errors]);
    if (got.output && want.output) {
      const d = compareOutputs(got.output, want.output, 0);
      if (d) f.add(`render after reset vs a new instance's: ${d}`);
    }
    const d = compareFigures(a.figures(), b.figures());
    if (d) f.add(`figures after reset vs a new instance's: ${d}`);
    a.destroy();
    b.destroy();
    return f.result();
  },
};

/** The refused loads of one run: empty, truncated, byte-flipped and random states. */
function badStates(saved: Uint8Array, level: Level, rand: Rand): { label: string; bytes: Uint8Array }[] {
  const out = [{ label: 'empty state', bytes: new Uint8Array(0) }];
  const cuts = new Set([1, saved.length >> 1, saved.length - 1, 1 + Math.floor(rand() * (saved.length - 1))]);
  for (const len of cuts)
    if (len > 0 && len < saved.length) out.push({ label: `state truncated to ${len} bytes`, bytes: saved.slice(0, len) });
  const flips = Number.isFinite(level.byteFlips) ? level.byteFlips : saved.length;
  for (let k = 0; k < flips; k++) {
    const at = Number.isFinite(level.byteFlips) ? Math.floor(rand() * saved.length) : k;
    const bytes = saved.slice();
    bytes[at]! ^= 1 + Math.floor(rand() * 255);
    out.push({ label: `state with byte ${at} flipped`, bytes });
  }
  for (let k = 0; k < level.randomStates; k++) {
    const bytes = new Uint8Array(RANDOM_STATE_BYTES);
    for (let i = 0; i < bytes.length; i += 4) {
      const v = Math.floor(rand() * 4294967296);
      bytes[i] = v & 0xff;
      bytes[i + 1] = (v >>> 8) & 0xff;
      bytes[i + 2] = (v >>> 16) & 0xff;
      bytes[i + 3] = v >>> 24;
    }
    out.push({ label: `${RANDOM_STATE_BYTES} random bytes`, bytes });
  }
  return out;
}

const state: Check = {
  name: 'state',
  asserts:
    'saved state restored into a new instance renders the same, bit for bit; saving twice gives the same bytes; empty, truncated, flipped and random state is refused (BAD_STATE) and changes nothing',
  run({ stage, level, seed, newHost }) {
    const f = new Failures();
    const rand = seededRand(seed);
    const host = newHost();
    const maxFrames = RANDOM_BLOCK_MAX;
    const half = level.frames >> 1;
    const input = testSignal(2 * half, CHECK_RATE, rand);
    const a = host.create(stage, defaults(stage), CHECK_RATE, maxFrames);
    apply(a, randomChanges(a.blockParams, rand));
    f.addAll(runSteps(host, a, input.subarray(0, half), randomBlocks(rand, half)).errors);
    const saved = a.saveState();
    if (!sameBytes(a.saveState(), saved)) f.add('saving twice gave different bytes');
    const b = host.create(stage, defaults(stage), CHECK_RATE, maxFrames);
    const loaded = b.loadState(saved);
    if (loaded !== 0) f.add(`restoring the saved state into a new instance: ${statusMessage(loaded)}`);
    else if (!sameBytes(b.saveState(), saved)) f.add('the restored instance saves different bytes');
    for (const bad of badStates(saved, level, rand)) {
      const status = a.loadState(bad.bytes);
      if (status !== BAD_STATE) f.add(`${bad.label}: status ${status} (${statusMessage(status)}), not BAD_STATE`);
      if (!sameBytes(a.saveState(), saved)) f.add(`${bad.label}: refused or not, it changed the instance's state`);
    }
    const steps = randomBlocks(rand, half);
    const got = runSteps(host, a, input.subarray(half), steps);
    const want = runSteps(host, b, input.subarray(half), steps);
    f.addAll([...got.errors, ...want.errors]);
    if (got.output && want.output) {
      const d = compareOutputs(want.output, got.output, 0);
      if (d) f.add(`the restored instance's render vs the saved one's (after the refused loads): ${d}`);
    }
    const d = compareFigures(b.figures(), a.figures());
    if (d) f.add(`the restored instance's figures vs the saved one's: ${d}`);
    a.destroy();
    b.destroy();
    return f.result();
  },
};

function median(xs: readonly number[]): number {
  const s = [...xs].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const denormalSpeed: Check = {
  name: 'denormal-speed',
  asserts: `subnormal input (±1e-40) is at most ${MAX_DENORMAL_RATIO}x slower per call than normal input (median of alternating timed runs)`,
  run({ stage, level, seed, newHost }) {
    const f = new Failures();
    const rand = seededRand(seed);
    const host = newHost();
    const instance = host.create(stage, defaults(stage), CHECK_RATE, TIMED_BLOCK);
    const normal = testSignal(TIMED_BLOCK, CHECK_RATE, rand);
    const subnormal = subnormalSignal(TIMED_BLOCK, rand);
    let status = 0;
    /** ms for `calls` process calls over the newest block of the ring (pushed once, before). */
    const timed = (input: Float32Array, calls: number): number => {
      host.push(input);
      const t0 = performance.now();
      for (let i = 0; i < calls; i++) status |= instance.process(TIMED_BLOCK);
      return performance.now() - t0;
    };
    // warm both paths up first: wasm starts in its baseline tier and tiers up in the background
    const warm = performance.now();
    while (performance.now() - warm < WARM_UP_MS) {
      timed(normal, 4);
      timed(subnormal, 4);
    }
    let calls = 1;
    while (timed(normal, calls) < TIMED_RUN_MS && calls < 1 << 22) calls *= 2;
    const normalMs: number[] = [];
    const subnormalMs: number[] = [];
    for (let r = 0; r < level.timedRuns; r++) {
      normalMs.push(timed(normal, calls));
      subnormalMs.push(timed(subnormal, calls));
    }
    instance.destroy();
    if (status < 0) f.add(`a timed process call failed: ${statusMessage(status)}`);
    const ratio = median(subnormalMs) / median(normalMs);
    const perCall = (ms: number) => (1000 * ms) / calls;
    if (!(ratio <= MAX_DENORMAL_RATIO)) {
      f.add(
        `subnormal input ${fmt(ratio, 3)}x slower than normal (${fmt(perCall(median(subnormalMs)), 3)} vs ${fmt(perCall(median(normalMs)), 3)} µs per ${TIMED_BLOCK}-frame call; allowed ${MAX_DENORMAL_RATIO}x)`,
      );
    }
    return f.result({ ratio, normalUsPerCall: perCall(median(normalMs)), subnormalUsPerCall: perCall(median(subnormalMs)) });
  },
};

const inputImmutable: Check = {
  name: 'input-immutable',
  asserts: 'no process call changes a bit of the input ring (or the slack past its end), nor of the host buffer the input came from',
  run({ stage, level, seed, newHost }) {
    const f = new Failures();
    const rand = seededRand(seed);
    const host = newHost();
    const maxFrames = maxFramesFor(level.blockSizes, RANDOM_BLOCK_MAX);
    const snapshot = new Uint32Array(host.ringStore().length);
    const ringBits = () => {
      const r = host.ringStore();
      return new Uint32Array(r.buffer, r.byteOffset, r.length);
    };
    const around: Around = (call, step, at) => {
      if (step.kind !== 'process') return call();
      snapshot.set(ringBits());
      const status = call();
      const now = ringBits();
      let changed = 0,
        first = -1;
      for (let i = 0; i < now.length; i++) {
        if (now[i] !== snapshot[i]) {
          changed++;
          if (first < 0) first = i;
        }
      }
      if (changed) f.add(`process(${step.n}) at frame ${at} changed ${changed} samples of the input ring (first at index ${first})`);
      return status;
    };
    for (const size of [...level.blockSizes, 'random' as const]) {
      const frames = size === 'random' ? level.frames : Math.min(level.frames, size * IMMUTABLE_CALLS);
      const instance = host.create(stage, defaults(stage), CHECK_RATE, maxFrames);
      apply(instance, randomChanges(instance.blockParams, rand));
      const input = hostileSignal(frames, CHECK_RATE, rand);
      const copy = input.slice();
      const steps = size === 'random' ? randomBlocks(rand, frames) : fixedBlocks(size);
      f.addAll(runSteps(host, instance, input, steps, around).errors.map((e) => `${sizeLabel(size)}: ${e}`));
      const d = compareOutputs(input, copy, 0);
      if (d) f.add(`${sizeLabel(size)}: the host's input buffer changed: ${d}`);
      instance.destroy();
    }
    return f.result();
  },
};

/** Process steps of `size` (or random sizes) with parameter changes between calls and inside blocks (a block split where one lands). */
function automatedSteps(size: number | 'random', frames: number, specs: readonly ParamSpec[], rand: Rand): Step[] {
  const steps: Step[] = [];
  const change = (): Step => {
    const index = Math.floor(rand() * specs.length);
    return { kind: 'set', index, value: randomBlockValue(specs[index]!, rand) };
  };
  const sizes = size === 'random' ? randomSizes(rand, frames) : null;
  const fixed = size === 'random' ? 1 : size;
  const calls = sizes ? sizes.length : Math.ceil(frames / fixed);
  // each kind of change on a quarter of the calls, or on about CHANGES_PER_RENDER of them where calls are many
  const p = specs.length === 0 ? 0 : Math.min(0.25, CHANGES_PER_RENDER / calls);
  let total = 0;
  for (let k = 0; total < frames; k++) {
    const n = sizes ? (sizes[k] ?? 1) : fixed;
    if (rand() < p) steps.push(change());
    if (n > 1 && rand() < p) {
      const split = 1 + Math.floor(rand() * (n - 1));
      steps.push({ kind: 'process', n: split }, change(), { kind: 'process', n: n - split });
    } else {
      steps.push({ kind: 'process', n });
    }
    total += n;
  }
  return steps;
}

const paramAutomation: Check = {
  name: 'param-automation',
  changesParameters: true,
  asserts:
    'random parameter changes between calls and inside blocks, at every block size: never NaN or Inf out (output or figures) for finite input',
  run({ stage, level, seed, newHost }) {
    const f = new Failures();
    const rand = seededRand(seed);
    const host = newHost();
    const maxFrames = maxFramesFor(level.blockSizes, RANDOM_BLOCK_MAX);
    for (const size of [...level.blockSizes, 'random' as const]) {
      const instance = host.create(stage, defaults(stage), CHECK_RATE, maxFrames);
      const input = testSignal(level.frames, CHECK_RATE, rand);
      let lastChange = 'none yet';
      let reported = false;
      const around: Around = (call, step, at) => {
        const status = call();
        if (step.kind === 'set') {
          lastChange = `${instance.blockParams[step.index]!.name} = ${fmt(step.value, 6)} at frame ${at}`;
        } else if (step.kind === 'process' && !reported) {
          const out = instance.output(step.n);
          const bad = out ? firstNonFinite(out) : -1;
          const figures = instance.figures();
          const badFigure = firstNonFinite(figures);
          if (bad >= 0 || badFigure >= 0) {
            reported = true;
            f.add(
              `${sizeLabel(size)}: ${bad >= 0 ? `output ${out![bad]} at frame ${at + bad}` : `figure ${badFigure} = ${figures[badFigure]} after frame ${at + step.n}`} (last change: ${lastChange})`,
            );
          }
        }
        return status;
      };
      const steps = automatedSteps(size, level.frames, instance.blockParams, rand);
      f.addAll(runSteps(host, instance, input, steps, around).errors.map((e) => `${sizeLabel(size)}: ${e}`));
      instance.destroy();
    }
    return f.result();
  },
};

const noAllocation: Check = {
  name: 'no-allocation',
  asserts:
    'no process call (nor parameter change or reset between them) allocates or grows the wasm memory, at every block size, on hostile input',
  run({ stage, level, seed, newHost }) {
    const f = new Failures();
    const rand = seededRand(seed);
    const host = newHost();
    const maxFrames = maxFramesFor(level.blockSizes, RANDOM_BLOCK_MAX);
    const around: Around = (call, step, at) => {
      const allocs = host.allocCount();
      const bytes = host.memoryBytes();
      const status = call();
      const what = step.kind === 'process' ? `process(${step.n})` : step.kind === 'set' ? `set_param(${step.index})` : 'reset';
      const grew = host.memoryBytes() - bytes;
      const made = host.allocCount() - allocs;
      if (made || grew) f.add(`${what} at frame ${at}: ${made} allocations${grew ? `, memory grew by ${grew} bytes` : ''}`);
      return status;
    };
    for (const size of [...level.blockSizes, 'random' as const]) {
      const instance = host.create(stage, defaults(stage), CHECK_RATE, maxFrames);
      const input = hostileSignal(level.frames, CHECK_RATE, rand);
      const steps = automatedSteps(size, level.frames, instance.blockParams, rand);
      // and now and then a reset
      for (let i = steps.length - 1; i > 0; i--) if (rand() < 0.02) steps.splice(i, 0, { kind: 'reset' });
      f.addAll(runSteps(host, instance, input, steps, around).errors.map((e) => `${sizeLabel(size)}: ${e}`));
      instance.destroy();
    }
    return f.result();
  },
};

/**
 * Frames rendered after every parameter goes back to its default, the tail compared with a new
 * instance's among them: the EQ's filters, left ringing by random bands, settle to within its
 * recovery tolerance in this (16384 frames left 2.3e-4).
 */
const FUZZ_SETTLE_FRAMES = 4 * RECOVERY_TAIL;

/** Random parameter changes of the param-fuzz check that reach the instance between two process calls, at most. */
const FUZZ_CHANGES_PER_CALL = 10;

/** Process calls of one instance in each round of the stage-switching check. */
const SWITCH_CALLS = 4;

/** The kinds of the stage's block parameters as its Rust module declares them (fixed ones are refused after create). */
function rustKinds(host: ValidationHost, stage: StageDescriptor): RustParamKind[] {
  return (
    moduleKinds(host.wasm)
      .find((k) => k.id === stage.id)
      ?.params.map((p) => p.kind) ?? []
  );
}

/**
 * The stage's defaults with each fixed parameter at its smallest value (the first of its `values`,
 * else its min): those refuse every change, and the checks of changes need not pay for the largest
 * tables (a change of the FFT's window recomputes all `size` points of it).
 */
function smallestFixed(stage: StageDescriptor, kinds: readonly RustParamKind[]): ParamValues {
  const out = defaults(stage);
  stage.params.forEach((spec, i) => {
    if (kinds[i] === 'fixed' && spec.kind === 'number') out[spec.name] = spec.values?.[0] ?? spec.min;
  });
  return out;
}

/**
 * What `stage_set_param(index, value)` promises: refusal (BAD_PARAM, nothing changes) for NaN and
 * a fixed parameter; else the value the instance then holds, in f32: a number clamped to its range
 * as the host's clampParam clamps it, a choice's index rounded and clamped to its options.
 */
function promisedBlockValue(spec: ParamSpec, kind: RustParamKind | undefined, value: number): number | 'refused' {
  if (Number.isNaN(value) || kind === 'fixed') return 'refused';
  if (spec.kind === 'choice') return Math.min(spec.options.length - 1, Math.max(0, Math.round(value)));
  return Math.fround(Number(clampParam(spec, value).value));
}

/** A change through stage_set_param against its promise; null, or what went wrong. */
function setAsPromised(instance: StageInstance, kinds: readonly RustParamKind[], index: number, value: number): string | null {
  const spec = instance.blockParams[index]!;
  const before = instance.getParam(index);
  const status = instance.setParam(index, value);
  const held = instance.getParam(index);
  const promised = promisedBlockValue(spec, kinds[index], value);
  const what = `${spec.name} = ${fmt(value, 6)}`;
  if (promised === 'refused') {
    if (status !== BAD_PARAM) return `${what}: status ${status} (${statusMessage(status)}), not BAD_PARAM`;
    if (!Object.is(held, before)) return `${what}: refused, yet the value went from ${fmt(before, 8)} to ${fmt(held, 8)}`;
    return null;
  }
  if (status < 0) return `${what}: ${statusMessage(status)}`;
  return Object.is(held, promised) ? null : `${what}: the instance holds ${fmt(held, 8)}, not ${fmt(promised, 8)}`;
}

/** A value of a `ParamChange` as the block takes it: a choice's option as its index (an unknown option as -1: out of range). */
function changeBlockValue(spec: ParamSpec, value: number | string): number {
  return spec.kind === 'choice' ? spec.options.indexOf(String(value)) : Number(value);
}

/** Fisher-Yates, seeded. */
function shuffled<T>(xs: readonly T[], rand: Rand): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const hostileInput: Check = {
  name: 'hostile-input',
  asserts:
    "NaN (every 7th sample), ±Inf, subnormals (±1e-40) and a full-scale square in turn, in 128-frame calls: the output and figures keep the stage's conformance promise, and after each the output's tail and the figures equal a clean render's",
  run({ stage, level, seed, newHost, reference }) {
    const f = new Failures();
    const rand = seededRand(seed);
    const promise = reference(stage);
    const host = newHost();
    const n = level.hostileFrames;
    const seq = hostileSequence(CHECK_RATE, shuffled(level.hostileKinds, rand), { start: n, length: n, gap: n, tail: n });
    const render = (input: Float32Array) => {
      const instance = host.create(stage, promise.params, CHECK_RATE, RENDER_QUANTUM_FRAMES);
      const run = runSteps(host, instance, input, fixedBlocks(RENDER_QUANTUM_FRAMES));
      const figures = instance.figures();
      instance.destroy();
      return { ...run, figures };
    };
    const clean = render(seq.clean);
    const after = render(seq.input);
    f.addAll(clean.errors.map((e) => `clean render: ${e}`));
    f.addAll(after.errors.map((e) => `hostile render: ${e}`));
    const names = (stage.figures ?? []).map((x) => x.name);
    const counters = counterFigures(stage);
    for (const i of counters) if (clean.figures[i] !== 0) f.add(`clean render: ${names[i]} = ${clean.figures[i]}, not 0`);
    const kinds = seq.segments.map((g) => g.kind).join(', ');
    const hostile = { phase: 'after' as const, input: seq.input, output: after.output, figures: after.figures };
    f.addFailed(checkHostileOutput(promise.hostile, hostile, names), `${kinds} in turn (${promise.hostile.kind})`);
    for (const seg of seq.segments) {
      const last = seg.cleanUntil === seq.input.length;
      const recovery = checkRecovery(
        { output: after.output?.subarray(0, seg.cleanUntil) ?? null, figures: after.figures },
        { output: clean.output?.subarray(0, seg.cleanUntil) ?? null, figures: clean.figures },
        Math.min(RECOVERY_TAIL, seg.cleanUntil - seg.to),
        promise.recoveryTolerance,
        last ? names : [],
        counters,
      );
      f.addFailed(recovery, `after ${seg.kind} (frames ${seg.from}-${seg.to})`);
    }
    return f.result();
  },
};

const paramClamp: Check = {
  name: 'param-clamp',
  changesParameters: true,
  asserts:
    "each number parameter at its min and max (kept), below and above them (clamped to the end) and NaN (refused, nothing changes), each choice's index out of range (clamped): through stage_set_param and stage_create the instance holds what the host's clampParam gives; a fixed parameter refuses every change",
  run({ stage, seed, newHost }) {
    const f = new Failures();
    const rand = seededRand(seed);
    const host = newHost();
    const kinds = rustKinds(host, stage);
    const base = smallestFixed(stage, kinds);
    const instance = host.create(stage, base, CHECK_RATE, RENDER_QUANTUM_FRAMES);
    instance.blockParams.forEach((spec, index) => {
      const given: { label: string; value: number }[] = [];
      if (spec.kind === 'number') {
        for (const probe of parameterProbes(spec)) {
          const { check } = checkClamp(spec, probe);
          if (!check.ok) f.add(`clampParam: ${check.check}: ${check.figure}`);
          given.push({ label: probe.label, value: probe.given });
        }
      } else {
        given.push(
          { label: 'index -1', value: -1 },
          { label: 'index past the last', value: spec.options.length },
          { label: 'NaN', value: NaN },
        );
      }
      for (const { label, value } of given) {
        // from a random value, so that a refused change shows it changed nothing
        instance.setParam(index, randomBlockValue(spec, rand));
        const wrong = setAsPromised(instance, kinds, index, value);
        if (wrong) f.add(`stage_set_param ${label}: ${wrong}`);
        const promised = promisedBlockValue(spec, kinds[index], value);
        // stage_create takes what ParamValues hold: a choice's option, never an index out of range
        if (kinds[index] === 'fixed' || spec.kind !== 'number') continue;
        let made: StageInstance | null = null;
        try {
          made = host.create(stage, { ...base, [spec.name]: value }, CHECK_RATE, 1);
        } catch (err) {
          if (promised !== 'refused') f.add(`stage_create with ${spec.name} ${label}: ${(err as Error).message}`);
        }
        if (made && promised === 'refused') f.add(`stage_create with ${spec.name} ${label}: made, not refused`);
        if (made && promised !== 'refused' && !Object.is(made.getParam(index), promised))
          f.add(
            `stage_create with ${spec.name} ${label} (${fmt(value, 6)}): the instance holds ${fmt(made.getParam(index), 8)}, not ${fmt(promised, 8)}`,
          );
        made?.destroy();
      }
    });
    instance.destroy();
    return f.result();
  },
};

const paramFuzz: Check = {
  name: 'param-fuzz',
  changesParameters: true,
  asserts:
    "seeded random parameter changes between 128-frame calls (about one in six NaN, below or above the range, or an unknown option) each leave the value stage_set_param promises and no NaN or Inf out; then every parameter back to its default: the output tail and figures equal a new instance's",
  run({ stage, level, seed, newHost, reference }) {
    const f = new Failures();
    const host = newHost();
    const kinds = rustKinds(host, stage);
    const base = smallestFixed(stage, kinds);
    const instance = host.create(stage, base, CHECK_RATE, RENDER_QUANTUM_FRAMES);
    const specs = instance.blockParams;
    // the level's changes shared among its seeds (a change of the FFT's window recomputes a table of up to 32768 points)
    const count = Math.ceil(level.paramChanges / level.seeds);
    const calls = Math.ceil(count / FUZZ_CHANGES_PER_CALL);
    const changes = randomParamChanges(specs, {
      count,
      seed,
      groups: calls,
      firstFrame: RENDER_QUANTUM_FRAMES,
      spacing: RENDER_QUANTUM_FRAMES,
    });
    const resetAt = (calls + 1) * RENDER_QUANTUM_FRAMES;
    const frames = resetAt + FUZZ_SETTLE_FRAMES;
    const input = testSignal(frames, CHECK_RATE, seededRand(seed));
    const byName = new Map(specs.map((s, i) => [s.name, i]));
    const steps: Step[] = [];
    let next = 0;
    // back to the defaults the instance began from (a fixed parameter refuses its default as any other value)
    const pending = [...changes, ...resetChanges(specs, resetAt).map((c) => ({ ...c, value: base[c.name]! }))];
    for (let at = 0; at < frames; at += RENDER_QUANTUM_FRAMES) {
      for (; next < pending.length && pending[next]!.atFrame <= at; next++) {
        const c = pending[next]!;
        const index = byName.get(c.name)!;
        steps.push({ kind: 'set', index, value: changeBlockValue(specs[index]!, c.value) });
      }
      steps.push({ kind: 'process', n: RENDER_QUANTUM_FRAMES });
    }
    let nonFinite = 0;
    const around: Around = (call, step, at) => {
      if (step.kind === 'set') {
        const wrong = setAsPromised(instance, kinds, step.index, step.value);
        if (wrong) f.add(`change at frame ${at}: ${wrong}`);
        return 0;
      }
      const status = call();
      const out = step.kind === 'process' ? instance.output(step.n) : null;
      const bad = out ? firstNonFinite(out) : -1;
      if (bad >= 0 && nonFinite++ === 0) f.add(`output ${out![bad]} at frame ${at + bad} for finite input`);
      return status;
    };
    const got = runSteps(host, instance, input, steps, around);
    f.addAll(got.errors);
    const gotFigures = instance.figures();
    const fresh = host.create(stage, base, CHECK_RATE, RENDER_QUANTUM_FRAMES);
    const want = runSteps(host, fresh, input, fixedBlocks(RENDER_QUANTUM_FRAMES));
    f.addAll(want.errors.map((e) => `new instance: ${e}`));
    const recovery = checkRecovery(
      { output: got.output, figures: gotFigures },
      { output: want.output, figures: fresh.figures() },
      RECOVERY_TAIL,
      reference(stage).recoveryTolerance,
      (stage.figures ?? []).map((x) => x.name),
      [],
    );
    f.addFailed(recovery, `${changes.length} changes, then back to defaults, vs a new instance`);
    instance.destroy();
    fresh.destroy();
    return f.result({ changes: changes.length });
  },
};

const stageSwitching: Check = {
  name: 'stage-switching',
  asserts:
    'instances made and destroyed in turn on one runtime (defaults and the largest settings alternating, two alive at once, each processing): after each round the live heap bytes are back where they began',
  run({ stage, level, seed, newHost }) {
    const f = new Failures();
    const rand = seededRand(seed);
    const host = newHost();
    const input = testSignal(SWITCH_CALLS * RENDER_QUANTUM_FRAMES, CHECK_RATE, rand);
    const settings = [defaults(stage), { ...defaults(stage), ...extremeParams(stage.params) }];
    const work = (instance: StageInstance, what: string) =>
      f.addAll(runSteps(host, instance, input, fixedBlocks(RENDER_QUANTUM_FRAMES)).errors.map((e) => `round ${what}: ${e}`));
    const live0 = host.liveBytes();
    for (let k = 0; k < level.switches; k++) {
      const a = host.create(stage, settings[k % 2]!, CHECK_RATE, RENDER_QUANTUM_FRAMES);
      work(a, `${k + 1}, first instance`);
      const b = host.create(stage, settings[(k + 1) % 2]!, CHECK_RATE, RENDER_QUANTUM_FRAMES);
      a.destroy();
      work(b, `${k + 1}, second instance`);
      b.destroy();
      const live = host.liveBytes();
      if (live !== live0) {
        f.add(`round ${k + 1}: ${live - live0} bytes still live after destroying both instances (${live0} before the first)`);
        break;
      }
    }
    return f.result({ liveBytes: host.liveBytes() - live0 });
  },
};

/** Every check, in `CHECK_NAMES` order. */
export const CHECKS: readonly Check[] = [
  blockSizes,
  sampleRates,
  reset,
  state,
  denormalSpeed,
  inputImmutable,
  paramAutomation,
  noAllocation,
  hostileInput,
  paramClamp,
  paramFuzz,
  stageSwitching,
];
