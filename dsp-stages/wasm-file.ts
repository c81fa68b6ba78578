/** Finds and loads rust/pkg/stagebench_dsp.wasm in Node (the CLI, the bench and unit tests). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { StagebenchWasm, compileStagebench, instanceFactory, instantiateStagebench } from '../worklet/abi.ts';

/** The repository root (this file lives in dsp-stages/). */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The built module's path: $STAGEBENCH_WASM when set, else rust/pkg/stagebench_dsp.wasm in the repo. */
export function wasmPath(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.STAGEBENCH_WASM;
  if (override !== undefined && override !== '') return override;
  return fileURLToPath(new URL('../rust/pkg/stagebench_dsp.wasm', import.meta.url));
}

/** Reads the module's bytes; a missing file is an Error that says how to build it. */
export function readWasmBytes(path: string): Uint8Array<ArrayBuffer> {
  try {
    const buf = readFileSync(path);
    // a copy into a plain ArrayBuffer of its own (Buffer may sit in a shared pool)
    return new Uint8Array(buf);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`wasm module not found at ${path}: run npm run build:wasm`);
    if (code === 'EISDIR') throw new Error(`wasm path ${path} is a directory`);
    throw new Error(`cannot read wasm module ${path}: ${(err as Error).message}`);
  }
}

/** A fresh instance (one runtime per instance) of the module at `path`. */
export function loadWasm(path: string = wasmPath()): StagebenchWasm {
  const bytes = readWasmBytes(path);
  try {
    return instantiateStagebench(bytes);
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
}

/** The module at `path` read and compiled once, and a fresh instance per call (abi.ts `instanceFactory`). */
export function wasmInstanceFactory(path: string = wasmPath()): () => StagebenchWasm {
  return instanceFactory(compileStagebench(readWasmBytes(path)));
}
