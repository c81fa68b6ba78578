/** loopPlayback: a decoded file written over and over, LOOP_LEAD_FRAMES ahead of what the worklet has read. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LOOP_LEAD_FRAMES, loopPlayback, type Playback } from './playback.ts';
import type { RingStats } from './pool/stream.ts';

/** A playback that records what is written; `read` frames have been taken by the "worklet". */
function fakePlayback(): Playback & { written: number[][]; read: number; stopped: boolean } {
  const fake = {
    mode: 'ring' as const,
    written: [[], []] as number[][],
    read: 0,
    stopped: false,
    write(planes: readonly Float32Array[]) {
      planes.forEach((p, ch) => fake.written[ch]!.push(...p));
    },
    end() {},
    stats(): RingStats {
      const w = fake.written[0]!.length;
      return {
        capacityFrames: 65536,
        bufferedFrames: w - fake.read,
        framesWritten: w,
        framesRead: fake.read,
        overruns: 0,
        underruns: 0,
        ended: false,
        playing: true,
      };
    },
    stop() {
      fake.stopped = true;
    },
  };
  return fake;
}

describe('loopPlayback', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('keeps LOOP_LEAD_FRAMES queued, wraps to the start of the file, and stops the playback', () => {
    const frames = 10_000; // not a multiple of the chunk: the wrap falls inside a write
    const left = Float32Array.from({ length: frames }, (_, i) => i);
    const right = Float32Array.from({ length: frames }, (_, i) => -i);
    const pb = fakePlayback();
    const loop = loopPlayback(pb, [left, right]);
    expect(loop.frames).toBe(frames);
    const queued = () => pb.written[0]!.length - pb.read;
    expect(queued()).toBeGreaterThanOrEqual(LOOP_LEAD_FRAMES);
    pb.read += 30_000;
    vi.advanceTimersByTime(100);
    expect(queued()).toBeGreaterThanOrEqual(LOOP_LEAD_FRAMES);
    expect(loop.framesPlayed()).toBe(30_000);
    // every written frame is the file's frame at its position modulo the file's length
    pb.written[0]!.forEach((v, i) => {
      if (v !== i % frames) throw new Error(`left frame ${i}: ${v}, expected ${i % frames}`);
    });
    pb.written[1]!.forEach((v, i) => {
      if (v !== -(i % frames)) throw new Error(`right frame ${i}: ${v}, expected ${-(i % frames)}`);
    });
    loop.stop();
    const n = pb.written[0]!.length;
    pb.read = n;
    vi.advanceTimersByTime(100);
    expect(pb.written[0]!.length, 'nothing written after stop').toBe(n);
    expect(pb.stopped).toBe(true);
  });

  it('refuses an empty file', () => {
    expect(() => loopPlayback(fakePlayback(), [new Float32Array(0)])).toThrow(/at least one frame/);
  });
});
