/**
 * The signals of the conformance suite: the input each stage is checked with at every rate, and
 * the hostile inputs (NaN, infinities, subnormals, a full-scale square wave) laid out around clean
 * audio.
 */
import { RENDER_QUANTUM_FRAMES } from '../types.ts';
import { sine, whiteNoise } from '../signals.ts';
import { delayedPair } from '../delayed-pair.ts';
import type { RateProperty } from '../conformance-types.ts';

const Q = RENDER_QUANTUM_FRAMES;

/** The test tone: between bins at every size and rate used. */
export const TONE_HZ = 1000.37;

/**
 * Frames of a sample-rate render: two 32768-frame analyses plus 47 quanta, so the analysis begun
 * at the last hop has finished in every spectrum stage (N = 32768: about 29 slices after its hop;
 * N = 8192: 13 or more quanta after its last hop, it needs about 12).
 */
export const RATE_FRAMES = 2 * 32768 + 47 * Q;

export interface RateInput {
  input: Float32Array;
  /** A second channel (the shift stage's delayed copy); absent: channel 0 is copied. */
  input2?: Float32Array;
  /** What the input is, for the table. */
  label: string;
}

/** The signal a stage is checked with at `rate`, chosen by the property it is checked for. */
export function rateInput(property: RateProperty | null, rate: number): RateInput {
  if (property?.kind === 'tone-peak') {
    return { input: sine(RATE_FRAMES, rate, TONE_HZ, 0.5), label: `sine ${TONE_HZ} Hz at 0.5` };
  }
  if (property?.kind === 'shift-delay') {
    const pair = delayedPair({ n: 32768, delay: property.delay, snrDb: property.snrDb, seed: 3 });
    return {
      input: pair.reference,
      input2: pair.input,
      label: `noise pair, channel 1 delayed ${property.delay} samples, ${property.snrDb} dB SNR`,
    };
  }
  const x = whiteNoise(RATE_FRAMES, 0.4, 17);
  const tone = sine(RATE_FRAMES, rate, TONE_HZ, 0.25);
  for (let i = 0; i < x.length; i++) x[i] = x[i]! + tone[i]!;
  return { input: x, label: `noise ±0.4 + sine ${TONE_HZ} Hz at 0.25` };
}

export const HOSTILE_KINDS = ['NaN', '+Inf', '-Inf', 'denormal', 'square'] as const;
export type HostileKind = (typeof HOSTILE_KINDS)[number];

/**
 * Where the hostile samples go. Each begins after 8192 clean frames and lasts 32768 frames (a
 * whole analysed frame of the largest size). A `during` render, one per kind, runs its segment to
 * the end: every analysed frame of up to 32768 samples at the end is wholly hostile, and the
 * analysis begun at the last hop has finished. The `sequence` render holds all five segments, each
 * followed by 32768 clean frames (the last by a whole analysed frame, its hop and its slices), in
 * one render: a page holds few renders (see the story).
 */
export const HOSTILE_LAYOUT = {
  start: 8192,
  length: 32768,
  gap: 32768,
  duringFrames: 8192 + 32768 + 47 * Q,
  /** After the last segment of the sequence. */
  tail: 32768 + 8192 + 47 * Q,
} as const;

/** Samples at the end of a clean stretch after hostile input that must equal a clean render's (checkRecovery's tail). */
export const RECOVERY_TAIL = 8192;

/** A square wave's period in samples: 750 Hz at 48 kHz, away from the tone. */
export const SQUARE_PERIOD = 64;
/** A subnormal f32 (1e-40 rounds to 9.99995e-41). */
export const DENORMAL = Math.fround(1e-40);

/** The clean signal every hostile render is built on: a quiet tone plus seeded noise. */
export function cleanSignal(frames: number, rate: number): Float32Array {
  const x = whiteNoise(frames, 0.05, 5);
  const tone = sine(frames, rate, TONE_HZ, 0.25);
  for (let i = 0; i < frames; i++) x[i] = x[i]! + tone[i]!;
  return x;
}

/** The hostile sample at `i` (an absolute frame index) of a kind, given the clean sample there. */
function hostileSample(kind: HostileKind, i: number, clean: number): number {
  switch (kind) {
    case 'NaN':
      return i % 7 === 0 ? NaN : clean;
    case '+Inf':
      return i % Q === 5 ? Infinity : clean;
    case '-Inf':
      return i % Q === 5 ? -Infinity : clean;
    case 'denormal':
      // the whole segment subnormal, alternating sign: what a decaying tail becomes
      return i % 2 === 0 ? DENORMAL : -DENORMAL;
    case 'square':
      return i % SQUARE_PERIOD < SQUARE_PERIOD / 2 ? 1 : -1;
  }
}

/** The input of a `during` render: clean, then the hostile kind from HOSTILE_LAYOUT.start to the end. */
export function hostileDuring(kind: HostileKind, rate: number): { input: Float32Array; segment: [number, number] } {
  const frames = HOSTILE_LAYOUT.duringFrames;
  const x = cleanSignal(frames, rate);
  for (let i = HOSTILE_LAYOUT.start; i < frames; i++) x[i] = hostileSample(kind, i, x[i]!);
  return { input: x, segment: [HOSTILE_LAYOUT.start, frames] };
}

/** Like a `during` render's input, with silence (zeros) instead of the hostile samples: what a stage shows for no signal. */
export function silenceDuring(rate: number): Float32Array {
  const x = cleanSignal(HOSTILE_LAYOUT.duringFrames, rate);
  x.fill(0, HOSTILE_LAYOUT.start);
  return x;
}

export interface HostileSegment {
  kind: HostileKind;
  /** The hostile frames [from, to). */
  from: number;
  to: number;
  /** The clean frames after it end here (the next segment, or the end of the render). */
  cleanUntil: number;
}

/** Where the segments of a sequence go: the first after `start` clean frames, each `length` long, `gap` clean frames between them, `tail` after the last. */
export interface SequenceLayout {
  start: number;
  length: number;
  gap: number;
  tail: number;
}

/**
 * The `kinds` in turn (all five, by default), each followed by clean audio, laid out as `layout`
 * says (HOSTILE_LAYOUT, by default); `clean` is the same render without them.
 */
export function hostileSequence(
  rate: number,
  kinds: readonly HostileKind[] = HOSTILE_KINDS,
  layout: SequenceLayout = HOSTILE_LAYOUT,
): { input: Float32Array; clean: Float32Array; segments: HostileSegment[] } {
  const { start, length, gap, tail } = layout;
  const frames = start + kinds.length * (length + gap) - gap + tail;
  const clean = cleanSignal(frames, rate);
  const input = clean.slice();
  const segments = kinds.map((kind, k) => {
    const from = start + k * (length + gap);
    const to = from + length;
    for (let i = from; i < to; i++) input[i] = hostileSample(kind, i, clean[i]!);
    return { kind, from, to, cleanUntil: k === kinds.length - 1 ? frames : to + gap };
  });
  return { input, clean, segments };
}
