/**
 * Picks the test signal: kind, sine frequency and level. Typed values are applied as soon as
 * they are in range; out-of-range values are clamped when the field is left (or Enter), with a
 * visible note saying so. The `file` kind picks a built-in decode fixture by name, or the user's
 * own file by the file picker or by dropping it on the picker.
 */
import { useEffect, useId, useState, type CSSProperties, type DragEvent, type KeyboardEvent } from 'react';
import { SOURCE_KINDS, type SourceKind, type SourceSpec } from '../dsp-stages/signals.ts';
import { DEFAULT_FIXTURE, FIXTURE_BY_ID } from './fixtures.ts';
import { colors, fonts, numeric } from './theme.ts';

export interface SourcePickerProps {
  value: SourceSpec;
  onChange: (spec: SourceSpec) => void;
  /** Kinds offered (default: all of SOURCE_KINDS). */
  kinds?: readonly SourceKind[];
  /** The user's own file now playing (kind `file` without a fixture), or null. */
  ownFile?: string | null;
  /** Called with the user's own file (file picker or drop); without it, only built-in files are offered. */
  onOwnFile?: (file: File) => void;
}

export const SOURCE_LABELS: Readonly<Record<SourceKind, string>> = {
  sine: 'Sine',
  sweep: 'Sweep 20 Hz–20 kHz',
  noise: 'White noise',
  impulse: 'Impulse (every 0.5 s)',
  'delayed-noise': 'Noise + delayed copy (stereo)',
  silence: 'Silence',
  mic: 'Microphone',
  file: 'File (built in or yours)',
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

/** The `file` kind's fields: a built-in file by name, or the user's own by picker or drop. */
function FileFields({ value, onChange, ownFile, onOwnFile }: Pick<SourcePickerProps, 'value' | 'onChange' | 'ownFile' | 'onOwnFile'>) {
  const fixtureId = useId();
  const ownId = useId();
  const noteId = useId();
  return (
    <>
      <span style={fieldStyle}>
        <label htmlFor={fixtureId}>Built-in file</label>
        <select
          id={fixtureId}
          value={ownFile ? '' : (value.fixture ?? DEFAULT_FIXTURE)}
          onChange={(e) => onChange({ ...value, fixture: e.target.value })}
          style={{ fontSize: 13 }}
          data-testid="source-fixture"
        >
          {ownFile && (
            <option value="" disabled>
              {`(yours: ${ownFile})`}
            </option>
          )}
          {Object.entries(FIXTURE_BY_ID).map(([id, name]) => (
            <option key={id} value={id}>
              {name}
            </option>
          ))}
        </select>
      </span>
      {onOwnFile && (
        <span style={fieldStyle}>
          <label htmlFor={ownId}>Your own file (WAV, FLAC, MP3), or drop it on the source</label>
          <input
            id={ownId}
            type="file"
            accept=".wav,.flac,.mp3,audio/wav,audio/flac,audio/mpeg"
            aria-describedby={noteId}
            data-testid="source-own-file"
            onChange={(e) => {
              const f = e.target.files?.[0];
              if (f) onOwnFile(f);
              e.target.value = '';
            }}
            style={{ fontSize: 12, maxWidth: '16em' }}
          />
          <span id={noteId} style={{ color: colors.muted, fontSize: 12 }}>
            Your own file stays in this page: shared links name built-in files only.
          </span>
        </span>
      )}
    </>
  );
}

export function SourcePicker({ value, onChange, kinds = SOURCE_KINDS, ownFile = null, onOwnFile }: SourcePickerProps) {
  const kindId = useId();
  const [dragOver, setDragOver] = useState(false);
  const onDrop = (e: DragEvent<HTMLFieldSetElement>) => {
    e.preventDefault();
    setDragOver(false);
    const f = e.dataTransfer.files[0];
    if (f && onOwnFile) onOwnFile(f);
  };
  return (
    <fieldset
      onDragOver={
        onOwnFile
          ? (e) => {
              e.preventDefault();
              setDragOver(true);
            }
          : undefined
      }
      onDragLeave={() => setDragOver(false)}
      onDrop={onOwnFile ? onDrop : undefined}
      data-testid="source-picker"
      style={{
        outline: dragOver ? `2px dashed ${colors.accent}` : undefined,
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
          onChange={(e) => {
            const kind = e.target.value as SourceKind;
            onChange(kind === 'file' ? { ...value, kind, fixture: value.fixture ?? DEFAULT_FIXTURE } : { ...value, kind });
          }}
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
      {value.kind === 'file' ? (
        <FileFields value={value} onChange={onChange} ownFile={ownFile} onOwnFile={onOwnFile} />
      ) : (
        <NumberField
          label="Level"
          unit="dBFS"
          value={value.levelDb}
          min={LEVEL_RANGE_DB.min}
          max={LEVEL_RANGE_DB.max}
          step={0.5}
          onCommit={(levelDb) => onChange({ ...value, levelDb })}
        />
      )}
    </fieldset>
  );
}
