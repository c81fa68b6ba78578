#!/usr/bin/env node
// Runs cargo with the toolchain the wasm build uses (so one Cargo.lock format serves both).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findNativeToolchain } from './toolchain.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tc = findNativeToolchain();
if (!tc) {
  console.error("cargo: no Rust toolchain found (npm run setup installs Debian's rustc and cargo).");
  process.exit(1);
}
const res = spawnSync(tc.cargo, process.argv.slice(2), { cwd: root, stdio: 'inherit', env: { ...process.env, RUSTC: tc.rustc } });
process.exit(res.status ?? 1);
