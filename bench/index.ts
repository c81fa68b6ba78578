/** Every stage's bench file. A new stage adds its `<stage>.bench.ts` export here. */
import type { BenchFile } from '../dsp-stages/bench-harness.ts';
import { ringCopyBench } from '../dsp-stages/ring-copy/bench.ts';
import { fftBench } from '../dsp-stages/fft/bench.ts';
import { eqBench } from '../dsp-stages/eq/bench.ts';
import { shiftBench } from '../dsp-stages/shift/bench.ts';
import { decodeBench } from './decode.bench.ts';

export const BENCH_FILES: readonly BenchFile[] = [ringCopyBench, fftBench, eqBench, shiftBench, decodeBench];
