#!/usr/bin/env node
// Serves storybook-static with COOP/COEP (cross-origin isolated, so SharedArrayBuffer works),
// via `serve`. The story tests use scripts/serve.json (or scripts/serve-plain.json: a plain static
// host, where the preview's COOP/COEP service worker isolates the page after one reload; its
// `/coi-off/` entry redirects to the same pages with `?coi=0`, the service worker's opt-out, because
// test-storybook keeps only the origin and path of --url);
// `npm run preview` serves with the headers of the build's own `_headers` file, the one a static
// host reads (see docs/deploy.md), building Storybook first if there is no build.
//   node scripts/serve-static.mjs [port]              scripts/serve.json, port 6007
//   node scripts/serve-static.mjs --preview [port]    the build's _headers, port $PORT or 6007
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import waitOn from 'wait-on';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const STATIC_DIR = join(root, 'storybook-static');

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

/** Builds the static Storybook into storybook-static/ (throws if the build fails). */
export function buildStorybook() {
  console.log('stories: building the static Storybook');
  const res = spawnSync('npx', ['storybook', 'build', '-o', 'storybook-static', '--quiet', '--disable-telemetry'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
  });
  if (res.status !== 0) throw new Error('storybook build failed (see above)');
}

/**
 * Parses a `_headers` file (Netlify / Cloudflare Pages syntax): a path line (starting with `/`),
 * then indented `Name: value` lines; `#` starts a comment. Returns the rules in order; throws with
 * the line number on anything else.
 * @returns {{ path: string, headers: { key: string, value: string }[] }[]}
 */
export function parseHeadersFile(text) {
  const rules = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/\s+$/, '');
    if (line.trim() === '' || line.trim().startsWith('#')) return;
    if (!/^\s/.test(line)) {
      if (!line.startsWith('/')) throw new Error(`_headers line ${i + 1}: a path must start with "/": ${line}`);
      rules.push({ path: line, headers: [] });
      return;
    }
    const m = /^\s+([A-Za-z0-9-]+):\s*(.+)$/.exec(line);
    if (!m) throw new Error(`_headers line ${i + 1}: expected "Name: value": ${line.trim()}`);
    if (rules.length === 0) throw new Error(`_headers line ${i + 1}: a header before any path`);
    rules[rules.length - 1].headers.push({ key: m[1], value: m[2] });
  });
  return rules;
}

/**
 * The same rules as a `serve` config. On those hosts `*` is greedy (it spans directories), so
 * `/*` becomes the glob `/**` and `/*.js` becomes `/**\/*.js`.
 */
export function serveConfigFromHeaders(rules) {
  const glob = (path) => path.replace(/\*(?=\.)/g, '**/*').replace(/\*$/, '**');
  return {
    cleanUrls: false,
    rewrites: [{ source: '/', destination: '/index.html' }],
    headers: [
      ...rules.map((r) => ({ source: glob(r.path), headers: r.headers })),
      // a local preview always revalidates, so a rebuild shows at once
      { source: '**', headers: [{ key: 'Cache-Control', value: 'no-cache' }] },
    ],
  };
}

/** What the deployed `_headers` must say: cross-origin isolation, and module-script and wasm types. */
const REQUIRED_HEADERS = [
  { path: '/*', key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
  { path: '/*', key: 'Cross-Origin-Embedder-Policy', value: 'require-corp' },
  { path: '/*', key: 'Cross-Origin-Resource-Policy', value: 'same-origin' },
  { path: '/*.js', key: 'Content-Type', value: /^text\/javascript\b/ },
  { path: '/*.wasm', key: 'Content-Type', value: /^application\/wasm$/ },
];

/**
 * Problems with `<dir>/_headers` (an empty list when it is right): missing file, a required line
 * missing or different, or isolation headers that differ from the test server's (scripts/serve.json).
 */
export function deployHeaderProblems(dir = STATIC_DIR) {
  const file = join(dir, '_headers');
  if (!existsSync(file)) return [`${file} is missing (it comes from .storybook/static/_headers via staticDirs)`];
  let rules;
  try {
    rules = parseHeadersFile(readFileSync(file, 'utf8'));
  } catch (err) {
    return [err.message];
  }
  const problems = [];
  const find = (path, key) => rules.find((r) => r.path === path)?.headers.find((h) => h.key.toLowerCase() === key.toLowerCase());
  for (const want of REQUIRED_HEADERS) {
    const got = find(want.path, want.key);
    const ok = got && (typeof want.value === 'string' ? got.value === want.value : want.value.test(got.value));
    if (!ok) problems.push(`_headers ${want.path}: expected ${want.key}: ${want.value}${got ? `, found ${got.value}` : ', not found'}`);
  }
  const testServer = JSON.parse(readFileSync(join(root, 'scripts/serve.json'), 'utf8'));
  for (const h of testServer.headers.flatMap((r) => r.headers).filter((x) => x.key.startsWith('Cross-Origin-'))) {
    if (find('/*', h.key)?.value !== h.value) problems.push(`_headers /* and scripts/serve.json disagree on ${h.key}`);
  }
  return problems;
}

/** Path on the plain server (`isolated: false`) whose pages redirect to the same with `?coi=0`: the fallback on purpose. */
export const COI_OFF_PATH = '/coi-off/';

/**
 * Starts the server and waits until it answers; returns { url, stop }. `isolated: false` serves the
 * same files without COOP/COEP (a plain static host: the service worker isolates the page, or with
 * `?coi=0`, under COI_OFF_PATH, the postMessage fallback runs);
 * `headersFile` serves with the rules of that `_headers` file instead of scripts/serve.json.
 */
export async function serveStatic({ dir = STATIC_DIR, port, isolated = true, headersFile, host = '127.0.0.1' } = {}) {
  const p = port ?? (await freePort());
  let config = join(root, isolated ? 'scripts/serve.json' : 'scripts/serve-plain.json');
  if (headersFile) {
    const rules = parseHeadersFile(readFileSync(headersFile, 'utf8'));
    const tmp = join(tmpdir(), 'stagebench-serve');
    mkdirSync(tmp, { recursive: true });
    config = join(tmp, `serve-${process.pid}-${p}.json`);
    writeFileSync(config, JSON.stringify(serveConfigFromHeaders(rules), null, 2));
  }
  const serveBin = join(root, 'node_modules/serve/build/main.js');
  const child = spawn(
    process.execPath,
    [serveBin, '--no-clipboard', '--no-port-switching', '-L', '-l', `tcp://${host}:${p}`, '-c', config, dir],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  const url = `http://${host}:${p}`;
  try {
    await waitOn({ resources: [`http-get://${host}:${p}/index.html`], timeout: 30_000, interval: 100 });
  } catch (err) {
    child.kill();
    throw new Error(
      `the static server did not answer on ${url} within 30 s${exited ? ' (it exited: is the port busy? choose another with PORT=...)' : ''}: ${err.message}`,
    );
  }
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        if (exited) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** `npm run preview`: the build (made first if missing) with its own _headers, as a static host would serve it. */
async function preview(portArg) {
  if (!existsSync(join(STATIC_DIR, 'index.html'))) {
    if (!existsSync(join(root, 'rust/pkg/stagebench_dsp.wasm'))) {
      const wasm = spawnSync(process.execPath, [join(root, 'scripts/build-wasm.mjs')], { cwd: root, stdio: 'inherit' });
      if (wasm.status !== 0) console.warn('preview: no wasm build; the stories will run their TypeScript references (status "fallback")');
    }
    buildStorybook();
  }
  const headersFile = join(STATIC_DIR, '_headers');
  const problems = deployHeaderProblems();
  if (problems.length > 0)
    throw new Error(`storybook-static/_headers is not right (rebuild with npm run build-storybook):\n  ${problems.join('\n  ')}`);
  const port = Number(portArg ?? process.env.PORT ?? 6007);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`not a port number: ${portArg ?? process.env.PORT}`);
  const { url } = await serveStatic({ port, headersFile, host: 'localhost' });
  console.log(`preview: storybook-static on ${url} with the headers of storybook-static/_headers (Ctrl-C to stop)`);
  console.log(`preview: check them with curl -I ${url}/iframe.html`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  try {
    if (args.includes('--preview')) {
      await preview(args.find((a) => a !== '--preview'));
    } else {
      const port = args[0] ? Number(args[0]) : 6007;
      const { url } = await serveStatic({ port });
      console.log(`serving storybook-static with COOP/COEP on ${url} (Ctrl-C to stop)`);
    }
  } catch (err) {
    console.error(`serve-static: ${err.message}`);
    process.exit(1);
  }
}
