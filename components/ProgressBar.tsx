/**
 * Progress of a long harness run (sweep points, trials...): role="progressbar" with its values
 * for assistive technology, a visible bar, and "label: 37 / 120 (31 %) detail".
 */
import { colors, fonts, numeric } from './theme.ts';
import { fmtCount, fmtNum, fmtPct } from './format.ts';

export interface ProgressBarProps {
  value: number;
  max: number;
  /** What is counted, e.g. "Sweep points". */
  label: string;
  /** Extra text after the figures, e.g. "at 4.1 kHz". */
  detail?: string;
}

function fmtAmount(v: number): string {
  return Number.isInteger(v) ? fmtCount(v) : fmtNum(v, 1);
}

export function ProgressBar({ value, max, label, detail }: ProgressBarProps) {
  const safeMax = Number.isFinite(max) && max > 0 ? max : 0;
  const now = Number.isFinite(value) ? Math.min(Math.max(value, 0), safeMax) : 0;
  const fraction = safeMax > 0 ? now / safeMax : 0;
  const pct = fmtPct(fraction * 100, 0);
  const figures = `${fmtAmount(now)} / ${fmtAmount(safeMax)} (${pct})`;
  const done = safeMax > 0 && now >= safeMax;

  return (
    <div style={{ fontFamily: fonts.ui, color: colors.text, fontSize: 13, margin: '6px 0', maxWidth: 640 }}>
      <div style={{ marginBottom: 2 }}>
        {label}:{' '}
        <span style={numeric} data-testid="progress-figures" data-value={now} data-max={safeMax}>
          {figures}
        </span>
        {detail && <span style={{ color: colors.muted }}> {detail}</span>}
      </div>
      <div
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={safeMax}
        aria-valuenow={now}
        aria-valuetext={detail ? `${figures}, ${detail}` : figures}
        style={{
          height: 10,
          background: colors.panel,
          border: `1px solid ${colors.border}`,
          borderRadius: 3,
          overflow: 'hidden',
        }}
      >
        <div
          style={{
            width: `${fraction * 100}%`,
            height: '100%',
            background: done ? colors.ok : colors.accent,
            transition: 'width 120ms linear',
          }}
        />
      </div>
    </div>
  );
}
