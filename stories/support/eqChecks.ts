/** EQ checks shared by the EQ stories and their expected failures. */
import { eqStage } from '../../dsp-stages/eq/index.ts';
import { defaultParams } from '../../dsp-stages/params.ts';
import { sine } from '../../dsp-stages/signals.ts';
import { renderOffline } from '../../worklet/host.ts';

const RATE = 48_000;
const DEFAULTS = defaultParams(eqStage.params);

/** The largest sample-to-sample step of `x` over [from, to). */
function maxStep(x: Float32Array, from: number, to: number): number {
  let m = 0;
  for (let i = Math.max(1, from); i < to; i++) m = Math.max(m, Math.abs(x[i]! - x[i - 1]!));
  return m;
}

/** A 1 kHz tone through the default setting with `name` set to `value` at 0.5 s. */
export async function renderJump(name: string, value: number | string, wasmBytes?: ArrayBuffer) {
  const input = sine(RATE, RATE, 1000, 0.05);
  const jumpAt = 24_064; // a quantum boundary near 0.5 s
  const r = await renderOffline({
    stage: 'eq', params: DEFAULTS, input, sampleRate: RATE, ...(wasmBytes ? { wasmBytes } : {}),
    paramChanges: [{ atFrame: jumpAt, name, value }],
  });
  const own = Math.max(maxStep(r.output, jumpAt - 4800, jumpAt - 1), maxStep(r.output, RATE - 4800, RATE));
  const transition = maxStep(r.output, jumpAt - 1, jumpAt + 4800);
  return { status: r.status, own, transition, ratio: transition / own };
}
