/** EQ checks shared by the EQ stories and their expected failures. */
import { expect } from 'storybook/test';
import { eqStage } from '../../dsp-stages/eq/index.ts';
import type { EqBand } from '../../dsp-stages/eq/params.ts';
import { defaultParams } from '../../dsp-stages/params.ts';
import { sine } from '../../dsp-stages/signals.ts';
import { renderOffline } from '../../worklet/offline-render.ts';

const RATE = 48_000;
const DEFAULTS = defaultParams(eqStage.params);

/** The largest sample-to-sample step of `x` over [from, to). */
function maxStep(x: Float32Array, from: number, to: number): number {
  let m = 0;
  for (let i = Math.max(1, from); i < to; i++) m = Math.max(m, Math.abs(x[i]! - x[i - 1]!));
  return m;
}

const TONE_HZ = 1000;

/**
 * The largest departure of `x` from a steady tone at TONE_HZ over [from, to):
 * |x[n+1] + x[n-1] - 2 cos(ω) x[n]|, zero for a sinusoid of that frequency at any amplitude and
 * phase. A smooth change of level or phase leaves it small; a step (a click) does not, even one
 * that keeps every sample step within the signal's own.
 */
function toneResidual(x: Float32Array, from: number, to: number): number {
  const c = 2 * Math.cos((2 * Math.PI * TONE_HZ) / RATE);
  let m = 0;
  for (let i = Math.max(1, from); i < Math.min(to, x.length - 1); i++) m = Math.max(m, Math.abs(x[i + 1]! + x[i - 1]! - c * x[i]!));
  return m;
}

/** A 1 kHz tone through the default setting with `name` set to `value` at 0.5 s. */
export async function renderJump(name: string, value: number | string, wasmBytes?: ArrayBuffer) {
  const input = sine(RATE, RATE, TONE_HZ, 0.05);
  const jumpAt = 24_064; // a quantum boundary near 0.5 s
  const r = await renderOffline({
    stage: 'eq',
    params: DEFAULTS,
    input,
    sampleRate: RATE,
    ...(wasmBytes ? { wasmBytes } : {}),
    paramChanges: [{ atFrame: jumpAt, name, value }],
  });
  const own = Math.max(maxStep(r.output, jumpAt - 4800, jumpAt - 1), maxStep(r.output, RATE - 4800, RATE));
  const transition = maxStep(r.output, jumpAt - 1, jumpAt + 4800);
  let level = 0;
  for (let i = RATE - 4800; i < RATE; i++) level = Math.max(level, Math.abs(r.output[i]!));
  const residual = toneResidual(r.output, jumpAt - 1, jumpAt + 4800) / level;
  return { status: r.status, own, transition, ratio: transition / own, residual };
}

/** The jumps the no-click story sends under the tone: a +12 dB jump of the 1 kHz band and a type change. */
export const NO_CLICK_JUMPS = [
  { label: '+12 dB at 1 kHz', name: 'band4GainDb', value: 18 },
  { label: '2.5 kHz band peaking → lowpass', name: 'band5Type', value: 'lowpass' },
] as const;

/** The largest step after a jump may exceed the signal's own largest step by this factor (2 %). */
export const NO_CLICK_RATIO = 1.02;

/**
 * The tone residual over the 100 ms after a jump, relative to the tone's level after it (-54 dB).
 * Measured in Node on the same kernels: 7.6e-4 for the smoothed +12 dB jump and 1.1e-4 for the
 * smoothed type change; unsmoothed (the reference) 1.6e-2 and 0.85.
 */
export const NO_CLICK_RESIDUAL = 2e-3;

/** The no-click assertions on a `renderJump` result: sample steps, then the tone residual. */
export function expectNoClick(r: Awaited<ReturnType<typeof renderJump>>, label: string): void {
  expect(r.ratio, `no click (${label}): largest step ${r.transition} after the jump vs ${r.own} before/after`).toBeLessThanOrEqual(
    NO_CLICK_RATIO,
  );
  expect(
    r.residual,
    `no click (${label}): tone residual ${r.residual} of the level after the jump (bound ${NO_CLICK_RESIDUAL})`,
  ).toBeLessThan(NO_CLICK_RESIDUAL);
}

/** How close the stage must follow Chromium's BiquadFilterNode chain (it reproduces its arithmetic). */
export const NATIVE_CHAIN_TOLERANCE = 1e-4;

/** `bands` as native BiquadFilterNodes in series after `source` (a unit gain when every band is off). */
export function nativeChain(bands: readonly EqBand[]) {
  return (ctx: OfflineAudioContext, source: AudioNode): AudioNode => {
    let node: AudioNode = source;
    for (const b of bands) {
      if (b.type === 'off') continue;
      const f = new BiquadFilterNode(ctx, { type: b.type, frequency: b.frequencyHz, gain: b.gainDb, Q: b.q });
      node.connect(f);
      node = f;
    }
    if (node === source) {
      const g = new GainNode(ctx, { gain: 1 });
      source.connect(g);
      node = g;
    }
    return node;
  };
}
