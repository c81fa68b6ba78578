import { describe, expect, it } from 'vitest';
import {
  HEADER_BYTES,
  SHARED_COPY_ALIGN,
  copyOffset,
  Hdr,
  MAX_REGIONS,
  MAX_WORKERS,
  OFFSETS,
  POOL_LAYOUT_VERSION,
  POOL_MAGIC,
  RING_CAPACITY_SAMPLES,
  RING_COUNT,
  RegionWord,
  REGION_ENTRY_WORDS,
  RingMeta,
  createPoolLayout,
  parsePoolLayout,
  planRegions,
  readRegion,
  readWorkerState,
  region,
  regionItem,
  regionItemOffset,
  regionSequence,
  setWorkerState,
  writeRegion,
  type RegionSpec,
} from './layout.ts';

/** Regions as task kinds would declare them: small settings, page-aligned buffers. */
const SETTINGS: RegionSpec = { name: 'settings', count: 8, itemBytes: 32 };
const OUTPUTS: RegionSpec = { name: 'outputs', count: 8, itemBytes: 32768, align: 0x1000 };
const INPUTS: RegionSpec = { name: 'inputs', count: 4, itemBytes: 1 << 20, align: 0x1000 };
const SPECS = [SETTINGS, OUTPUTS, INPUTS];
const TOTAL = 0x41000 + 4 * (1 << 20);

/** A copy of a layout's buffers (a foreign side's view of the same bytes). */
function copyHandles(layout: ReturnType<typeof createPoolLayout>) {
  const buffer = new SharedArrayBuffer(layout.buffer.byteLength);
  new Uint8Array(buffer).set(new Uint8Array(layout.buffer));
  return { buffer, rings: [...layout.rings] };
}

describe('pool layout', () => {
  it('builds the fixed parts and the regions with magic "RAUD", version, sizes and the region table in the header', () => {
    const layout = createPoolLayout(SPECS);
    const h = layout.header;
    expect(h[Hdr.magic]).toBe(0x52415544);
    expect(String.fromCharCode(...new Uint8Array(layout.buffer, 0, 4).reverse())).toBe('RAUD');
    expect(h[Hdr.version]).toBe(POOL_LAYOUT_VERSION);
    expect(POOL_LAYOUT_VERSION).toBe(2);
    expect(h[Hdr.totalBytes]).toBe(layout.buffer.byteLength);
    expect(layout.totalBytes).toBe(TOTAL);
    expect(h[Hdr.ringCount]).toBe(3);
    expect(h[Hdr.regionCount]).toBe(3);
    expect(layout.rings).toHaveLength(RING_COUNT);
    expect(layout.workerState.length).toBe(MAX_WORKERS * 2);
    // each region at the next multiple of its alignment, in the order given
    expect(layout.regions.map((r) => [r.name, r.offset, r.count, r.itemBytes])).toEqual([
      ['settings', 0x200, 8, 32],
      ['outputs', 0x1000, 8, 32768],
      ['inputs', 0x41000, 4, 1 << 20],
    ]);
    expect(planRegions(SPECS).totalBytes).toBe(TOTAL);
    expect(region(layout, INPUTS).items[3]!.byteOffset + (1 << 20)).toBe(TOTAL);
    expect(regionItemOffset(layout, 'outputs', 7)).toBe(0x1000 + 7 * 32768);
    expect(regionItem(layout, SETTINGS, 1).length).toBe(32);
    // the fixed parts do not overlap and keep their order
    expect(OFFSETS.workerState + MAX_WORKERS * 8).toBeLessThanOrEqual(OFFSETS.ringMeta);
    expect(OFFSETS.ringMeta + RING_COUNT * 64).toBeLessThanOrEqual(OFFSETS.regions);
    expect(Hdr.regionTable + MAX_REGIONS * REGION_ENTRY_WORDS).toBeLessThanOrEqual(HEADER_BYTES / 4);
    // ring metadata: capacity and channels
    for (const meta of layout.ringMeta) {
      expect(meta[RingMeta.capacity]).toBe(RING_CAPACITY_SAMPLES);
      expect(meta[RingMeta.channels]).toBe(2);
    }
    // no regions: the fixed parts alone (rings only)
    const bare = createPoolLayout();
    expect(bare.regions).toEqual([]);
    expect(bare.totalBytes).toBe(OFFSETS.regions);
  });

  it('parses on another side to views over the same memory (round trip), with or without the region list', () => {
    const a = createPoolLayout(SPECS);
    const b = parsePoolLayout(a.handles, SPECS);
    const c = parsePoolLayout(a.handles);
    expect(c.regions.map((r) => r.name)).toEqual(['settings', 'outputs', 'inputs']);
    setWorkerState(a, 5, 'busy', 1234);
    expect(readWorkerState(b, 5)).toEqual({ state: 'busy', taskId: 1234 });
    setWorkerState(b, 5, 'idle');
    expect(readWorkerState(a, 5)).toEqual({ state: 'idle', taskId: 0 });
    regionItem(a, OUTPUTS, 7)[32767] = 25;
    expect(regionItem(c, OUTPUTS, 7)[32767]).toBe(25);
    regionItem(a, INPUTS, 2)[(1 << 20) - 1] = 77;
    expect(new Uint8Array(b.buffer)[regionItemOffset(b, INPUTS, 2) + (1 << 20) - 1]).toBe(77);
    Atomics.add(a.ringMeta[1]!, RingMeta.underruns, 3);
    expect(b.ringMeta[1]![RingMeta.underruns]).toBe(3);
  });

  it('publishes a whole region under its sequence word (odd while written)', () => {
    const a = createPoolLayout(SPECS);
    const b = parsePoolLayout(a.handles);
    let during = -1;
    writeRegion(a, SETTINGS, (bytes) => {
      expect(bytes.length).toBe(8 * 32);
      during = regionSequence(b, SETTINGS);
      bytes[255] = 9;
    });
    expect(during % 2).toBe(1);
    expect(regionSequence(b, 'settings')).toBe(2);
    expect(readRegion(b, SETTINGS, (bytes) => bytes[255])).toBe(9);
    // the other regions' words are their own
    expect(regionSequence(b, OUTPUTS)).toBe(0);
    // a writer that never finishes: the reader gives up after its tries
    Atomics.add(a.header, Hdr.regionTable + RegionWord.sequence, 1);
    let reads = 0;
    expect(readRegion(b, SETTINGS, () => reads++, 8)).toBeNull();
    expect(reads).toBe(0);
  });

  it('refuses bad region lists, naming the problem', () => {
    expect(() => createPoolLayout([SETTINGS, { ...OUTPUTS, name: 'settings' }])).toThrow('pool layout: two regions named "settings"');
    expect(() => createPoolLayout([{ name: 'a-name-longer-than-16', count: 1, itemBytes: 8 }])).toThrow(
      'is not 1 to 16 printable ASCII characters',
    );
    expect(() => createPoolLayout([{ name: 'odd', count: 1, itemBytes: 12 }])).toThrow(
      'pool layout: region "odd": item size 12 is not a multiple of 8 bytes',
    );
    expect(() => createPoolLayout([{ name: 'skew', count: 1, itemBytes: 8, align: 12 }])).toThrow(
      'alignment 12 is not a power of two of at least 8',
    );
    expect(() => createPoolLayout(Array.from({ length: MAX_REGIONS + 1 }, (_, i) => ({ name: `r${i}`, count: 1, itemBytes: 8 })))).toThrow(
      `pool layout: ${MAX_REGIONS + 1} regions, the header has room for ${MAX_REGIONS}`,
    );
    const layout = createPoolLayout(SPECS);
    expect(() => region(layout, 'nowhere')).toThrow('pool layout: no region "nowhere" (regions: settings, outputs, inputs)');
    expect(() => regionItem(layout, INPUTS, 4)).toThrow('pool layout: region "inputs" has no item 4 (it has 4)');
  });

  it('refuses a layout whose regions are not the ones this side expects', () => {
    const layout = createPoolLayout(SPECS);
    expect(() => parsePoolLayout(layout.handles, [SETTINGS, INPUTS])).toThrow(
      'pool layout: the header has regions "settings" 8 x 32 bytes at 0x200, "outputs" 8 x 32768 bytes at 0x1000, "inputs" 4 x 1048576 bytes at 0x41000; ' +
        'this side expects "settings" 8 x 32 bytes at 0x200, "inputs" 4 x 1048576 bytes at 0x1000',
    );
    // a region table that overlaps or runs past the buffer
    const h = copyHandles(layout);
    new Int32Array(h.buffer)[Hdr.regionTable + REGION_ENTRY_WORDS + RegionWord.offset] = 0x100;
    expect(() => parsePoolLayout(h)).toThrow(
      'pool layout: region 1 ("outputs" 8 x 32768 bytes at 0x100) is not a valid region after 0x300',
    );
  });

  it('refuses a foreign magic, naming what it found', () => {
    const h = copyHandles(createPoolLayout(SPECS));
    new Int32Array(h.buffer)[Hdr.magic] = 0x53424e43; // the telemetry buffer's "SBNC"
    expect(() => parsePoolLayout(h)).toThrow('pool layout: magic 0x53424e43 "SBNC", expected 0x52415544 "RAUD"');
  });

  it('refuses another version', () => {
    const h = copyHandles(createPoolLayout(SPECS));
    new Int32Array(h.buffer)[Hdr.version] = POOL_LAYOUT_VERSION + 1;
    expect(() => parsePoolLayout(h)).toThrow(
      `pool layout: version ${POOL_LAYOUT_VERSION + 1}, this code reads version ${POOL_LAYOUT_VERSION}`,
    );
    new Int32Array(h.buffer)[Hdr.version] = 1;
    expect(() => parsePoolLayout(h)).toThrow(`pool layout: version 1, this code reads version ${POOL_LAYOUT_VERSION}`);
  });

  it('refuses a total size that differs from the buffer or the regions', () => {
    const layout = createPoolLayout(SPECS);
    const small = new SharedArrayBuffer(TOTAL - 4096);
    new Uint8Array(small).set(new Uint8Array(layout.buffer, 0, small.byteLength));
    expect(() => parsePoolLayout({ buffer: small, rings: layout.rings })).toThrow(
      `pool layout: header says ${TOTAL} bytes, the buffer has ${TOTAL - 4096}`,
    );
    const h = copyHandles(layout);
    new Int32Array(h.buffer)[Hdr.totalBytes] = TOTAL + 8;
    expect(() => parsePoolLayout(h)).toThrow('pool layout: header says');
    expect(() => parsePoolLayout({ buffer: new SharedArrayBuffer(16), rings: [] })).toThrow('smaller than the 512-byte fixed part');
  });

  it('refuses a header field that does not match the version', () => {
    const h = copyHandles(createPoolLayout(SPECS));
    new Int32Array(h.buffer)[Hdr.ringCount] = 5;
    expect(() => parsePoolLayout(h)).toThrow('pool layout: header ringCount is 5, version 2 has 3');
  });

  it('refuses missing or mis-sized ring buffers', () => {
    const layout = createPoolLayout(SPECS);
    expect(() => parsePoolLayout({ buffer: layout.buffer, rings: layout.rings.slice(0, 2) })).toThrow(
      'pool layout: 2 ring buffers given, the header says 3',
    );
    const rings = [...layout.rings];
    rings[1] = new SharedArrayBuffer(1024);
    expect(() => parsePoolLayout({ buffer: layout.buffer, rings })).toThrow('pool layout: ring 1 has 1024 bytes');
  });

  it('checks worker slots', () => {
    const layout = createPoolLayout();
    expect(() => setWorkerState(layout, MAX_WORKERS, 'idle')).toThrow('worker slot 8 outside 0..7');
    expect(POOL_MAGIC).toBe(0x52415544);
  });
});

describe('copyOffset', () => {
  it('places bytes so that their address agrees with the source modulo SHARED_COPY_ALIGN', () => {
    for (const base of [0, 3, 64, 4099]) {
      for (let source = 0; source < 40; source++) {
        const at = copyOffset(source, base);
        expect(at).toBeGreaterThanOrEqual(0);
        expect(at).toBeLessThan(SHARED_COPY_ALIGN);
        expect(Math.abs(base + at - source) % SHARED_COPY_ALIGN).toBe(0);
      }
    }
    expect(copyOffset(44, 0)).toBe(4); // a WAV's data, 44 bytes into its file
  });
});
