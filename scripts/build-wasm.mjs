#!/usr/bin/env node
// Builds rust/ for wasm32-unknown-unknown with SIMD128 into rust/pkg/stagebench_dsp.wasm, then
// runs wasm-opt -O3 (Debian's binaryen) when it is installed, printing sizes before and after.
// Without wasm-opt the cargo output is used as is: the build never needs it.
//   --no-opt       skip wasm-opt even when installed
//   --out <file>   write the module there instead of rust/pkg/stagebench_dsp.wasm
// WASM_OPT names the wasm-opt binary (default: wasm-opt on PATH).
// Beside the module, <file>.json records how it was built ({ optimized, cargoBytes, bytes }), so
// set-up rebuilds an unoptimised module once wasm-opt is there.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, statSync, existsSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findWasmToolchain } from './toolchain.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const WASM_OUT = join(root, 'rust/pkg/stagebench_dsp.wasm');

/** The wasm-opt to use, or null when it is not installed. */
export function findWasmOpt(env = process.env) {
  const bin = env.WASM_OPT || 'wasm-opt';
  const res = spawnSync(bin, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return res.status === 0 ? { bin, version: res.stdout.trim() } : null;
}

function fail(message) {
  console.error(`build-wasm: ${message}`);
  process.exit(1);
}

function main(argv) {
  const outIdx = argv.indexOf('--out');
  if (outIdx >= 0 && !argv[outIdx + 1]) fail('--out needs a file name');
  const unknown = argv.filter((a, i) => a !== '--no-opt' && a !== '--out' && !(outIdx >= 0 && i === outIdx + 1));
  if (unknown.length > 0) fail(`unknown option ${unknown.join(' ')} (options: --no-opt, --out <file>)`);
  const out = outIdx >= 0 ? resolve(argv[outIdx + 1]) : WASM_OUT;
  const shown = relative(root, out) || out;

  const tc = findWasmToolchain();
  if (!tc) {
    fail(
      'no Rust toolchain with the wasm32-unknown-unknown target was found.\n' +
        '  On Debian: apt-get install rustc cargo libstd-rust-dev-wasm32 lld (npm run setup does this),\n' +
        '  or with rustup: rustup target add wasm32-unknown-unknown.',
    );
  }
  const env = {
    ...process.env,
    RUSTC: tc.rustc,
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS: '-C target-feature=+simd128,+bulk-memory,+nontrapping-fptoint -C link-arg=--strip-debug',
  };
  console.log(`build-wasm: ${execFileSync(tc.rustc, ['--version'], { encoding: 'utf8' }).trim()} (${tc.cargo})`);
  const build = spawnSync(tc.cargo, ['build', '--release', '--target', 'wasm32-unknown-unknown', '-p', 'stagebench-dsp'], {
    cwd: root,
    env,
    stdio: 'inherit',
  });
  if (build.status !== 0) fail('cargo build failed (see above).');
  const built = join(root, 'target/wasm32-unknown-unknown/release/stagebench_dsp.wasm');
  mkdirSync(dirname(out), { recursive: true });
  const cargoBytes = statSync(built).size;
  const wasmOpt = argv.includes('--no-opt') ? null : findWasmOpt();
  let optimized = false;
  if (wasmOpt) {
    const opt = spawnSync(
      wasmOpt.bin,
      [
        '-O3',
        '--strip-debug',
        '--strip-producers',
        '--enable-simd',
        '--enable-bulk-memory',
        '--enable-sign-ext',
        '--enable-nontrapping-float-to-int',
        '--enable-mutable-globals',
        built,
        '-o',
        out,
      ],
      { stdio: 'inherit' },
    );
    optimized = opt.status === 0;
    if (!optimized) {
      console.warn('build-wasm: wasm-opt failed; using the unoptimised module.');
      copyFileSync(built, out);
    }
  } else {
    copyFileSync(built, out);
  }
  const bytes = statSync(out).size;
  writeFileSync(`${out}.json`, `${JSON.stringify({ optimized, cargoBytes, bytes, wasmOpt: optimized ? wasmOpt.version : null })}\n`);
  if (optimized) {
    const saved = (100 * (cargoBytes - bytes)) / cargoBytes;
    console.log(
      `build-wasm: ${cargoBytes} bytes from cargo, ${bytes} bytes after wasm-opt -O3 (${saved.toFixed(1)} % smaller) -> ${shown}`,
    );
  } else if (argv.includes('--no-opt')) {
    console.log(`build-wasm: ${cargoBytes} bytes from cargo (--no-opt: wasm-opt skipped) -> ${shown}`);
  } else if (!wasmOpt) {
    console.log(`build-wasm: ${cargoBytes} bytes from cargo (wasm-opt not installed: apt-get install binaryen to optimise) -> ${shown}`);
  }
  if (!existsSync(out)) fail(`${shown} was not written`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
