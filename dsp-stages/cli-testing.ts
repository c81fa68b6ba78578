/**
 * Shared by the CLI's end-to-end tests (cli/ and each stage's own): run the `stagebench` command,
 * as a child process or in process. Node only, and for tests only.
 */
import { execFile } from 'node:child_process';
import { expect } from 'vitest';
import { fileURLToPath } from 'node:url';
import type { BenchOptions } from './bench-harness.ts';

export const BIN = fileURLToPath(new URL('../cli/bin.mjs', import.meta.url));
export const REPO = fileURLToPath(new URL('..', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The one line a failed command printed: asserts that it wrote nothing on stdout and exactly one
 * non-empty line on stderr, and returns that line.
 */
export function oneErrorLine(r: CliResult): string {
  expect(r.stdout).toBe('');
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

/** Runs `node cli/bin.mjs ...args` from the repository root, with extra environment variables. */
export function stagebench(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: REPO, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Runs `main(args)` in this process with captured output, the same as the command would print
 * and return: for the many end-to-end cases of one command, where starting Node and compiling
 * the TypeScript for each (about 0.8 s) would dominate. The spawned form stays for what only a
 * real process shows (the bin script, exit codes, a missing module).
 */
export async function stagebenchInProcess(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const { main } = await import('../cli/main.ts');
  let stdout = '';
  let stderr = '';
  let code: number;
  try {
    code = await main(args, {
      stdout: (text) => {
        stdout += text;
      },
      stderr: (text) => {
        stderr += text;
      },
      env: { ...process.env, ...env },
      stderrIsTTY: false,
    });
  } catch (err) {
    // main reports every failure as a line and an exit status; a throw is a defect to show
    stderr += `stagebench (in process): uncaught ${(err as Error).stack ?? String(err)}\n`;
    code = -1;
  }
  return { code, stdout, stderr };
}

/** Bench options short enough for a test: a few samples per impl, each a fraction of a ms. */
export const QUICK_BENCH: Partial<BenchOptions> = { warmupMs: 5, samples: 7, minSampleMs: 0.2 };

/**
 * Runs `benchCommand` in this process, as `stagebench bench [stage] [--json]` would but with
 * QUICK_BENCH (overridden by `options`) and the shortest follow-up runs; resolves to what it wrote.
 */
export async function benchInProcess(
  stage: string | null,
  opts: { json?: boolean; options?: Partial<BenchOptions> } = {},
): Promise<{ stdout: string; stderr: string }> {
  const { benchCommand } = await import('../cli/bench.ts');
  let stdout = '';
  let stderr = '';
  await benchCommand({
    stage,
    json: opts.json === true,
    env: process.env,
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    options: { ...QUICK_BENCH, ...opts.options },
    quick: true,
  });
  return { stdout, stderr };
}
