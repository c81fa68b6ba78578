/** The wasm wrapper over the built module: loading, ABI checks, the input ring and its views. */
import { beforeAll, describe, expect, it } from 'vitest';
import { ABI_VERSION, instantiateStagebench, statusMessage, type StagebenchWasm } from './abi.ts';
import { readWasmBytes, wasmPath } from '../dsp-stages/wasm-file.ts';
import { STAGES } from '../dsp-stages/registry.ts';

let bytes: Uint8Array<ArrayBuffer>;
let fresh: () => StagebenchWasm;
beforeAll(() => {
  bytes = readWasmBytes(wasmPath());
  fresh = () => instantiateStagebench(bytes);
});

function ramp(start: number, n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => start + i);
}

describe('instantiateStagebench', () => {
  it('loads the built module at the expected ABI version', () => {
    const wasm = fresh();
    expect(wasm.exports.abi_version()).toBe(ABI_VERSION);
    for (const stage of Object.values(STAGES)) expect(() => wasm.requireExports(stage.wasmExports), stage.id).not.toThrow();
    expect(() => wasm.requireExports(['no_such_entry_point'])).toThrow('wasm module lacks stage exports: no_such_entry_point');
  });

  it('says how to build the module when the bytes are empty or invalid', () => {
    expect(() => instantiateStagebench(new Uint8Array(0))).toThrow(/run npm run build:wasm/);
    expect(() => instantiateStagebench(new Uint8Array([1, 2, 3, 4]))).toThrow(/^wasm does not compile: /);
  });

  it('names status codes', () => {
    expect(statusMessage(0)).toBe('ok');
    expect(statusMessage(-2)).toBe('argument out of range');
    expect(statusMessage(-99)).toBe('unknown status -99');
  });
});

describe('input ring', () => {
  it('refuses a zero capacity', () => {
    expect(() => fresh().init(0)).toThrow('init(0) failed');
  });

  it('pushInput wraps mid-quantum and publishes the write position', () => {
    const wasm = fresh();
    wasm.init(200);
    wasm.pushInput(ramp(0, 128));
    expect(wasm.exports.get_write_pos()).toBe(128);
    wasm.pushInput(ramp(128, 128)); // 72 samples to the end, 56 from the start
    expect(wasm.exports.get_write_pos()).toBe(56);
    const ring = wasm.inputRing();
    expect(ring.length).toBe(200);
    expect([...ring.subarray(0, 56)]).toEqual([...ramp(200, 56)]);
    expect([...ring.subarray(56, 200)]).toEqual([...ramp(56, 144)]);
  });

  it('inputRing returns the same view until init replaces the ring', () => {
    const wasm = fresh();
    wasm.init(256);
    const a = wasm.inputRing();
    expect(wasm.inputRing()).toBe(a);
    wasm.init(512);
    expect(wasm.inputRing()).not.toBe(a);
    expect(wasm.inputRing().length).toBe(512);
  });

  it('F32View rebuilds its view after the memory grows', () => {
    const wasm = fresh();
    wasm.init(128);
    const ptr = wasm.exports.scratch_alloc(128);
    expect(ptr).not.toBe(0);
    const view = wasm.view(() => ptr, 128);
    const before = view.get();
    expect(view.get()).toBe(before);
    wasm.exports.memory.grow(1);
    expect(before.length).toBe(0); // the old view was detached by the grow
    const after = view.get();
    expect(after === before).toBe(false);
    expect(after.length).toBe(128);
  });

  it('F32View throws on a null pointer (stage not active)', () => {
    const wasm = fresh();
    wasm.init(128);
    expect(() => wasm.view(() => 0, 128).get()).toThrow('the stage is not active');
  });

  // KNOWN GAP (worklet/abi.ts pushInput): the wrap path copies sample by sample through JS
  // numbers, which in V8's interpreter quiets a signalling NaN (0x7f800001 -> 0x7fc00001); the
  // fast path (ring.set) and the Rust side copy bits. Only a capacity that is not a multiple of
  // the quantum reaches the wrap path. Drop `.fails` once the wrap path copies bits.
  it('pushInput keeps signalling NaN bits on the wrap path', () => {
    const wasm = fresh();
    wasm.init(200);
    const q = new Float32Array(128);
    new Uint32Array(q.buffer).fill(0x7f800001);
    wasm.pushInput(q);
    wasm.pushInput(q); // wraps
    const ring = wasm.inputRing();
    const bits = new Uint32Array(ring.buffer, ring.byteOffset, ring.length);
    expect([...bits].every((b) => b === 0x7f800001)).toBe(true);
  });
});
