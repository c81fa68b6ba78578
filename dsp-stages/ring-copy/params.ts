import type { ParamSpec } from '../types.ts';

/** Ring-copy parameters: the one source for argTypes, CLI flags and clamps. */
export const ringCopyParams = [
  {
    kind: 'number',
    name: 'capacity',
    label: 'Ring capacity',
    unit: 'samples',
    min: 128,
    max: 1 << 20,
    step: 128,
    default: 128 * 256,
    integer: true,
    description: 'Capacity of the wasm input ring (the UI scope ring is fixed at 128 × 256 samples).',
  },
] as const satisfies readonly ParamSpec[];
