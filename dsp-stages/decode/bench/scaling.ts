/**
 * The decode scaling study: a long file of each format (fixtures.ts) decoded by pools of
 * 1, 2 and 4 workers (asynchronous, on the calling thread), the wall time, the workers' busy
 * time and the calling thread's CPU time of each, and the speed-up over the fewest workers.
 */
import { readFileSync } from 'node:fs';
import { defaultWorkers } from '../cli.ts';
import { readWasmBytes, wasmPath } from '../../wasm-file.ts';
import { percentile } from '../../../worklet/stats.ts';
import { spawnNodeWorker } from '../../../worklet/pool/node.ts';
import { WorkerPool } from '../../../worklet/pool/pool.ts';
import { decode } from '../pool/decode.ts';
import { DECODE_BENCH_FORMATS, longFiles, type DecodeBenchFormat } from './fixtures.ts';

/** The long-file scaling run's defaults: 60 s per file, 5 runs after a warm-up, 1, 2 and 4 workers. */
export const SCALING_DEFAULTS = { seconds: 60, reps: 5, workers: [1, 2, 4] } as const;

export interface ScalingRow {
  format: DecodeBenchFormat;
  workers: number;
  seconds: number;
  /** Medians over the runs: pool.decode's wall time, and the workers' busy time (the tasks' execution summed). */
  wallMs: number;
  busyMs: number;
  /** Median CPU time of the calling thread over the decode (its plan, copies and messages), or null where unknown. */
  callerCpuMs: number | null;
  tasks: number;
  /** Seconds of audio per second of wall time. */
  xRealtime: number;
  /** Wall time of the fewest workers measured over this row's. */
  speedup: number;
}

export interface ScalingOptions {
  seconds: number;
  reps: number;
  workers: readonly number[];
  formats?: readonly DecodeBenchFormat[];
  wasmBytes?: Uint8Array;
  onProgress?: (text: string) => void;
}

/**
 * CPU time this thread has run, ms: Linux's /proc/thread-self/schedstat (nanoseconds on the
 * CPU), or null elsewhere (Node 20 has no per-thread CPU clock of its own).
 */
export function threadCpuMs(): number | null {
  try {
    const ns = Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);
    return Number.isFinite(ns) ? ns / 1e6 : null;
  } catch {
    return null;
  }
}

export async function runDecodeScaling(opts: ScalingOptions): Promise<{ rows: ScalingRow[]; notes: string[] }> {
  const formats = opts.formats ?? DECODE_BENCH_FORMATS;
  const { files, notes } = longFiles(opts.seconds, formats);
  const wasmBytes = opts.wasmBytes ?? readWasmBytes(wasmPath());
  const counts = [...new Set(opts.workers)].sort((a, b) => a - b);
  const pools: WorkerPool[] = [];
  try {
    for (const w of counts) pools.push(await WorkerPool.create({ wasmBytes, spawn: spawnNodeWorker, workers: w }));
    const samples = new Map<string, { wall: number[]; busy: number[]; cpu: number[]; tasks: number; frames: number; rate: number }>();
    // one warm-up, then the runs, round-robin over the worker counts so they share the machine's moods
    for (let rep = -1; rep < opts.reps; rep++) {
      for (const [format, bytes] of files) {
        for (const pool of pools) {
          const cpu0 = threadCpuMs();
          const r = await decode(pool, { name: `${format}-long`, bytes });
          const cpu1 = threadCpuMs();
          if (r.error) throw new Error(r.error);
          if (rep < 0) continue;
          const key = `${format}/${pool.size}`;
          const s = samples.get(key) ?? { wall: [], busy: [], cpu: [], tasks: r.tasks.length, frames: r.frames, rate: r.sampleRate };
          s.wall.push(r.wallMs);
          s.busy.push(r.tasks.reduce((a, t) => a + t.executionTimeUs / 1000, 0));
          if (cpu0 !== null && cpu1 !== null) s.cpu.push(cpu1 - cpu0);
          samples.set(key, s);
        }
      }
      if (rep >= 0) opts.onProgress?.(`decode scaling: run ${rep + 1}/${opts.reps}`);
    }
    const rows: ScalingRow[] = [];
    for (const format of files.keys()) {
      const med = (xs: number[]) =>
        percentile(
          [...xs].sort((a, b) => a - b),
          50,
        );
      const base = med(samples.get(`${format}/${pools[0]!.size}`)!.wall);
      for (const pool of pools) {
        const s = samples.get(`${format}/${pool.size}`)!;
        const wallMs = med(s.wall);
        const seconds = s.frames / s.rate;
        rows.push({
          format,
          workers: pool.size,
          seconds,
          wallMs,
          busyMs: med(s.busy),
          callerCpuMs: s.cpu.length > 0 ? med(s.cpu) : null,
          tasks: s.tasks,
          xRealtime: (seconds * 1000) / wallMs,
          speedup: base / wallMs,
        });
      }
    }
    return { rows, notes };
  } finally {
    await Promise.all(pools.map((p) => p.shutdown()));
  }
}

export function formatScalingTable(rows: readonly ScalingRow[]): string {
  const head = ['format', 'workers', 'seconds', 'tasks', 'wall ms', 'ms per s', 'x realtime', 'busy ms', 'caller CPU ms', 'speed-up'];
  const body = rows.map((r) => [
    r.format,
    String(r.workers),
    r.seconds.toFixed(1),
    String(r.tasks),
    r.wallMs.toFixed(1),
    (r.wallMs / r.seconds).toFixed(2),
    r.xRealtime.toFixed(0),
    r.busyMs.toFixed(1),
    r.callerCpuMs === null ? '—' : r.callerCpuMs.toFixed(1),
    `${r.speedup.toFixed(2)}×`,
  ]);
  const all = [head, ...body];
  const widths = head.map((_, c) => Math.max(...all.map((row) => row[c]!.length)));
  return all.map((row) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}

/** The scaling table with its heading and notes. */
export function scalingLines(
  rows: readonly ScalingRow[],
  notes: readonly string[],
  o: { seconds: number; reps: number; workers: readonly number[] },
): string[] {
  const fewest = Math.min(...o.workers);
  return [
    `decode scaling: ${o.seconds} s of stereo 44.1 kHz per file, pool.decode wall time (median of ${o.reps} runs after a warm-up); ` +
      `busy = the tasks' execution summed; caller CPU = the calling thread's CPU time over the decode (plan, copies, messages); ` +
      `speed-up = wall time of ${fewest} worker${fewest > 1 ? 's' : ''} / this row's; ${defaultWorkers()} is the default here`,
    formatScalingTable(rows),
    ...notes,
  ];
}
