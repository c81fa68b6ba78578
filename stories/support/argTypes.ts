/** Storybook argTypes from a stage's params file (the one source of ranges and units) and the source picker. */
import type { ParamSpec } from '../../dsp-stages/types.ts';
import { SOURCE_KINDS } from '../../dsp-stages/signals.ts';

export function argTypesFromParams(specs: readonly ParamSpec[]): Record<string, object> {
  const out: Record<string, object> = {};
  for (const spec of specs) {
    const name = spec.unit ? `${spec.label} (${spec.unit})` : spec.label;
    const unit = spec.unit ? ` ${spec.unit}` : '';
    out[spec.name] = spec.kind === 'number' && spec.values
      ? {
          name,
          description: `${spec.description} One of ${spec.values.join(', ')}${unit}.`,
          options: spec.values,
          control: { type: 'select' },
          table: { category: 'Stage' },
        }
      : spec.kind === 'number'
      ? {
          name,
          description: `${spec.description} Range ${spec.min}…${spec.max}${unit}.`,
          control: { type: 'number', min: spec.min, max: spec.max, step: spec.step },
          table: { category: 'Stage' },
        }
      : {
          name: spec.label,
          description: spec.description,
          options: spec.options,
          control: { type: 'select' },
          table: { category: 'Stage' },
        };
  }
  return out;
}

export const sourceArgTypes = {
  source: { name: 'Source', options: SOURCE_KINDS, control: { type: 'select' }, table: { category: 'Source' } },
  frequencyHz: { name: 'Sine frequency (Hz)', control: { type: 'number', min: 20, max: 20000, step: 1 }, table: { category: 'Source' } },
  levelDb: { name: 'Level (dBFS)', control: { type: 'range', min: -60, max: 0, step: 1 }, table: { category: 'Source' } },
} as const;
