#!/usr/bin/env node
// Idempotent set-up used by `npm start` and `npm test`: installs what is missing and nothing else.
//   1. Debian packages: chromium, firefox-esr and pulseaudio (the Firefox story suite: its audio
//      device is a PulseAudio null sink), and a Rust toolchain with the wasm32 target (rustc, cargo,
//      libstd-rust-dev-wasm32, lld) unless one is already found. Optional, when apt-get can install
//      them: binaryen (wasm-opt, so the tests run against the optimised module), fonts, rustfmt
//      and rust-clippy when cargo lacks `fmt` or `clippy` (the lint suite of `npm test` runs both),
//      and flac (the decode scaling bench's 60 s FLAC file); without them set-up goes on with a
//      note (the wasm build then uses cargo's output as is).
//   2. npm install, when node_modules is missing or older than package.json / the lockfile.
//   3. The wasm build, when rust/pkg/stagebench_dsp.wasm is missing or older than the Rust sources,
//      or was built without wasm-opt that is installed now.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findNativeToolchain, findWasmToolchain } from './toolchain.mjs';
import { findWasmOpt } from './build-wasm.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const log = (msg) => console.log(`setup: ${msg}`);

export class SetupError extends Error {}

function commandExists(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function dpkgInstalled(pkg) {
  const res = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return res.status === 0 && res.stdout.includes('install ok installed');
}

export function chromiumPath() {
  return process.env.CHROMIUM_PATH || '/usr/bin/chromium';
}

/** Debian's Firefox ESR, which the Firefox story suite drives (scripts/test-firefox.mjs). */
export function firefoxPath() {
  return process.env.FIREFOX_PATH || '/usr/bin/firefox-esr';
}

/** Packages set-up cannot go on without. */
function missingPackages() {
  const wanted = [];
  if (!existsSync(chromiumPath())) wanted.push('chromium');
  if (!existsSync(firefoxPath())) wanted.push('firefox-esr');
  if (!commandExists('pulseaudio')) wanted.push('pulseaudio');
  if (!findWasmToolchain()) wanted.push('rustc', 'cargo', 'libstd-rust-dev-wasm32', 'lld');
  return wanted;
}

/** Whether the toolchain scripts/cargo.mjs runs has the cargo subcommand `sub` (fmt, clippy). */
function cargoHas(sub) {
  const tc = findNativeToolchain();
  if (!tc) return false;
  return spawnSync(tc.cargo, [sub, '--version'], { stdio: 'ignore', env: { ...process.env, RUSTC: tc.rustc } }).status === 0;
}

/** Packages that make things better when apt-get can install them: wasm-opt, fonts, the Rust lint tools, flac. */
function missingOptionalPackages() {
  const wanted = [];
  if (!findWasmOpt()) wanted.push('binaryen');
  // fonts for readable screenshots and plots in headless Chromium
  if (commandExists('dpkg-query') && !dpkgInstalled('fonts-dejavu-core')) wanted.push('fonts-dejavu-core');
  // `cargo fmt --check` and `cargo clippy` in the lint suite of npm test
  if (!cargoHas('fmt')) wanted.push('rustfmt');
  if (!cargoHas('clippy')) wanted.push('rust-clippy');
  // the decode scaling bench encodes its 60 s FLAC file with it (FLAC files do not concatenate)
  if (!commandExists('flac')) wanted.push('flac');
  return wanted;
}

/** Installs optional packages if apt-get can (as root); otherwise, or on failure, a note and on. */
function installOptionalPackages(pkgs) {
  if (pkgs.length === 0) return;
  const whys = [];
  if (pkgs.includes('binaryen')) whys.push('without binaryen the wasm module is not optimised by wasm-opt');
  if (pkgs.includes('rustfmt') || pkgs.includes('rust-clippy')) whys.push('without rustfmt or rust-clippy the lint suite fails');
  const why = whys.length > 0 ? ` (${whys.join('; ')})` : '';
  if (!commandExists('apt-get') || (process.getuid && process.getuid() !== 0)) {
    log(`optional packages not installed: ${pkgs.join(' ')}${why}; apt-get install them as root to add them`);
    return;
  }
  try {
    installPackages(pkgs);
  } catch (err) {
    log(`optional packages not installed: ${err.message}${why}`);
  }
}

function installPackages(pkgs) {
  if (!commandExists('apt-get')) {
    throw new SetupError(
      `missing ${pkgs.join(', ')} and apt-get is not available: install them with your system's package manager ` +
        '(or set CHROMIUM_PATH to a Chromium binary and FIREFOX_PATH to a Firefox one, install PulseAudio, and a Rust toolchain with the wasm32-unknown-unknown target).',
    );
  }
  if (process.getuid && process.getuid() !== 0) {
    throw new SetupError(`missing ${pkgs.join(', ')}: run as root, or first: sudo apt-get install -y ${pkgs.join(' ')}`);
  }
  log(`installing Debian packages: ${pkgs.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-q'], { stdio: 'inherit', env });
  if (update.status !== 0) throw new SetupError('apt-get update failed (is the network to the Debian mirror up?)');
  const install = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...pkgs], { stdio: 'inherit', env });
  if (install.status !== 0) throw new SetupError(`apt-get install ${pkgs.join(' ')} failed (see above)`);
}

function mtime(path) {
  return existsSync(path) ? statSync(path).mtimeMs : 0;
}

function newestUnder(dir) {
  let newest = 0;
  if (!existsSync(dir)) return 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestUnder(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function npmInstallNeeded() {
  const marker = join(root, 'node_modules/.package-lock.json');
  if (!existsSync(marker)) return true;
  return mtime(join(root, 'package.json')) > mtime(marker) || mtime(join(root, 'package-lock.json')) > mtime(marker);
}

function npmInstall() {
  log('npm install');
  // Playwright drives Debian's Chromium; its own browser download cannot work here
  const env = { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' };
  const res = spawnSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit', env });
  if (res.status !== 0) throw new SetupError('npm install failed (see above)');
}

/** How the module was built (written by build-wasm.mjs beside it), or null for an older build. */
function wasmBuildInfo(wasm) {
  try {
    return JSON.parse(readFileSync(`${wasm}.json`, 'utf8'));
  } catch {
    return null;
  }
}

/** Why the wasm must be (re)built, or null when it is up to date. */
export function wasmBuildReason(wasm = join(root, 'rust/pkg/stagebench_dsp.wasm'), wasmOptInstalled = findWasmOpt() !== null) {
  if (!existsSync(wasm)) return 'no module yet';
  const sources = Math.max(
    newestUnder(join(root, 'rust/src')),
    mtime(join(root, 'rust/Cargo.toml')),
    mtime(join(root, 'Cargo.toml')),
    mtime(join(root, 'scripts/build-wasm.mjs')),
  );
  if (sources > mtime(wasm)) return 'the Rust sources are newer';
  if (wasmOptInstalled && wasmBuildInfo(wasm)?.optimized !== true) return 'wasm-opt is installed now: optimising';
  return null;
}

export function setup() {
  const t0 = Date.now();
  const pkgs = missingPackages();
  if (pkgs.length > 0) installPackages(pkgs);
  installOptionalPackages(missingOptionalPackages());
  if (!existsSync(chromiumPath())) throw new SetupError(`Chromium not found at ${chromiumPath()} (set CHROMIUM_PATH)`);
  if (!existsSync(firefoxPath())) throw new SetupError(`Firefox not found at ${firefoxPath()} (set FIREFOX_PATH)`);
  if (npmInstallNeeded()) npmInstall();
  const rebuild = wasmBuildReason();
  if (rebuild) {
    log(`building the wasm module (${rebuild})`);
    const res = spawnSync(process.execPath, [join(root, 'scripts/build-wasm.mjs')], { cwd: root, stdio: 'inherit' });
    if (res.status !== 0) throw new SetupError('the wasm build failed (see above)');
  }
  log(
    `ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (${execFileSync(chromiumPath(), ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim()})`,
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    setup();
  } catch (err) {
    console.error(`setup: ${err instanceof SetupError ? err.message : err.stack}`);
    process.exit(1);
  }
}
