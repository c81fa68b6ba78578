#!/usr/bin/env node
// Serves storybook-static with COOP/COEP (cross-origin isolated, so SharedArrayBuffer works),
// via `serve` and scripts/serve.json. Used by the story tests; `node scripts/serve-static.mjs [port]` by hand.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import waitOn from 'wait-on';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts the server and waits until it answers; returns { url, stop }. `isolated: false` serves the
 * same files without COOP/COEP (a plain static host), to test the postMessage fallback.
 */
export async function serveStatic({ dir = join(root, 'storybook-static'), port, isolated = true } = {}) {
  const p = port ?? (await freePort());
  const serveBin = join(root, 'node_modules/serve/build/main.js');
  const child = spawn(process.execPath, [serveBin, '--no-clipboard', '--no-port-switching', '-L', '-l', `tcp://127.0.0.1:${p}`,
    '-c', join(root, isolated ? 'scripts/serve.json' : 'scripts/serve-plain.json'), dir], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  let exited = false;
  child.on('exit', () => { exited = true; });
  const url = `http://127.0.0.1:${p}`;
  try {
    await waitOn({ resources: [`http-get://127.0.0.1:${p}/index.html`], timeout: 30_000, interval: 100 });
  } catch (err) {
    child.kill();
    throw new Error(`the static server did not answer on ${url} within 30 s${exited ? ' (it exited)' : ''}: ${err.message}`);
  }
  return {
    url,
    stop: () => new Promise((resolve) => {
      if (exited) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = process.argv[2] ? Number(process.argv[2]) : 6007;
  const { url } = await serveStatic({ port });
  console.log(`serving storybook-static with COOP/COEP on ${url} (Ctrl-C to stop)`);
}
