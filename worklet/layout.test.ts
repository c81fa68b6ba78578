import { describe, expect, it } from 'vitest';
import {
  CONTROL_SLOTS,
  Ctl,
  LAYOUT_MAGIC,
  LAYOUT_VERSION,
  SCOPE_CAPACITY_SAMPLES,
  TIMING_SLOTS,
  FIGURE_SLOTS,
  VISUAL_CAPACITY_FLOATS,
  VISUAL_SLOTS,
  Tim,
  beginVisual,
  endVisual,
  layOutVisualSlots,
  overDeadlineStepMs,
  quantumDeadlineMs,
  readVisual,
  createTelemetryBuffer,
  readScope,
  snapshot,
  telemetryBytes,
  telemetryViews,
  writeScope,
} from './layout.ts';

function ramp(start: number, n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => start + i);
}

describe('telemetry buffer', () => {
  it('is shared or plain as asked, sized for the scope ring, stamped with magic and version', () => {
    const shared = createTelemetryBuffer(true);
    expect(shared).toBeInstanceOf(SharedArrayBuffer);
    expect(shared.byteLength).toBe(telemetryBytes());
    expect(telemetryBytes()).toBe(
      CONTROL_SLOTS * 4 + TIMING_SLOTS * 8 + VISUAL_SLOTS * FIGURE_SLOTS * 8 + (SCOPE_CAPACITY_SAMPLES + VISUAL_CAPACITY_FLOATS) * 4,
    );
    const plain = createTelemetryBuffer(false, 300);
    expect(plain).toBeInstanceOf(ArrayBuffer);
    const views = telemetryViews(plain);
    expect(views.control[Ctl.magic]).toBe(LAYOUT_MAGIC);
    expect(views.control[Ctl.version]).toBe(LAYOUT_VERSION);
    expect(views.scope.length).toBe(300);
    expect(views.timing.length).toBe(TIMING_SLOTS);
    expect(views.visual.length).toBe(VISUAL_CAPACITY_FLOATS);
    expect(views.figures.map((f) => f.length)).toEqual(new Array(VISUAL_SLOTS).fill(FIGURE_SLOTS));
    // the Float64 regions after the control slots are 8-byte aligned
    expect((CONTROL_SLOTS * 4) % 8).toBe(0);
  });

  it('refuses a buffer with the wrong magic', () => {
    const foreign = new ArrayBuffer(telemetryBytes(16));
    expect(() => telemetryViews(foreign)).toThrow(
      `telemetry buffer has magic 0x0 version 0, expected 0x53424e43 version ${LAYOUT_VERSION}`,
    );
  });

  it('refuses a buffer with the wrong version', () => {
    const buffer = createTelemetryBuffer(true, 16);
    new Int32Array(buffer, 0, CONTROL_SLOTS)[Ctl.version] = LAYOUT_VERSION + 1;
    expect(() => telemetryViews(buffer)).toThrow(`version ${LAYOUT_VERSION + 1}, expected 0x53424e43 version ${LAYOUT_VERSION}`);
  });
});

describe('telemetry buffer size', () => {
  it('refuses a buffer whose size disagrees with its header', () => {
    const buffer = createTelemetryBuffer(false, 16, 32);
    const bigger = new ArrayBuffer(buffer.byteLength + 8);
    new Uint8Array(bigger).set(new Uint8Array(buffer));
    expect(() => telemetryViews(bigger)).toThrow(
      `telemetry buffer is ${buffer.byteLength + 8} bytes, its header describes ${buffer.byteLength}`,
    );
  });
});

describe('visual frame', () => {
  it('reads nothing before the first frame, then the newest complete frame', () => {
    const views = telemetryViews(createTelemetryBuffer(true, 16, 8));
    const out = new Float32Array(8);
    expect(readVisual(views, out)).toEqual({ seq: -1, length: 0 });
    beginVisual(views);
    views.visual.set([1, 2, 3]);
    // a frame being written is not read
    expect(readVisual(views, out).seq).toBe(-1);
    endVisual(views, 3);
    expect(readVisual(views, out)).toEqual({ seq: 2, length: 3 });
    expect([...out.subarray(0, 3)]).toEqual([1, 2, 3]);
  });

  it('keeps one frame and one set of figures per slot, each under its own sequence lock', () => {
    const views = telemetryViews(createTelemetryBuffer(true, 16, 10));
    // 3 + 5 floats fit in 10; the third frame (4) does not: its slot gets no target
    const targets = layOutVisualSlots(views, [3, 5, 4]);
    expect(targets.map((t) => t.length)).toEqual([3, 5, 0]);
    expect(views.figures.every((f) => f.every(Number.isNaN))).toBe(true);
    beginVisual(views, 1);
    targets[1]!.set([10, 11, 12, 13, 14]);
    views.figures[1]![0] = 440;
    endVisual(views, 5, 1);
    beginVisual(views, 0);
    targets[0]!.set([1, 2, 3]);
    endVisual(views, 3, 0);
    const out = new Float32Array(8);
    expect(readVisual(views, out, 1)).toEqual({ seq: 2, length: 5 });
    expect([...out.subarray(0, 5)]).toEqual([10, 11, 12, 13, 14]);
    expect(readVisual(views, out, 0)).toEqual({ seq: 2, length: 3 });
    expect([...out.subarray(0, 3)]).toEqual([1, 2, 3]);
    expect(readVisual(views, out, 2)).toEqual({ seq: -1, length: 0 });
    expect(views.figures[1]![0]).toBe(440);
    // a slot being written is not read; the others still are
    beginVisual(views, 1);
    expect(readVisual(views, out, 1).seq).toBe(-1);
    expect(readVisual(views, out, 0).seq).toBe(2);
    // laying the slots out again (a new stage) clears lengths and figures
    layOutVisualSlots(views, [2]);
    endVisual(views, 0, 1);
    expect(readVisual(views, out, 1)).toEqual({ seq: 4, length: 0 });
    expect(Number.isNaN(views.figures[1]![0]!)).toBe(true);
  });
});

describe('scope ring', () => {
  it('round-trips quanta through writeScope/readScope across the wrap', () => {
    const views = telemetryViews(createTelemetryBuffer(true, 300));
    const quanta = [0, 1, 2, 3, 4].map((q) => ramp(q * 128, 128));
    quanta.forEach((q) => writeScope(views, q));
    // 640 samples into a 300-sample ring: wrapped twice, the last quantum across the end
    expect(Atomics.load(views.control, Ctl.writePos)).toBe(640 % 300);
    const newest = new Float32Array(256);
    readScope(views, newest);
    expect([...newest]).toEqual([...quanta[3]!, ...quanta[4]!]);
    const all = new Float32Array(300);
    readScope(views, all);
    expect([...all]).toEqual([...ramp(340, 300)]);
  });

  it('wraps exactly at the end without leaving the write position at the capacity', () => {
    const views = telemetryViews(createTelemetryBuffer(false, 256));
    writeScope(views, ramp(0, 128));
    writeScope(views, ramp(128, 128));
    expect(Atomics.load(views.control, Ctl.writePos)).toBe(0);
    const out = new Float32Array(128);
    readScope(views, out);
    expect([...out]).toEqual([...ramp(128, 128)]);
  });

  it('reads at most the capacity and leaves the rest of a longer output untouched', () => {
    const views = telemetryViews(createTelemetryBuffer(false, 200));
    writeScope(views, ramp(0, 128));
    writeScope(views, ramp(128, 128)); // wraps: ring holds 56..255
    const out = new Float32Array(250).fill(-1);
    readScope(views, out);
    expect([...out.subarray(0, 200)]).toEqual([...ramp(56, 200)]);
    expect(out.subarray(200).every((v) => v === -1)).toBe(true);
  });

  it.each([441, 1024])('keeps the newest samples of %i-frame quanta over many laps of the full-size ring', (q) => {
    const views = telemetryViews(createTelemetryBuffer(true));
    // 32768 is no multiple of 441: quanta straddle the end at ever other places
    const quanta = Math.ceil((3 * SCOPE_CAPACITY_SAMPLES) / q) + 1;
    for (let i = 0; i < quanta; i++) writeScope(views, ramp(i * q, q));
    const total = quanta * q;
    expect(Atomics.load(views.control, Ctl.writePos)).toBe(total % SCOPE_CAPACITY_SAMPLES);
    const newest = new Float32Array(2 * q + 7);
    readScope(views, newest);
    expect([...newest]).toEqual([...ramp(total - newest.length, newest.length)]);
    const all = new Float32Array(SCOPE_CAPACITY_SAMPLES);
    readScope(views, all);
    expect(all[0]).toBe(total - SCOPE_CAPACITY_SAMPLES);
    expect(all[SCOPE_CAPACITY_SAMPLES - 1]).toBe(total - 1);
  });

  it('keeps the newest samples of a quantum longer than the ring', () => {
    const views = telemetryViews(createTelemetryBuffer(false, 300));
    writeScope(views, ramp(0, 1024));
    const out = new Float32Array(300);
    readScope(views, out);
    expect([...out]).toEqual([...ramp(724, 300)]);
  });

  it('copies samples bit for bit on the fast path', () => {
    const views = telemetryViews(createTelemetryBuffer(true));
    const q = new Float32Array(128);
    const bits = new Uint32Array(q.buffer);
    bits[0] = 0x7f800001; // signalling NaN
    bits[1] = 0x80000000; // -0
    writeScope(views, q);
    const out = new Float32Array(128);
    readScope(views, out);
    expect(new Uint32Array(views.scope.buffer, views.scope.byteOffset, 2)[0]).toBe(0x7f800001);
    expect(new Uint32Array(out.buffer)[1]).toBe(0x80000000);
  });
});

describe('deadline of a quantum', () => {
  it('is quantum / sampleRate, and the Date.now() step that proves it overrun is floor(deadline) + 2', () => {
    expect(quantumDeadlineMs(48000, 128)).toBeCloseTo(2.6667, 4);
    expect(quantumDeadlineMs(44100, 441)).toBeCloseTo(10, 9);
    expect(quantumDeadlineMs(48000, 1024)).toBeCloseTo(21.3333, 4);
    expect(overDeadlineStepMs(48000, 128)).toBe(4);
    expect(overDeadlineStepMs(96000, 128)).toBe(3);
    expect(overDeadlineStepMs(48000, 64)).toBe(3);
    expect(overDeadlineStepMs(48000, 256)).toBe(7);
    // exactly 10 ms: a 11 ms step is possible for a callback of 10.0x ms, so 12
    expect(overDeadlineStepMs(44100, 441)).toBe(12);
    expect(overDeadlineStepMs(48000, 1024)).toBe(23);
  });
});

describe('snapshot', () => {
  it('reads every control and timing slot', () => {
    const views = telemetryViews(createTelemetryBuffer(true, 16));
    Atomics.store(views.control, Ctl.writePos, 5);
    Atomics.store(views.control, Ctl.quantumCount, 42);
    Atomics.store(views.control, Ctl.wasmStatus, 2);
    Atomics.store(views.control, Ctl.stageErrors, 3);
    Atomics.store(views.control, Ctl.wasmAllocCount, 7);
    views.timing[Tim.loadMeanPct] = 1.5;
    views.timing[Tim.sampleRate] = 48000;
    views.timing[Tim.quantumFrames] = 441;
    expect(snapshot(views)).toMatchObject({
      quantumFrames: 441,
      writePos: 5,
      quantumCount: 42,
      wasmStatus: 'fallback',
      stageErrors: 3,
      wasmAllocCount: 7,
      loadMeanPct: 1.5,
      sampleRate: 48000,
    });
    Atomics.store(views.control, Ctl.wasmStatus, 9);
    expect(snapshot(views).wasmStatus).toBe('loading');
  });
});
