/**
 * The registry of pool task kinds as the pool sees it: the seed's message names, the shared
 * layout they make (where version 1 of the layout had its fixed regions), and every task message
 * through a structured clone, moving its buffers.
 */
import { describe, expect, it } from 'vitest';
import { STAGING, createPoolLayout, parsePoolLayout, region } from '../worklet/pool/layout.ts';
import { parseToWorker, transferablesOf, type TaskMessage, type ToWorker } from '../worklet/pool/protocol.ts';
import { POOL_REGIONS, TASK_KINDS, TASK_TYPES } from '../worklet/pool/tasks.ts';
import { EQ_BANDS_REGION } from './eq/pool.ts';
import { FFT_OUTPUT } from './fft/pool.ts';
import type { SelftestFaultMessage } from '../worklet/pool/selftest.ts';
import { POOL_TASKS, type PoolTaskMessage } from './pool-tasks.ts';

/** What postMessage does to a message: a structured clone that moves the transferables. */
function post<T>(msg: T, transfer: ArrayBuffer[] = []): T {
  return structuredClone(msg, { transfer });
}

describe('pool task kinds', () => {
  it('are the seed messages: the pool runs selftest_fault, the stages the rest', () => {
    expect(TASK_KINDS.map((k) => k.type)).toEqual(['selftest_fault', 'process_audio', 'compute_fft', 'decode']);
    expect(POOL_TASKS.map((k) => k.type)).toEqual(['process_audio', 'compute_fft', 'decode']);
    expect([...TASK_TYPES].sort()).toEqual(['compute_fft', 'decode', 'process_audio', 'selftest_fault']);
  });

  it('lay out their regions where version 1 of the layout had them: EQ bands, FFT outputs, then the staging buffers', () => {
    expect(POOL_REGIONS).toEqual([EQ_BANDS_REGION, FFT_OUTPUT, STAGING]);
    const layout = createPoolLayout(POOL_REGIONS);
    expect(layout.regions.map((r) => [r.name, r.offset, r.count, r.itemBytes])).toEqual([
      ['eq.bands', 0x200, 8, 32],
      ['fft.output', 0x1000, 8, 4096 * 8],
      ['staging', 0x41000, 4, 1 << 20],
    ]);
    // 4.25 MiB + 4 KiB, as before
    expect(layout.totalBytes).toBe(0x41000 + 4 * (1 << 20));
    expect(region(parsePoolLayout(layout.handles, POOL_REGIONS), STAGING).items[3]!.byteOffset + (1 << 20)).toBe(layout.totalBytes);
    // a side built with other kinds refuses the layout, saying what differs
    expect(() => parsePoolLayout(layout.handles, [FFT_OUTPUT, STAGING])).toThrow(
      'pool layout: the header has regions "eq.bands" 8 x 32 bytes at 0x200, "fft.output" 8 x 32768 bytes at 0x1000, "staging" 4 x 1048576 bytes at 0x41000; ' +
        'this side expects "fft.output" 8 x 32768 bytes at 0x1000, "staging" 4 x 1048576 bytes at 0x41000',
    );
  });

  it('round-trip every task message through a structured clone, moving every messages-mode buffer', () => {
    const layout = createPoolLayout(POOL_REGIONS);
    const wasm = new Uint8Array([0, 97, 115, 109]).buffer;
    const init: ToWorker = { type: 'init', worker_id: 3, shared_buffer: layout.handles, wasm_bytes: wasm, sample_rate: 48000 };
    expect(parseToWorker(post(init, [wasm]), TASK_TYPES)).toMatchObject({ type: 'init', worker_id: 3 });
    const tasks: (PoolTaskMessage | SelftestFaultMessage)[] = [
      {
        type: 'process_audio',
        task_id: 1,
        attempt: 0,
        num_samples: 4,
        sample_rate: 48000,
        bands: null,
        precision: 'exact',
        data: { mode: 'shared', input_offset: 0x41000, output_offset: 0x41010 },
      },
      {
        type: 'process_audio',
        task_id: 2,
        attempt: 0,
        num_samples: 4,
        sample_rate: 44100,
        bands: [{ kind: 1, freqHz: 1000, gainDb: 3, q: 1 }],
        precision: 'fast',
        data: { mode: 'messages', input: new Float32Array(4).buffer },
      },
      { type: 'compute_fft', task_id: 3, attempt: 1, fft_size: 512, data: { mode: 'messages', audio: new Float32Array(512).buffer } },
      {
        type: 'compute_fft',
        task_id: 4,
        attempt: 0,
        fft_size: 4096,
        data: { mode: 'shared', audio_offset: 0x41000, output_offset: 0x1000 },
      },
      {
        type: 'decode',
        task_id: 5,
        attempt: 0,
        job: {
          op: 'codec_frames',
          codec: 'flac',
          frame_lengths: [3, 2],
          prime_frames: 0,
          channels: 2,
          bits: 16,
          skip_samples: 0,
          keep_samples: 10,
          input: { mode: 'messages', bytes: new Uint8Array(5).buffer },
          output: { mode: 'messages' },
        },
      },
      {
        type: 'decode',
        task_id: 6,
        attempt: 0,
        job: {
          op: 'resample',
          channels: 1,
          in_rate: 44100,
          out_rate: 48000,
          in_start: 0,
          in_frames: 8,
          total_in: 8,
          out_start: 0,
          out_count: 8,
          input: { mode: 'messages', planes: [new Float32Array(8).buffer, new Float32Array(8).buffer] },
          output: { mode: 'messages' },
        },
      },
      {
        type: 'decode',
        task_id: 7,
        attempt: 0,
        job: {
          op: 'resample',
          channels: 1,
          in_rate: 44100,
          out_rate: 48000,
          in_start: 0,
          in_frames: 8,
          total_in: 8,
          out_start: 0,
          out_count: 8,
          input: { mode: 'shared', planes: [new SharedArrayBuffer(32)], frame_offset: 0, frames: 8 },
          output: { mode: 'shared', planes: [new SharedArrayBuffer(32)], frame_offset: 0 },
        },
      },
      { type: 'selftest_fault', task_id: 8, attempt: 0, fault: 'hang', fail_attempts: 1 },
    ];
    const moved = tasks.map((m) => transferablesOf(m).length);
    expect(moved).toEqual([0, 1, 1, 0, 1, 2, 0, 0]);
    for (const msg of tasks) {
      const transfer = transferablesOf(msg);
      const clone = parseToWorker(post(msg, transfer), TASK_TYPES);
      expect(clone.type).toBe(msg.type);
      expect((clone as TaskMessage).task_id).toBe(msg.task_id);
      // every messages-mode buffer is moved, none copied
      for (const buf of transfer) expect(buf.byteLength).toBe(0);
    }
  });
});
