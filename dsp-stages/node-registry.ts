/**
 * The Node-only registry: every registered stage's `dsp-stages/<id>/node.ts` (its CLI hooks, sweep
 * and bench cases), found by convention from the worklet-safe registry, so adding a stage is one
 * line in registry.ts. A stage without node.ts runs on the generic paths alone. Never imported by
 * the AudioWorklet or the browser (it reads the file system).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { STAGES, getStage } from './registry.ts';
import type { StageDescriptor } from './types.ts';
import type { StageNode } from './node-api.ts';

async function loadNodeStages(): Promise<Record<string, StageNode>> {
  const out: Record<string, StageNode> = {};
  for (const id of Object.keys(STAGES)) {
    const url = new URL(`./${id}/node.ts`, import.meta.url);
    if (!existsSync(fileURLToPath(url))) {
      out[id] = {};
      continue;
    }
    const mod = (await import(url.href)) as { node?: StageNode };
    if (!mod.node) throw new Error(`dsp-stages/${id}/node.ts does not export \`node\` (a StageNode)`);
    out[id] = mod.node;
  }
  return out;
}

/** Every registered stage's Node-side hooks, by id (empty for a stage without node.ts). */
export const NODE_STAGES: Readonly<Record<string, StageNode>> = await loadNodeStages();

/** A registered stage and its Node-side hooks; an Error naming the known stages otherwise. */
export function nodeStage(id: string): { stage: StageDescriptor; node: StageNode } {
  return { stage: getStage(id), node: NODE_STAGES[id] ?? {} };
}
