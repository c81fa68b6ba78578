/**
 * A job's staged bytes (worker-io.ts `jobBytes`): the view at the offset and length the message
 * names inside its staging buffer, and a clear error for a range outside it.
 */
import { describe, expect, it } from 'vitest';
import { createPoolLayout, region, STAGING } from '../../../worklet/pool/layout.ts';
import { POOL_REGIONS } from '../../../worklet/pool/tasks.ts';
import type { WorkerContext } from '../../../worklet/pool/task-kind.ts';
import { jobBytes } from './worker-io.ts';

const layout = createPoolLayout(POOL_REGIONS);
const ctx = { needLayout: () => layout } as unknown as WorkerContext;
const slot = region(layout, STAGING).items[1]!;

describe('jobBytes', () => {
  it('is the staged range: offset and length as named, in the named buffer', () => {
    slot.set([9, 8, 7, 6, 5, 4, 3, 2, 1], 0);
    const got = jobBytes(ctx, { mode: 'shared', slot: 1, byte_offset: 3, byte_length: 4 });
    expect([...got]).toEqual([6, 5, 4, 3]);
    expect(got.buffer).toBe(slot.buffer);
    expect(got.byteOffset).toBe(slot.byteOffset + 3);
  });

  it.each([
    { at: 8, n: slot.length - 7 },
    { at: -1, n: 2 },
    { at: 0.5, n: 2 },
    { at: 0, n: -1 },
  ])('refuses bytes $at + $n: outside the buffer or not whole', ({ at, n }) => {
    expect(() => jobBytes(ctx, { mode: 'shared', slot: 1, byte_offset: at, byte_length: n })).toThrow(
      /are not inside a \d+-byte staging buffer/,
    );
  });

  it('names a staging buffer that does not exist', () => {
    expect(() => jobBytes(ctx, { mode: 'shared', slot: 99, byte_offset: 0, byte_length: 1 })).toThrow('staging buffer 99 does not exist');
  });

  it('gives a messages-mode job its own bytes', () => {
    const bytes = new Uint8Array([1, 2, 3]).buffer;
    expect([...jobBytes(ctx, { mode: 'messages', bytes })]).toEqual([1, 2, 3]);
  });
});
