/** Every stage's bench file. A new stage adds its `<stage>.bench.ts` export here. */
import type { BenchFile } from './types.ts';
import { ringCopyBench } from './ring-copy.bench.ts';
import { fftBench } from './fft.bench.ts';
import { eqBench } from './eq.bench.ts';
import { shiftBench } from './shift.bench.ts';
import { decodeBench } from './decode.bench.ts';

export const BENCH_FILES: readonly BenchFile[] = [ringCopyBench, fftBench, eqBench, shiftBench, decodeBench];
