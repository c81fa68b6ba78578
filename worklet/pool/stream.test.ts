import { describe, expect, it } from 'vitest';
import { RING_FRAMES, createPoolLayout, parsePoolLayout } from './layout.ts';
import { RingConsumer, RingProducer, ringStats } from './stream.ts';

function ramp(n: number, from: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => from + i);
}

/** One quantum of output channels, reused like the worklet's. */
function outputs(frames = 128): Float32Array[] {
  return [new Float32Array(frames), new Float32Array(frames)];
}

describe('ring streaming (ringbuf.js)', () => {
  it('carries planar frames through the interleaved ring bit for bit, across the wrap', () => {
    const layout = createPoolLayout();
    const producer = new RingProducer(layout, 0);
    // the consumer on "another side": its own parse of the same buffers
    const consumer = new RingConsumer(parsePoolLayout(layout.handles), 0);
    const out = outputs();
    const total = RING_FRAMES * 3 + 77; // wraps the 65536-frame ring three times
    const left = ramp(total, 0);
    const right = ramp(total, 1e6);
    let written = 0;
    let read = 0;
    while (read < total) {
      // offer a block only when it fits: nothing is held back, so nothing overruns
      if (written < total && producer.stats().bufferedFrames <= RING_FRAMES - 5000) {
        const n = Math.min(5000, total - written);
        expect(producer.write([left, right], written, n)).toBe(n);
        written += n;
      }
      const got = consumer.process(out);
      for (let i = 0; i < got; i++) {
        if (out[0]![i] !== left[read + i] || out[1]![i] !== right[read + i]) throw new Error(`frame ${read + i} differs`);
      }
      read += got;
      if (got === 0 && written === total) break;
    }
    expect(read).toBe(total);
    const s = ringStats(layout, 0);
    expect(s).toMatchObject({ framesWritten: total, framesRead: total, overruns: 0, capacityFrames: RING_FRAMES });
  });

  it('mono input feeds both channels; a mono output gets the left one', () => {
    const layout = createPoolLayout();
    const producer = new RingProducer(layout, 1);
    const consumer = new RingConsumer(layout, 1);
    producer.write([ramp(256, 5)]);
    const out = outputs();
    expect(consumer.process(out)).toBe(128);
    expect(Array.from(out[1]!.subarray(0, 3))).toEqual([5, 6, 7]);
    const mono = [new Float32Array(128)];
    expect(consumer.process(mono)).toBe(128);
    expect(mono[0]![0]).toBe(133);
  });

  it('counts overruns once per frame held back (hold) or dropped (drop)', () => {
    const layout = createPoolLayout();
    const hold = new RingProducer(layout, 0, 'hold');
    const block = ramp(RING_FRAMES + 1000, 0);
    expect(hold.write([block, block])).toBe(RING_FRAMES);
    expect(hold.pending).toBe(1000);
    expect(ringStats(layout, 0).overruns).toBe(1000);
    expect(hold.pump()).toBe(1000); // still full: nothing moves, nothing counted again
    expect(ringStats(layout, 0).overruns).toBe(1000);
    const consumer = new RingConsumer(layout, 0);
    const out = outputs();
    for (let i = 0; i < 4; i++) consumer.process(out); // 512 frames of room
    expect(hold.pump()).toBe(488);
    // a write while frames are held queues behind them (order kept) and counts as overrun
    expect(hold.write([ramp(10, 0), ramp(10, 0)])).toBe(0);
    expect(ringStats(layout, 0).overruns).toBe(1010);
    // the held frames come out in order after the first 65536
    let next = 512;
    for (let i = 0; i < 508; i++) {
      consumer.process(out);
      for (let j = 0; j < 128; j++) if (out[0]![j] !== next + j) throw new Error(`out of order at ${next + j}`);
      next += 128;
    }
    const drop = new RingProducer(layout, 2, 'drop');
    expect(drop.write([block, block])).toBe(RING_FRAMES);
    expect(drop.pending).toBe(0);
    expect(ringStats(layout, 2).overruns).toBe(1000);
  });

  it('counts underruns while playing, not before the first frame nor at the end of the stream', () => {
    const layout = createPoolLayout();
    const producer = new RingProducer(layout, 0);
    const consumer = new RingConsumer(layout, 0);
    const out = outputs();
    consumer.process(out); // nothing yet, not playing: no underrun
    expect(ringStats(layout, 0)).toMatchObject({ underruns: 0, playing: false });
    producer.write([ramp(200, 1), ramp(200, 1)]);
    expect(consumer.process(out)).toBe(128);
    expect(ringStats(layout, 0).playing).toBe(true);
    expect(consumer.process(out)).toBe(72); // starved mid-stream: one underrun
    expect(Array.from(out[0]!.subarray(70, 74))).toEqual([199, 200, 0, 0]);
    expect(consumer.process(out)).toBe(0); // and another
    expect(ringStats(layout, 0).underruns).toBe(2);
    producer.write([ramp(100, 1), ramp(100, 1)]);
    producer.end();
    expect(consumer.process(out)).toBe(100); // the last partial quantum of a finished stream
    expect(consumer.process(out)).toBe(0);
    expect(ringStats(layout, 0)).toMatchObject({ underruns: 2, ended: true, playing: false, framesRead: 300 });
    expect(() => producer.write([ramp(1, 0)])).toThrow('RingProducer: write after end()');
  });

  it('refuses bad arguments with clear messages', () => {
    const layout = createPoolLayout();
    expect(() => new RingProducer(layout, 3)).toThrow('ring 3 does not exist (the layout has 3)');
    expect(() => new RingConsumer(layout, 0, 0)).toThrow('maxQuantum 0 is not a positive integer');
    const p = new RingProducer(layout, 0);
    expect(() => p.write([])).toThrow('no channels given');
    expect(() => p.write([new Float32Array(10)], 5, 10)).toThrow('frames 5..15 outside the 10 given');
    expect(() => p.write([new Float32Array(10), new Float32Array(4)])).toThrow('channels of different lengths');
  });

  it('moves more than 1 M samples/s (producer blocks of 4096 frames, consumer quanta of 128)', () => {
    const layout = createPoolLayout();
    const producer = new RingProducer(layout, 0);
    const consumer = new RingConsumer(layout, 0);
    const out = outputs();
    const block = [ramp(4096, 0), ramp(4096, 0)];
    const frames = 2_000_000;
    let moved = 0;
    const t0 = performance.now();
    while (moved < frames) {
      producer.write(block);
      for (let q = 0; q < 32; q++) moved += consumer.process(out);
    }
    const seconds = (performance.now() - t0) / 1000;
    const samplesPerSecond = (moved * 2) / seconds;
    console.log(
      `ring throughput: ${(samplesPerSecond / 1e6).toFixed(1)} M samples/s (${moved} stereo frames in ${(seconds * 1000).toFixed(1)} ms)`,
    );
    expect(ringStats(layout, 0).overruns).toBe(0);
    expect(samplesPerSecond).toBeGreaterThan(1e6);
  });
});
