/** The stage's live figures (peak frequency, NaN quanta...), named and with units, polled 4 times a second. */
import { useEffect, useState } from 'react';
import { COUNT_UNITS, type StageFigure } from '../dsp-stages/types.ts';
import type { StagebenchRuntime } from '../worklet/host.ts';
import { colors, numeric, panel } from './theme.ts';

export interface StageFiguresProps {
  runtime: StagebenchRuntime;
  figures: readonly StageFigure[];
}

function fmt(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '—';
  return Math.abs(v) >= 1000 || Number.isInteger(v) ? v.toFixed(Number.isInteger(v) ? 0 : 2) : v.toPrecision(6);
}

export function StageFigures({ runtime, figures }: StageFiguresProps) {
  const [values, setValues] = useState<Float64Array>(() => runtime.figures());
  useEffect(() => {
    const id = setInterval(() => setValues(runtime.figures()), 250);
    return () => clearInterval(id);
  }, [runtime]);
  if (figures.length === 0) return null;
  return (
    <dl aria-label="Stage figures" style={{ ...panel, display: 'flex', flexWrap: 'wrap', gap: '4px 18px', margin: '6px 0', fontSize: 13 }}>
      {figures.map((f, i) => (
        <div key={f.name} style={{ display: 'flex', gap: 6 }}>
          <dt style={{ color: colors.muted }}>{f.label ?? f.name}</dt>
          <dd
            style={{ ...numeric, margin: 0, color: COUNT_UNITS.has(f.unit) && (values[i] ?? 0) > 0 ? colors.danger : undefined }}
            data-testid={`figure-${f.name}`}
            data-value={values[i]}
          >
            {fmt(values[i])} {f.unit}
          </dd>
        </div>
      ))}
    </dl>
  );
}
