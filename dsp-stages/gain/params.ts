import type { ParamSpec } from '../types.ts';

/** Gain parameters: the one source for argTypes, CLI flags and clamps (rust/src/gain.rs clamps to the same range). */
export const gainParams = [
  {
    kind: 'number',
    name: 'gain',
    label: 'Gain',
    unit: '×',
    min: 0,
    max: 4,
    step: 0.01,
    default: 0.5,
    description: 'Linear factor applied to every sample: 1 leaves the signal unchanged, 0.5 is about −6 dB, 4 is about +12 dB.',
  },
] as const satisfies readonly ParamSpec[];

/** Parameter ids of `gain_set_param` (rust/src/gain.rs `PARAM_GAIN`). */
export const GAIN_PARAM_IDS: Readonly<Record<string, number>> = { gain: 0 };
