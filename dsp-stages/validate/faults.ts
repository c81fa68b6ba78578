/**
 * Test-only faults: wrappers around an instance on the stage ABI, each breaking one promise a
 * check holds the stage to, so that a unit test shows the check fails under its fault and passes
 * without it. TypeScript-side, around the generic instance: the wasm carries no test code.
 */
import type { CheckName } from './checks.ts';
import type { InstanceWrapper, StageInstance, ValidationHost } from './host.ts';
import { RENDER_QUANTUM_FRAMES } from '../types.ts';
import { F32_MIN_NORMAL } from '../conformance/numbers.ts';

export interface Fault {
  /** The check it must make fail. */
  check: CheckName;
  /** What the fault does, as a stage bug would. */
  does: string;
  /** A stage it bites on (a stateless stage cannot show a reset that forgets its state). */
  stage: string;
  /** What the check's failure says. */
  failure: RegExp;
  wrap: InstanceWrapper;
}

/** The instance with some of its members replaced. */
function patched(base: StageInstance, members: Partial<StageInstance>): StageInstance {
  return { ...base, ...members };
}

/** Index in the ring of its newest sample. */
function newestIndex(host: ValidationHost): number {
  const x = host.wasm.exports;
  const cap = x.get_input_capacity();
  return (x.get_write_pos() + cap - 1) % cap;
}

/** Bit 0 of the float's mantissa flipped: the smallest change there is. */
function nudge(x: Float32Array, i: number): void {
  const bits = new Uint32Array(x.buffer, x.byteOffset, x.length);
  bits[i]! ^= 1;
}

export const FAULTS: readonly Fault[] = [
  {
    check: 'block-sizes',
    does: 'a call of other than 128 frames changes its first output sample by one ulp (work done per call, not per sample)',
    stage: 'gain',
    failure: /output vs the 128-frame render: \d+ of \d+ samples differ/,
    wrap: (base) =>
      patched(base, {
        process(n) {
          const status = base.process(n);
          const out = base.output(n);
          if (n !== RENDER_QUANTUM_FRAMES && n > 0 && out) nudge(out, 0);
          return status;
        },
      }),
  },
  {
    check: 'block-sizes',
    does: 'a call of 0 frames processes the newest quantum instead (a stateful stage advances)',
    stage: 'eq',
    failure: /process\(0\) at frame \d+ changed the saved state/,
    wrap: (base) => patched(base, { process: (n) => base.process(n === 0 ? RENDER_QUANTUM_FRAMES : n) }),
  },
  {
    check: 'sample-rates',
    does: 'at a rate other than 48 kHz the first output sample of each call is NaN (a rate-dependent table read out of range)',
    stage: 'gain',
    failure: /Hz: non-finite output at frame 0/,
    wrap: (base) =>
      patched(base, {
        process(n) {
          const status = base.process(n);
          const out = base.output(n);
          if (base.sampleRate !== 48000 && n > 0 && out) out[0] = NaN;
          return status;
        },
      }),
  },
  {
    check: 'reset',
    does: 'reset does nothing and says it did',
    stage: 'eq',
    failure: /after reset, the saved state differs|render after reset vs a new instance's/,
    wrap: (base) => patched(base, { reset: () => 0 }),
  },
  {
    check: 'state',
    does: 'a load of state the stage refuses reports success',
    stage: 'gain',
    failure: /status 0 \(ok\), not BAD_STATE/,
    wrap: (base) => patched(base, { loadState: (bytes) => Math.max(0, base.loadState(bytes)) }),
  },
  {
    check: 'denormal-speed',
    does: 'a call whose newest input sample is subnormal does its work 5 times (as a kernel without flush-to-zero might)',
    stage: 'gain',
    failure: /subnormal input [\d.]+x slower than normal/,
    wrap: (base, host) =>
      patched(base, {
        process(n) {
          const newest = Math.abs(host.ringStore()[newestIndex(host)]!);
          const times = newest > 0 && newest < F32_MIN_NORMAL ? 5 : 1;
          let status = 0;
          for (let i = 0; i < times; i++) status = base.process(n);
          return status;
        },
      }),
  },
  {
    check: 'input-immutable',
    does: "a call flips the sign of the input ring's newest sample (processing in place)",
    stage: 'ring-copy',
    failure: /changed 1 samples of the input ring/,
    wrap: (base, host) =>
      patched(base, {
        process(n) {
          const status = base.process(n);
          if (n > 0) {
            const ring = host.ringStore();
            new Uint32Array(ring.buffer, ring.byteOffset, ring.length)[newestIndex(host)]! ^= 0x80000000;
          }
          return status;
        },
      }),
  },
  {
    check: 'param-automation',
    does: 'the first call after a parameter change outputs a NaN (a coefficient recomputed mid-block from a stale value)',
    stage: 'gain',
    failure: /output NaN at frame \d+ \(last change: gain = /,
    wrap: (base) => {
      let changed = false;
      return patched(base, {
        setParam(index, value) {
          changed = true;
          return base.setParam(index, value);
        },
        process(n) {
          const status = base.process(n);
          const out = base.output(n);
          if (changed && n > 0 && out) {
            out[n - 1] = NaN;
            changed = false;
          }
          return status;
        },
      });
    },
  },
  {
    check: 'no-allocation',
    does: 'a call allocates a scratch buffer and frees it (a temporary vector in process)',
    stage: 'gain',
    failure: /process\(\d+\) at frame \d+: 1 allocations/,
    wrap: (base, host) =>
      patched(base, {
        process(n) {
          const x = host.wasm.exports;
          const ptr = x.scratch_alloc(16);
          const status = base.process(n);
          x.scratch_free(ptr, 16);
          return status;
        },
      }),
  },
  {
    check: 'hostile-input',
    does: 'a call writes 0 where its output would be NaN or infinite (hiding hostile input its promise says it passes on)',
    stage: 'gain',
    failure: /output = input × 0\.3 \(NaN stays NaN, Inf stays Inf\): \d+ wrong/,
    wrap: (base) =>
      patched(base, {
        process(n) {
          const status = base.process(n);
          const out = base.output(n);
          if (out) for (let i = 0; i < n; i++) if (!Number.isFinite(out[i]!)) out[i] = 0;
          return status;
        },
      }),
  },
  {
    check: 'param-clamp',
    does: 'a value above the maximum is taken as the minimum (a wrap-around instead of a clamp)',
    stage: 'gain',
    failure: /stage_set_param above max: gain = [\d.]+: the instance holds 0, not 4/,
    wrap: (base) =>
      patched(base, {
        setParam(index, value) {
          const spec = base.blockParams[index];
          return base.setParam(index, spec?.kind === 'number' && value > spec.max ? spec.min : value);
        },
      }),
  },
  {
    check: 'param-fuzz',
    does: 'a refused NaN leaves the stage one ulp off on the first sample of every call after it (state a NaN got into)',
    stage: 'gain',
    failure: /changes, then back to defaults, vs a new instance: clean again: last \d+ samples = clean render's, bit for bit: \d+ differ/,
    wrap: (base) => {
      let poisoned = false;
      return patched(base, {
        setParam(index, value) {
          if (Number.isNaN(value)) poisoned = true;
          return base.setParam(index, value);
        },
        process(n) {
          const status = base.process(n);
          const out = base.output(n);
          if (poisoned && n > 0 && out) nudge(out, 0);
          return status;
        },
      });
    },
  },
  {
    check: 'stage-switching',
    does: 'destroy frees nothing (the instance and its buffers stay on the heap)',
    stage: 'gain',
    failure: /round 1: \d+ bytes still live after destroying both instances/,
    wrap: (base) => patched(base, { destroy: () => {} }),
  },
];
