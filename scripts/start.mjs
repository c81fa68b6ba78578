#!/usr/bin/env node
// `npm start`: set up if needed, then open the workbench (Storybook dev server, cross-origin
// isolated) on PORT (default 6006).
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setup, SetupError } from './setup.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
try {
  setup();
} catch (err) {
  console.error(`setup: ${err instanceof SetupError ? err.message : err.stack}`);
  process.exit(1);
}
const port = process.env.PORT || '6006';
const args = ['storybook', 'dev', '-p', port, '--initial-path', '/story/dsp-stages-ring-copy--live-tone-at-1-k-hz'];
if (process.env.CI || !process.stdout.isTTY) args.push('--ci');
console.log(`start: Storybook on http://localhost:${port} (PORT=... npm start to change)`);
const child = spawn('npx', args, { cwd: root, stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 0));
