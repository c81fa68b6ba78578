/**
 * A shared-memory mailbox between the pool and one worker: the fast path for task messages in
 * shared mode. A postMessage round trip to a worker costs 100-250 µs in Chromium; a notify
 * through a SharedArrayBuffer wakes an `Atomics.waitAsync` on the other side in 15-20 µs.
 *
 * One SharedArrayBuffer per worker (the pool layout is left alone):
 *
 *   Int32 control words   REQUEST_SEQ, RESPONSE_SEQ, REQUEST_LENGTH, RESPONSE_LENGTH, STATE,
 *                         REQUEST_FORMAT, RESPONSE_FORMAT
 *   request area          the task message (main -> worker)
 *   response area         the reply (worker -> main)
 *
 * A sender writes the message, stores its length and format, bumps its sequence word and
 * notifies; the receiver waits on that word with `Atomics.waitAsync` (never the blocking
 * `Atomics.wait`: both sides keep taking postMessage too) and re-arms after each message. The
 * pool keeps one task per worker in flight, so each area holds at most one unread message.
 *
 * Formats: JSON text (ASCII a byte per character, else UTF-8), or a compact binary form for the
 * hottest shapes, which skips JSON and the text codecs: in Node waking the other thread costs the
 * same as a message, so the gain there is the serialising a message does. The compact forms are
 * the task kinds' (`CompactCodec`, task-kind.ts): both sides give the mailbox the same kinds in
 * the same order (worklet/pool/tasks.ts), and a kind's code is its place in that list.
 *
 *   compact task      f64 word 0: the kind's number; Int32 word 2: the kind's code,
 *                     3: task_id, 4: attempt, 5..7: the kind's words
 *   compact reply     f64 word 0: execution_time_us; Int32 word 2: COMPACT_REPLY, 3: task_id,
 *                     4: worker_id, 5: the result's kind code, 6..7: the kind's words
 *
 * Only plain data goes through a mailbox (`mailboxJson`): a message holding an ArrayBuffer, a
 * SharedArrayBuffer or a typed array, a number JSON would change (NaN, ±Infinity, -0), or one
 * longer than its area goes by postMessage instead (`post` returns false).
 */
import type { TaskCompleteMessage } from './protocol.ts';
import type { CompactCodec, CompactWords, PoolTaskKind, TaskMessageOf, TaskResultOf } from './task-kind.ts';

/** Index of the Int32 control words. */
export const REQUEST_SEQ = 0;
export const RESPONSE_SEQ = 1;
export const REQUEST_LENGTH = 2;
export const RESPONSE_LENGTH = 3;
/** OPEN, or CLOSED once either side gave the mailbox up (its listeners stop). */
export const STATE = 4;
/** FORMAT_ASCII, FORMAT_UTF8 or FORMAT_COMPACT: how the side's last message is stored. */
export const REQUEST_FORMAT = 5;
export const RESPONSE_FORMAT = 6;
/** Bumped by the pool when it sends the worker a message by postMessage: a spinning listener stops (knock). */
export const PORT_KNOCK = 7;
export const OPEN = 0;
export const CLOSED = 1;
export const FORMAT_ASCII = 0;
export const FORMAT_UTF8 = 1;
export const FORMAT_COMPACT = 2;

/** Bytes before the request area (8 Int32 words). */
export const MAILBOX_HEADER_BYTES = 32;
/** Default bytes of each area: a task message or a reply is 100-300 bytes of JSON. */
export const MAILBOX_AREA_BYTES = 4096;

/** Characters per String.fromCharCode call when reading ASCII (well below any argument limit). */
const ASCII_PIECE = 1024;

/** Int32 word 2 of a compact reply (task kinds are 1, 2...). */
const COMPACT_REPLY = 0;

export type MailboxSide = 'request' | 'response';

type WaitAsyncResult = { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
type WaitAsync = (typedArray: Int32Array, index: number, value: number, timeout?: number) => WaitAsyncResult;

function waitAsyncFn(): WaitAsync | null {
  const fn = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync;
  return typeof fn === 'function' ? fn : null;
}

/** True when this thread can run a mailbox: SharedArrayBuffer and Atomics.waitAsync exist. */
export function mailboxSupported(): boolean {
  return typeof SharedArrayBuffer === 'function' && waitAsyncFn() !== null;
}

/**
 * True when JSON carries `value` unchanged: plain objects and arrays of strings, booleans, null
 * and finite numbers other than -0 (undefined only as an object property, which JSON drops and a
 * reader sees as missing either way).
 */
export function jsonSafe(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object': {
      if (value === null) return true;
      if (Array.isArray(value)) {
        for (const v of value) if (v === undefined || !jsonSafe(v)) return false;
        return true;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype) return false; // buffers, views, class instances
      for (const key in value) {
        const v = (value as Record<string, unknown>)[key];
        if (v !== undefined && !jsonSafe(v)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/** The JSON of a message when a mailbox can carry it unchanged, else null (send it by postMessage). */
export function mailboxJson(value: unknown): string | null {
  return jsonSafe(value) ? JSON.stringify(value) : null;
}

/** True for an Int32 value that a compact word carries unchanged (not -0). */
export function isInt32(v: unknown): v is number {
  return typeof v === 'number' && (v | 0) === v && !Object.is(v, -0);
}

/** The number of enumerable keys: compact codecs check a message has exactly the fields they carry. */
export function keyCount(o: object): number {
  let n = 0;
  for (const _ in o) n++;
  return n;
}

interface Area {
  bytes: Uint8Array;
  i32: Int32Array;
  f64: Float64Array;
  /** Int32 words 5..7 and the f64 word: a compact task's own fields. */
  task: CompactWords;
  /** Int32 words 6..7: a compact result's own fields. */
  result: CompactWords;
  seq: number;
  length: number;
  format: number;
}

type AnyCodec = CompactCodec<TaskMessageOf, TaskResultOf>;

interface Codecs {
  /** By message type: the kind's code (1, 2...) and codec. */
  byType: Map<string, { code: number; codec: AnyCodec }>;
  /** By code - 1. */
  byCode: { type: string; codec: AnyCodec | undefined }[];
  /** Codecs with a result form, with their codes. */
  results: { code: number; codec: AnyCodec }[];
}

function codecsOf(kinds: readonly PoolTaskKind[]): Codecs {
  const byType = new Map<string, { code: number; codec: AnyCodec }>();
  const results: { code: number; codec: AnyCodec }[] = [];
  kinds.forEach((k, i) => {
    const codec = k.compact as AnyCodec | undefined;
    if (!codec) return;
    byType.set(k.type, { code: i + 1, codec });
    if (codec.writeResult && codec.readResult) results.push({ code: i + 1, codec });
  });
  return { byType, byCode: kinds.map((k) => ({ type: k.type, codec: k.compact as AnyCodec | undefined })), results };
}

export class Mailbox {
  readonly buffer: SharedArrayBuffer;
  readonly areaBytes: number;
  private readonly ctrl: Int32Array;
  private readonly request: Area;
  private readonly response: Area;
  /** Plain memory for the UTF-8 codecs (TextDecoder refuses views over a SharedArrayBuffer in browsers). */
  private readonly scratch: Uint8Array;
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder();
  private readonly stops: (() => void)[] = [];
  private readonly codecs: Codecs;

  /**
   * A fresh mailbox in its own SharedArrayBuffer. `kinds` give the compact forms (both sides the
   * same list in the same order); without them everything goes as JSON.
   */
  static create(areaBytes = MAILBOX_AREA_BYTES, kinds: readonly PoolTaskKind[] = []): Mailbox {
    if (!Number.isInteger(areaBytes) || areaBytes < 64 || areaBytes % 8 !== 0) {
      throw new Error(`mailbox: area of ${areaBytes} bytes (a multiple of 8, at least 64)`);
    }
    return new Mailbox(new SharedArrayBuffer(MAILBOX_HEADER_BYTES + 2 * areaBytes), kinds);
  }

  /** The mailbox over `buffer` (made by `create` on the other side, with the same `kinds`). */
  constructor(buffer: SharedArrayBuffer, kinds: readonly PoolTaskKind[] = []) {
    if (!(buffer instanceof SharedArrayBuffer)) throw new Error('mailbox: not a SharedArrayBuffer');
    const areaBytes = (buffer.byteLength - MAILBOX_HEADER_BYTES) / 2;
    if (!Number.isInteger(areaBytes) || areaBytes < 64 || areaBytes % 8 !== 0) {
      throw new Error(`mailbox: a ${buffer.byteLength}-byte buffer is not a mailbox`);
    }
    this.buffer = buffer;
    this.areaBytes = areaBytes;
    this.ctrl = new Int32Array(buffer, 0, MAILBOX_HEADER_BYTES / 4);
    const area = (offset: number, seq: number, length: number, format: number): Area => {
      const f64 = new Float64Array(buffer, offset, 1);
      return {
        bytes: new Uint8Array(buffer, offset, areaBytes),
        i32: new Int32Array(buffer, offset, 8),
        f64,
        task: { i32: new Int32Array(buffer, offset + 5 * 4, 3), f64 },
        result: { i32: new Int32Array(buffer, offset + 6 * 4, 2), f64: new Float64Array(0) },
        seq,
        length,
        format,
      };
    };
    this.codecs = codecsOf(kinds);
    this.request = area(MAILBOX_HEADER_BYTES, REQUEST_SEQ, REQUEST_LENGTH, REQUEST_FORMAT);
    this.response = area(MAILBOX_HEADER_BYTES + areaBytes, RESPONSE_SEQ, RESPONSE_LENGTH, RESPONSE_FORMAT);
    this.scratch = new Uint8Array(areaBytes);
  }

  get closed(): boolean {
    return Atomics.load(this.ctrl, STATE) !== OPEN;
  }

  /** Messages sent so far on a side (an Int32 that wraps). */
  sequence(side: MailboxSide): number {
    return Atomics.load(this.ctrl, side === 'request' ? REQUEST_SEQ : RESPONSE_SEQ);
  }

  /** The format of the side's last message (FORMAT_ASCII, FORMAT_UTF8, FORMAT_COMPACT). */
  format(side: MailboxSide): number {
    return Atomics.load(this.ctrl, side === 'request' ? REQUEST_FORMAT : RESPONSE_FORMAT);
  }

  /**
   * Sends a message: the compact form when it has one, else its JSON. False (nothing sent) when
   * the mailbox cannot carry it (binary data, too long) or is closed: send it by postMessage.
   */
  post(side: MailboxSide, message: unknown): boolean {
    if (this.closed) return false;
    const a = side === 'request' ? this.request : this.response;
    if (this.writeCompact(a, message)) {
      this.publish(a, 8 * 4, FORMAT_COMPACT);
      return true;
    }
    const text = mailboxJson(message);
    return text !== null && this.send(side, text);
  }

  /** The side's last message, as `post` gave it (JSON.parse errors propagate). */
  take(side: MailboxSide): unknown {
    const a = side === 'request' ? this.request : this.response;
    if (Atomics.load(this.ctrl, a.format) === FORMAT_COMPACT) return this.readCompact(a);
    return JSON.parse(this.read(side));
  }

  /**
   * Writes `text` to a side's area, bumps its sequence and wakes the receiver. False (nothing
   * sent) when the text does not fit or the mailbox is closed.
   */
  send(side: MailboxSide, text: string): boolean {
    const n = text.length;
    if (n > this.areaBytes || this.closed) return false; // UTF-8 takes at least a byte per UTF-16 unit
    const a = side === 'request' ? this.request : this.response;
    const area = a.bytes;
    // ASCII (task messages and replies are) is stored a byte per character, without a codec
    let format = FORMAT_ASCII;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c > 0x7f) {
        format = FORMAT_UTF8;
        break;
      }
      area[i] = c;
    }
    let written = n;
    if (format === FORMAT_UTF8) {
      const r = this.encoder.encodeInto(text, this.scratch);
      if (r.read !== n) return false;
      written = r.written;
      area.set(this.scratch.subarray(0, written));
    }
    this.publish(a, written, format);
    return true;
  }

  /** The text last sent on a side (`send`). */
  read(side: MailboxSide): string {
    const a = side === 'request' ? this.request : this.response;
    const length = Atomics.load(this.ctrl, a.length);
    if (length < 0 || length > this.areaBytes) throw new Error(`mailbox: ${side} length ${length} out of range`);
    const format = Atomics.load(this.ctrl, a.format);
    if (format === FORMAT_ASCII) {
      let text = '';
      for (let i = 0; i < length; i += ASCII_PIECE) {
        text += String.fromCharCode.apply(null, a.bytes.subarray(i, Math.min(length, i + ASCII_PIECE)) as unknown as number[]);
      }
      return text;
    }
    if (format !== FORMAT_UTF8) throw new Error(`mailbox: the ${side} is not text (format ${format})`);
    this.scratch.set(a.bytes.subarray(0, length));
    return this.decoder.decode(this.scratch.subarray(0, length));
  }

  private publish(a: Area, length: number, format: number): void {
    Atomics.store(this.ctrl, a.length, length);
    Atomics.store(this.ctrl, a.format, format);
    Atomics.add(this.ctrl, a.seq, 1);
    Atomics.notify(this.ctrl, a.seq);
  }

  /** A kind's compact form of a task or a `task_complete`; false for any other shape. */
  private writeCompact(a: Area, message: unknown): boolean {
    if (typeof message !== 'object' || message === null) return false;
    const m = message as Partial<TaskCompleteMessage> & { type?: unknown; attempt?: unknown };
    if (m.type === 'task_complete') {
      const r = m.result;
      if (!r || !isInt32(m.task_id) || !isInt32(m.worker_id) || typeof m.execution_time_us !== 'number' || keyCount(m) !== 5) return false;
      for (const { code, codec } of this.codecs.results) {
        if (!codec.writeResult!(r, a.result)) continue;
        a.f64[0] = m.execution_time_us;
        a.i32[2] = COMPACT_REPLY;
        a.i32[3] = m.task_id;
        a.i32[4] = m.worker_id;
        a.i32[5] = code;
        return true;
      }
      return false;
    }
    if (typeof m.type !== 'string' || !isInt32(m.task_id) || !isInt32(m.attempt)) return false;
    const entry = this.codecs.byType.get(m.type);
    if (!entry?.codec.writeTask?.(m as TaskMessageOf, a.task)) return false;
    a.i32[2] = entry.code;
    a.i32[3] = m.task_id;
    a.i32[4] = m.attempt;
    return true;
  }

  private readCompact(a: Area): unknown {
    const { i32, f64 } = a;
    const code = i32[2]!;
    if (code === COMPACT_REPLY) {
      const kind = this.codecs.byCode[i32[5]! - 1];
      if (!kind?.codec?.readResult) throw new Error(`mailbox: unknown compact result ${i32[5]}`);
      return {
        type: 'task_complete',
        task_id: i32[3],
        worker_id: i32[4],
        execution_time_us: f64[0],
        result: kind.codec.readResult(a.result),
      };
    }
    const kind = this.codecs.byCode[code - 1];
    if (!kind?.codec?.readTask) throw new Error(`mailbox: unknown compact message ${code}`);
    return { type: kind.type, ...kind.codec.readTask(a.task), task_id: i32[3], attempt: i32[4] };
  }

  /**
   * Calls `handler` for every message sent on `side` after sequence `seen` (default: from now
   * on), through one `Atomics.waitAsync` that re-arms itself; the handler reads it (`take`).
   * After each message it first polls the word for `spinUs()` µs (0: it does not), until a
   * `knock()`; the caller makes it 0 while work of the handler's is pending (a spin would hold
   * it up). Returns a stop function; `close()` stops every listener of both sides.
   */
  listen(side: MailboxSide, handler: () => void, seen = this.sequence(side), spinUs: () => number = () => 0): () => void {
    const waitAsync = waitAsyncFn();
    if (!waitAsync) throw new Error('mailbox: Atomics.waitAsync is not available');
    const ctrl = this.ctrl;
    const index = side === 'request' ? REQUEST_SEQ : RESPONSE_SEQ;
    let stopped = false;
    const check = (): void => {
      if (stopped) return;
      if (Atomics.load(ctrl, STATE) !== OPEN) {
        stopped = true;
        return;
      }
      const seq = Atomics.load(ctrl, index);
      if (seq === seen) {
        arm();
        return;
      }
      seen = seq;
      try {
        handler();
      } finally {
        if (!stopped) spinThenArm();
      }
    };
    // polls the word for up to spinUs() µs before waiting: a message that comes meanwhile is taken
    // without waking this thread; a knock (a message coming by postMessage instead) ends the spin
    const spinThenArm = (): void => {
      const us = spinUs();
      if (us > 0) {
        const knock = Atomics.load(ctrl, PORT_KNOCK);
        const until = performance.now() + us / 1000;
        do {
          if (Atomics.load(ctrl, index) !== seen || Atomics.load(ctrl, STATE) !== OPEN) {
            queueMicrotask(check);
            return;
          }
        } while (Atomics.load(ctrl, PORT_KNOCK) === knock && performance.now() < until);
      }
      arm();
    };
    const arm = (): void => {
      const r = waitAsync(ctrl, index, seen);
      if (r.async) void r.value.then(check);
      else queueMicrotask(check);
    };
    arm();
    const stop = (): void => {
      if (stopped) return;
      stopped = true;
      // wakes this listener's pending wait so that it ends (the other side waits on the other word)
      Atomics.notify(ctrl, index);
    };
    this.stops.push(stop);
    return stop;
  }

  /** Tells a listener spinning on this mailbox that a message comes by postMessage: it stops spinning. */
  knock(): void {
    Atomics.add(this.ctrl, PORT_KNOCK, 1);
  }

  /** Marks the mailbox closed and stops every listener on it (both sides see it closed). */
  close(): void {
    Atomics.store(this.ctrl, STATE, CLOSED);
    for (const stop of this.stops.splice(0)) stop();
    Atomics.notify(this.ctrl, REQUEST_SEQ);
    Atomics.notify(this.ctrl, RESPONSE_SEQ);
  }
}
