/**
 * The decode scheduler against in-process fake workers (messages mode): what happens to the
 * output, the message and the chunk delivery when a task fails, or crashes once and is retried.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WorkerPool } from '../../../worklet/pool/pool.ts';
import type { InitMessage, ToWorker } from '../../../worklet/pool/protocol.ts';
import type { WorkerHandlers, WorkerLike } from '../../../worklet/pool/worker-like.ts';
import { readWasmBytes, wasmPath } from '../../wasm-file.ts';
import { decode, type DecodedChunk } from './decode.ts';
import type { DecodeMessage } from './task.ts';

const wasmBytes = readWasmBytes(wasmPath());
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../../fixtures/decode/${name}`, import.meta.url)));

type Verdict = 'ok' | 'fail' | 'crash';

/**
 * Fake workers: each decode job answers with planes whose every sample is the job's first output
 * frame (so the result shows which job wrote where), unless `verdict` says fail or crash.
 */
function fakes(verdict: (msg: DecodeMessage) => Verdict, seen: DecodeMessage[]): () => WorkerLike {
  return () => {
    let h: WorkerHandlers | null = null;
    return {
      listen: (handlers) => {
        h = handlers;
      },
      terminate: () => {
        h = null;
      },
      postMessage: (data) => {
        const handlers = h;
        if (!handlers) return;
        if ((data as ToWorker).type === 'init') {
          const init = data as InitMessage;
          queueMicrotask(() => handlers.message({ type: 'ready', worker_id: init.worker_id, error: null }));
          return;
        }
        const msg = data as DecodeMessage;
        if (msg.type !== 'decode') return;
        seen.push(msg);
        const v = verdict(msg);
        setTimeout(() => {
          if (v === 'crash') return handlers.error('injected crash');
          if (v === 'fail') return handlers.message({ type: 'task_failed', task_id: msg.task_id, worker_id: 0, error: 'injected failure' });
          const job = msg.job;
          const frames = job.op === 'codec_frames' ? job.keep_samples : job.out_count;
          const mark = job.op === 'codec_frames' ? -1 : job.out_start;
          const planes = Array.from({ length: job.channels }, () => new Float32Array(frames).fill(mark).buffer);
          handlers.message({
            type: 'task_complete',
            task_id: msg.task_id,
            worker_id: 0,
            execution_time_us: 1,
            result: { kind: 'planar', frames, planes, errors: [] },
          });
        }, 1);
      },
    };
  };
}

describe('decode faults (fake workers)', () => {
  it('a failed WAV chunk ends the output at its first frame; earlier chunks are delivered in order', async () => {
    const seen: DecodeMessage[] = [];
    const pool = await WorkerPool.create({
      wasmBytes,
      workers: 3,
      forceMessages: true,
      spawn: fakes((m) => (m.job.op === 'wav_chunk' && m.job.out_start === 3072 ? 'fail' : 'ok'), seen),
    });
    const chunks: DecodedChunk[] = [];
    const r = await decode(pool, { name: 'cut.wav', bytes: fixture('float64.wav') }, { chunkFrames: 1024, onChunk: (c) => chunks.push(c) });
    expect(r.error).toMatch(
      /^cut\.wav: frames 3072\.\.4096 could not be decoded: task \d+ \(decode\) failed on worker \d: injected failure$/,
    );
    expect(r.frames).toBe(3072);
    expect(chunks.map((c) => [c.index, c.startFrame, c.frames])).toEqual([
      [0, 0, 1024],
      [1, 1024, 1024],
      [2, 2048, 1024],
    ]);
    expect(r.channelData[1]![2047]).toBe(1024); // written by the job of frames 1024..2048
    // the other chunks ran (all 22 jobs were sent) but are not part of the result
    expect(seen).toHaveLength(22);
    await pool.shutdown();
  });

  it('a crash in a decode task is retried on a fresh worker and the decode completes', async () => {
    const seen: DecodeMessage[] = [];
    const pool = await WorkerPool.create({
      wasmBytes,
      workers: 2,
      forceMessages: true,
      spawn: fakes((m) => (m.job.op === 'wav_chunk' && m.job.out_start === 2048 && m.attempt === 0 ? 'crash' : 'ok'), seen),
    });
    const r = await decode(pool, { name: 'a.wav', bytes: fixture('float64.wav') }, { chunkFrames: 1024 });
    expect(r.error).toBeNull();
    expect(r.frames).toBe(22050);
    expect(seen.filter((m) => m.job.op === 'wav_chunk' && m.job.out_start === 2048).map((m) => m.attempt)).toEqual([0, 1]);
    expect(r.channelData[0]![2048]).toBe(2048);
    expect(pool.stats().workers.reduce((a, w) => a + w.restarts, 0)).toBe(1);
    await pool.shutdown();
  });

  it('a failed FLAC group before resampling: the spans past it are planned again for the shorter source', async () => {
    const seen: DecodeMessage[] = [];
    // groups of one 4096-sample frame at chunkFrames 4096 (44.1 -> 48 kHz): fail the group at 40960
    const pool = await WorkerPool.create({
      wasmBytes,
      workers: 2,
      forceMessages: true,
      spawn: fakes(
        (m) =>
          m.job.op === 'codec_frames' && m.job.output.mode === 'messages' && seen.filter((s) => s.job.op === 'codec_frames').length === 11
            ? 'fail'
            : 'ok',
        seen,
      ),
    });
    const r = await decode(pool, { name: 'g.flac', bytes: fixture('signal.flac') }, { outputRate: 48000, chunkFrames: 4096 });
    const groups = seen.filter((m) => m.job.op === 'codec_frames');
    // the 11th group sent (frames 40960..45056) failed
    expect(r.error).toMatch(
      /^g\.flac: frames 40960\.\.45056 could not be decoded: task \d+ \(decode\) failed on worker \d: injected failure$/,
    );
    const kept = Math.ceil((40960 * 48000) / 44100);
    expect(r.frames).toBe(kept);
    const spans = seen.filter((m) => m.job.op === 'resample').map((m) => m.job as Extract<DecodeMessage['job'], { op: 'resample' }>);
    // no span read past the fault, and the last one was planned for a source of 40960 frames
    expect(spans.every((s) => s.in_start + s.in_frames <= 40960)).toBe(true);
    const last = spans.reduce((a, s) => (s.out_start > a.out_start ? s : a));
    expect(last.total_in).toBe(40960);
    expect(last.out_start + last.out_count).toBe(kept);
    expect(r.channelData[0]![kept - 1]).toBe(last.out_start);
    expect(groups.length).toBeLessThan(108);
    await pool.shutdown();
  });
});
