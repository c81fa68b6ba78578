/** Shared look for the workbench components: dark text on a light background, monospaced figures. */
import type { CSSProperties } from 'react';

export const colors = {
  text: '#1a1a1a',
  muted: '#555555',
  border: '#c8ccd2',
  grid: '#e3e6ea',
  background: '#ffffff',
  panel: '#f5f6f8',
  accent: '#0b5cad',
  trace: '#0b5cad',
  bars: '#7a9cc6',
  ok: '#1b6e2c',
  warn: '#8a5a00',
  danger: '#b00020',
  dangerBg: '#fdecee',
} as const;

export const fonts = {
  ui: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  mono: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
} as const;

/** Figures: monospaced and tabular, so changing digits do not make the layout jitter. */
export const numeric: CSSProperties = {
  fontFamily: fonts.mono,
  fontVariantNumeric: 'tabular-nums',
};

export const panel: CSSProperties = {
  background: colors.panel,
  border: `1px solid ${colors.border}`,
  borderRadius: 4,
  padding: '6px 8px',
};

export const button: CSSProperties = {
  font: `13px ${fonts.ui}`,
  padding: '3px 10px',
  border: `1px solid ${colors.border}`,
  borderRadius: 3,
  background: colors.background,
  color: colors.text,
  cursor: 'pointer',
};

/**
 * Keyboard focus, visible on every control: inline styles cannot say `:focus-visible`, so the
 * bench renders this once as a stylesheet (React hoists and de-duplicates it by `href`).
 */
export const FOCUS_RING_CSS = `:where(button, select, input, a, [tabindex]):focus-visible { outline: 2px solid ${colors.accent}; outline-offset: 2px; }`;

export const alertBox: CSSProperties = {
  background: colors.dangerBg,
  color: colors.danger,
  border: `1px solid ${colors.danger}`,
  borderRadius: 4,
  padding: '4px 8px',
  margin: '6px 0',
  fontSize: 13,
};

/** Hidden on screen, still read by screen readers (captions of plots that speak for themselves). */
export const visuallyHidden: CSSProperties = {
  position: 'absolute',
  width: 1,
  height: 1,
  padding: 0,
  margin: -1,
  overflow: 'hidden',
  clip: 'rect(0 0 0 0)',
  whiteSpace: 'nowrap',
  border: 0,
};
