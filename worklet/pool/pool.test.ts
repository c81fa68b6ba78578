import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWasmBytes, wasmPath } from '../../dsp-stages/wasm-file.ts';
import { STAGING, readWorkerState, region } from './layout.ts';
import { CLOSED, Mailbox, OPEN, RESPONSE_SEQ, STATE } from './mailbox.ts';
import { poolsInEachMode, spawnNodeWorker, type PoolsInEachMode } from './node.ts';
import { WorkerPool, type TaskFailure } from './pool.ts';
import { defineTaskKind } from './task-kind.ts';
import { POOL_REGIONS, TASK_KINDS } from './tasks.ts';
import type { WorkerHandlers, WorkerLike } from './worker-like.ts';

const wasmBytes = readWasmBytes(wasmPath());

/** An in-process worker that says ready (or `error`) and answers nothing else: for option tests. */
function fakeSpawn(error: string | null = null, onPost?: (msg: unknown, h: WorkerHandlers) => void): () => WorkerLike {
  return () => {
    let handlers: WorkerHandlers | null = null;
    return {
      listen: (h) => {
        handlers = h;
      },
      postMessage: (msg) => {
        const m = msg as { type: string; worker_id?: number };
        if (m.type === 'init') queueMicrotask(() => handlers?.message({ type: 'ready', worker_id: m.worker_id, error }));
        else if (handlers) onPost?.(msg, handlers);
      },
      terminate: () => {},
    };
  };
}

describe('WorkerPool options (in-process fake workers)', () => {
  it('defaults to half the cores, clamped to 2..8; an explicit count clamps to 1..8; with a note', async () => {
    const cases: [number | undefined, number, number, string | null][] = [
      [undefined, 16, 8, null],
      [undefined, 2, 2, 'workers: half of 2 cores is 1, clamped to 2 (the default pool runs 2 to 8)'],
      [undefined, 40, 8, 'workers: half of 40 cores is 20, clamped to 8 (the default pool runs 2 to 8)'],
      [12, 4, 8, 'workers: 12 clamped to 8 (the pool runs 1 to 8)'],
      [0, 4, 1, 'workers: 0 clamped to 1 (the pool runs 1 to 8)'],
      [3, 4, 3, null],
      [1, 4, 1, null],
    ];
    for (const [workers, cores, size, note] of cases) {
      const pool = await WorkerPool.create({ workers, cores, wasmBytes, spawn: fakeSpawn() });
      expect(pool.size).toBe(size);
      expect(pool.stats().workers).toHaveLength(size);
      expect(pool.notes).toEqual(note ? [note] : []);
      await pool.shutdown();
    }
  }, 20_000);

  it('rejects bad options and a worker that cannot start, with clear messages', async () => {
    await expect(WorkerPool.create({ wasmBytes: new Uint8Array(0), spawn: fakeSpawn() })).rejects.toThrow('wasmBytes are missing or empty');
    await expect(WorkerPool.create({ wasmBytes: new Uint8Array([1, 2, 3, 4]), spawn: fakeSpawn() })).rejects.toThrow(
      'wasm does not compile',
    );
    await expect(WorkerPool.create({ wasmBytes, spawn: fakeSpawn(), taskTimeoutMs: -1 })).rejects.toThrow(
      'taskTimeoutMs must be a positive number',
    );
    await expect(WorkerPool.create({ wasmBytes, spawn: fakeSpawn('worker 0 could not start: boom') })).rejects.toThrow(
      'worker 0 could not start: boom',
    );
  }, 20_000);

  it('says messages mode and why when forced', async () => {
    const pool = await WorkerPool.create({ wasmBytes, spawn: fakeSpawn(), forceMessages: true, cores: 4 });
    expect(pool.mode).toBe('messages');
    expect(pool.modeReason).toBe('messages: forced by the forceMessages option');
    expect(pool.layout).toBeNull();
    expect(pool.transport).toBe('postMessage');
    expect(pool.stats().transportReason).toBe('postMessage: messages mode (no SharedArrayBuffer for a mailbox)');
    await pool.shutdown();
  }, 20_000);

  it('sends tasks by postMessage to a worker that does not say it listens on its mailbox', async () => {
    const seen: string[] = [];
    const pool = await WorkerPool.create({
      wasmBytes,
      cores: 4,
      workers: 1,
      spawn: fakeSpawn(null, (msg, h) => {
        const m = msg as { task_id: number; attempt: number; type: string };
        seen.push(m.type);
        queueMicrotask(() =>
          h.message({
            type: 'task_complete',
            task_id: m.task_id,
            worker_id: 0,
            execution_time_us: 1,
            result: { kind: 'selftest_fault', attempt: m.attempt },
          }),
        );
      }),
    });
    expect(pool.transport).toBe('atomics');
    expect(pool.stats().workers[0]!.transport).toBe('postMessage');
    const outcome = await pool.selftestFault('throw', 0);
    expect(outcome.transport).toBe('postMessage');
    expect(seen).toEqual(['selftest_fault']);
    await pool.shutdown();
  }, 20_000);

  it('treats a garbled reply as a crash: the worker is replaced and the task retried', async () => {
    let posts = 0;
    const pool = await WorkerPool.create({
      wasmBytes,
      cores: 4,
      workers: 2,
      spawn: fakeSpawn(null, (msg, h) => {
        const m = msg as { task_id: number; attempt: number; type: string };
        posts++;
        queueMicrotask(() =>
          h.message(
            m.attempt === 0
              ? { type: 'nonsense' }
              : {
                  type: 'task_complete',
                  task_id: m.task_id,
                  worker_id: 0,
                  execution_time_us: 1,
                  result: { kind: 'selftest_fault', attempt: m.attempt },
                },
          ),
        );
      }),
    });
    const outcome = await pool.selftestFault('crash');
    expect(outcome.attempts).toBe(2);
    expect(posts).toBe(2);
    expect(pool.stats().workers.reduce((a, w) => a + w.restarts, 0)).toBe(1);
    await pool.shutdown();
  }, 20_000);
});

/** Node worker threads, keeping the mailbox each one is given at init (oldest first). */
const mailboxes: SharedArrayBuffer[] = [];
function spawnKeepingMailboxes(): WorkerLike {
  const worker = spawnNodeWorker();
  return {
    ...worker,
    postMessage: (msg, transfer) => {
      const m = msg as { type?: string; mailbox?: SharedArrayBuffer | null };
      if (m.type === 'init' && m.mailbox) mailboxes.push(m.mailbox);
      worker.postMessage(msg, transfer);
    },
  };
}

/** Atomics.waitAsync calls pending on a mailbox's response word (a notify wakes them; they re-arm). */
function responseWaiters(sab: SharedArrayBuffer): number {
  return Atomics.notify(new Int32Array(sab, 0, 8), RESPONSE_SEQ);
}

describe('WorkerPool on Node worker threads', () => {
  const failures: TaskFailure[] = [];
  let pool: WorkerPool;
  let posted: WorkerPool;
  let messages: WorkerPool;
  let pools: PoolsInEachMode | undefined;

  beforeAll(async () => {
    pools = await poolsInEachMode(wasmBytes, {
      spawn: spawnKeepingMailboxes,
      taskTimeoutMs: 2000,
      onTaskFailed: (f) => failures.push(f),
    });
    ({ pool, posted, messages } = pools);
  }, 30_000);
  afterAll(() => pools?.shutdown());

  it('runs in shared mode with the layout and publishes worker state there', () => {
    expect(pool.mode).toBe('shared');
    expect(pool.modeReason).toMatch(/^shared: SharedArrayBuffer/);
    expect(pool.transport).toBe('atomics');
    expect(pool.stats().transport).toBe('atomics');
    expect(pool.stats().workers.map((w) => w.transport)).toEqual(['atomics', 'atomics']);
    expect(posted.stats().transport).toBe('postMessage');
    expect(posted.transportReason).toBe('postMessage: forced by the forcePostMessage option');
    expect(mailboxes).toHaveLength(2);
    const layout = pool.layout!;
    expect(readWorkerState(layout, 0).state).toBe('idle');
    expect(readWorkerState(layout, 1).state).toBe('idle');
    expect(readWorkerState(layout, 2).state).toBe('absent');
  });

  it('runs a task in both modes and through both transports, each outcome saying which', async () => {
    const [a, b, c] = await Promise.all([
      pool.selftestFault('throw', 0),
      messages.selftestFault('throw', 0),
      posted.selftestFault('throw', 0),
    ]);
    for (const o of [a, b, c]) {
      expect(o.result).toEqual({ kind: 'selftest_fault', attempt: 0 });
      expect(o.attempts).toBe(1);
      expect(o.roundTripUs).toBeGreaterThanOrEqual(o.executionTimeUs);
    }
    expect([a.transport, b.transport, c.transport]).toEqual(['atomics', 'postMessage', 'postMessage']);
    expect(pool.stats().recent.at(-1)).toMatchObject({ taskId: a.taskId, kind: 'selftest_fault', transport: 'atomics' });
  }, 20_000);

  it('lays out the registered regions and the staging buffers, and lends their items one task at a time', async () => {
    const layout = pool.layout!;
    expect(layout.regions.map((r) => r.name)).toEqual(POOL_REGIONS.map((r) => r.name));
    expect(layout.regions.at(-1)!.name).toBe(STAGING.name);
    const staging = pool.region();
    expect(staging.region).toBe(region(layout, STAGING));
    expect(staging.offset(1) - staging.offset(0)).toBe(STAGING.itemBytes);
    expect(staging.bytes(3).byteOffset).toBe(staging.offset(3));
    expect(staging.floats(2, 4)).toHaveLength(4);
    expect(pool.region(STAGING)).toBe(staging);
    const taken = await Promise.all(Array.from({ length: STAGING.count }, () => staging.acquire()));
    expect(taken).toEqual([0, 1, 2, 3]);
    let next: number | null = null;
    const waiting = staging.acquire().then((i) => (next = i));
    await new Promise((r) => setTimeout(r, 5));
    expect(next).toBeNull();
    staging.release(2);
    expect(await waiting).toBe(2);
    for (const i of [0, 1, 2, 3]) staging.release(i);
    expect(() => messages.region()).toThrow('pool: region "staging" needs shared mode (messages: forced by the forceMessages option)');
    expect(() => pool.region({ name: 'nowhere', count: 1, itemBytes: 8 })).toThrow('pool layout: no region "nowhere"');
  });

  it('refuses a task kind the registry does not list', async () => {
    const stray = defineTaskKind({ type: 'not_registered', run: () => ({ kind: 'none' }) });
    await expect(pool.run(stray, () => ({}))).rejects.toThrow(
      'pool: task kind "not_registered" is not registered (dsp-stages/pool-tasks.ts)',
    );
    expect(TASK_KINDS[0]!.type).toBe('selftest_fault');
  });

  it('recovers from a crash: task_failed reported, worker replaced, task retried once and done', async () => {
    failures.length = 0;
    const before = pool.stats();
    const outcome = await pool.selftestFault('crash');
    expect(outcome.attempts).toBe(2);
    expect(outcome.result).toEqual({ kind: 'selftest_fault', attempt: 1 });
    expect(outcome.transport).toBe('atomics');
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ cause: 'crash', retrying: true, kind: 'selftest_fault', taskId: outcome.taskId });
    expect(failures[0]!.error).toMatch(/worker \d crashed: selftest_fault: crash on attempt 0/);
    const after = pool.stats();
    const restarts = (s: typeof after) => s.workers.reduce((a, w) => a + w.restarts, 0);
    expect(restarts(after)).toBe(restarts(before) + 1);
    expect(after.retries).toBe(before.retries + 1);
    // the pool is whole again: both workers take work
    const results = await Promise.all([0, 1, 2, 3].map(() => pool.selftestFault('throw', 0)));
    expect(new Set(results.map((r) => r.worker)).size).toBe(2);
  }, 20_000);

  it('recovers from a hang past the timeout the same way', async () => {
    failures.length = 0;
    const t0 = performance.now();
    const outcome = await pool.selftestFault('hang');
    expect(outcome.attempts).toBe(2);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(2000);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ cause: 'hang', retrying: true });
    expect(failures[0]!.error).toMatch(/hung: no reply to task \d+ \(selftest_fault\) within 2000 ms/);
    expect(outcome.transport).toBe('atomics');
    expect((await pool.selftestFault('throw', 0)).result).toEqual({ kind: 'selftest_fault', attempt: 0 });
  }, 15_000);

  it("closes a replaced worker's mailbox: no listener is left on it and nothing sent there arrives", async () => {
    // the crash and hang above replaced two workers: a mailbox each for the dead ones
    const restarts = pool.stats().workers.reduce((a, w) => a + w.restarts, 0);
    expect(restarts).toBeGreaterThanOrEqual(2);
    expect(mailboxes.length).toBe(2 + restarts);
    const state = (sab: SharedArrayBuffer) => Atomics.load(new Int32Array(sab, 0, 8), STATE);
    const live = mailboxes.filter((sab) => state(sab) === OPEN);
    const dead = mailboxes.filter((sab) => state(sab) === CLOSED);
    expect(live).toHaveLength(2);
    expect(dead).toHaveLength(restarts);
    for (const sab of live) expect(responseWaiters(sab)).toBe(1);
    for (const sab of dead) expect(responseWaiters(sab)).toBe(0);
    // a late reply forged on a dead mailbox (reopened) for the next task: nobody reads it
    const before = pool.stats();
    const ctrl = new Int32Array(dead[0]!, 0, 8);
    Atomics.store(ctrl, STATE, OPEN);
    const forged = new Mailbox(dead[0]!);
    const nextTask = Math.max(...before.recent.map((t) => t.taskId)) + 1;
    expect(
      forged.post('response', {
        type: 'task_complete',
        task_id: nextTask,
        worker_id: 0,
        execution_time_us: 1,
        result: { kind: 'selftest_fault', attempt: 7 },
      }),
    ).toBe(true);
    expect(responseWaiters(dead[0]!)).toBe(0);
    Atomics.store(ctrl, STATE, CLOSED);
    const got = await pool.selftestFault('throw', 0);
    expect(got.taskId).toBe(nextTask);
    expect(got.executionTimeUs).not.toBe(1);
    expect(got.result).toEqual({ kind: 'selftest_fault', attempt: 0 });
    expect(pool.stats().tasksDone).toBe(before.tasksDone + 1);
  }, 15_000);

  it('fails a task that crashes twice with both reasons, and one that throws at once', async () => {
    failures.length = 0;
    await expect(pool.selftestFault('crash', 2)).rejects.toThrow(
      /failed twice: worker \d crashed: selftest_fault: crash on attempt 0; then worker \d crashed: selftest_fault: crash on attempt 1/,
    );
    const restarts = pool.stats().workers.reduce((a, w) => a + w.restarts, 0);
    await expect(pool.selftestFault('throw')).rejects.toThrow(
      /task \d+ \(selftest_fault\) failed on worker \d: selftest_fault: thrown on attempt 0/,
    );
    // a throw is the task's fault, not the worker's: no restart
    expect(pool.stats().workers.reduce((a, w) => a + w.restarts, 0)).toBe(restarts);
    expect(failures.map((f) => [f.cause, f.retrying])).toEqual([
      ['crash', true],
      ['crash', false],
      ['throw', false],
    ]);
    expect((await pool.selftestFault('throw', 0)).attempts).toBe(1);
  }, 20_000);

  it('measures per-task overhead (round trip minus execution) through both transports, each task saying which', async () => {
    // selftest_fault tasks that complete at once: the pool's own cost, with no work in the task
    for (let i = 0; i < 30; i++) {
      await pool.selftestFault('throw', 0);
      await posted.selftestFault('throw', 0);
    }
    // alternating, so that both transports see the same load on the machine
    const overheads: Record<'atomics' | 'postMessage', number[]> = { atomics: [], postMessage: [] };
    for (let i = 0; i < 200; i++) {
      for (const p of [pool, posted]) {
        const task = await p.selftestFault('throw', 0);
        expect(task.roundTripUs).toBeGreaterThanOrEqual(task.executionTimeUs);
        overheads[task.transport].push(task.roundTripUs - task.executionTimeUs);
      }
    }
    const med = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
    const p90 = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length * 0.9)]!;
    expect(overheads.atomics).toHaveLength(200);
    expect(overheads.postMessage).toHaveLength(200);
    const [a, b] = [overheads.atomics, overheads.postMessage];
    console.log(
      `pool overhead (round trip - execution), 200 empty selftest_fault tasks each on Node worker threads: ` +
        `mailbox (Atomics) median ${med(a).toFixed(1)} µs, p90 ${p90(a).toFixed(1)} µs; ` +
        `postMessage median ${med(b).toFixed(1)} µs, p90 ${p90(b).toFixed(1)} µs`,
    );
    expect(Number.isFinite(med(a)) && Number.isFinite(med(b))).toBe(true);
    const s = pool.stats();
    expect(s.medianOverheadUs).not.toBeNull();
    expect(s.recent.slice(-200).every((t) => t.transport === 'atomics')).toBe(true);
  }, 30_000);

  it('shutdown rejects queued and running tasks with a clear message, then refuses new ones', async () => {
    const p = await WorkerPool.create({ workers: 2, wasmBytes, spawn: spawnNodeWorker });
    const running = [p.selftestFault('hang'), p.selftestFault('hang'), p.selftestFault('throw', 0)];
    await new Promise((r) => setTimeout(r, 50));
    const st = p.stats();
    expect(st.running).toBe(2);
    expect(st.queued).toBe(1);
    await p.shutdown();
    const settled = await Promise.allSettled(running);
    for (const s of settled) {
      expect(s.status).toBe('rejected');
      expect((s as PromiseRejectedResult).reason.message).toMatch(/^worker pool shut down: task \d+ \(selftest_fault\) cancelled$/);
    }
    expect(p.stats().workers.every((w) => w.state === 'stopped')).toBe(true);
    await expect(p.selftestFault('throw', 0)).rejects.toThrow('worker pool is shut down: selftest_fault refused');
  }, 20_000);
});
