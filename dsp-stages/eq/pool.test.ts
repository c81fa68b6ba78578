/** The `process_audio` task kind on a pool of Node worker threads, its band region and compact mailbox form. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instantiateStagebench } from '../../worklet/abi.ts';
import { createPoolLayout, parsePoolLayout, regionSequence } from '../../worklet/pool/layout.ts';
import { FORMAT_ASCII, FORMAT_COMPACT, Mailbox } from '../../worklet/pool/mailbox.ts';
import { poolsInEachMode, type PoolsInEachMode } from '../../worklet/pool/node.ts';
import { WorkerPool } from '../../worklet/pool/pool.ts';
import { TASK_KINDS } from '../../worklet/pool/tasks.ts';
import { readWasmBytes, wasmPath } from '../wasm-file.ts';
import { bindEq } from './bindings.ts';
import type { EqPrecision } from './params.ts';
import { EQ_BANDS_REGION, MAX_PROCESS_SAMPLES, processAudio, readEqBands, setEq, writeEqBands, type EqBandSetting } from './pool.ts';

const wasmBytes = readWasmBytes(wasmPath());

function signal(n: number, seed = 1): Float32Array {
  let x = seed >>> 0;
  return Float32Array.from({ length: n }, (_, i) => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return 0.5 * Math.sin(i * 0.0371) + 0.25 * (x / 2 ** 32 - 0.5);
  });
}

const BANDS: EqBandSetting[] = [
  { kind: 1, freqHz: 1000, gainDb: 6, q: 1.2 },
  { kind: 5, freqHz: 80, gainDb: 0, q: 0 },
  { kind: 3, freqHz: 8000, gainDb: -4, q: 1 },
];

/** The same computation on this thread, straight on the wasm. */
function referenceEq(input: Float32Array, bands: EqBandSetting[], sampleRate: number, precision: EqPrecision = 'exact'): Float32Array {
  const w = instantiateStagebench(wasmBytes);
  w.init(128);
  expect(bindEq(w).eq_create(sampleRate, 1024)).toBe(0);
  bands.forEach((b, i) => expect(bindEq(w).eq_set_band(i, b.kind, b.freqHz, b.gainDb, b.q)).toBe(0));
  expect(bindEq(w).eq_set_precision(precision === 'fast' ? 1 : 0)).toBe(0);
  bindEq(w).eq_reset();
  const ptr = w.exports.scratch_alloc(input.length);
  w.f32(ptr, input.length).set(input);
  expect(bindEq(w).eq_process_buffer(ptr, ptr, input.length)).toBe(0);
  return w.f32(ptr, input.length).slice();
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return x.every((v, i) => v === y[i]);
}

describe('the EQ band region', () => {
  it('round-trips the band settings to another side under the sequence word; missing bands are off', () => {
    const a = createPoolLayout([EQ_BANDS_REGION]);
    const b = parsePoolLayout(a.handles, [EQ_BANDS_REGION]);
    const bands = [
      { kind: 1, freqHz: 1000, gainDb: 6, q: 0.7 },
      { kind: 5, freqHz: 80.5, gainDb: 0, q: -3 },
    ];
    writeEqBands(a, bands);
    const read = readEqBands(b);
    expect(read).toHaveLength(8);
    expect(read.slice(0, 2)).toEqual(bands);
    expect(read.slice(2).every((band) => band.kind === 0)).toBe(true);
    expect(regionSequence(b, EQ_BANDS_REGION) % 2).toBe(0);
    expect(regionSequence(b, EQ_BANDS_REGION)).toBe(2);
  });

  it('checks the band count', () => {
    const layout = createPoolLayout([EQ_BANDS_REGION]);
    expect(() =>
      writeEqBands(
        layout,
        Array.from({ length: 9 }, () => ({ kind: 1, freqHz: 1, gainDb: 0, q: 1 })),
      ),
    ).toThrow('9 EQ bands given, the layout holds 8');
  });
});

describe('process_audio in the mailbox', () => {
  it('goes in the compact form both ways when shared without bands, as JSON with bands', () => {
    const a = Mailbox.create(undefined, TASK_KINDS);
    const b = new Mailbox(a.buffer, TASK_KINDS);
    const task = {
      type: 'process_audio',
      num_samples: 9000,
      sample_rate: 44100.5,
      bands: null,
      precision: 'exact',
      data: { mode: 'shared', input_offset: 0, output_offset: 524288 },
      task_id: 8,
      attempt: 0,
    };
    expect(a.post('request', task)).toBe(true);
    expect(b.format('request')).toBe(FORMAT_COMPACT);
    expect(b.take('request')).toEqual(task);
    const done = {
      type: 'task_complete',
      task_id: 8,
      worker_id: 0,
      execution_time_us: 3.5,
      result: { kind: 'process_audio', output: null },
    };
    expect(b.post('response', done)).toBe(true);
    expect(a.format('response')).toBe(FORMAT_COMPACT);
    expect(a.take('response')).toEqual(done);
    const withBands = { ...task, bands: [{ kind: 1, freqHz: 1000, gainDb: 6, q: 1.2 }] };
    expect(a.post('request', withBands)).toBe(true);
    expect(b.format('request')).toBe(FORMAT_ASCII);
    expect(b.take('request')).toEqual(withBands);
    const fast = { ...task, precision: 'fast' };
    expect(a.post('request', fast)).toBe(true);
    expect(b.format('request')).toBe(FORMAT_ASCII);
    expect(b.take('request')).toEqual(fast);
  });
});

describe('process_audio on Node worker threads', () => {
  let pool: WorkerPool;
  let posted: WorkerPool;
  let messages: WorkerPool;
  let pools: PoolsInEachMode | undefined;

  beforeAll(async () => {
    pools = await poolsInEachMode(wasmBytes);
    ({ pool, posted, messages } = pools);
  }, 30_000);
  afterAll(() => pools?.shutdown());

  it('the EQ over a block, bit-exact with eq_process_buffer here, in both modes; bands from the layout', async () => {
    const input = signal(9000, 7);
    const want = referenceEq(input, BANDS, 48000);
    const [a, b, e] = await Promise.all([
      processAudio(pool, input, { bands: BANDS }),
      processAudio(messages, input, { bands: BANDS }),
      processAudio(posted, input, { bands: BANDS }),
    ]);
    expect(sameBits(a.output, want)).toBe(true);
    expect(sameBits(b.output, want)).toBe(true);
    expect(sameBits(e.output, want)).toBe(true);
    expect(a.task.transport).toBe('atomics');
    expect(sameBits(a.output, input)).toBe(false);
    // bands set once, read by the worker from the layout's band region (shared) or sent (messages)
    setEq(pool, BANDS);
    setEq(messages, BANDS);
    const at44 = referenceEq(input, BANDS, 44100);
    const [c, d] = await Promise.all([
      processAudio(pool, input, { sampleRate: 44100 }),
      processAudio(messages, input, { sampleRate: 44100 }),
    ]);
    expect(sameBits(c.output, at44)).toBe(true);
    expect(sameBits(d.output, at44)).toBe(true);
    expect(c.task.transport).toBe('atomics');
    await expect(processAudio(pool, new Float32Array(MAX_PROCESS_SAMPLES + 1))).rejects.toThrow(`at most ${MAX_PROCESS_SAMPLES} per task`);
    expect(() =>
      setEq(
        pool,
        Array.from({ length: 9 }, () => BANDS[0]!),
      ),
    ).toThrow('9 EQ bands given, the EQ has 8');
  }, 20_000);

  it('honours the precision: fast tasks equal eq_process_buffer at precision fast here, in both modes', async () => {
    const input = signal(9000, 11);
    const want = referenceEq(input, BANDS, 48000, 'fast');
    expect(sameBits(want, referenceEq(input, BANDS, 48000))).toBe(false);
    const [a, b, e] = await Promise.all([
      processAudio(pool, input, { bands: BANDS, precision: 'fast' }),
      processAudio(messages, input, { bands: BANDS, precision: 'fast' }),
      processAudio(posted, input, { bands: BANDS, precision: 'fast' }),
    ]);
    for (const r of [a, b, e]) expect(sameBits(r.output, want)).toBe(true);
    // a later exact task on the same workers is exact again
    const exact = await processAudio(pool, input, { bands: BANDS });
    expect(sameBits(exact.output, referenceEq(input, BANDS, 48000))).toBe(true);
  }, 20_000);
});
