import { describe, expect, it } from 'vitest';
import {
  DECODE_BUFFER_BYTES,
  DECODE_BUFFER_COUNT,
  FFT_BUFFER_COUNT,
  FFT_COMPLEX_PER_BUFFER,
  Hdr,
  MAX_WORKERS,
  OFFSETS,
  POOL_LAYOUT_VERSION,
  POOL_MAGIC,
  POOL_TOTAL_BYTES,
  RING_CAPACITY_SAMPLES,
  RING_COUNT,
  RingMeta,
  createPoolLayout,
  decodeBufferOffset,
  fftBufferOffset,
  parsePoolLayout,
  readEqBands,
  readWorkerState,
  setWorkerState,
  writeEqBands,
} from './layout.ts';

/** A copy of a layout's buffers (a foreign side's view of the same bytes). */
function copyHandles(layout: ReturnType<typeof createPoolLayout>) {
  const buffer = new SharedArrayBuffer(layout.buffer.byteLength);
  new Uint8Array(buffer).set(new Uint8Array(layout.buffer));
  return { buffer, rings: [...layout.rings] };
}

describe('pool layout', () => {
  it('builds the seed regions with magic "RAUD", version, sizes and offsets in the header', () => {
    const layout = createPoolLayout();
    const h = layout.header;
    expect(h[Hdr.magic]).toBe(0x52415544);
    expect(String.fromCharCode(...new Uint8Array(layout.buffer, 0, 4).reverse())).toBe('RAUD');
    expect(h[Hdr.version]).toBe(POOL_LAYOUT_VERSION);
    expect(h[Hdr.totalBytes]).toBe(layout.buffer.byteLength);
    expect(h[Hdr.ringCount]).toBe(3);
    expect(h[Hdr.fftCount]).toBe(8);
    expect(h[Hdr.fftComplexPerBuffer]).toBe(4096);
    expect(h[Hdr.decodeCount]).toBe(4);
    expect(h[Hdr.decodeBytes]).toBe(1 << 20);
    expect(layout.rings).toHaveLength(RING_COUNT);
    expect(layout.fft).toHaveLength(FFT_BUFFER_COUNT);
    expect(layout.fft[0]!.length).toBe(FFT_COMPLEX_PER_BUFFER * 2);
    expect(layout.decode).toHaveLength(DECODE_BUFFER_COUNT);
    expect(layout.decode[3]!.byteOffset + DECODE_BUFFER_BYTES).toBe(POOL_TOTAL_BYTES);
    expect(layout.workerState.length).toBe(MAX_WORKERS * 2);
    // regions do not overlap and keep their order
    expect(OFFSETS.workerState + MAX_WORKERS * 8).toBeLessThanOrEqual(OFFSETS.ringMeta);
    expect(OFFSETS.ringMeta + RING_COUNT * 64).toBeLessThanOrEqual(OFFSETS.eq);
    expect(OFFSETS.eq + 8 * 32).toBeLessThanOrEqual(OFFSETS.fft);
    expect(fftBufferOffset(FFT_BUFFER_COUNT - 1) + FFT_COMPLEX_PER_BUFFER * 8).toBe(OFFSETS.decode);
    expect(decodeBufferOffset(1) - decodeBufferOffset(0)).toBe(DECODE_BUFFER_BYTES);
    // ring metadata: capacity and channels
    for (const meta of layout.ringMeta) {
      expect(meta[RingMeta.capacity]).toBe(RING_CAPACITY_SAMPLES);
      expect(meta[RingMeta.channels]).toBe(2);
    }
  });

  it('parses on another side to views over the same memory (round trip)', () => {
    const a = createPoolLayout();
    const b = parsePoolLayout(a.handles);
    setWorkerState(a, 5, 'busy', 1234);
    expect(readWorkerState(b, 5)).toEqual({ state: 'busy', taskId: 1234 });
    setWorkerState(b, 5, 'idle');
    expect(readWorkerState(a, 5)).toEqual({ state: 'idle', taskId: 0 });
    a.fft[7]![8191] = 0.25;
    expect(b.fft[7]![8191]).toBe(0.25);
    a.decode[2]![DECODE_BUFFER_BYTES - 1] = 77;
    expect(new Uint8Array(b.buffer)[decodeBufferOffset(2) + DECODE_BUFFER_BYTES - 1]).toBe(77);
    Atomics.add(a.ringMeta[1]!, RingMeta.underruns, 3);
    expect(b.ringMeta[1]![RingMeta.underruns]).toBe(3);
    const bands = [
      { kind: 1, freqHz: 1000, gainDb: 6, q: 0.7 },
      { kind: 5, freqHz: 80.5, gainDb: 0, q: -3 },
    ];
    writeEqBands(a, bands);
    const read = readEqBands(b);
    expect(read).toHaveLength(8);
    expect(read.slice(0, 2)).toEqual(bands);
    expect(read.slice(2).every((band) => band.kind === 0)).toBe(true);
    expect(b.header[Hdr.eqSeq]! % 2).toBe(0);
  });

  it('refuses a foreign magic, naming what it found', () => {
    const h = copyHandles(createPoolLayout());
    new Int32Array(h.buffer)[Hdr.magic] = 0x53424e43; // the telemetry buffer's "SBNC"
    expect(() => parsePoolLayout(h)).toThrow('pool layout: magic 0x53424e43 "SBNC", expected 0x52415544 "RAUD"');
  });

  it('refuses another version', () => {
    const h = copyHandles(createPoolLayout());
    new Int32Array(h.buffer)[Hdr.version] = POOL_LAYOUT_VERSION + 1;
    expect(() => parsePoolLayout(h)).toThrow(`pool layout: version ${POOL_LAYOUT_VERSION + 1}, this code reads version ${POOL_LAYOUT_VERSION}`);
  });

  it('refuses a total size that differs from the buffer or the version', () => {
    const layout = createPoolLayout();
    const small = new SharedArrayBuffer(POOL_TOTAL_BYTES - 4096);
    new Uint8Array(small).set(new Uint8Array(layout.buffer, 0, small.byteLength));
    expect(() => parsePoolLayout({ buffer: small, rings: layout.rings })).toThrow(
      `pool layout: header says ${POOL_TOTAL_BYTES} bytes, the buffer has ${POOL_TOTAL_BYTES - 4096}`,
    );
    const h = copyHandles(layout);
    new Int32Array(h.buffer)[Hdr.totalBytes] = POOL_TOTAL_BYTES + 8;
    expect(() => parsePoolLayout(h)).toThrow('pool layout: header says');
    expect(() => parsePoolLayout({ buffer: new SharedArrayBuffer(16), rings: [] })).toThrow('smaller than the 256-byte header');
  });

  it('refuses a header field that does not match the version', () => {
    const h = copyHandles(createPoolLayout());
    new Int32Array(h.buffer)[Hdr.decodeCount] = 5;
    expect(() => parsePoolLayout(h)).toThrow('pool layout: header decodeCount is 5, version 1 has 4');
  });

  it('refuses missing or mis-sized ring buffers', () => {
    const layout = createPoolLayout();
    expect(() => parsePoolLayout({ buffer: layout.buffer, rings: layout.rings.slice(0, 2) })).toThrow(
      'pool layout: 2 ring buffers given, the header says 3',
    );
    const rings = [...layout.rings];
    rings[1] = new SharedArrayBuffer(1024);
    expect(() => parsePoolLayout({ buffer: layout.buffer, rings })).toThrow('pool layout: ring 1 has 1024 bytes');
  });

  it('checks worker slots and EQ band counts', () => {
    const layout = createPoolLayout();
    expect(() => setWorkerState(layout, MAX_WORKERS, 'idle')).toThrow('worker slot 8 outside 0..7');
    expect(() => writeEqBands(layout, Array.from({ length: 9 }, () => ({ kind: 1, freqHz: 1, gainDb: 0, q: 1 })))).toThrow(
      '9 EQ bands given, the layout holds 8',
    );
    expect(POOL_MAGIC).toBe(0x52415544);
  });
});
