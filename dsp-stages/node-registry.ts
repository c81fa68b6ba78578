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
import { paramsIn, promiseIn, promisesByStage, type StageConformance } from './conformance-types.ts';

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

/** Every `dsp-stages/<id>/conformance.ts` of a registered stage, by path (the stories find them with import.meta.glob). */
async function loadConformanceModules(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const id of Object.keys(STAGES)) {
    const url = new URL(`./${id}/conformance.ts`, import.meta.url);
    if (existsSync(fileURLToPath(url))) out[`dsp-stages/${id}/conformance.ts`] = await import(url.href);
  }
  return out;
}

/** The registered stages' conformance promises, by id, as the conformance stories see them. */
export const NODE_CONFORMANCE: Readonly<Record<string, StageConformance>> = promisesByStage(
  await loadConformanceModules(),
  Object.keys(STAGES),
);

/** A stage's promise (or the default one), and whether it declared one. */
export function conformanceOf(stageId: string): { spec: StageConformance; declared: boolean } {
  return promiseIn(NODE_CONFORMANCE, stageId);
}

/** A stage's defaults with the overrides its promise renders it with. */
export function conformanceParams(stage: Pick<StageDescriptor, 'id' | 'params'>): ReturnType<typeof paramsIn> {
  return paramsIn(NODE_CONFORMANCE, stage);
}
