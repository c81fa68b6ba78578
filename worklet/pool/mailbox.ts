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
 * hottest shapes (a shared-mode `compute_fft` or `process_audio` without bands; a `task_complete`
 * whose result holds no data), which skips JSON and the text codecs: in Node waking the other
 * thread costs the same as a message, so the gain there is the serialising a message does.
 *
 * Only plain data goes through a mailbox (`mailboxJson`): a message holding an ArrayBuffer, a
 * SharedArrayBuffer or a typed array, a number JSON would change (NaN, ±Infinity, -0), or one
 * longer than its area goes by postMessage instead (`post` returns false).
 */
import type { ComputeFftMessage, ProcessAudioMessage, TaskCompleteMessage } from './protocol.ts';

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
export const OPEN = 0;
export const CLOSED = 1;
export const FORMAT_ASCII = 0;
export const FORMAT_UTF8 = 1;
export const FORMAT_COMPACT = 2;

/** Bytes before the request area (8 Int32 words, 7 used). */
export const MAILBOX_HEADER_BYTES = 32;
/** Default bytes of each area: a task message or a reply is 100-300 bytes of JSON. */
export const MAILBOX_AREA_BYTES = 4096;

/** Characters per String.fromCharCode call when reading ASCII (well below any argument limit). */
const ASCII_PIECE = 1024;

// compact form: f64 word 0 holds the one non-integer field, Int32 words 2.. the rest
const C_COMPUTE_FFT = 1;
const C_PROCESS_AUDIO = 2;
const C_TASK_COMPLETE = 3;
const R_COMPUTE_FFT = 1;
const R_PROCESS_AUDIO = 2;
const R_SELFTEST_FAULT = 3;

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

function isInt32(v: unknown): v is number {
  return typeof v === 'number' && (v | 0) === v && !Object.is(v, -0);
}

function keyCount(o: object): number {
  let n = 0;
  for (const _ in o) n++;
  return n;
}

interface Area {
  bytes: Uint8Array;
  i32: Int32Array;
  f64: Float64Array;
  seq: number;
  length: number;
  format: number;
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

  /** A fresh mailbox in its own SharedArrayBuffer. */
  static create(areaBytes = MAILBOX_AREA_BYTES): Mailbox {
    if (!Number.isInteger(areaBytes) || areaBytes < 64 || areaBytes % 8 !== 0) {
      throw new Error(`mailbox: area of ${areaBytes} bytes (a multiple of 8, at least 64)`);
    }
    return new Mailbox(new SharedArrayBuffer(MAILBOX_HEADER_BYTES + 2 * areaBytes));
  }

  /** The mailbox over `buffer` (made by `create` on the other side). */
  constructor(buffer: SharedArrayBuffer) {
    if (!(buffer instanceof SharedArrayBuffer)) throw new Error('mailbox: not a SharedArrayBuffer');
    const areaBytes = (buffer.byteLength - MAILBOX_HEADER_BYTES) / 2;
    if (!Number.isInteger(areaBytes) || areaBytes < 64 || areaBytes % 8 !== 0) {
      throw new Error(`mailbox: a ${buffer.byteLength}-byte buffer is not a mailbox`);
    }
    this.buffer = buffer;
    this.areaBytes = areaBytes;
    this.ctrl = new Int32Array(buffer, 0, MAILBOX_HEADER_BYTES / 4);
    const area = (offset: number, seq: number, length: number, format: number): Area => ({
      bytes: new Uint8Array(buffer, offset, areaBytes),
      i32: new Int32Array(buffer, offset, 8),
      f64: new Float64Array(buffer, offset, 1),
      seq, length, format,
    });
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
    if (Atomics.load(this.ctrl, a.format) === FORMAT_COMPACT) return readCompact(a);
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

  /** The compact form of the hottest messages; false for any other shape. */
  private writeCompact(a: Area, message: unknown): boolean {
    if (typeof message !== 'object' || message === null) return false;
    const m = message as { [K in keyof ComputeFftMessage | keyof ProcessAudioMessage | keyof TaskCompleteMessage]?: unknown };
    const { i32, f64 } = a;
    if (m.type === 'compute_fft' || m.type === 'process_audio') {
      const d = m.data as Record<string, unknown> | undefined;
      if (!d || d.mode !== 'shared' || !isInt32(m.task_id) || !isInt32(m.attempt) || !isInt32(d.output_offset) || keyCount(d) !== 3) return false;
      // the same six words for both: kind, task, attempt, length, input offset, output offset
      let kind: number;
      let length: number;
      let input: number;
      if (m.type === 'compute_fft') {
        if (!isInt32(m.fft_size) || !isInt32(d.audio_offset) || keyCount(m) !== 5) return false;
        kind = C_COMPUTE_FFT;
        length = m.fft_size;
        input = d.audio_offset;
      } else {
        if (m.bands !== null || !isInt32(m.num_samples) || typeof m.sample_rate !== 'number') return false;
        if (!isInt32(d.input_offset) || keyCount(m) !== 7) return false;
        f64[0] = m.sample_rate;
        kind = C_PROCESS_AUDIO;
        length = m.num_samples;
        input = d.input_offset;
      }
      i32[2] = kind;
      i32[3] = m.task_id;
      i32[4] = m.attempt;
      i32[5] = length;
      i32[6] = input;
      i32[7] = d.output_offset;
      return true;
    }
    if (m.type === 'task_complete') {
      const r = m.result as Record<string, unknown> | undefined;
      if (!r || !isInt32(m.task_id) || !isInt32(m.worker_id) || typeof m.execution_time_us !== 'number' || keyCount(m) !== 5) return false;
      let code: number;
      let value: unknown;
      if (r.kind === 'compute_fft' && r.spectrum === null && keyCount(r) === 3) {
        code = R_COMPUTE_FFT;
        value = r.bins;
      } else if (r.kind === 'process_audio' && r.output === null && keyCount(r) === 2) {
        code = R_PROCESS_AUDIO;
        value = 0;
      } else if (r.kind === 'selftest_fault' && keyCount(r) === 2) {
        code = R_SELFTEST_FAULT;
        value = r.attempt;
      } else {
        return false;
      }
      if (!isInt32(value)) return false;
      f64[0] = m.execution_time_us;
      i32[2] = C_TASK_COMPLETE;
      i32[3] = m.task_id;
      i32[4] = m.worker_id;
      i32[5] = code;
      i32[6] = value;
      return true;
    }
    return false;
  }

  /**
   * Calls `handler` for every message sent on `side` after sequence `seen` (default: from now
   * on), through one `Atomics.waitAsync` that re-arms itself; the handler reads it (`take`).
   * Returns a stop function; `close()` stops every listener of both sides.
   */
  listen(side: MailboxSide, handler: () => void, seen = this.sequence(side)): () => void {
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
        if (!stopped) arm();
      }
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

  /** Marks the mailbox closed and stops every listener on it (both sides see it closed). */
  close(): void {
    Atomics.store(this.ctrl, STATE, CLOSED);
    for (const stop of this.stops.splice(0)) stop();
    Atomics.notify(this.ctrl, REQUEST_SEQ);
    Atomics.notify(this.ctrl, RESPONSE_SEQ);
  }
}

function readCompact(a: Area): unknown {
  const { i32, f64 } = a;
  switch (i32[2]) {
    case C_COMPUTE_FFT:
      return {
        type: 'compute_fft', fft_size: i32[5], data: { mode: 'shared', audio_offset: i32[6], output_offset: i32[7] },
        task_id: i32[3], attempt: i32[4],
      };
    case C_PROCESS_AUDIO:
      return {
        type: 'process_audio', num_samples: i32[5], sample_rate: f64[0], bands: null,
        data: { mode: 'shared', input_offset: i32[6], output_offset: i32[7] }, task_id: i32[3], attempt: i32[4],
      };
    case C_TASK_COMPLETE: {
      const code = i32[5];
      const result = code === R_COMPUTE_FFT
        ? { kind: 'compute_fft', bins: i32[6], spectrum: null }
        : code === R_PROCESS_AUDIO
          ? { kind: 'process_audio', output: null }
          : code === R_SELFTEST_FAULT
            ? { kind: 'selftest_fault', attempt: i32[6] }
            : null;
      if (!result) throw new Error(`mailbox: unknown compact result ${code}`);
      return { type: 'task_complete', task_id: i32[3], worker_id: i32[4], execution_time_us: f64[0], result };
    }
    default:
      throw new Error(`mailbox: unknown compact message ${i32[2]}`);
  }
}
