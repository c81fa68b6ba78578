/**
 * `selftest_fault`, the pool's own task kind: the documented fault injection. On attempts below
 * `fail_attempts` the worker crashes (an uncaught exception outside any handler, which kills a
 * Node worker and fires `error` on a Web Worker), hangs (a busy loop, only `terminate()` ends it)
 * or throws inside the task (a plain `task_failed`); later attempts complete. So one message
 * proves crash/hang recovery with retry (`WorkerPool.selftestFault`).
 */
import { isInt32, keyCount } from './mailbox.ts';
import { defineTaskKind, type TaskMessageOf } from './task-kind.ts';

export type Fault = 'crash' | 'hang' | 'throw';
export const FAULTS: readonly Fault[] = ['crash', 'hang', 'throw'];

export interface SelftestFaultMessage extends TaskMessageOf<'selftest_fault'> {
  fault: Fault;
  /** The fault fires on attempts 0 .. fail_attempts - 1; later attempts complete. */
  fail_attempts: number;
}

export interface SelftestFaultResult {
  kind: 'selftest_fault';
  attempt: number;
}

export const selftestFaultTask = defineTaskKind<SelftestFaultMessage, SelftestFaultResult>({
  type: 'selftest_fault',
  compact: {
    writeResult(result, w) {
      if (result.kind !== 'selftest_fault' || keyCount(result) !== 2 || !isInt32(result.attempt)) return false;
      w.i32[0] = result.attempt;
      return true;
    },
    readResult: (w) => ({ kind: 'selftest_fault', attempt: w.i32[0]! }),
  },
  run(_ctx, msg) {
    if (msg.attempt >= msg.fail_attempts) return { kind: 'selftest_fault', attempt: msg.attempt };
    switch (msg.fault) {
      case 'throw':
        throw new Error(`selftest_fault: thrown on attempt ${msg.attempt}`);
      case 'crash':
        // an uncaught exception outside the task handler: the worker dies (Node) or reports an
        // error event (browser); no reply is sent
        setTimeout(() => {
          throw new Error(`selftest_fault: crash on attempt ${msg.attempt}`);
        }, 0);
        return new Promise<SelftestFaultResult>(() => {});
      case 'hang': {
        // a busy loop: only terminate() ends it
        for (;;) {
          if (Date.now() < 0) break;
        }
        return { kind: 'selftest_fault', attempt: msg.attempt };
      }
      default:
        throw new Error(`selftest_fault: unknown fault "${String(msg.fault)}"`);
    }
  },
});
