/**
 * Storybook argTypes from a stage's params file (the one source of ranges and units) and the
 * source picker. Every numeric control is named with its label and unit ("Gain (×)", "FFT size
 * (samples)", "Kaiser beta (unitless)"), and its description repeats the unit and states the
 * range, so the Controls panel says what a number means.
 */
import type { ParamSpec } from '../../dsp-stages/types.ts';
import { SOURCE_KINDS } from '../../dsp-stages/signals.ts';
import { FIXTURE_BY_ID } from '../../components/fixtures.ts';

/** "Gain (×)", "Kaiser beta (unitless)"; a choice has no unit and is named by its label alone. */
export function controlName(spec: ParamSpec): string {
  if (spec.kind === 'choice') return spec.label;
  return `${spec.label} (${spec.unit || 'unitless'})`;
}

/** "Unit: ×. Linear factor… Range 0…4 ×, step 0.01." */
export function controlDescription(spec: ParamSpec): string {
  if (spec.kind === 'choice') return `${spec.description} One of: ${spec.options.join(', ')} (no unit).`;
  const unit = spec.unit ? ` ${spec.unit}` : '';
  const head = spec.unit ? `Unit: ${spec.unit}. ` : 'Unitless (a plain number). ';
  if (spec.values) return `${head}${spec.description} One of ${spec.values.join(', ')}${unit}.`;
  return `${head}${spec.description} Range ${spec.min}…${spec.max}${unit}, step ${spec.step}${unit}.`;
}

export function argTypesFromParams(specs: readonly ParamSpec[]): Record<string, object> {
  const out: Record<string, object> = {};
  for (const spec of specs) {
    const common = { name: controlName(spec), description: controlDescription(spec), table: { category: 'Stage' } };
    out[spec.name] =
      spec.kind === 'number' && spec.values
        ? { ...common, options: spec.values, control: { type: 'select' } }
        : spec.kind === 'number'
          ? { ...common, control: { type: 'number', min: spec.min, max: spec.max, step: spec.step } }
          : { ...common, options: spec.options, control: { type: 'select' } };
  }
  return out;
}

export const sourceArgTypes = {
  source: {
    name: 'Source',
    description: `The test signal fed to the stage (no unit): one of ${SOURCE_KINDS.join(', ')}.`,
    options: SOURCE_KINDS,
    control: { type: 'select' },
    table: { category: 'Source' },
  },
  frequencyHz: {
    name: 'Sine frequency (Hz)',
    description: 'Unit: Hz. Frequency of the sine source. Range 20…20000 Hz, step 1 Hz.',
    control: { type: 'number', min: 20, max: 20000, step: 1 },
    table: { category: 'Source' },
  },
  levelDb: {
    name: 'Level (dBFS)',
    description:
      'Unit: dBFS (decibels re full scale). Peak level of sine and sweep, RMS-like level of noise, height of the impulse. Range −60…0 dBFS, step 1 dB.',
    control: { type: 'range', min: -60, max: 0, step: 1 },
    table: { category: 'Source' },
  },
} as const;

/** The `file` source's built-in file, by id (URL args carry no dots): a story with this arg keeps the file in its links. */
export const fixtureArgTypes = {
  fixture: {
    name: 'Built-in file',
    description: 'The decode fixture the `file` source loops through the stage (no unit); your own file is picked in the source picker.',
    options: Object.keys(FIXTURE_BY_ID),
    control: { type: 'select', labels: FIXTURE_BY_ID },
    table: { category: 'Source' },
  },
} as const;

/** An option as a shared link can carry it: Storybook keeps only letters, digits, space, `_` and `-` in link args. */
export function urlSafeKey(value: string): string {
  return value.replace(/[^a-zA-Z0-9 _-]/g, '_');
}

/**
 * A select over `values` whose options are URL-safe keys (`lowpass-0_4`) mapped to the values the
 * story gets (`lowpass-0.4`) and labelled with them, so a link keeps the choice. Story args name
 * an option by its key (`urlSafeKey`).
 */
export function urlSafeSelect<T extends string>(
  values: readonly T[],
): { options: string[]; mapping: Record<string, T>; control: { type: 'select'; labels: Record<string, T> } } {
  const mapping = Object.fromEntries(values.map((v) => [urlSafeKey(v), v])) as Record<string, T>;
  if (Object.keys(mapping).length !== values.length) throw new Error(`options ${values.join(', ')} share a URL-safe key`);
  return { options: Object.keys(mapping), mapping, control: { type: 'select', labels: mapping } };
}
