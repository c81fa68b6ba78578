/** Every stage's bench cases, in registry order: the `bench` of each stage's dsp-stages/<id>/node.ts. */
import type { BenchFile } from '../dsp-stages/bench-harness.ts';
import { NODE_STAGES } from '../dsp-stages/node-registry.ts';
import { stageBenchFiles } from '../dsp-stages/node-api.ts';

export const BENCH_FILES: readonly BenchFile[] = Object.values(NODE_STAGES).flatMap((node) => stageBenchFiles(node));
