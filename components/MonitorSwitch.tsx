/** Whether the stage's output is audible. Off by default: the bench runs silently. */
import { useId } from 'react';
import { button, colors, fonts } from './theme.ts';

export interface MonitorSwitchProps {
  on: boolean;
  onChange: (on: boolean) => void;
}

export function MonitorSwitch({ on, onChange }: MonitorSwitchProps) {
  const id = useId();
  const labelId = useId();
  return (
    <span style={{ display: 'inline-flex', alignItems: 'center', gap: 6, fontFamily: fonts.ui, fontSize: 13 }}>
      <label id={labelId} htmlFor={id}>
        Monitor (audible output)
      </label>
      <button
        id={id}
        type="button"
        role="switch"
        aria-checked={on}
        aria-labelledby={labelId}
        data-testid="monitor-switch"
        onClick={() => onChange(!on)}
        style={{
          ...button,
          display: 'inline-flex',
          alignItems: 'center',
          gap: 6,
          background: on ? colors.accent : colors.background,
          color: on ? colors.background : colors.text,
        }}
      >
        <span
          aria-hidden="true"
          style={{
            width: 10,
            height: 10,
            borderRadius: '50%',
            border: `1px solid ${on ? colors.background : colors.muted}`,
            background: on ? colors.background : 'transparent',
          }}
        />
        {on ? 'audible' : 'silent'}
      </button>
    </span>
  );
}
