/**
 * 8-band EQ: a cascade of eight biquads with the Web Audio BiquadFilterNode definitions, on the
 * worklet's audio output (the Monitor switch makes it audible). Parameter changes are smoothed in
 * the wasm stage (15 ms one-pole on log frequency, dB gain and log Q; 20 ms crossfade for a type
 * change or bypass), so a jump makes no click. A quantum with NaN or Inf input comes out silent,
 * resets the filters and is counted (figure `nanQuanta`).
 *
 * Visual frame: the newest 4096 input samples, then the 4096 output samples of the same quanta,
 * from which the UI measures the response (white noise in, Welch-averaged ratio out/in).
 */
import type { ParamValues, StageDescriptor } from '../types.ts';
import { RENDER_QUANTUM_FRAMES } from '../types.ts';
import { statusMessage, type StagebenchWasm } from '../../worklet/wasm.ts';
import { EQ_TYPES, eqBands, eqParams } from './params.ts';
import { RESPONSE_FRAME, ResponseFrames, createEqReference } from './reference.ts';

/** Applies every band and the bypass of `params` to the wasm EQ; throws with the first refusal. */
function applyParams(wasm: StagebenchWasm, params: ParamValues): void {
  eqBands(params).forEach((band, i) => {
    const rc = wasm.exports.eq_set_band(i, EQ_TYPES.indexOf(band.type), band.frequencyHz, band.gainDb, band.q);
    if (rc < 0) throw new Error(`eq_set_band(${i + 1}, ${band.type}) failed: ${statusMessage(rc)}`);
  });
  wasm.exports.eq_set_bypass(params.bypass === 'on' ? 1 : 0);
}

export const eqStage: StageDescriptor = {
  id: 'eq',
  title: 'EQ 8-band',
  wasmExports: ['eq_create', 'eq_set_band', 'eq_set_bypass', 'eq_output_ptr', 'eq_nan_quanta', 'eq_reset', 'eq_response_db'],
  params: eqParams,
  figures: [{ name: 'nanQuanta', unit: 'quanta', label: 'NaN/Inf input quanta silenced' }],
  budgets: {
    // 8 sections over one 128-frame quantum (about 1.3 µs in the bench) plus the JS glue.
    kernelP99Us: 5.6,
    quantumP99Us: 30,
    measured: { kernelP99Us: 1.87, quantumP99Us: 10, on: '2026-12-05: median of 25 measurements (5 runs of the story budget check and of Conformance / Sample rates at 4 rates), headless Chromium 156, 2-core CI machine type' },
    heapGrowthBytes: 1 << 20,
  },
  hasAudioOutput: true,
  createWasmKernel(wasm, params, sampleRate) {
    wasm.requireExports(this.wasmExports);
    wasm.init(RESPONSE_FRAME);
    const rc = wasm.exports.eq_create(sampleRate, RENDER_QUANTUM_FRAMES);
    if (rc < 0) throw new Error(`eq_create failed: ${statusMessage(rc)}`);
    let current: ParamValues = { ...params };
    applyParams(wasm, current);
    // start at the settings, not faded in from flat
    wasm.exports.eq_reset();
    const out = wasm.view(() => wasm.exports.eq_output_ptr(), RENDER_QUANTUM_FRAMES);
    const frames = new ResponseFrames();
    return {
      backend: 'wasm',
      visualLength: 2 * RESPONSE_FRAME,
      process(inputs, output) {
        const input = inputs[0]!;
        if (input.length !== RENDER_QUANTUM_FRAMES) return -2;
        wasm.pushInput(input);
        const status = wasm.exports.process_quantum(input.length);
        if (status < 0) return status;
        const result = out.get();
        if (output) output.set(result);
        frames.add(input, result);
        return 0;
      },
      setParam(name, value) {
        current = { ...current, [name]: value };
        if (name === 'bypass') wasm.exports.eq_set_bypass(value === 'on' ? 1 : 0);
        else applyParams(wasm, current);
      },
      visualVersion: () => frames.version,
      publish(frame, figures) {
        frames.copyTo(frame);
        figures[0] = wasm.exports.eq_nan_quanta();
      },
      summary: () => ({ nanQuanta: wasm.exports.eq_nan_quanta(), simd: wasm.exports.eq_simd_enabled() === 1 }),
    };
  },
  createReferenceKernel: (params, sampleRate) => createEqReference(params, sampleRate),
};
