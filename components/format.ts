/**
 * Number formatting for the workbench UI. Plain ASCII digits and '-' (no grouping in values
 * tests may parse); non-finite values print as an em dash rather than "NaN".
 */

const DASH = '—';

/** Fixed decimals, or a dash for NaN/Infinity. */
export function fmtNum(value: number, digits = 1): string {
  return Number.isFinite(value) ? value.toFixed(digits) : DASH;
}

/** Fewer decimals as the value grows: 1.23, 12.3, 123. */
function adaptive(value: number): string {
  if (!Number.isFinite(value)) return DASH;
  const abs = Math.abs(value);
  return value.toFixed(abs < 10 ? 2 : abs < 100 ? 1 : 0);
}

/** Microseconds, e.g. "3.21 µs"; `unit: false` gives the bare number. */
export function fmtUs(us: number, unit = true): string {
  const s = adaptive(us);
  return unit && s !== DASH ? `${s} µs` : s;
}

export function fmtMs(ms: number, unit = true): string {
  const s = adaptive(ms);
  return unit && s !== DASH ? `${s} ms` : s;
}

/** A value that already is a percentage, e.g. 0.8 → "0.8 %". */
export function fmtPct(pct: number, digits = 1): string {
  const s = fmtNum(pct, digits);
  return s === DASH ? s : `${s} %`;
}

/** "440 Hz", "1 kHz", "44.1 kHz". */
export function fmtHz(hz: number): string {
  if (!Number.isFinite(hz)) return DASH;
  if (Math.abs(hz) < 1000) return `${Number(hz.toFixed(1))} Hz`;
  return `${Number((hz / 1000).toFixed(3))} kHz`;
}

export function fmtDb(db: number, unit = 'dBFS'): string {
  if (db === -Infinity) return `-∞ ${unit}`;
  const s = fmtNum(db, 1);
  return s === DASH ? s : `${s} ${unit}`;
}

/** Binary units: "512 B", "64.0 KiB", "1.06 MiB". */
export function fmtBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return DASH;
  const abs = Math.abs(bytes);
  if (abs < 1024) return `${bytes} B`;
  if (abs < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (abs < 1024 * 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(2)} MiB`;
  return `${(bytes / (1024 * 1024 * 1024)).toFixed(2)} GiB`;
}

/** Whole counts with thousands separators, for display only. */
export function fmtCount(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : DASH;
}

/** Linear amplitude to dBFS (-Infinity for 0). */
export function gainToDb(gain: number): number {
  return gain > 0 ? 20 * Math.log10(gain) : -Infinity;
}
