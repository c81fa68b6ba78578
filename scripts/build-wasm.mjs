#!/usr/bin/env node
// Builds rust/ for wasm32-unknown-unknown with SIMD128 into rust/pkg/stagebench_dsp.wasm, then
// runs wasm-opt (Debian's binaryen) when it is installed, printing sizes before and after.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, statSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findWasmToolchain } from './toolchain.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'rust/pkg/stagebench_dsp.wasm');

const tc = findWasmToolchain();
if (!tc) {
  console.error('build-wasm: no Rust toolchain with the wasm32-unknown-unknown target was found.\n' +
    '  On Debian: apt-get install rustc cargo libstd-rust-dev-wasm32 lld (npm run setup does this),\n' +
    '  or with rustup: rustup target add wasm32-unknown-unknown.');
  process.exit(1);
}
const env = {
  ...process.env,
  RUSTC: tc.rustc,
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS: '-C target-feature=+simd128,+bulk-memory,+nontrapping-fptoint -C link-arg=--strip-debug',
};
console.log(`build-wasm: ${execFileSync(tc.rustc, ['--version'], { encoding: 'utf8' }).trim()} (${tc.cargo})`);
const build = spawnSync(tc.cargo, ['build', '--release', '--target', 'wasm32-unknown-unknown', '-p', 'stagebench-dsp'], {
  cwd: root, env, stdio: 'inherit',
});
if (build.status !== 0) {
  console.error('build-wasm: cargo build failed (see above).');
  process.exit(1);
}
const built = join(root, 'target/wasm32-unknown-unknown/release/stagebench_dsp.wasm');
mkdirSync(dirname(out), { recursive: true });
const rawBytes = statSync(built).size;
const hasWasmOpt = spawnSync('wasm-opt', ['--version'], { stdio: 'ignore' }).status === 0;
if (hasWasmOpt) {
  const opt = spawnSync('wasm-opt', ['-O3', '--strip-debug', '--strip-producers', '--enable-simd', '--enable-bulk-memory', '--enable-sign-ext',
    '--enable-nontrapping-float-to-int', '--enable-mutable-globals', built, '-o', out], { stdio: 'inherit' });
  if (opt.status !== 0) {
    console.warn('build-wasm: wasm-opt failed; using the unoptimised module.');
    copyFileSync(built, out);
  }
  console.log(`build-wasm: ${rawBytes} bytes from cargo, ${statSync(out).size} bytes after wasm-opt -O3 -> rust/pkg/stagebench_dsp.wasm`);
} else {
  copyFileSync(built, out);
  console.log(`build-wasm: ${rawBytes} bytes (wasm-opt not installed: apt-get install binaryen to optimise) -> rust/pkg/stagebench_dsp.wasm`);
}
if (!existsSync(out)) process.exit(1);
