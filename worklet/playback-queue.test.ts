import { describe, expect, it } from 'vitest';
import { PlaybackQueue } from './playback-queue.ts';

function ramp(n: number, from: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => from + i);
}

describe('PlaybackQueue (messages-mode playback in the worklet)', () => {
  it('plays queued chunks in order across chunk boundaries, stereo and mono', () => {
    const q = new PlaybackQueue();
    const out = [new Float32Array(128), new Float32Array(128)];
    expect(q.process(out)).toBe(0);
    expect(q.underruns).toBe(0); // not playing yet
    q.push([ramp(100, 0), ramp(100, 1000)], false);
    q.push([ramp(200, 100)], false); // mono: both outputs
    expect(q.process(out)).toBe(128);
    expect(Array.from(out[0]!)).toEqual(Array.from(ramp(128, 0)));
    expect(out[1]![99]).toBe(1099);
    expect(out[1]![100]).toBe(100);
    expect(q.bufferedFrames).toBe(172);
    expect(q.process(out)).toBe(128);
    expect(out[0]![0]).toBe(128);
    expect(q.process(out)).toBe(44);
    expect(out[0]![43]).toBe(299);
    expect(out[0]![44]).toBe(0);
    expect(q.underruns).toBe(1); // ran dry while playing, stream not ended
    q.push([], true);
    expect(q.process(out)).toBe(0);
    expect(q.underruns).toBe(1); // ended: no more underruns
    expect(q.finished).toBe(true);
    expect(q.framesRead).toBe(300);
  });

  it('does not count the partial last quantum of an ended stream', () => {
    const q = new PlaybackQueue();
    const out = [new Float32Array(128)];
    q.push([ramp(130, 0)], true);
    expect(q.process(out)).toBe(128);
    expect(q.process(out)).toBe(2);
    expect(q.underruns).toBe(0);
    expect(q.finished).toBe(true);
  });
});
