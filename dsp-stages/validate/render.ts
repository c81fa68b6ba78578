/** Running an instance over an input, call by call, and comparing what two runs gave. */
import { statusMessage } from '../../worklet/abi.ts';
import { RENDER_QUANTUM_FRAMES, type StageKernel } from '../types.ts';
import type { StageInstance, ValidationHost } from './host.ts';
import { randomBlockSize, type Rand } from './inputs.ts';

/** One step of a run: a process call over the next `n` input samples, a parameter change, or a reset. */
export type Step = { kind: 'process'; n: number } | { kind: 'set'; index: number; value: number } | { kind: 'reset' };

/** Wraps every wasm call of a run (to sample counters or the ring around it); returns the call's status. */
export type Around = (call: () => number, step: Step, at: number) => number;

export interface Run {
  /** The output of every process call, in order (null without audio output). */
  output: Float32Array | null;
  /** Error statuses, one line each. */
  errors: string[];
  /** Process calls made. */
  calls: number;
}

/** Process steps of `size` frames each. */
export function* fixedBlocks(size: number): Generator<Step> {
  for (;;) yield { kind: 'process', n: size };
}

/** Seeded random block sizes (0 one time in ten) adding up to at least `frames`, drawn once so that two runs can share them. */
export function randomSizes(rand: Rand, frames: number): number[] {
  const sizes: number[] = [];
  let total = 0;
  while (total < frames) {
    const n = randomBlockSize(rand);
    sizes.push(n);
    total += n;
  }
  return sizes;
}

/** Process steps of seeded random sizes (see `randomSizes`). */
export function randomBlocks(rand: Rand, frames: number): Step[] {
  return randomSizes(rand, frames).map((n) => ({ kind: 'process', n }));
}

/**
 * Runs `steps` on `instance` over `input`: each process step pushes its samples into the ring and
 * processes them in one call (the last one cut to what is left); the run ends at the input's end.
 * Every error status is recorded; the output of failed calls stays 0.
 */
export function runSteps(host: ValidationHost, instance: StageInstance, input: Float32Array, steps: Iterable<Step>, around?: Around): Run {
  const output = instance.hasOutput ? new Float32Array(input.length) : null;
  const errors: string[] = [];
  const call = (step: Step, at: number, f: () => number): number => (around ? around(f, step, at) : f());
  let at = 0;
  let calls = 0;
  for (const step of steps) {
    if (at >= input.length) break;
    if (step.kind === 'set') {
      call(step, at, () => instance.setParam(step.index, step.value));
      continue;
    }
    if (step.kind === 'reset') {
      const status = call(step, at, () => instance.reset());
      if (status < 0) errors.push(`reset at frame ${at}: ${statusMessage(status)}`);
      continue;
    }
    const n = Math.min(step.n, input.length - at);
    const s: Step = n === step.n ? step : { kind: 'process', n };
    host.push(input.subarray(at, at + n));
    const status = call(s, at, () => instance.process(n));
    calls++;
    if (status < 0) errors.push(`process(${n}) at frame ${at}: ${statusMessage(status)}`);
    else if (output && n > 0) output.set(instance.output(n)!, at);
    at += n;
  }
  return { output, errors, calls };
}

/** The TypeScript reference over `input`, quantum by quantum as the worklet runs it (channel 1 a copy of channel 0). */
export function runReference(kernel: StageKernel, input: Float32Array): Float32Array {
  const out = new Float32Array(input.length);
  const q = new Float32Array(RENDER_QUANTUM_FRAMES);
  for (let at = 0; at < input.length; at += RENDER_QUANTUM_FRAMES) {
    const chunk = input.subarray(at, Math.min(input.length, at + RENDER_QUANTUM_FRAMES));
    const o = chunk.length === q.length ? q : q.subarray(0, chunk.length);
    kernel.process([chunk, chunk], o);
    out.set(o, at);
  }
  return out;
}

/** How two outputs differ. */
export interface Diff {
  length: number;
  /** Samples whose bits differ. */
  bitMismatches: number;
  /** Largest |a − b| over samples both finite. */
  maxAbs: number;
  /** Samples where one is finite and the other not, or both non-finite but not the same (NaN vs Inf, +Inf vs −Inf). */
  finiteMismatches: number;
  /** First sample whose bits differ, or −1. */
  first: number;
}

export function diff(a: Float32Array, b: Float32Array): Diff {
  const n = Math.min(a.length, b.length);
  const x = new Uint32Array(a.buffer, a.byteOffset, n);
  const y = new Uint32Array(b.buffer, b.byteOffset, n);
  let bitMismatches = Math.abs(a.length - b.length);
  let maxAbs = 0;
  let finiteMismatches = 0;
  let first = -1;
  for (let i = 0; i < n; i++) {
    if (x[i] === y[i]) continue;
    bitMismatches++;
    if (first < 0) first = i;
    const u = a[i]!,
      v = b[i]!;
    if (Number.isFinite(u) && Number.isFinite(v)) maxAbs = Math.max(maxAbs, Math.abs(u - v));
    else if (!(Number.isNaN(u) && Number.isNaN(v)) && u !== v) finiteMismatches++;
  }
  if (first < 0 && a.length !== b.length) first = n;
  return { length: Math.max(a.length, b.length), bitMismatches, maxAbs, finiteMismatches, first };
}

/** A number for a message: short, exact enough to tell two apart. */
export function fmt(x: number, digits = 4): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e6 ? String(Number(x.toPrecision(digits))) : x.toExponential(digits - 1);
}

/**
 * `got` against `want`: null when they agree (bit for bit for `tolerance` 0, else every finite
 * pair within it and the non-finite samples the same), else what differs, in one line.
 */
export function compareOutputs(got: Float32Array, want: Float32Array, tolerance: number): string | null {
  const d = diff(got, want);
  if (d.bitMismatches === 0) return null;
  const at =
    d.first >= 0 && d.first < Math.min(got.length, want.length)
      ? ` (first at ${d.first}: ${fmt(got[d.first]!, 8)} vs ${fmt(want[d.first]!, 8)})`
      : '';
  if (tolerance === 0) return `${d.bitMismatches} of ${d.length} samples differ${at}`;
  if (d.maxAbs <= tolerance && d.finiteMismatches === 0) return null;
  return `max |diff| ${fmt(d.maxAbs)} (allowed ${fmt(tolerance)})${d.finiteMismatches ? `, ${d.finiteMismatches} non-finite mismatches` : ''}${at}`;
}

/** Figures equal entry for entry (NaN equal to NaN); null, or what differs. */
export function compareFigures(got: readonly number[], want: readonly number[]): string | null {
  if (got.length !== want.length) return `${got.length} figures, not ${want.length}`;
  const i = got.findIndex((g, k) => !Object.is(g, want[k]));
  return i < 0 ? null : `figure ${i}: ${fmt(got[i]!, 8)} vs ${fmt(want[i]!, 8)}`;
}

/** Index of the first non-finite sample, or −1. */
export function firstNonFinite(x: ArrayLike<number>): number {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i]!)) return i;
  return -1;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Instance frames that take every block a level uses. */
export function maxFramesFor(sizes: readonly number[], randomMax: number): number {
  return Math.max(randomMax, ...sizes);
}
