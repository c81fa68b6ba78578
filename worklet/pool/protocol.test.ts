import { describe, expect, it } from 'vitest';
import { createPoolLayout } from './layout.ts';
import {
  parseFromWorker,
  parseToWorker,
  resultTransferables,
  transferablesOf,
  type FromWorker,
  type TaskMessage,
  type ToWorker,
} from './protocol.ts';

/** What postMessage does to a message: a structured clone that moves the transferables. */
function post<T>(msg: T, transfer: ArrayBuffer[] = []): T {
  return structuredClone(msg, { transfer });
}

describe('pool protocol', () => {
  it('round-trips every main -> worker message through a structured clone', () => {
    const layout = createPoolLayout();
    const wasm = new Uint8Array([0, 97, 115, 109]).buffer;
    const init: ToWorker = { type: 'init', worker_id: 3, shared_buffer: layout.handles, wasm_bytes: wasm, sample_rate: 48000 };
    const got = parseToWorker(post(init, [wasm]));
    expect(got).toMatchObject({ type: 'init', worker_id: 3, sample_rate: 48000 });
    // the shared buffers arrive as the same memory, not copies
    const back = got as Extract<ToWorker, { type: 'init' }>;
    new Int32Array(back.shared_buffer!.buffer)[100] = 42;
    expect(new Int32Array(layout.buffer)[100]).toBe(42);
    expect(wasm.byteLength).toBe(0); // moved

    const tasks: TaskMessage[] = [
      { type: 'process_audio', task_id: 1, attempt: 0, num_samples: 4, sample_rate: 48000, bands: null, data: { mode: 'shared', input_offset: 0x41000, output_offset: 0x41010 } },
      { type: 'process_audio', task_id: 2, attempt: 0, num_samples: 4, sample_rate: 44100, bands: [{ kind: 1, freqHz: 1000, gainDb: 3, q: 1 }], data: { mode: 'messages', input: new Float32Array(4).buffer } },
      { type: 'compute_fft', task_id: 3, attempt: 1, fft_size: 512, data: { mode: 'messages', audio: new Float32Array(512).buffer } },
      { type: 'compute_fft', task_id: 4, attempt: 0, fft_size: 4096, data: { mode: 'shared', audio_offset: 0x41000, output_offset: 0x1000 } },
      {
        type: 'decode', task_id: 5, attempt: 0,
        job: {
          op: 'codec_frames', codec: 'flac', frame_lengths: [3, 2], prime_frames: 0, channels: 2, bits: 16, skip_samples: 0, keep_samples: 10,
          input: { mode: 'messages', bytes: new Uint8Array(5).buffer }, output: { mode: 'messages' },
        },
      },
      {
        type: 'decode', task_id: 6, attempt: 0,
        job: {
          op: 'resample', channels: 1, in_rate: 44100, out_rate: 48000, in_start: 0, in_frames: 8, total_in: 8, out_start: 0, out_count: 8,
          input: { mode: 'messages', planes: [new Float32Array(8).buffer] }, output: { mode: 'messages' },
        },
      },
      { type: 'selftest_fault', task_id: 7, attempt: 0, fault: 'hang', fail_attempts: 1 },
    ];
    for (const msg of tasks) {
      const transfer = transferablesOf(msg);
      const clone = parseToWorker(post(msg, transfer));
      expect(clone.type).toBe(msg.type);
      expect((clone as TaskMessage).task_id).toBe(msg.task_id);
      // every messages-mode buffer is moved, none copied
      for (const buf of transfer) expect(buf.byteLength).toBe(0);
    }
    expect(transferablesOf(tasks[0]!)).toEqual([]);
    expect(transferablesOf(tasks[3]!)).toEqual([]);
    expect(parseToWorker(post({ type: 'shutdown' }))).toEqual({ type: 'shutdown' });
  });

  it('round-trips every worker -> main message and moves result buffers', () => {
    const spectrum = new Float32Array(514).buffer;
    const replies: FromWorker[] = [
      { type: 'ready', worker_id: 0, error: null },
      { type: 'task_complete', task_id: 9, worker_id: 1, execution_time_us: 12.5, result: { kind: 'compute_fft', bins: 257, spectrum } },
      { type: 'task_failed', task_id: 10, worker_id: 1, error: 'selftest_fault: thrown on attempt 0' },
    ];
    for (const reply of replies) {
      const transfer = reply.type === 'task_complete' ? resultTransferables(reply.result) : [];
      expect(parseFromWorker(post(reply, transfer))).toEqual(reply.type === 'task_complete'
        ? { ...reply, result: { kind: 'compute_fft', bins: 257, spectrum: expect.any(ArrayBuffer) } }
        : reply);
    }
    expect(spectrum.byteLength).toBe(0);
    const planes = [new Float32Array(3).buffer, new Float32Array(3).buffer];
    expect(resultTransferables({ kind: 'planar', frames: 3, planes, errors: [] })).toEqual(planes);
    expect(resultTransferables({ kind: 'planar', frames: 3, planes: null, errors: [] })).toEqual([]);
  });

  it('names what is wrong with a malformed message', () => {
    expect(() => parseToWorker(null)).toThrow('pool worker: message without a type');
    expect(() => parseToWorker({ type: 'frobnicate' })).toThrow('pool worker: unknown message type "frobnicate"');
    expect(() => parseToWorker({ type: 'compute_fft', task_id: 0, attempt: 0 })).toThrow('compute_fft without a positive integer task_id');
    expect(() => parseToWorker({ type: 'decode', task_id: 4 })).toThrow('decode without an attempt number');
    expect(() => parseToWorker({ type: 'init', worker_id: 1 })).toThrow('init without wasm_bytes');
    expect(() => parseFromWorker({ type: 'done' })).toThrow('pool: unexpected message from a worker: {"type":"done"}');
    expect(() => parseFromWorker({ type: 'ready' })).toThrow('pool: ready without a worker_id');
    expect(() => parseFromWorker({ type: 'task_complete', worker_id: 0 })).toThrow('pool: task_complete without a task_id');
  });
});
