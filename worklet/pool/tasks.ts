/**
 * The task kinds of this build: the pool's own `selftest_fault`, then the registry's
 * (dsp-stages/pool-tasks.ts), in that order on every side (the mailbox numbers compact forms by
 * it), and the shared regions they need, laid out before the pool's staging buffers.
 */
import { POOL_TASKS } from '../../dsp-stages/pool-tasks.ts';
import { STAGING, type RegionSpec } from './layout.ts';
import { selftestFaultTask } from './selftest.ts';
import type { PoolTaskKind } from './task-kind.ts';

/** Message types that are not task kinds. */
const RESERVED = new Set(['init', 'shutdown', 'ready', 'task_complete', 'task_failed']);

export const TASK_KINDS: readonly PoolTaskKind[] = checkKinds([selftestFaultTask, ...POOL_TASKS]);

export const TASK_TYPES: ReadonlySet<string> = new Set(TASK_KINDS.map((k) => k.type));

/** The regions of the pool layout: every kind's, in registry order, then the staging buffers. */
export const POOL_REGIONS: readonly RegionSpec[] = [...TASK_KINDS.flatMap((k) => k.regions ?? []), STAGING];

function checkKinds(kinds: PoolTaskKind[]): PoolTaskKind[] {
  const seen = new Set<string>();
  for (const k of kinds) {
    if (typeof k.type !== 'string' || k.type === '' || RESERVED.has(k.type) || seen.has(k.type)) {
      throw new Error(`pool task kinds: "${String(k.type)}" is reserved or registered twice (dsp-stages/pool-tasks.ts)`);
    }
    seen.add(k.type);
  }
  return kinds;
}

/** The kind of a message type; throws for a type no kind has. */
export function taskKind(type: string): PoolTaskKind {
  const k = TASK_KINDS.find((q) => q.type === type);
  if (!k) throw new Error(`pool: no task kind "${type}" (registered: ${[...TASK_TYPES].join(', ')})`);
  return k;
}
