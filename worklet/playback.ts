/**
 * Playback of decoded audio through the worklet: the runtime attaches a playback to its node, and
 * the stage's input is the decoded audio instead of the live source until it stops. Through a ring
 * of the pool's shared layout (ringbuf.js, lock-free) when cross-origin isolated, else by messages
 * posted a bounded distance ahead of what the worklet has read.
 */
import type { ToProcessor } from './protocol.ts';
import type { PoolLayout } from './pool/layout.ts';
import { RingProducer, ringStats, type RingStats } from './pool/stream.ts';

/** Ring of the pool's layout that carries decoded audio to the worklet. */
export const PLAYBACK_RING = 0;
/** Period of the producer's pump (pushes what a full ring held back), ms. */
const PUMP_INTERVAL_MS = 20;
/** Messages mode: frames posted ahead of the worklet's position. */
const MESSAGE_LEAD_FRAMES = 32768;

/** Playback of decoded audio through the worklet: feed it chunks in order, then `end()`. */
export interface Playback {
  /** Queues the next frames (planar; one or two channels). */
  write(planes: readonly Float32Array[]): void;
  /** No more frames will come. */
  end(): void;
  /** Figures of the ring (or of the message queue). */
  stats(): RingStats;
  /** Detaches: the stage's input is the live source again. */
  stop(): void;
  readonly mode: 'ring' | 'messages';
}

/** What the worklet last reported of a playback by messages (its 'playback' message). */
export interface MessagePlaybackProgress {
  framesRead: number;
  underruns: number;
  bufferedFrames: number;
  ended: boolean;
}

/** Progress of a message playback before the worklet has reported any. */
export function noMessagePlaybackProgress(): MessagePlaybackProgress {
  return { framesRead: 0, underruns: 0, bufferedFrames: 0, ended: false };
}

/**
 * Attaches a playback through ring PLAYBACK_RING of `layout`. `post` reaches the processor;
 * `detached` is told when the playback stops.
 */
export function ringPlayback(layout: PoolLayout, post: (msg: ToProcessor) => void, detached: (handle: Playback) => void): Playback {
  const producer = new RingProducer(layout, PLAYBACK_RING);
  post({ type: 'attach-playback', handles: layout.handles, ring: PLAYBACK_RING });
  let endRequested = false;
  const timer = setInterval(() => {
    producer.pump();
    if (endRequested) producer.end();
  }, PUMP_INTERVAL_MS);
  const stop = (): void => {
    clearInterval(timer);
    post({ type: 'detach-playback' });
    detached(handle);
  };
  const handle: Playback = {
    mode: 'ring',
    write: (planes) => producer.write(planes as Float32Array[]),
    end: () => {
      endRequested = true;
      producer.end();
    },
    stats: () => ringStats(layout, PLAYBACK_RING),
    stop,
  };
  return handle;
}

/**
 * Attaches a playback by messages: chunks posted ahead of the worklet's position, at most
 * MESSAGE_LEAD_FRAMES. `progress` is what the worklet last reported; `post` reaches the processor;
 * `detached` is told when the playback stops.
 */
export function messagePlayback(
  post: (msg: ToProcessor) => void,
  progress: () => MessagePlaybackProgress,
  detached: (handle: Playback) => void,
): Playback {
  post({ type: 'attach-playback', handles: null, ring: PLAYBACK_RING });
  const pending: Float32Array[][] = [];
  let posted = 0;
  let written = 0;
  let ended = false;
  let endPosted = false;
  const flush = (): void => {
    while (pending.length > 0 && posted - progress().framesRead < MESSAGE_LEAD_FRAMES) {
      const planes = pending.shift()!;
      posted += planes[0]!.length;
      post({ type: 'playback-chunk', planes, end: ended && pending.length === 0 });
      if (ended && pending.length === 0) endPosted = true;
    }
    if (ended && !endPosted && pending.length === 0) {
      post({ type: 'playback-chunk', planes: [], end: true });
      endPosted = true;
    }
  };
  const timer = setInterval(flush, PUMP_INTERVAL_MS);
  const handle: Playback = {
    mode: 'messages',
    write: (planes) => {
      if (planes.length === 0 || planes[0]!.length === 0) return;
      pending.push(planes.slice(0, 2).map((p) => p.slice()));
      written += planes[0]!.length;
      flush();
    },
    end: () => {
      ended = true;
      flush();
    },
    stats: () => {
      const p = progress();
      return {
        capacityFrames: MESSAGE_LEAD_FRAMES,
        bufferedFrames: Math.max(0, posted - p.framesRead),
        framesWritten: written,
        framesRead: p.framesRead,
        overruns: 0,
        underruns: p.underruns,
        ended: endPosted,
        playing: p.framesRead > 0 && !p.ended,
      };
    },
    stop: () => {
      clearInterval(timer);
      post({ type: 'detach-playback' });
      detached(handle);
    },
  };
  return handle;
}

/** Frames a looping playback keeps queued ahead of what the worklet has read (under both queues' capacity). */
export const LOOP_LEAD_FRAMES = 16384;
/** Frames written per write while looping. */
const LOOP_CHUNK_FRAMES = 4096;

/** A decoded file played over and over through a playback (a file source). */
export interface LoopingPlayback {
  readonly playback: Playback;
  /** Frames of one pass (the file's length). */
  readonly frames: number;
  /** Frames the worklet has read so far, over every pass. */
  framesPlayed(): number;
  /** Stops the loop and detaches the playback. */
  stop(): void;
}

/**
 * Loops `planes` (one or two channels of one length) through `playback`: keeps LOOP_LEAD_FRAMES
 * queued ahead of the worklet's position, wrapping to the start at the end, so the ring never
 * holds back or runs dry while the page keeps up.
 */
export function loopPlayback(playback: Playback, planes: readonly Float32Array[]): LoopingPlayback {
  const frames = planes[0]?.length ?? 0;
  if (frames === 0) throw new Error('a looping playback needs at least one frame');
  let pos = 0;
  let offered = 0;
  const fill = (): void => {
    while (offered - playback.stats().framesRead < LOOP_LEAD_FRAMES) {
      const n = Math.min(LOOP_CHUNK_FRAMES, frames - pos);
      playback.write(planes.map((p) => p.subarray(pos, pos + n)));
      pos = pos + n === frames ? 0 : pos + n;
      offered += n;
    }
  };
  fill();
  const timer = setInterval(fill, PUMP_INTERVAL_MS);
  return {
    playback,
    frames,
    framesPlayed: () => playback.stats().framesRead,
    stop: () => {
      clearInterval(timer);
      playback.stop();
    },
  };
}
