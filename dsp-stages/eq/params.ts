import type { ParamSpec, ParamValues } from '../types.ts';

export const EQ_BANDS = 8;
/** Band types, in the order of the C ABI's kind ids (0 off ... 7 notch). */
export const EQ_TYPES = ['off', 'peaking', 'lowshelf', 'highshelf', 'lowpass', 'highpass', 'bandpass', 'notch'] as const;
export type EqType = (typeof EQ_TYPES)[number];
export const EQ_PRESETS = ['custom', 'flat', 'loudness', 'telephone', 'de-esser'] as const;
export type EqPreset = (typeof EQ_PRESETS)[number];
/** Arithmetic: exact (Chromium's, bit for bit) or fast (f32 SIMD). */
export const EQ_PRECISIONS = ['exact', 'fast'] as const;
export type EqPrecision = (typeof EQ_PRECISIONS)[number];

export interface EqBand {
  type: EqType;
  frequencyHz: number;
  gainDb: number;
  /** Linear Q for peaking, bandpass and notch; in dB for lowpass and highpass (as BiquadFilterNode); unused by shelves. */
  q: number;
}

/** A non-trivial default: every band in use, each type once or more. */
export const DEFAULT_BANDS: readonly EqBand[] = [
  { type: 'highpass', frequencyHz: 40, gainDb: 0, q: 0 },
  { type: 'lowshelf', frequencyHz: 120, gainDb: 4, q: 1 },
  { type: 'peaking', frequencyHz: 400, gainDb: -3, q: 1.2 },
  { type: 'peaking', frequencyHz: 1000, gainDb: 6, q: 1 },
  { type: 'peaking', frequencyHz: 2500, gainDb: -4, q: 2 },
  { type: 'notch', frequencyHz: 6100, gainDb: 0, q: 8 },
  { type: 'highshelf', frequencyHz: 8000, gainDb: 3, q: 1 },
  { type: 'lowpass', frequencyHz: 18000, gainDb: 0, q: 0 },
];

/** A band that is off (what presets and the CLI leave of the bands they do not list). */
export const OFF_BAND: EqBand = { type: 'off', frequencyHz: 1000, gainDb: 0, q: 1 };

/** Presets: bands not listed are off. */
export const PRESET_BANDS: Record<Exclude<EqPreset, 'custom'>, readonly EqBand[]> = {
  flat: [],
  // a gentle Fletcher-Munson-style lift of lows and highs for quiet listening
  loudness: [
    { type: 'lowshelf', frequencyHz: 100, gainDb: 8, q: 1 },
    { type: 'peaking', frequencyHz: 3000, gainDb: -2, q: 0.8 },
    { type: 'highshelf', frequencyHz: 10000, gainDb: 5, q: 1 },
  ],
  // 300 Hz - 3.4 kHz band-limit with a presence bump
  telephone: [
    { type: 'highpass', frequencyHz: 300, gainDb: 0, q: 3 },
    { type: 'highpass', frequencyHz: 300, gainDb: 0, q: 3 },
    { type: 'lowpass', frequencyHz: 3400, gainDb: 0, q: 3 },
    { type: 'lowpass', frequencyHz: 3400, gainDb: 0, q: 3 },
    { type: 'peaking', frequencyHz: 1500, gainDb: 4, q: 1.5 },
  ],
  // cut the sibilance region
  'de-esser': [
    { type: 'peaking', frequencyHz: 6500, gainDb: -8, q: 3 },
    { type: 'peaking', frequencyHz: 9000, gainDb: -4, q: 2 },
  ],
};

function bandParams(i: number, band: EqBand): ParamSpec[] {
  const n = i + 1;
  return [
    {
      kind: 'choice',
      name: `band${n}Type`,
      label: `Band ${n} type`,
      unit: '',
      options: EQ_TYPES,
      default: band.type,
      description: `Filter type of band ${n} (BiquadFilterNode definitions).`,
    },
    {
      kind: 'number',
      name: `band${n}FrequencyHz`,
      label: `Band ${n} frequency`,
      unit: 'Hz',
      min: 10,
      max: 24000,
      step: 1,
      default: band.frequencyHz,
      description: `Centre, corner or shelf frequency of band ${n} (clamped to Nyquist).`,
    },
    {
      kind: 'number',
      name: `band${n}GainDb`,
      label: `Band ${n} gain`,
      unit: 'dB',
      min: -40,
      max: 40,
      step: 0.5,
      default: band.gainDb,
      description: `Gain of band ${n} (peaking and shelves only).`,
    },
    {
      kind: 'number',
      name: `band${n}Q`,
      label: `Band ${n} Q`,
      unit: '',
      min: -40,
      max: 1000,
      step: 0.1,
      default: band.q,
      description: `Q of band ${n}: linear for peaking, bandpass and notch (> 0); in dB for lowpass and highpass; unused by shelves.`,
    },
  ];
}

/** EQ parameters: 8 bands of four, bypass, precision and preset; the one source for argTypes, CLI flags and clamps. */
export const eqParams: readonly ParamSpec[] = [
  ...DEFAULT_BANDS.flatMap((band, i) => bandParams(i, band)),
  {
    kind: 'choice',
    name: 'bypass',
    label: 'Bypass',
    unit: '',
    options: ['off', 'on'],
    default: 'off',
    description: 'on: the output is the input, bit for bit.',
  },
  {
    kind: 'choice',
    name: 'precision',
    label: 'Precision',
    unit: '',
    options: EQ_PRECISIONS,
    default: 'exact',
    description:
      'exact: Chromium’s BiquadFilterNode arithmetic (f64, f32-rounded feedback), bit for bit; fast: f32 across sections in SIMD (a delta form that keeps low bands accurate), about 2x quicker, within ~1e-4 of exact and within 0.001 dB of the design from 20 Hz to 20 kHz.',
  },
  {
    kind: 'choice',
    name: 'preset',
    label: 'Preset',
    unit: '',
    options: EQ_PRESETS,
    default: 'custom',
    description: 'custom uses the band controls; a preset replaces them.',
  },
];

/** Whether a parameter set asks for the fast arithmetic. */
export function eqFast(params: ParamValues): boolean {
  return params.precision === 'fast';
}

/** The eight bands a parameter set describes (a preset overrides the band parameters). */
export function eqBands(params: ParamValues): EqBand[] {
  const preset = params.preset as EqPreset | undefined;
  if (preset && preset !== 'custom' && preset in PRESET_BANDS) {
    const bands = PRESET_BANDS[preset];
    return Array.from({ length: EQ_BANDS }, (_, i) => bands[i] ?? OFF_BAND);
  }
  return Array.from({ length: EQ_BANDS }, (_, i) => {
    const n = i + 1;
    const d = DEFAULT_BANDS[i]!;
    const type = params[`band${n}Type`];
    const num = (key: string, fallback: number) => (typeof params[key] === 'number' ? (params[key] as number) : fallback);
    return {
      type: (EQ_TYPES as readonly string[]).includes(type as string) ? (type as EqType) : d.type,
      frequencyHz: num(`band${n}FrequencyHz`, d.frequencyHz),
      gainDb: num(`band${n}GainDb`, d.gainDb),
      q: num(`band${n}Q`, d.q),
    };
  });
}

/** Parses a CLI band value `type:frequencyHz:gainDb:Q` (e.g. `peaking:1000:6:1.0`). */
export function parseBandSpec(text: string): EqBand {
  const [type, f, g, q] = text.split(':');
  if (!type || !(EQ_TYPES as readonly string[]).includes(type)) {
    throw new Error(`band type "${type ?? ''}" is not one of ${EQ_TYPES.join(', ')} (format type:frequencyHz:gainDb:Q)`);
  }
  const nums = [f, g, q].map((v, i) => {
    const x = v === undefined || v === '' ? [1000, 0, 1][i]! : Number(v);
    if (!Number.isFinite(x)) throw new Error(`band value "${text}": ${['frequency', 'gain', 'Q'][i]} "${v}" is not a number`);
    return x;
  });
  return { type: type as EqType, frequencyHz: nums[0]!, gainDb: nums[1]!, q: nums[2]! };
}
