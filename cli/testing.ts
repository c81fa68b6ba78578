/** Shared by the CLI's end-to-end tests: run `stagebench` as a child process. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('./bin.mjs', import.meta.url));
export const REPO = fileURLToPath(new URL('..', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
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
  const { main } = await import('./main.ts');
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
