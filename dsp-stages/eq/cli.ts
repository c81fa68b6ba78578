/**
 * `stagebench run eq`: channel 0 of the input through the wasm 8-band EQ.
 *
 * Parameters: a band is `--param bandN=type:frequencyHz:gainDb:Q` (parseBandSpec) or the
 * individual `bandNType`, `bandNFrequencyHz`, `bandNGainDb`, `bandNQ`; bands not given are off
 * (the story's default bands are not used), `preset` replaces the bands, `bypass=on` passes the
 * input through. Malformed band values, unknown types and non-finite numbers are errors; values
 * out of range are clamped with a note, as for every stage.
 *
 * The run: `eq_create` at the file's rate with 128-frame quanta, every band by `eq_set_band`, the
 * bypass, then `eq_reset` so the filters start at their settings (no fade from flat); then the
 * samples through `eq_process_buffer` on scratch buffers. That call cuts its input into pieces of
 * 128 frames from the start of each buffer, each checked for NaN and infinity as one quantum,
 * and every buffer but the last is a whole number of quanta, so the quanta are the file's 128-frame
 * quanta and a quantum holding a NaN or an infinity comes out silent, resets the filters and is
 * counted (nanQuanta), exactly as in the live stage.
 */
import { RENDER_QUANTUM_FRAMES, type ClampNote, type ParamSpec, type ParamValues } from '../types.ts';
import { resolveParams } from '../params.ts';
import { EQ_BANDS, EQ_PRESETS, EQ_TYPES, eqBands, eqFast, eqParams, parseBandSpec, type EqBand } from './params.ts';
import { statusMessage } from '../../worklet/abi.ts';
import { CliError, baseSummary, type RunReport, type RunRequest } from '../node-api.ts';
import { bindEq, type EqExports } from './bindings.ts';

/** A band the CLI does not set: off (the other fields are what `eq_set_band` then ignores). */
export const CLI_OFF_BAND: EqBand = { type: 'off', frequencyHz: 1000, gainDb: 0, q: 1 };

/** Samples per `eq_process_buffer` call: a whole number of quanta, so quantum boundaries stay the file's. */
export const EQ_RUN_CHUNK = RENDER_QUANTUM_FRAMES * 512;

/** Levels of silence are reported as this, not -Infinity (which JSON cannot hold). */
export const DBFS_FLOOR = -300;

const BAND_FIELDS = ['Type', 'FrequencyHz', 'GainDb', 'Q'] as const;
const BAND_PARAM = /^band([1-9][0-9]*)(Type|FrequencyHz|GainDb|Q)$/;
const BAND_SPEC_PARAM = /^band([1-9][0-9]*)$/;

/**
 * The EQ's parameters as `run eq` takes them: the story's, except that every band defaults to
 * off (type off, 1000 Hz, 0 dB, Q 1).
 */
export const EQ_CLI_PARAMS: readonly ParamSpec[] = eqParams.map((spec): ParamSpec => {
  const m = BAND_PARAM.exec(spec.name);
  if (!m) return spec;
  const field = m[2] as (typeof BAND_FIELDS)[number];
  if (spec.kind === 'choice') return { ...spec, default: CLI_OFF_BAND.type };
  const value = field === 'FrequencyHz' ? CLI_OFF_BAND.frequencyHz : field === 'GainDb' ? CLI_OFF_BAND.gainDb : CLI_OFF_BAND.q;
  return { ...spec, default: value };
});

const usage = (message: string): CliError => new CliError(`${message} (see stagebench --help)`, 2);

/** parseBandSpec, stricter: exactly up to four fields; errors name the parameter. */
export function parseCliBand(name: string, text: string): EqBand {
  const fields = text.split(':');
  if (fields.length > 4) {
    throw usage(`${name}=${text}: ${fields.length} fields, the format is type:frequencyHz:gainDb:Q`);
  }
  try {
    return parseBandSpec(text);
  } catch (err) {
    throw usage(`${name}=${text}: ${(err as Error).message}`);
  }
}

function knownNames(): string {
  return `band1..band${EQ_BANDS} (type:frequencyHz:gainDb:Q), band<N>Type, band<N>FrequencyHz, band<N>GainDb, band<N>Q (N = 1..${EQ_BANDS}), bypass, preset`;
}

/**
 * The CLI's `--param` values for eq, resolved: `bandN=spec` expanded into the band's four
 * parameters, bands not given off, out-of-range numbers clamped (the notes). Throws a CliError
 * (exit 2) for an unknown name, a malformed band, an unknown choice, a value that is not a finite
 * number, a band given both ways, band fields without a type, or bands together with a preset.
 */
export function resolveEqCliParams(given: Record<string, string>): { values: ParamValues; notes: ClampNote[] } {
  const expanded: Record<string, string | number> = {};
  const unknown: string[] = [];
  const specs = new Map(EQ_CLI_PARAMS.map((s) => [s.name, s]));
  for (const [name, text] of Object.entries(given)) {
    const whole = BAND_SPEC_PARAM.exec(name);
    if (whole) {
      const n = Number(whole[1]);
      if (n > EQ_BANDS) {
        unknown.push(name);
        continue;
      }
      const twice = BAND_FIELDS.map((f) => `band${n}${f}`).filter((p) => p in given);
      if (twice.length > 0) throw usage(`band ${n} is given twice: as ${name}=${text} and as ${twice.join(', ')}`);
      const band = parseCliBand(name, text);
      expanded[`band${n}Type`] = band.type;
      expanded[`band${n}FrequencyHz`] = band.frequencyHz;
      expanded[`band${n}GainDb`] = band.gainDb;
      expanded[`band${n}Q`] = band.q;
      continue;
    }
    const spec = specs.get(name);
    if (!spec) {
      unknown.push(name);
      continue;
    }
    if (spec.kind === 'choice') {
      if (!spec.options.includes(text)) throw usage(`${name}=${text}: not one of ${spec.options.join(', ')}`);
    } else {
      const x = text.trim() === '' ? NaN : Number(text);
      if (!Number.isFinite(x)) throw usage(`${name}=${text}: not a finite number`);
    }
    expanded[name] = text;
  }
  if (unknown.length > 0) {
    const plural = unknown.length > 1 ? 's' : '';
    throw usage(`unknown parameter${plural} ${unknown.map((u) => `"${u}"`).join(', ')} for stage eq (known: ${knownNames()})`);
  }
  const bandNames = Object.keys(expanded).filter((k) => BAND_PARAM.test(k));
  const preset = expanded.preset;
  if (preset !== undefined && preset !== 'custom' && bandNames.length > 0) {
    throw usage(`preset=${preset} replaces the bands: give either the preset or bands, not both`);
  }
  for (let n = 1; n <= EQ_BANDS; n++) {
    const fields = bandNames.filter((k) => BAND_PARAM.exec(k)?.[1] === String(n));
    if (fields.length > 0 && !(`band${n}Type` in expanded)) {
      throw usage(
        `${fields.join(', ')} given without a type, and band ${n} is off unless given: add band${n}Type or use band${n}=type:frequencyHz:gainDb:Q`,
      );
    }
  }
  const { values, notes, unknown: left } = resolveParams(EQ_CLI_PARAMS, expanded);
  if (left.length > 0) throw new Error(`unexpected parameters ${left.join(', ')}`);
  return { values, notes };
}

/** 20 log10(x), floored at DBFS_FLOOR. */
export function toDbfs(x: number): number {
  return x > 0 ? Math.max(DBFS_FLOOR, 20 * Math.log10(x)) : DBFS_FLOOR;
}

/** Peak and RMS of the finite samples of `x`, in dBFS. */
export function levels(x: Float32Array): { peakDbfs: number; rmsDbfs: number } {
  let peak = 0;
  let sum = 0;
  let count = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (!Number.isFinite(v)) continue;
    const a = Math.abs(v);
    if (a > peak) peak = a;
    sum += v * v;
    count++;
  }
  return { peakDbfs: toDbfs(peak), rmsDbfs: toDbfs(count > 0 ? Math.sqrt(sum / count) : 0) };
}

export function runEq(req: RunRequest): RunReport {
  const { stage, values, input, wasm } = req;
  const samples = input.channels[0]!;
  const frames = samples.length;
  const bands = eqBands(values);
  const bypass = values.bypass === 'on';
  const fail = (what: string): CliError => new CliError(`stage ${stage.id} could not start on wasm: ${what}`);
  let x: EqExports;
  try {
    x = bindEq(wasm);
    wasm.init(RENDER_QUANTUM_FRAMES);
  } catch (err) {
    throw fail((err as Error).message);
  }
  const created = x.eq_create(input.sampleRate, RENDER_QUANTUM_FRAMES);
  if (created < 0) throw fail(`eq_create(${input.sampleRate}): ${statusMessage(created)}`);
  bands.forEach((band, i) => {
    const rc = x.eq_set_band(i, EQ_TYPES.indexOf(band.type), band.frequencyHz, band.gainDb, band.q);
    if (rc < 0) throw fail(`eq_set_band(band ${i + 1}, ${band.type}:${band.frequencyHz}:${band.gainDb}:${band.q}): ${statusMessage(rc)}`);
  });
  const bypassRc = x.eq_set_bypass(bypass ? 1 : 0);
  if (bypassRc < 0) throw fail(`eq_set_bypass: ${statusMessage(bypassRc)}`);
  const precisionRc = x.eq_set_precision(eqFast(values) ? 1 : 0);
  if (precisionRc < 0) throw fail(`eq_set_precision: ${statusMessage(precisionRc)}`);
  const resetRc = x.eq_reset();
  if (resetRc < 0) throw fail(`eq_reset: ${statusMessage(resetRc)}`);

  const chunk = Math.min(frames, EQ_RUN_CHUNK);
  const inPtr = wasm.exports.scratch_alloc(chunk);
  const outPtr = wasm.exports.scratch_alloc(chunk);
  const output = new Float32Array(frames);
  let allocationsDuringProcess: number;
  try {
    if (inPtr === 0 || outPtr === 0) throw fail(`scratch_alloc(${chunk}) failed`);
    const allocBefore = wasm.exports.alloc_count();
    for (let start = 0; start < frames; start += chunk) {
      const n = Math.min(chunk, frames - start);
      // views made after every allocation; processing never grows the memory
      wasm.f32(inPtr, n).set(samples.subarray(start, start + n));
      const status = x.eq_process_buffer(inPtr, outPtr, n);
      if (status < 0) throw new CliError(`stage ${stage.id} failed at frame ${start}: eq_process_buffer: ${statusMessage(status)}`);
      output.set(wasm.f32(outPtr, n), start);
    }
    allocationsDuringProcess = wasm.exports.alloc_count() - allocBefore;
  } finally {
    wasm.exports.scratch_free(inPtr, chunk);
    wasm.exports.scratch_free(outPtr, chunk);
  }

  const inLevels = levels(samples);
  const outLevels = levels(output);
  const summary: Record<string, unknown> = {
    ...baseSummary(stage, values, input, frames, 'wasm'),
    bands,
    bypass,
    nanQuanta: x.eq_nan_quanta(),
    inputPeakDbfs: inLevels.peakDbfs,
    inputRmsDbfs: inLevels.rmsDbfs,
    outputPeakDbfs: outLevels.peakDbfs,
    outputRmsDbfs: outLevels.rmsDbfs,
    simd: x.eq_simd_enabled() === 1,
    allocationsDuringProcess,
  };
  return { summary, primaryOutput: output, audioOutput: output };
}

/** The `--help` section of `run eq`. */
export function eqRunHelp(): string {
  return `run eq
  Filters channel 0 through the wasm 8-band EQ (eq_create at the file's rate, the bands, then
  eq_reset, so it starts settled at the settings, with no fade-in) and writes the filtered samples
  to --out (float32, as many as the input).
  --param bandN=type:frequencyHz:gainDb:Q   band N = 1..8, e.g. band1=peaking:1000:6:1.0
      type: ${EQ_TYPES.join(', ')}
      Q: linear for peaking, bandpass and notch; in dB for lowpass and highpass; unused by the
      shelves. Gain: used by peaking and the shelves. Empty or missing fields: 1000 Hz, 0 dB, Q 1.
  --param bandNType=... bandNFrequencyHz=... bandNGainDb=... bandNQ=...
      the same, field by field (a band given field by field needs its type)
  Bands not given are OFF: unlike the story, run eq does not start from the default bands (the
  band defaults listed under "Stages and parameters" are the CLI's).
  --param preset=NAME  replaces the bands (not together with band parameters); NAME is one of
                       ${EQ_PRESETS.filter((p) => p !== 'custom').join(', ')}
  --param bypass=on    the output is the input, bit for bit
  A malformed band, an unknown type, a choice not listed or a value that is not a finite number
  is an error; numbers out of range are clamped with a note.
  A 128-frame quantum holding a NaN or an infinity comes out silent and resets the filters, as
  in the live stage. The JSON adds bands (the 8 resolved {type, frequencyHz, gainDb, q}), bypass,
  nanQuanta (quanta silenced), inputPeakDbfs, inputRmsDbfs (of the finite input samples),
  outputPeakDbfs, outputRmsDbfs (${DBFS_FLOOR} for silence) and simd.
  e.g. stagebench run eq --input voice.wav --param band1=highpass:80:0:0 \\
         --param band2=peaking:3000:4:1.5 --out voice-eq.f32
`;
}
