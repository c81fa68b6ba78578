import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import {
  FORMAT_ASCII,
  FORMAT_COMPACT,
  FORMAT_UTF8,
  MAILBOX_AREA_BYTES,
  Mailbox,
  PORT_KNOCK,
  RESPONSE_SEQ,
  isInt32,
  jsonSafe,
  keyCount,
  mailboxJson,
  mailboxSupported,
} from './mailbox.ts';
import { selftestFaultTask } from './selftest.ts';
import { defineTaskKind, type TaskMessageOf } from './task-kind.ts';

/** Two made-up kinds with compact forms, as a stage would declare them: one with a float field. */
interface ScaleMessage extends TaskMessageOf<'scale'> {
  length: number;
  factor: number;
  data: { mode: 'shared'; input_offset: number; output_offset: number };
}
const scaleTask = defineTaskKind<ScaleMessage, { kind: 'scaled'; peak: number; clipped: number }>({
  type: 'scale',
  compact: {
    writeTask(m, w) {
      const d = m.data as Record<string, unknown>;
      if (keyCount(m) !== 6 || keyCount(d) !== 3 || d.mode !== 'shared' || !isInt32(m.length) || typeof m.factor !== 'number') return false;
      if (!isInt32(d.input_offset) || !isInt32(d.output_offset)) return false;
      w.f64[0] = m.factor;
      w.i32[0] = m.length;
      w.i32[1] = d.input_offset;
      w.i32[2] = d.output_offset;
      return true;
    },
    readTask: (w) => ({
      length: w.i32[0]!,
      factor: w.f64[0]!,
      data: { mode: 'shared', input_offset: w.i32[1]!, output_offset: w.i32[2]! },
    }),
    writeResult(r, w) {
      if (r.kind !== 'scaled' || keyCount(r) !== 3 || !isInt32(r.peak) || !isInt32(r.clipped)) return false;
      w.i32[0] = r.peak;
      w.i32[1] = r.clipped;
      return true;
    },
    readResult: (w) => ({ kind: 'scaled', peak: w.i32[0]!, clipped: w.i32[1]! }),
  },
  run: () => ({ kind: 'scaled', peak: 0, clipped: 0 }),
});
const countTask = defineTaskKind<TaskMessageOf<'count'> & { n: number }, { kind: 'count'; n: number }>({
  type: 'count',
  compact: {
    writeTask(m, w) {
      if (keyCount(m) !== 4 || !isInt32(m.n)) return false;
      w.i32[0] = m.n;
      return true;
    },
    readTask: (w) => ({ n: w.i32[0]! }),
  },
  run: (_ctx, m) => ({ kind: 'count', n: m.n }),
});
const KINDS = [selftestFaultTask, scaleTask, countTask];

const SCALE = {
  type: 'scale',
  length: 9000,
  factor: 0.7071,
  data: { mode: 'shared', input_offset: 4096, output_offset: 8192 },
  task_id: 7,
  attempt: 1,
};
const COUNT = { type: 'count', n: -5, task_id: 8, attempt: 0 };
const DONE = {
  type: 'task_complete',
  task_id: 7,
  worker_id: 1,
  execution_time_us: 11.625,
  result: { kind: 'scaled', peak: 3, clipped: -1 },
};

describe('mailbox', () => {
  it('is supported on Node (SharedArrayBuffer and Atomics.waitAsync)', () => {
    expect(mailboxSupported()).toBe(true);
  });

  it('round-trips text: ASCII a byte per character, other text as UTF-8', () => {
    const a = Mailbox.create();
    const b = new Mailbox(a.buffer);
    const ascii = JSON.stringify({ type: 'transform', job: { op: 'chunk', frame_lengths: [417, 418, 417] } });
    expect(a.send('request', ascii)).toBe(true);
    expect(b.sequence('request')).toBe(1);
    expect(b.format('request')).toBe(FORMAT_ASCII);
    expect(b.read('request')).toBe(ascii);
    const text = JSON.stringify({ error: 'lecture: fichier « cassé » 🎵 at 48 kHz' });
    expect(b.send('response', text)).toBe(true);
    expect(a.format('response')).toBe(FORMAT_UTF8);
    expect(a.read('response')).toBe(text);
    expect(a.sequence('response')).toBe(1);
    // longer than one String.fromCharCode piece
    const long = 'x'.repeat(MAILBOX_AREA_BYTES);
    expect(a.send('request', long)).toBe(true);
    expect(b.read('request')).toBe(long);
  });

  it("carries the kinds' compact forms and everything else as JSON, unchanged", () => {
    const a = Mailbox.create(undefined, KINDS);
    const b = new Mailbox(a.buffer, KINDS);
    for (const msg of [SCALE, COUNT]) {
      expect(a.post('request', msg)).toBe(true);
      expect(b.format('request')).toBe(FORMAT_COMPACT);
      expect(b.take('request')).toEqual(msg);
    }
    for (const result of [
      { kind: 'scaled', peak: 3, clipped: -1 },
      { kind: 'selftest_fault', attempt: 1 },
    ]) {
      const reply = { ...DONE, result };
      expect(b.post('response', reply)).toBe(true);
      expect(a.format('response')).toBe(FORMAT_COMPACT);
      expect(a.take('response')).toEqual(reply);
    }
    // other shapes, a kind without a compact result, a mailbox that knows no kinds: JSON
    const extra = { ...SCALE, note: 'x' };
    const counted = { ...DONE, result: { kind: 'count', n: 2 } };
    const failed = { type: 'task_failed', task_id: 9, worker_id: 0, error: 'selftest_fault: thrown on attempt 0' };
    const fault = { type: 'selftest_fault', fault: 'hang', fail_attempts: 1, task_id: 10, attempt: 0 };
    for (const [side, msg] of [
      ['request', extra],
      ['response', counted],
      ['response', failed],
      ['request', fault],
    ] as const) {
      expect(a.post(side, msg)).toBe(true);
      expect(b.format(side)).toBe(FORMAT_ASCII);
      expect(b.take(side)).toEqual(msg);
    }
    const plain = Mailbox.create();
    expect(plain.post('request', SCALE)).toBe(true);
    expect(plain.format('request')).toBe(FORMAT_ASCII);
    expect(plain.take('request')).toEqual(SCALE);
    // the same kinds in the same order on both sides: another list reads another kind
    expect(a.post('request', COUNT)).toBe(true);
    expect(() => new Mailbox(a.buffer, [selftestFaultTask]).take('request')).toThrow('mailbox: unknown compact message 3');
  });

  it('refuses what it cannot carry unchanged: binary data, numbers JSON would alter, too long, closed', () => {
    const a = Mailbox.create(64);
    expect(jsonSafe({ a: [1, 'x', null, true, { b: 2.5 }], c: undefined })).toBe(true);
    for (const v of [
      { spectrum: new ArrayBuffer(8) },
      { planes: [new SharedArrayBuffer(8)] },
      { v: new Float32Array(2) },
      { n: NaN },
      { n: Infinity },
      { n: -0 },
      [1, undefined],
      { d: new Date(0) },
      { f: () => 1 },
    ]) {
      expect(jsonSafe(v)).toBe(false);
      expect(mailboxJson(v)).toBeNull();
      expect(a.post('request', v)).toBe(false);
    }
    const reply = {
      type: 'task_complete',
      task_id: 1,
      worker_id: 0,
      execution_time_us: 3,
      result: { kind: 'scaled', peak: 1, spectrum: new ArrayBuffer(4) },
    };
    expect(a.post('response', reply)).toBe(false);
    // 64-byte areas: a long message does not fit and nothing is sent
    const big = { type: 'task_failed', task_id: 2, worker_id: 0, error: 'e'.repeat(100) };
    expect(a.post('response', big)).toBe(false);
    expect(a.send('response', 'é'.repeat(40))).toBe(false); // 40 characters, 80 bytes
    expect(a.sequence('response')).toBe(0);
    expect(a.sequence('request')).toBe(0);
    a.close();
    expect(a.closed).toBe(true);
    expect(a.post('request', SCALE)).toBe(false);
  });

  it('wakes one self-re-arming listener per message; close stops it', async () => {
    const a = Mailbox.create();
    const b = new Mailbox(a.buffer);
    const got: unknown[] = [];
    let wake: (() => void) | null = null;
    b.listen('response', () => {
      got.push(b.take('response'));
      wake?.();
    });
    for (let i = 1; i <= 3; i++) {
      const arrived = new Promise<void>((r) => (wake = r));
      expect(a.post('response', { ...DONE, task_id: i })).toBe(true);
      await arrived;
    }
    expect(got.map((m) => (m as { task_id: number }).task_id)).toEqual([1, 2, 3]);
    // exactly one wait pending on the response word
    const ctrl = new Int32Array(a.buffer, 0, 8);
    expect(Atomics.notify(ctrl, RESPONSE_SEQ)).toBe(1);
    // woken with no message, it waits again: within 2 s on a loaded machine (10 ms was too short)
    let rearmed = 0;
    for (let t = 0; rearmed === 0 && t < 200; t++) {
      await new Promise((r) => setTimeout(r, 10));
      rearmed = Atomics.notify(ctrl, RESPONSE_SEQ);
    }
    expect(rearmed).toBe(1);
    b.close();
    expect(Atomics.notify(ctrl, RESPONSE_SEQ)).toBe(0);
    expect(a.post('response', { ...DONE, task_id: 4 })).toBe(false);
    await new Promise((r) => setTimeout(r, 10));
    expect(got).toHaveLength(3);
  });

  it('polls spinUs() after each message before it waits; a knock from another thread ends the poll', async () => {
    const a = Mailbox.create();
    const b = new Mailbox(a.buffer);
    let spin = 30_000;
    const handled: number[] = [];
    b.listen(
      'request',
      () => {
        b.take('request');
        handled.push(performance.now());
      },
      undefined,
      () => spin,
    );
    const blockedAfter = async (): Promise<number> => {
      // the poll runs on this thread right after the handler: a timer fires once it ended
      const before = handled.length;
      expect(a.post('request', { ...DONE, task_id: before + 1 })).toBe(true);
      while (handled.length === before) await new Promise((r) => setTimeout(r, 0));
      await new Promise((r) => setTimeout(r, 0));
      return performance.now() - handled[before]!;
    };
    // no message, no knock: the whole 30 ms, then it waits as before
    expect(await blockedAfter()).toBeGreaterThanOrEqual(29);
    // a knock from another thread (the pool sending by postMessage) ends it at once
    spin = 3_000_000;
    const knocker = new Worker(
      `const { workerData } = require('node:worker_threads');
       const ctrl = new Int32Array(workerData, 0, 8);
       setTimeout(() => Atomics.add(ctrl, ${PORT_KNOCK}, 1), 50);`,
      { eval: true, workerData: a.buffer },
    );
    try {
      const blocked = await blockedAfter();
      expect(blocked).toBeGreaterThanOrEqual(20);
      expect(blocked).toBeLessThan(2_000);
    } finally {
      await knocker.terminate();
    }
    // spinUs() 0 (a task of an async kind pending): it waits at once
    spin = 0;
    expect(await blockedAfter()).toBeLessThan(1_000);
    expect(handled).toHaveLength(3);
    a.close();
  });
});
