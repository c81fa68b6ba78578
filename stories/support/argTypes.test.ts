import { describe, expect, it } from 'vitest';
import { STAGES } from '../../dsp-stages/registry.ts';
import { argTypesFromParams, controlDescription, controlName, sourceArgTypes } from './argTypes.ts';

interface ArgType {
  name: string;
  description: string;
  control: { type: string; min?: number; max?: number };
}

describe('controls from params', () => {
  const stages = Object.values(STAGES);

  it('covers every registered stage', () => {
    expect(stages.map((s) => s.id)).toEqual(expect.arrayContaining(['ring-copy', 'fft', 'eq', 'shift', 'gain']));
  });

  it.each(stages.map((s) => [s.id, s] as const))(
    '%s: every control is named with its label and unit, and its description states them',
    (_id, stage) => {
      const argTypes = argTypesFromParams(stage.params) as Record<string, ArgType>;
      expect(Object.keys(argTypes)).toEqual(stage.params.map((p) => p.name));
      for (const spec of stage.params) {
        const t = argTypes[spec.name]!;
        expect(t.name.startsWith(spec.label), `${spec.name}: name "${t.name}"`).toBe(true);
        expect(t.description).toContain(spec.description);
        if (spec.kind === 'number') {
          const unit = spec.unit || 'unitless';
          expect(t.name).toBe(`${spec.label} (${unit})`);
          expect(t.description).toContain(spec.unit ? `Unit: ${spec.unit}.` : 'Unitless');
          if (!spec.values) {
            expect(t.description).toContain(`Range ${spec.min}…${spec.max}${spec.unit ? ` ${spec.unit}` : ''}`);
            expect(t.control).toMatchObject({ type: 'number', min: spec.min, max: spec.max });
          }
        } else {
          expect(t.name).toBe(spec.label);
          expect(t.description).toContain(`One of: ${spec.options.join(', ')}`);
        }
      }
    },
  );

  it('names the units of the template stage and the source controls', () => {
    const gain = STAGES.gain!.params[0]!;
    expect(controlName(gain)).toBe('Gain (×)');
    expect(controlDescription(gain)).toBe(
      'Unit: ×. Linear factor applied to every sample: 1 leaves the signal unchanged, 0.5 is about −6 dB, 4 is about +12 dB. Range 0…4 ×, step 0.01 ×.',
    );
    expect(sourceArgTypes.frequencyHz.name).toBe('Sine frequency (Hz)');
    expect(sourceArgTypes.levelDb.name).toBe('Level (dBFS)');
    for (const t of Object.values(sourceArgTypes)) expect(t.description.length).toBeGreaterThan(20);
  });
});
