/**
 * The wasm build without wasm-opt: it must still produce a working module (cargo's output as is)
 * and say so. Runs the real script (cargo is up to date after set-up, so this is quick) into a
 * temporary file, never over rust/pkg/.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ABI_VERSION, instantiateStagebench } from '../worklet/abi.ts';
import { GenericStage } from '../dsp-stages/generic.ts';
import { gainStage } from '../dsp-stages/gain/index.ts';

const script = fileURLToPath(new URL('./build-wasm.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'stagebench-build-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function build(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 300_000 });
}

function expectWorkingModule(file: string) {
  const wasm = instantiateStagebench(readFileSync(file));
  expect(wasm.exports.abi_version()).toBe(ABI_VERSION);
  wasm.init(256);
  expect(new GenericStage(wasm, gainStage, { gain: 1 }, 48_000).handle).toBeGreaterThanOrEqual(0);
}

describe('build-wasm without wasm-opt', () => {
  it("uses cargo's module as is when wasm-opt is not installed, and records that", () => {
    const out = join(dir, 'missing-opt.wasm');
    const r = build(['--out', out], { WASM_OPT: join(dir, 'no-such-wasm-opt') });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/build-wasm: \d+ bytes from cargo \(wasm-opt not installed: apt-get install binaryen to optimise\) -> /);
    const info = JSON.parse(readFileSync(`${out}.json`, 'utf8'));
    expect(info).toMatchObject({ optimized: false, wasmOpt: null });
    expect(info.bytes).toBe(statSync(out).size);
    expect(info.bytes).toBe(info.cargoBytes);
    expectWorkingModule(out);
  }, 300_000);

  it('--no-opt skips it even when installed; bad options are refused', () => {
    const out = join(dir, 'no-opt.wasm');
    const r = build(['--no-opt', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('(--no-opt: wasm-opt skipped)');
    expect(JSON.parse(readFileSync(`${out}.json`, 'utf8')).optimized).toBe(false);
    expectWorkingModule(out);
    const bad = build(['--fast']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe('build-wasm: unknown option --fast (options: --no-opt, --out <file>)\n');
  }, 300_000);
});
