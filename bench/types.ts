/** What a stage's bench file provides: its cases, built on a fresh wasm instance each. */
import type { StagebenchWasm } from '../worklet/abi.ts';
import type { BenchCase, BenchResult } from './harness.ts';

export interface BenchEnv {
  /** A fresh wasm instance (one runtime each, so cases do not share state). */
  newWasm(): StagebenchWasm;
}

export interface BenchFile {
  /** Stage id from the registry. */
  stage: string;
  /** The names of the cases `cases` builds, in order (for --help without building them; checked by the bench). */
  caseNames: readonly string[];
  /**
   * Asynchronous set-up run once before `cases` (e.g. instantiating a peer's Emscripten module,
   * whose factory is async). Absent: nothing to prepare.
   */
  prepare?(): Promise<void>;
  cases(env: BenchEnv): BenchCase[];
  /**
   * Text printed after the table (not with --json): figures a per-call table cannot hold, e.g.
   * decode's ms per second of audio and the pool's speed-up on a long file. Progress lines go to
   * `ctx.progress`; `ctx.quick` asks for the shortest version (the CLI's tests). Absent: nothing more.
   */
  report?(results: readonly BenchResult[], ctx: { progress(line: string): void; quick: boolean }): Promise<string>;
}
