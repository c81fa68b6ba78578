/**
 * Streaming audio from the main thread to the AudioWorklet through one of the layout's stereo
 * rings (ringbuf.js, single producer / single consumer, wait-free).
 *
 * - `RingProducer` (main thread): `write(channelData, start, frames)` interleaves into a
 *   preallocated scratch and pushes; what does not fit is held back (policy `hold`, the default:
 *   `pump()` pushes it later, e.g. on a timer) or dropped (policy `drop`). `end()` marks the end
 *   of the stream once everything is pushed. Feed it chunks as pool tasks deliver them to start
 *   playback before the last one is done.
 * - `RingConsumer` (inside `AudioWorkletProcessor.process`): `process(outputs)` pops up to one
 *   quantum into a preallocated interleaved array and deinterleaves it into the output channels,
 *   zero-filling the rest. No allocation per quantum.
 *
 * Counters, in the layout's ring metadata (`RingMeta`), readable from any side:
 *
 * - overruns: frames the producer could not push when they were first offered because the ring
 *   was full, counted once per frame whether they were then held back (pushed later by `pump`)
 *   or dropped;
 * - underruns: quanta that found fewer frames than they needed while playing (from the first
 *   frame popped until the producer's end of stream has been drained; the partial last quantum of
 *   a finished stream is not one).
 *
 * The ring is stereo: mono input feeds both channels, input beyond two channels is not streamed
 * (channels 0 and 1 are); a mono output gets the left channel.
 */
import { RENDER_QUANTUM_FRAMES } from '../../dsp-stages/types.ts';
import { RingBuffer } from 'ringbuf.js';
import { RING_CHANNELS, RingMeta, type PoolLayout } from './layout.ts';

export interface RingStats {
  capacityFrames: number;
  /** Frames queued in the ring now. */
  bufferedFrames: number;
  framesWritten: number;
  framesRead: number;
  overruns: number;
  underruns: number;
  ended: boolean;
  playing: boolean;
}

function ringOf(layout: PoolLayout, index: number): { ring: RingBuffer; meta: Int32Array } {
  const storage = layout.rings[index];
  const meta = layout.ringMeta[index];
  if (!storage || !meta) throw new Error(`ring ${index} does not exist (the layout has ${layout.rings.length})`);
  return { ring: new RingBuffer(storage, Float32Array), meta };
}

/** The ring's counters (any side). */
export function ringStats(layout: PoolLayout, index: number): RingStats {
  const { ring, meta } = ringOf(layout, index);
  return ringStatsFrom(ring, meta);
}

interface Held {
  planes: Float32Array[];
  pos: number;
  end: number;
}

export type OverrunPolicy = 'hold' | 'drop';

export class RingProducer {
  private readonly ring: RingBuffer;
  private readonly meta: Int32Array;
  private readonly scratch: Float32Array;
  private readonly held: Held[] = [];
  private endRequested = false;

  constructor(
    layout: PoolLayout,
    readonly index: number,
    readonly policy: OverrunPolicy = 'hold',
    /** Frames interleaved per push (the scratch size). */
    scratchFrames = 4096,
  ) {
    if (policy !== 'hold' && policy !== 'drop') throw new Error(`RingProducer: policy must be "hold" or "drop", got ${String(policy)}`);
    ({ ring: this.ring, meta: this.meta } = ringOf(layout, index));
    this.scratch = new Float32Array(scratchFrames * RING_CHANNELS);
    Atomics.store(this.meta, RingMeta.ended, 0);
  }

  /** Frames waiting in the producer (held back because the ring was full). */
  get pending(): number {
    let n = 0;
    for (const h of this.held) n += h.end - h.pos;
    return n;
  }

  /** Interleaves planes[pos..) into the ring until it is full; returns frames pushed. */
  private pushFrom(planes: readonly Float32Array[], pos: number, end: number): number {
    const left = planes[0]!;
    const right = planes[1] ?? left;
    const cap = this.scratch.length / RING_CHANNELS;
    let pushed = 0;
    while (pos + pushed < end) {
      const room = Math.floor(this.ring.availableWrite() / RING_CHANNELS);
      const n = Math.min(end - pos - pushed, cap, room);
      if (n <= 0) break;
      const s = this.scratch;
      for (let i = 0, p = pos + pushed; i < n; i++, p++) {
        s[2 * i] = left[p]!;
        s[2 * i + 1] = right[p]!;
      }
      this.ring.push(s, n * RING_CHANNELS);
      pushed += n;
    }
    if (pushed > 0) Atomics.add(this.meta, RingMeta.framesWritten, pushed);
    return pushed;
  }

  /**
   * Offers frames [start, start + frames) of `channelData` (one array per channel, kept by
   * reference while held back). Returns the frames pushed now; the rest are held back or dropped
   * (policy) and count as overruns.
   */
  write(channelData: readonly Float32Array[], start = 0, frames?: number): number {
    if (this.endRequested) throw new Error('RingProducer: write after end()');
    if (channelData.length === 0) throw new Error('RingProducer: no channels given');
    const len = channelData[0]!.length;
    const count = frames ?? len - start;
    if (!(Number.isInteger(start) && Number.isInteger(count) && start >= 0 && count >= 0 && start + count <= len)) {
      throw new Error(`RingProducer: frames ${start}..${start + count} outside the ${len} given`);
    }
    if (channelData.some((p) => p.length < start + count)) throw new Error('RingProducer: channels of different lengths');
    // frames already held back go first (order is kept)
    if (this.held.length > 0) this.pump();
    const pushed = this.held.length === 0 ? this.pushFrom(channelData, start, start + count) : 0;
    const rest = count - pushed;
    if (rest > 0) {
      Atomics.add(this.meta, RingMeta.overruns, rest);
      if (this.policy === 'hold') this.held.push({ planes: [...channelData], pos: start + pushed, end: start + count });
    }
    return pushed;
  }

  /** Pushes held-back frames while there is room; returns the frames still held. */
  pump(): number {
    while (this.held.length > 0) {
      const h = this.held[0]!;
      h.pos += this.pushFrom(h.planes, h.pos, h.end);
      if (h.pos < h.end) break;
      this.held.shift();
    }
    if (this.endRequested && this.held.length === 0) Atomics.store(this.meta, RingMeta.ended, 1);
    return this.pending;
  }

  /** No more writes: the end of stream is published once the held-back frames are pushed. */
  end(): void {
    this.endRequested = true;
    this.pump();
  }

  stats(): RingStats {
    return ringStatsFrom(this.ring, this.meta);
  }
}

function ringStatsFrom(ring: RingBuffer, meta: Int32Array): RingStats {
  return {
    capacityFrames: ring.capacity() / RING_CHANNELS,
    bufferedFrames: ring.availableRead() / RING_CHANNELS,
    framesWritten: Atomics.load(meta, RingMeta.framesWritten),
    framesRead: Atomics.load(meta, RingMeta.framesRead),
    overruns: Atomics.load(meta, RingMeta.overruns),
    underruns: Atomics.load(meta, RingMeta.underruns),
    ended: Atomics.load(meta, RingMeta.ended) === 1,
    playing: Atomics.load(meta, RingMeta.playing) === 1,
  };
}

export class RingConsumer {
  private readonly ring: RingBuffer;
  private readonly meta: Int32Array;
  private readonly scratch: Float32Array;
  private playing = false;

  constructor(
    layout: PoolLayout,
    readonly index: number,
    readonly maxQuantum = RENDER_QUANTUM_FRAMES,
  ) {
    if (!(Number.isInteger(maxQuantum) && maxQuantum > 0))
      throw new Error(`RingConsumer: maxQuantum ${maxQuantum} is not a positive integer`);
    ({ ring: this.ring, meta: this.meta } = ringOf(layout, index));
    this.scratch = new Float32Array(maxQuantum * RING_CHANNELS);
  }

  /**
   * Fills `outputs` (1 or 2 channel arrays of one quantum, at most `maxQuantum` frames) from the
   * ring; returns the frames taken. Allocates nothing.
   */
  process(outputs: Float32Array[]): number {
    const out0 = outputs[0];
    if (!out0) return 0;
    const n = Math.min(out0.length, this.maxQuantum);
    const got = this.ring.pop(this.scratch, n * RING_CHANNELS) / RING_CHANNELS;
    const s = this.scratch;
    const out1 = outputs[1];
    for (let i = 0; i < got; i++) out0[i] = s[2 * i]!;
    out0.fill(0, got);
    if (out1) {
      for (let i = 0; i < got; i++) out1[i] = s[2 * i + 1]!;
      out1.fill(0, got);
    }
    if (got > 0) {
      Atomics.add(this.meta, RingMeta.framesRead, got);
      if (!this.playing) {
        this.playing = true;
        Atomics.store(this.meta, RingMeta.playing, 1);
      }
    }
    if (this.playing && got < out0.length) {
      const finished = Atomics.load(this.meta, RingMeta.ended) === 1 && this.ring.empty();
      if (finished) {
        this.playing = false;
        Atomics.store(this.meta, RingMeta.playing, 0);
      } else {
        Atomics.add(this.meta, RingMeta.underruns, 1);
      }
    }
    return got;
  }

  stats(): RingStats {
    return ringStatsFrom(this.ring, this.meta);
  }
}
