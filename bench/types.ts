/** What a stage's bench file provides: its cases, built on a fresh wasm instance each. */
import type { StagebenchWasm } from '../worklet/wasm.ts';
import type { BenchCase } from './harness.ts';

export interface BenchEnv {
  /** A fresh wasm instance (one runtime each, so cases do not share state). */
  newWasm(): StagebenchWasm;
}

export interface BenchFile {
  /** Stage id from the registry. */
  stage: string;
  cases(env: BenchEnv): BenchCase[];
}
