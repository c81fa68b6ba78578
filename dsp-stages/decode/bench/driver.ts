/**
 * The decode bench's driver threads and the synchronous bridge to them.
 *
 * The pool answers asynchronously and the harness times synchronous calls, so every
 * implementation (the peers too, so all carry the same overhead) runs in a driver worker thread:
 * `run()` posts a request and blocks in Atomics.wait until the driver has finished and answered
 * (receiveMessageOnPort). That round trip (`bridgeRoundTripUs`: tens of µs) is in every figure.
 * The pool paths share one driver thread and the peers have another: in one thread, the peer's
 * garbage (every `reset()` re-instantiates its wasm module) was collected during whichever pool
 * path ran next, about 1.5 ms per call. Work after an answer (a peer's reset after the call; the
 * pool's workers used to build their next decoder then) would overlap whatever is timed next (the round-robin's order puts
 * the same row after it most of the time: measured, the pool's FLAC figure doubled when it
 * followed the reset-after-the-call peer), so each timed batch starts after DECODE_SETTLE_MS idle.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { MessageChannel, Worker, isMainThread, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { defaultWorkers } from '../cli.ts';
import { readWasmBytes, wasmPath } from '../../wasm-file.ts';
import { mean, percentile } from '../../../worklet/stats.ts';
import { spawnNodeWorker } from '../../../worklet/pool/node.ts';
import { WorkerPool } from '../../../worklet/pool/pool.ts';
import { codecDecoder } from '../pool/codec-adapters.ts';
import { buildCases, checkPlanes, type DriverCase, type Pools } from './impls.ts';
import { errorMessage } from '../../../worklet/errors.ts';

/** Longest a driver request may take before the bench gives up, ms. */
const CALL_TIMEOUT_MS = 60_000;
const DRIVER_ROLE = 'stagebench-decode-bench-driver';

type Request =
  | { type: 'setup'; wasmPath: string; part: 'pools' | 'peers' }
  | { type: 'run'; case: number; impl: number }
  | { type: 'check'; case: number; impl: number }
  | { type: 'noop' }
  | { type: 'fresh'; reps: number }
  | { type: 'close' };

export interface DriverCaseInfo {
  name: string;
  ours: string;
  impls: string[];
  /** Frames the first implementation (ours) decodes the clip to, and their duration. */
  frames: number;
  seconds: number;
  clipBytes: number;
}

/**
 * Ms to build a decoder in its initial state (`new`, then `ready`: a new wasm instance) and free
 * it: median and mean (the mean carries the garbage collections that dead instances cause).
 */
export interface FreshDecoderCost {
  flacMs: number;
  mp3Ms: number;
  flacMeanMs: number;
  mp3MeanMs: number;
  /** Median of the pool workers' in-place reset (pool/codec-adapters.ts), µs. */
  flacResetUs: number;
  mp3ResetUs: number;
  reps: number;
}

type Reply = { ok: true; cases?: DriverCaseInfo[]; fresh?: FreshDecoderCost } | { ok: false; error: string };

/** What the peers' reset() does: a fresh decoder (and the old one freed); and the pool's in-place reset. */
async function freshDecoderCost(reps: number): Promise<FreshDecoderCost> {
  const { FLACDecoder } = await import('@wasm-audio-decoders/flac');
  const { MPEGDecoder } = await import('mpg123-decoder');
  const time = async (make: () => { ready: Promise<unknown>; free(): unknown }): Promise<[number, number]> => {
    const ms: number[] = [];
    for (let i = -3; i < reps; i++) {
      const t0 = performance.now();
      const d = make();
      await d.ready;
      d.free();
      if (i >= 0) ms.push(performance.now() - t0);
    }
    return [
      percentile(
        [...ms].sort((a, b) => a - b),
        50,
      ),
      mean(ms),
    ];
  };
  const [flacMs, flacMeanMs] = await time(() => new FLACDecoder());
  const [mp3Ms, mp3MeanMs] = await time(() => new MPEGDecoder({ enableGapless: false }));
  const inPlace = async (codec: 'flac' | 'mp3'): Promise<number> => {
    const d = await codecDecoder(codec);
    const us: number[] = [];
    for (let i = -3; i < Math.max(reps, 10); i++) {
      const t0 = performance.now();
      d.reset();
      if (i >= 0) us.push((performance.now() - t0) * 1000);
    }
    d.free();
    return percentile(
      us.sort((a, b) => a - b),
      50,
    );
  };
  const [flacResetUs, mp3ResetUs] = [await inPlace('flac'), await inPlace('mp3')];
  return { flacMs, mp3Ms, flacMeanMs, mp3MeanMs, flacResetUs, mp3ResetUs, reps };
}

interface DriverData {
  role: typeof DRIVER_ROLE;
  port: MessagePort;
  control: SharedArrayBuffer;
}

/**
 * A driver: owns the pools (one thread) or the peers (another, so that neither's garbage
 * collection lands on the other's figures), answers one request at a time.
 */
function runDriver(data: DriverData): void {
  const control = new Int32Array(data.control);
  const port = data.port;
  let pools: Pools | null = null;
  let cases: DriverCase[] | null = null;
  const answer = (reply: Reply) => {
    port.postMessage(reply);
    Atomics.add(control, 0, 1);
    Atomics.notify(control, 0);
  };
  // an implementation's work after its answer (a peer's reset): the next request waits for it
  let afterAnswer: (() => Promise<void>) | null = null;
  let settled: Promise<void> = Promise.resolve();
  let afterError: unknown = null;
  const handle = async (req: Request): Promise<Reply> => {
    await settled;
    if (afterError !== null) {
      const err = afterError;
      afterError = null;
      throw err;
    }
    if (req.type === 'noop') return { ok: true };
    if (req.type === 'fresh') return { ok: true, fresh: await freshDecoderCost(req.reps) };
    if (req.type === 'setup') {
      if (!cases) {
        if (req.part === 'pools') {
          const wasmBytes = readWasmBytes(req.wasmPath);
          const [one, many] = await Promise.all([
            WorkerPool.create({ wasmBytes, spawn: spawnNodeWorker, workers: 1 }),
            WorkerPool.create({ wasmBytes, spawn: spawnNodeWorker, workers: defaultWorkers() }),
          ]);
          pools = { one, many };
        }
        cases = await buildCases(pools);
      }
      return {
        ok: true,
        cases: cases.map((c) => ({
          name: c.name,
          ours: c.impls[0]!.name,
          impls: c.impls.map((i) => i.name),
          frames: c.frames,
          seconds: c.frames / c.sampleRate,
          clipBytes: c.clip.length,
        })),
      };
    }
    if (req.type === 'close') {
      await Promise.all([pools?.one.shutdown(), pools?.many.shutdown()]);
      pools = null;
      return { ok: true };
    }
    const c = cases?.[req.case];
    const impl = c?.impls[req.impl];
    if (!c || !impl) throw new Error(`no case ${req.case} impl ${req.impl}`);
    const out = await impl.decode(c.clip);
    afterAnswer = impl.afterAnswer ?? null;
    if (req.type === 'check')
      checkPlanes(`${c.name} ${impl.name}`, out, c.reference, c.exact, c.format === 'mp3' ? c.frames : 0, impl.integerScale);
    return { ok: true };
  };
  port.on('message', (req: Request) => {
    handle(req)
      .then(answer, (err: unknown) => answer({ ok: false, error: errorMessage(err) }))
      .finally(() => {
        const after = afterAnswer;
        afterAnswer = null;
        if (after) {
          settled = after().catch((err: unknown) => {
            afterError = err;
          });
        }
        if (req.type === 'close') port.close();
      });
  });
}

if (!isMainThread && (workerData as Partial<DriverData> | null)?.role === DRIVER_ROLE) runDriver(workerData as DriverData);

/** The file URL of tsx's ESM API (`tsx/esm/api` as an import resolves it). */
function tsxEsmApiUrl(): string {
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  return new URL(pkg.exports['./esm/api']!.import.default, pathToFileURL(pkgPath)).href;
}

/** The main thread's side: synchronous calls into the driver. */
export class DecodeDriver {
  private closed = false;
  cases: DriverCaseInfo[] = [];

  private constructor(
    private readonly worker: Worker,
    private readonly port: MessagePort,
    private readonly control: Int32Array,
  ) {}

  static start(): DecodeDriver {
    const control = new SharedArrayBuffer(8);
    const { port1, port2 } = new MessageChannel();
    const tsxApi = tsxEsmApiUrl();
    // an eval'd CommonJS entry: registers tsx (TypeScript) in the thread, then loads this module;
    // whenever the thread ends, a waiting call wakes up and finds it gone
    const code = `
      const { workerData } = require('node:worker_threads');
      process.on('exit', () => {
        const c = new Int32Array(workerData.control);
        Atomics.store(c, 1, 1);
        Atomics.add(c, 0, 1);
        Atomics.notify(c, 0);
      });
      import(${JSON.stringify(tsxApi)})
        .then((api) => { api.register(); return import(${JSON.stringify(import.meta.url)}); })
        .catch((err) => {
          workerData.port.postMessage({ ok: false, error: 'the decode bench driver could not start: ' + (err && err.message ? err.message : String(err)) });
          const c = new Int32Array(workerData.control);
          Atomics.add(c, 0, 1);
          Atomics.notify(c, 0);
        });`;
    const data: DriverData = { role: DRIVER_ROLE, port: port2, control };
    const worker = new Worker(code, { eval: true, workerData: data, transferList: [port2] });
    // neither keeps Node alive: a bench run ends when its main thread is done
    worker.unref();
    port1.unref();
    return new DecodeDriver(worker, port1, new Int32Array(control));
  }

  /** Sends one request and blocks until the driver answers; its error is thrown here. */
  call(req: Request, timeoutMs = CALL_TIMEOUT_MS): Reply & { ok: true } {
    return this.send(req).wait(timeoutMs);
  }

  /** Posts a request; `wait()` blocks until its answer (so two drivers can work at once). */
  send(req: Request): { wait(timeoutMs?: number): Reply & { ok: true } } {
    if (this.closed) throw new Error('the decode bench driver is closed');
    const before = Atomics.load(this.control, 0);
    this.port.postMessage(req);
    const wait = (timeoutMs = CALL_TIMEOUT_MS): Reply & { ok: true } => {
      const deadline = performance.now() + timeoutMs;
      while (Atomics.load(this.control, 0) === before) {
        const left = deadline - performance.now();
        if (left <= 0) throw new Error(`the decode bench driver did not answer "${req.type}" within ${timeoutMs} ms`);
        Atomics.wait(this.control, 0, before, left);
      }
      const got = receiveMessageOnPort(this.port);
      if (!got) {
        if (Atomics.load(this.control, 1) === 1) {
          this.closed = true;
          void this.worker.terminate();
          throw new Error(`the decode bench driver exited during "${req.type}"`);
        }
        throw new Error(`the decode bench driver answered "${req.type}" with no message`);
      }
      const reply = got.message as Reply;
      if (!reply.ok) throw new Error(reply.error);
      return reply;
    };
    return { wait };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      if (Atomics.load(this.control, 1) === 0) this.call({ type: 'close' });
    } finally {
      this.closed = true;
      await this.worker.terminate();
    }
  }

  /** Ends the thread at once (its pools' workers with it). */
  terminate(): Promise<number> {
    this.closed = true;
    return this.worker.terminate();
  }

  get isClosed(): boolean {
    return this.closed;
  }
}

export interface StartedDecodeBench {
  pools: DecodeDriver;
  peers: DecodeDriver;
  /** Per case, the drivers' implementations together: ours and the other pool paths, then the peer. */
  cases: DriverCaseInfo[];
}

let started: StartedDecodeBench | null = null;

/** The running driver threads and their cases, or null before startDecodeBench() (or after closeDecodeBench()). */
export function startedDecodeBench(): StartedDecodeBench | null {
  return started;
}

/**
 * Starts the two driver threads (once): the pools with the clips, and the peers. Checks nothing
 * yet; returns the cases.
 */
export function startDecodeBench(path: string = wasmPath()): DriverCaseInfo[] {
  if (started && !started.pools.isClosed && !started.peers.isClosed) return started.cases;
  const pools = DecodeDriver.start();
  const peers = DecodeDriver.start();
  try {
    const setupPools = pools.send({ type: 'setup', wasmPath: path, part: 'pools' });
    const setupPeers = peers.send({ type: 'setup', wasmPath: path, part: 'peers' });
    const a = setupPools.wait(120_000).cases ?? [];
    const b = setupPeers.wait(120_000).cases ?? [];
    pools.cases = a;
    peers.cases = b;
    const cases = a.map((info, i) => ({ ...info, impls: [...info.impls, ...(b[i]?.impls ?? [])] }));
    started = { pools, peers, cases };
    return cases;
  } catch (err) {
    void pools.terminate();
    void peers.terminate();
    throw err;
  }
}

/** Shuts the pools down and ends both driver threads (a bench run may also just exit). */
export async function closeDecodeBench(): Promise<void> {
  const s = started;
  started = null;
  await Promise.all([s?.pools.close(), s?.peers.close()]);
}

/** The median cost of a fresh FLAC and MP3 decoder, measured in the peers' driver thread. */
export function freshDecoderCostMs(reps = 30): FreshDecoderCost {
  if (!started) throw new Error('decode bench: startDecodeBench() first');
  const fresh = started.peers.call({ type: 'fresh', reps }).fresh;
  if (!fresh) throw new Error('the decode bench driver sent no fresh-decoder figures');
  return fresh;
}

/** Median round trip of an empty request to the pools' driver, µs: the overhead in every decode figure. */
export function bridgeRoundTripUs(calls = 200): number {
  if (!started) throw new Error('decode bench: startDecodeBench() first');
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    started.pools.call({ type: 'noop' });
    times.push((performance.now() - t0) * 1000);
  }
  return percentile(
    times.sort((a, b) => a - b),
    50,
  );
}
