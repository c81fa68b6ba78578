import type { ParamSpec } from '../types.ts';

/**
 * Gain (template)'s parameters: the one source of their names, units, ranges, defaults and help, from
 * which the controls, URL args, CLI flags and clamps are derived. The wasm instance is created with
 * these values and ranges; rust/src/stages/gain.rs `PARAMS` lists the same parameters in the
 * same order.
 */
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
