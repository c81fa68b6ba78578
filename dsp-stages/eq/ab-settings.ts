/**
 * The EQ settings the workbench's A/B null test and `stagebench null eq` are checked on, both on
 * one input: flat against bypass (exactly zero), and a Q change of one peaking band (the CLI's
 * `--a band1=peaking:1000:6:1 --b band1=peaking:1000:6:2`, bands not given off, as `run eq` takes
 * them). `EQ_AB_CLI_FIGURES` is what the CLI printed for them; eq/ab-settings.test.ts checks the
 * CLI still prints it, the workbench's story checks the browser's offline render gives it too.
 */
import { defaultParams } from '../params.ts';
import type { SourceSpec } from '../signals.ts';
import type { ParamValues } from '../types.ts';
import { EQ_BANDS, OFF_BAND, eqParams } from './params.ts';

/** The EQ's parameters with every band off (what the CLI's settings leave of the bands not given). */
function bandsOff(): ParamValues {
  const values = defaultParams(eqParams);
  for (let n = 1; n <= EQ_BANDS; n++) {
    values[`band${n}Type`] = OFF_BAND.type;
    values[`band${n}FrequencyHz`] = OFF_BAND.frequencyHz;
    values[`band${n}GainDb`] = OFF_BAND.gainDb;
    values[`band${n}Q`] = OFF_BAND.q;
  }
  return values;
}

/** Flat (every band off) against bypass on. */
export const EQ_FLAT_VS_BYPASS: { a: ParamValues; b: ParamValues } = { a: bandsOff(), b: { ...bandsOff(), bypass: 'on' } };

/** Two settings: band 1 peaking at 1 kHz, +6 dB, Q 1 against Q 2; the rest off. */
export const EQ_TWO_SETTINGS = {
  cli: { a: 'band1=peaking:1000:6:1', b: 'band1=peaking:1000:6:2' },
  a: { ...bandsOff(), band1Type: 'peaking', band1FrequencyHz: 1000, band1GainDb: 6, band1Q: 1 } as ParamValues,
  b: { ...bandsOff(), band1Type: 'peaking', band1FrequencyHz: 1000, band1GainDb: 6, band1Q: 2 } as ParamValues,
};

/** The input of both: 2 s of the noise source at −12 dBFS, 48 kHz (`sourceSamples`). */
export const EQ_AB_INPUT = { source: { kind: 'noise', frequencyHz: 1000, levelDb: -12 } as SourceSpec, sampleRate: 48_000, seconds: 2 };

/** What `stagebench null eq` printed for EQ_TWO_SETTINGS over EQ_AB_INPUT. */
export const EQ_AB_CLI_FIGURES = {
  maxAbsDiff: 0.046675682067871094,
  residualRmsDbfs: -38.1750108446938,
  levelMatchGain: 1.0272399096121447,
};
