/**
 * ring-copy/128: one render quantum through our two rings, exactly as the worklet does it
 * (writeScope into the shared telemetry buffer, then the wasm ring-copy kernel: push into the
 * wasm input ring, process_quantum, read the 128 frames back), against ringbuf.js pushing 128
 * samples into its SharedArrayBuffer ring and popping them back. Both rings hold 32768 samples.
 */
import { RingBuffer } from 'ringbuf.js';
import { RENDER_QUANTUM_FRAMES } from '../types.ts';
import { getStage } from '../registry.ts';
import { whiteNoise } from '../signals.ts';
import { SCOPE_CAPACITY_SAMPLES, createTelemetryBuffer, readScope, telemetryViews, writeScope } from '../../worklet/layout.ts';
import type { BenchCase } from '../bench-harness.ts';
import type { BenchEnv, BenchFile } from '../bench-harness.ts';

const Q = RENDER_QUANTUM_FRAMES;
/** Both implementations' ring size: our scope ring's fixed size, and ring-copy's default capacity. */
const CAPACITY = SCOPE_CAPACITY_SAMPLES;
/** Distinct input quanta cycled through (one second at 48 kHz), the same for both. */
const INPUT_QUANTA = 375;

function sameBits(a: Float32Array, b: Float32Array, what: string): void {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) {
    if (x[i] !== y[i]) throw new Error(`${what}: sample ${i} differs`);
  }
}

function inputQuanta(): Float32Array[] {
  const noise = whiteNoise(Q * INPUT_QUANTA, 0.5, 7);
  return Array.from({ length: INPUT_QUANTA }, (_, q) => noise.subarray(q * Q, (q + 1) * Q));
}

function ringCopyCase(env: BenchEnv): BenchCase {
  const stage = getStage('ring-copy');
  const quanta = inputQuanta();

  // ours: the worklet's per-quantum work
  const views = telemetryViews(createTelemetryBuffer(true));
  const kernel = stage.createWasmKernel(env.newWasm(), { capacity: CAPACITY }, 48000);
  const ourInputs: Float32Array[] = [quanta[0]!];
  const ourOutput = new Float32Array(Q);
  let ourQ = 0;
  const ours = (): void => {
    const input = quanta[ourQ]!;
    ourQ = ourQ + 1 === INPUT_QUANTA ? 0 : ourQ + 1;
    writeScope(views, input);
    ourInputs[0] = input;
    if (kernel.process(ourInputs, ourOutput) !== 0) throw new Error('ring-copy kernel failed');
  };

  // ringbuf.js: push a quantum, pop it back
  const rb = new RingBuffer(RingBuffer.getStorageForCapacity(CAPACITY, Float32Array), Float32Array);
  const theirOutput = new Float32Array(Q);
  let theirQ = 0;
  const theirs = (): void => {
    const input = quanta[theirQ]!;
    theirQ = theirQ + 1 === INPUT_QUANTA ? 0 : theirQ + 1;
    if (rb.push(input) !== Q || rb.pop(theirOutput) !== Q) throw new Error('ringbuf.js push/pop short');
  };

  return {
    stage: stage.id,
    name: 'ring-copy/128',
    ours: 'stagebench',
    impls: [
      {
        name: 'stagebench',
        run: ours,
        check() {
          // more than one lap of both rings; output and the scope's newest quantum equal the input
          const scopeTail = new Float32Array(Q);
          for (let i = 0; i < (2 * CAPACITY) / Q + 3; i++) {
            const input = quanta[ourQ]!;
            ours();
            sameBits(ourOutput, input, 'wasm ring-copy output');
            readScope(views, scopeTail);
            sameBits(scopeTail, input, 'scope ring');
          }
        },
      },
      {
        name: 'ringbuf.js',
        run: theirs,
        check() {
          for (let i = 0; i < (2 * CAPACITY) / Q + 3; i++) {
            const input = quanta[theirQ]!;
            theirs();
            sameBits(theirOutput, input, 'ringbuf.js pop');
          }
        },
      },
    ],
  };
}

export const ringCopyBench: BenchFile = {
  stage: 'ring-copy',
  caseNames: ['ring-copy/128'],
  cases: (env) => [ringCopyCase(env)],
};
