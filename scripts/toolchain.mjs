// Finds a Rust toolchain whose std includes wasm32-unknown-unknown: Debian's rustc/cargo (with
// libstd-rust-dev-wasm32) or any toolchain on PATH that has the target installed.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

function sysroot(rustc) {
  try {
    return execFileSync(rustc, ['--print', 'sysroot'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

function hasWasmTarget(root) {
  // rustup layout, and Debian's (/usr/lib/rustlib)
  return ['lib/rustlib/wasm32-unknown-unknown/lib', 'lib/rustlib/wasm32-unknown-unknown'].some((dir) => existsSync(join(root, dir)));
}

/** @returns {{cargo: string, rustc: string, sysroot: string} | null} */
export function findWasmToolchain() {
  const candidates = [
    { cargo: process.env.CARGO ?? 'cargo', rustc: process.env.RUSTC ?? 'rustc' },
    { cargo: '/usr/bin/cargo', rustc: '/usr/bin/rustc' },
  ];
  for (const c of candidates) {
    const root = sysroot(c.rustc);
    if (root && hasWasmTarget(root)) {
      try {
        execFileSync(c.cargo, ['--version'], { stdio: 'ignore' });
        return { ...c, sysroot: root };
      } catch {
        // this cargo is missing; try the next candidate
      }
    }
  }
  return null;
}

/** Any toolchain that can build natively (for cargo test): the wasm one if found, else PATH's. */
export function findNativeToolchain() {
  const wasm = findWasmToolchain();
  if (wasm) return wasm;
  for (const c of [
    { cargo: 'cargo', rustc: 'rustc' },
    { cargo: '/usr/bin/cargo', rustc: '/usr/bin/rustc' },
  ]) {
    const root = sysroot(c.rustc);
    if (root) return { ...c, sysroot: root };
  }
  return null;
}
