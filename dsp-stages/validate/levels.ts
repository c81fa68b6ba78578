/**
 * The validation levels, 1 to 10, as pluginval has them: each level runs every check, on more
 * sample rates, block sizes, seeds and frames than the one below. docs/validation.md prints this
 * table (`levelTableMarkdown`; a unit test keeps the page equal to it).
 */

import { RENDER_QUANTUM_SIZES } from '../types.ts';
import { MAX_QUANTUM_FRAMES } from '../../worklet/quantum.ts';
import { HOSTILE_KINDS, type HostileKind } from '../conformance/signals.ts';

/** Every rate the sample-rates check knows, in Hz (44099.5: a rate that is not a whole number). */
export const ALL_RATES = [8000, 11025, 16000, 22050, 44100, 48000, 88200, 96000, 192000, 44099.5] as const;

/**
 * Every fixed block size the block-sizes check knows, in frames: the render quanta a context may
 * render (RENDER_QUANTUM_SIZES, 441 among them), sizes around them, and the largest quantum a
 * page's `?quantum=N` or the CLI's `--quantum N` may ask for (MAX_QUANTUM_FRAMES); each level
 * adds a seeded random size per call too.
 */
export const ALL_BLOCK_SIZES: readonly number[] = [1, 17, ...RENDER_QUANTUM_SIZES, 2027, 4096, MAX_QUANTUM_FRAMES];

/** Largest size of the random block sizes (and so the `maxFrames` of the instances that take them). */
export const RANDOM_BLOCK_MAX = 4096;

/** Bytes of a random saved state the state check offers (and expects refused). */
export const RANDOM_STATE_BYTES = 1 << 20;

export interface Level {
  level: number;
  /** Sample rates of the sample-rates check. */
  rates: readonly number[];
  /** Fixed block sizes of the block-sizes, param-automation and no-allocation checks (plus a random size per call). */
  blockSizes: readonly number[];
  /** Seeded runs per stage and check. */
  seeds: number;
  /** Frames of each render. */
  frames: number;
  /** Saved states with one byte flipped, per run (`Infinity`: every byte in turn). */
  byteFlips: number;
  /** 1 MB random saved states, per run. */
  randomStates: number;
  /** Timed runs of each input in the denormal-speed check, alternating (the medians are compared). */
  timedRuns: number;
  /** The hostile kinds of the hostile-input check, in turn in one render (in a seeded order). */
  hostileKinds: readonly HostileKind[];
  /** Frames of each hostile segment of the hostile-input check, and of the clean stretch after each. */
  hostileFrames: number;
  /** Seeded random parameter changes of the param-fuzz check (shared among the seeds) before every parameter goes back to its default. */
  paramChanges: number;
  /** Rounds of the stage-switching check (two instances made and destroyed in each). */
  switches: number;
}

/** Least time of one timed run of normal input, ms (more calls per run where a call is quick): short, so that the runs of the two inputs interleave finely and a burst of load on the machine falls on both. */
export const TIMED_RUN_MS = 0.5;

const FEW_RATES = [22050, 48000, 96000] as const;
const SOME_RATES = [8000, 22050, 44099.5, 48000, 96000, 192000] as const;
const SOME_BLOCKS = [1, 17, 1024, 2027] as const;
const FEW_KINDS: readonly HostileKind[] = ['NaN', '+Inf', 'denormal'];

/** Levels 1 ..= 10, by index 0 ..= 9. */
export const LEVELS: readonly Level[] = [
  {
    level: 1,
    rates: FEW_RATES,
    blockSizes: [2027],
    seeds: 1,
    frames: 8192,
    byteFlips: 1,
    randomStates: 1,
    timedRuns: 9,
    hostileKinds: FEW_KINDS,
    hostileFrames: 16384,
    paramChanges: 100,
    switches: 2,
  },
  {
    level: 2,
    rates: FEW_RATES,
    blockSizes: [1, 2027],
    seeds: 1,
    frames: 8192,
    byteFlips: 4,
    randomStates: 1,
    timedRuns: 9,
    hostileKinds: FEW_KINDS,
    hostileFrames: 16384,
    paramChanges: 200,
    switches: 2,
  },
  {
    level: 3,
    rates: SOME_RATES,
    blockSizes: SOME_BLOCKS,
    seeds: 1,
    frames: 12288,
    byteFlips: 8,
    randomStates: 1,
    timedRuns: 15,
    hostileKinds: HOSTILE_KINDS,
    hostileFrames: 16384,
    paramChanges: 400,
    switches: 3,
  },
  {
    level: 4,
    rates: SOME_RATES,
    blockSizes: ALL_BLOCK_SIZES,
    seeds: 1,
    frames: 12288,
    byteFlips: 16,
    randomStates: 1,
    timedRuns: 15,
    hostileKinds: HOSTILE_KINDS,
    hostileFrames: 16384,
    paramChanges: 700,
    switches: 4,
  },
  {
    level: 5,
    rates: ALL_RATES,
    blockSizes: ALL_BLOCK_SIZES,
    seeds: 2,
    frames: 12288,
    byteFlips: 32,
    randomStates: 1,
    timedRuns: 25,
    hostileKinds: HOSTILE_KINDS,
    hostileFrames: 16384,
    paramChanges: 1000,
    switches: 5,
  },
  {
    level: 6,
    rates: ALL_RATES,
    blockSizes: ALL_BLOCK_SIZES,
    seeds: 3,
    frames: 24576,
    byteFlips: 64,
    randomStates: 1,
    timedRuns: 31,
    hostileKinds: HOSTILE_KINDS,
    hostileFrames: 24576,
    paramChanges: 1500,
    switches: 8,
  },
  {
    level: 7,
    rates: ALL_RATES,
    blockSizes: ALL_BLOCK_SIZES,
    seeds: 4,
    frames: 24576,
    byteFlips: 128,
    randomStates: 2,
    timedRuns: 31,
    hostileKinds: HOSTILE_KINDS,
    hostileFrames: 24576,
    paramChanges: 2500,
    switches: 12,
  },
  {
    level: 8,
    rates: ALL_RATES,
    blockSizes: ALL_BLOCK_SIZES,
    seeds: 6,
    frames: 49152,
    byteFlips: 256,
    randomStates: 2,
    timedRuns: 41,
    hostileKinds: HOSTILE_KINDS,
    hostileFrames: 32768,
    paramChanges: 4000,
    switches: 16,
  },
  {
    level: 9,
    rates: ALL_RATES,
    blockSizes: ALL_BLOCK_SIZES,
    seeds: 8,
    frames: 49152,
    byteFlips: 512,
    randomStates: 2,
    timedRuns: 41,
    hostileKinds: HOSTILE_KINDS,
    hostileFrames: 32768,
    paramChanges: 6000,
    switches: 24,
  },
  {
    level: 10,
    rates: ALL_RATES,
    blockSizes: ALL_BLOCK_SIZES,
    seeds: 10,
    frames: 96000,
    byteFlips: Infinity,
    randomStates: 3,
    timedRuns: 51,
    hostileKinds: HOSTILE_KINDS,
    hostileFrames: 32768,
    paramChanges: 10000,
    switches: 50,
  },
];

export const MAX_LEVEL = LEVELS.length;

/** Level `n` (1 ..= MAX_LEVEL); throws otherwise. */
export function getLevel(n: number): Level {
  const level = Number.isInteger(n) ? LEVELS[n - 1] : undefined;
  if (!level) throw new Error(`level must be a whole number from 1 to ${MAX_LEVEL}, got ${n}`);
  return level;
}

function list<T>(xs: readonly T[], all: readonly T[]): string {
  return xs.length === all.length ? `all ${all.length}` : xs.join(', ');
}

/** The levels as the Markdown table of docs/validation.md. */
export function levelTableMarkdown(): string {
  const head = [
    '| level | sample rates (Hz) | block sizes (+ random per call) | seeds | frames per render | byte flips | 1 MB random states | timed runs per input | hostile kinds × frames | parameter changes (all seeds) | switches |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  const rows = LEVELS.map(
    (l) =>
      `| ${l.level} | ${list(l.rates, ALL_RATES)} | ${list(l.blockSizes, ALL_BLOCK_SIZES)} | ${l.seeds} | ${l.frames} | ` +
      `${Number.isFinite(l.byteFlips) ? l.byteFlips : 'every byte'} | ${l.randomStates} | ${l.timedRuns} | ${list(l.hostileKinds, HOSTILE_KINDS)} × ${l.hostileFrames} | ${l.paramChanges} | ${l.switches} |`,
  );
  return [...head, ...rows].join('\n');
}
