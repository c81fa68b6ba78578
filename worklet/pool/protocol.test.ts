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
import { TASK_TYPES } from './tasks.ts';

/** What postMessage does to a message: a structured clone that moves the transferables. */
function post<T>(msg: T, transfer: ArrayBuffer[] = []): T {
  return structuredClone(msg, { transfer });
}

/** Task types of made-up kinds, for the generic checks. */
const TYPES: ReadonlySet<string> = new Set(['transform', 'selftest_fault']);

describe('pool protocol', () => {
  it('round-trips every main -> worker message through a structured clone', () => {
    const layout = createPoolLayout();
    const wasm = new Uint8Array([0, 97, 115, 109]).buffer;
    const init: ToWorker = { type: 'init', worker_id: 3, shared_buffer: layout.handles, wasm_bytes: wasm, sample_rate: 48000 };
    const got = parseToWorker(post(init, [wasm]), TYPES);
    expect(got).toMatchObject({ type: 'init', worker_id: 3, sample_rate: 48000 });
    // the shared buffers arrive as the same memory, not copies
    const back = got as Extract<ToWorker, { type: 'init' }>;
    new Int32Array(back.shared_buffer!.buffer)[100] = 42;
    expect(new Int32Array(layout.buffer)[100]).toBe(42);
    expect(wasm.byteLength).toBe(0); // moved

    const tasks: (TaskMessage & Record<string, unknown>)[] = [
      { type: 'transform', task_id: 1, attempt: 0, data: { mode: 'shared', input_offset: 0x1000, output_offset: 0x2000 } },
      { type: 'transform', task_id: 2, attempt: 1, data: { mode: 'messages', input: new Float32Array(4).buffer } },
      // nested, repeated and shared: each ArrayBuffer moved once, SharedArrayBuffers and views left alone
      {
        type: 'transform',
        task_id: 3,
        attempt: 0,
        job: { planes: [new ArrayBuffer(8), new ArrayBuffer(8)], shared: [new SharedArrayBuffer(8)], view: new Float32Array(2) },
      },
      { type: 'selftest_fault', task_id: 4, attempt: 0, fault: 'hang', fail_attempts: 1 },
    ];
    expect(tasks.map((m) => transferablesOf(m).length)).toEqual([0, 1, 2, 0]);
    const twice = new ArrayBuffer(4);
    expect(transferablesOf({ type: 'transform', task_id: 5, attempt: 0, a: twice, b: [twice] } as TaskMessage)).toEqual([twice]);
    for (const msg of tasks) {
      const transfer = transferablesOf(msg);
      const clone = parseToWorker(post(msg, transfer), TYPES);
      expect(clone.type).toBe(msg.type);
      expect((clone as TaskMessage).task_id).toBe(msg.task_id);
      // every messages-mode buffer is moved, none copied
      for (const buf of transfer) expect(buf.byteLength).toBe(0);
    }
    expect(parseToWorker(post({ type: 'shutdown' }), TYPES)).toEqual({ type: 'shutdown' });
  });

  it('round-trips every worker -> main message and moves result buffers', () => {
    const spectrum = new Float32Array(514).buffer;
    const replies: FromWorker[] = [
      { type: 'ready', worker_id: 0, error: null },
      {
        type: 'task_complete',
        task_id: 9,
        worker_id: 1,
        execution_time_us: 12.5,
        result: { kind: 'transformed', bins: 257, spectrum } as { kind: string },
      },
      { type: 'task_failed', task_id: 10, worker_id: 1, error: 'selftest_fault: thrown on attempt 0' },
    ];
    for (const reply of replies) {
      const transfer = reply.type === 'task_complete' ? resultTransferables(reply.result) : [];
      expect(parseFromWorker(post(reply, transfer))).toEqual(
        reply.type === 'task_complete'
          ? { ...reply, result: { kind: 'transformed', bins: 257, spectrum: expect.any(ArrayBuffer) } }
          : reply,
      );
    }
    expect(spectrum.byteLength).toBe(0);
    const planes = [new Float32Array(3).buffer, new Float32Array(3).buffer];
    expect(resultTransferables({ kind: 'planar', frames: 3, planes, errors: [] } as { kind: string })).toEqual(planes);
    expect(resultTransferables({ kind: 'planar', frames: 3, planes: null, errors: [] } as { kind: string })).toEqual([]);
  });

  it('names what is wrong with a malformed message', () => {
    expect(() => parseToWorker(null, TYPES)).toThrow('pool worker: message without a type');
    expect(() => parseToWorker({ type: 'frobnicate' }, TYPES)).toThrow('pool worker: unknown message type "frobnicate"');
    expect(() => parseToWorker({ type: 'transform', task_id: 0, attempt: 0 }, TYPES)).toThrow(
      'transform without a positive integer task_id',
    );
    expect(() => parseToWorker({ type: 'transform', task_id: 4 }, TYPES)).toThrow('transform without an attempt number');
    expect(() => parseToWorker({ type: 'init', worker_id: 1 }, TYPES)).toThrow('init without wasm_bytes');
    expect(() => parseFromWorker({ type: 'done' })).toThrow('pool: unexpected message from a worker: {"type":"done"}');
    expect(() => parseFromWorker({ type: 'ready' })).toThrow('pool: ready without a worker_id');
    expect(() => parseFromWorker({ type: 'task_complete', worker_id: 0 })).toThrow('pool: task_complete without a task_id');
    // a worker knows the kinds of its build and nothing else
    expect(TASK_TYPES.has('selftest_fault')).toBe(true);
    expect(() => parseToWorker({ type: 'transform', task_id: 1, attempt: 0 }, TASK_TYPES)).toThrow(
      'pool worker: unknown message type "transform"',
    );
  });
});
