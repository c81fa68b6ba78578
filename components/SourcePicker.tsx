/**
 * Picks the test signal: kind, sine frequency and level. Typed values are applied as soon as
 * they are in range; out-of-range values are clamped when the field is left (or Enter), with a
 * visible note saying so.
 */
import { useEffect, useId, useState, type CSSProperties, type KeyboardEvent } from 'react';
import { SOURCE_KINDS, type SourceKind, type SourceSpec } from '../dsp-stages/signals.ts';
import { colors, fonts, numeric } from './theme.ts';

export interface SourcePickerProps {
  value: SourceSpec;
  onChange: (spec: SourceSpec) => void;
  /** Kinds offered (default: all of SOURCE_KINDS). */
  kinds?: readonly SourceKind[];
}

export const SOURCE_LABELS: Readonly<Record<SourceKind, string>> = {
  sine: 'Sine',
  sweep: 'Sweep 20 Hz–20 kHz',
  noise: 'White noise',
  impulse: 'Impulse (every 0.5 s)',
  'delayed-noise': 'Noise + delayed copy (stereo)',
  silence: 'Silence',
  mic: 'Microphone',
};

export const FREQUENCY_RANGE_HZ = { min: 20, max: 20000 } as const;
export const LEVEL_RANGE_DB = { min: -60, max: 0 } as const;

const fieldStyle: CSSProperties = { display: 'inline-flex', alignItems: 'center', gap: 4 };
const inputStyle: CSSProperties = { ...numeric, width: '6em', fontSize: 13 };

interface NumberFieldProps {
  label: string;
  unit: string;
  value: number;
  min: number;
  max: number;
  step: number;
  onCommit: (value: number) => void;
}

/** A number input that keeps the user's draft text while typing and clamps on commit. */
function NumberField({ label, unit, value, min, max, step, onCommit }: NumberFieldProps) {
  const id = useId();
  const noteId = useId();
  const [draft, setDraft] = useState(String(value));
  const [note, setNote] = useState<string | null>(null);

  // Follow outside changes (story args) unless the draft already says the same number.
  useEffect(() => {
    setDraft((d) => (Number(d) === value ? d : String(value)));
  }, [value]);

  const commit = () => {
    const n = draft.trim() === '' ? NaN : Number(draft);
    if (Number.isNaN(n)) {
      setNote(`“${draft}” is not a number; kept ${value} ${unit}`);
      setDraft(String(value));
      return;
    }
    const clamped = Math.min(max, Math.max(min, n));
    setNote(clamped === n ? null : `${n} ${unit} is out of range ${min}…${max}; clamped to ${clamped} ${unit}`);
    setDraft(String(clamped));
    if (clamped !== value) onCommit(clamped);
  };

  const onInput = (text: string) => {
    setDraft(text);
    const n = text.trim() === '' ? NaN : Number(text);
    if (!Number.isNaN(n) && n >= min && n <= max) {
      setNote(null);
      if (n !== value) onCommit(n);
    }
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') commit();
  };

  return (
    <span style={fieldStyle}>
      <label htmlFor={id}>
        {label} ({unit})
      </label>
      <input
        id={id}
        type="number"
        inputMode="decimal"
        min={min}
        max={max}
        step={step}
        value={draft}
        onChange={(e) => onInput(e.target.value)}
        onBlur={commit}
        onKeyDown={onKeyDown}
        aria-describedby={note ? noteId : undefined}
        style={inputStyle}
      />
      {note && (
        <span id={noteId} role="status" data-testid="clamp-note" style={{ color: colors.warn, fontSize: 12 }}>
          {note}
        </span>
      )}
    </span>
  );
}

export function SourcePicker({ value, onChange, kinds = SOURCE_KINDS }: SourcePickerProps) {
  const kindId = useId();
  return (
    <fieldset
      style={{
        border: 0,
        padding: 0,
        margin: 0,
        display: 'inline-flex',
        flexWrap: 'wrap',
        gap: 12,
        alignItems: 'center',
        fontFamily: fonts.ui,
        fontSize: 13,
        color: colors.text,
      }}
    >
      <legend style={{ float: 'left', marginRight: 4, fontWeight: 600 }}>Source</legend>
      <span style={fieldStyle}>
        <label htmlFor={kindId}>Signal</label>
        <select
          id={kindId}
          value={value.kind}
          onChange={(e) => onChange({ ...value, kind: e.target.value as SourceKind })}
          style={{ fontSize: 13 }}
        >
          {kinds.map((kind) => (
            <option key={kind} value={kind}>
              {SOURCE_LABELS[kind]}
            </option>
          ))}
        </select>
      </span>
      {value.kind === 'sine' && (
        <NumberField
          label="Frequency"
          unit="Hz"
          value={value.frequencyHz}
          min={FREQUENCY_RANGE_HZ.min}
          max={FREQUENCY_RANGE_HZ.max}
          step={1}
          onCommit={(frequencyHz) => onChange({ ...value, frequencyHz })}
        />
      )}
      <NumberField
        label="Level"
        unit="dBFS"
        value={value.levelDb}
        min={LEVEL_RANGE_DB.min}
        max={LEVEL_RANGE_DB.max}
        step={0.5}
        onCommit={(levelDb) => onChange({ ...value, levelDb })}
      />
    </fieldset>
  );
}
