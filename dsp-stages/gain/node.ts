/**
 * Gain (template) on the Node side. `stagebench run gain` needs nothing here (the generic quantum loop
 * runs its kernel); the bench times one render quantum through the wasm kernel against the stage's
 * own TypeScript reference, the plain-JS way to do the same arithmetic, and checks they agree.
 */
import type { BenchCase, BenchEnv, BenchFile } from '../bench-harness.ts';
import type { StageNode } from '../node-api.ts';
import { defaultParams } from '../params.ts';
import { whiteNoise } from '../signals.ts';
import { RENDER_QUANTUM_FRAMES } from '../types.ts';
import { gainStage } from './index.ts';

const Q = RENDER_QUANTUM_FRAMES;
/** Distinct input quanta cycled through (one second at 48 kHz). */
const INPUT_QUANTA = 375;

function gainCase(env: BenchEnv): BenchCase {
  const params = defaultParams(gainStage.params);
  const noise = whiteNoise(Q * INPUT_QUANTA, 0.5, 7);
  const quanta = Array.from({ length: INPUT_QUANTA }, (_, q) => noise.subarray(q * Q, (q + 1) * Q));
  const impl = (name: string, kernel: ReturnType<typeof gainStage.createReferenceKernel>) => {
    const inputs = [quanta[0]!];
    const out = new Float32Array(Q);
    let q = 0;
    const run = (): void => {
      inputs[0] = quanta[q]!;
      q = q + 1 === INPUT_QUANTA ? 0 : q + 1;
      if (kernel.process(inputs, out) !== 0) throw new Error(`${name}: process failed`);
    };
    /** Processes quantum `at` (not advancing `run`'s place) and returns the output's bits. */
    const bitsOf = (at: number): Uint32Array => {
      if (kernel.process([quanta[at]!], out) !== 0) throw new Error(`${name}: process failed`);
      return new Uint32Array(out.buffer.slice(0));
    };
    return { name, run, bitsOf };
  };
  const ours = impl('stagebench (wasm)', gainStage.createWasmKernel(env.newWasm(), params, 48_000));
  const reference = impl('stagebench (TypeScript reference)', gainStage.createReferenceKernel(params, 48_000));
  return {
    stage: gainStage.id,
    name: 'gain/128',
    ours: ours.name,
    impls: [
      {
        name: ours.name,
        run: ours.run,
        check() {
          // the two agree bit for bit on the same quanta
          for (const at of [0, INPUT_QUANTA - 1]) {
            const a = ours.bitsOf(at);
            const b = reference.bitsOf(at);
            const i = a.findIndex((bits, j) => bits !== b[j]);
            if (i >= 0) throw new Error(`gain: wasm and reference differ at sample ${i} of quantum ${at}`);
          }
        },
      },
      { name: reference.name, run: reference.run },
    ],
  };
}

const gainBench: BenchFile = { stage: gainStage.id, caseNames: ['gain/128'], cases: (env) => [gainCase(env)] };

export const node: StageNode = { bench: gainBench };
