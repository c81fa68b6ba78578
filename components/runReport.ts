/**
 * The run report: one snapshot of a bench's measurements (stage, params, source, kernel timing,
 * live figures, the stage's own figures, browser and sample rate, date) as JSON and CSV, read
 * back from either, and compared with a previous report figure by figure. Pure functions: the
 * RunReport component renders them, and they are unit-tested without a browser.
 */
import { COUNT_UNITS, RENDER_QUANTUM_FRAMES, type ParamValues, type StageFigure } from '../dsp-stages/types.ts';
import type { SourceSpec } from '../dsp-stages/signals.ts';
import type { KernelTiming } from '../worklet/protocol.ts';
import type { TelemetrySnapshot } from '../worklet/layout.ts';

export const REPORT_FORMAT = 'stagebench-run-report';
export const REPORT_VERSION = 1;
/** Reports larger than this are refused before reading (a run report is a few kB). */
export const MAX_REPORT_BYTES = 1 << 20;

/** Timing up (or load, slow quanta...) by more than this share is a regression; down by as much, an improvement. */
export const TIMING_TOLERANCE = 0.1;
/** Quanta/s further than this share from sampleRate / quantum is "off". */
export const QUANTA_RATE_TOLERANCE = 0.05;

export interface ReportTiming {
  backend: string;
  clock: string;
  p50Us: number;
  p95Us: number;
  p99Us: number;
  deadlineUs: number;
  batches: number;
  quantaPerBatch: number;
  singleQuantumP99Us: number;
  allocations: number;
}

export interface ReportLive {
  /** EMA over the worklet's Date.now() windows; null before the first window. */
  quantaPerSec: number | null;
  expectedQuantaPerSec: number;
  loadPct: number | null;
  /** Audio clock against the wall clock since the stage started, ms. */
  driftMs: number | null;
  quanta: number;
  quantaOver1ms: number;
  /** quantaOver1ms as a share of the quanta, %. */
  slowQuantaPct: number | null;
  /** Quanta whose Date.now() step proves they outlasted the deadline (overDeadlineStepMs). */
  quantaOverDeadline: number;
  stageErrors: number;
}

export interface ReportFigure {
  name: string;
  label: string;
  unit: string;
  value: number | null;
}

export interface RunReport {
  format: typeof REPORT_FORMAT;
  version: number;
  /** ISO 8601. */
  date: string;
  story: string | null;
  link: string | null;
  stage: { id: string; title: string };
  params: Record<string, number | string>;
  source: Record<string, number | string>;
  environment: {
    userAgent: string;
    sampleRateHz: number;
    wasm: string;
    fallbackReason: string | null;
    telemetry: 'SharedArrayBuffer' | 'postMessage';
    isolation: string;
    cores: number | null;
  };
  timing: ReportTiming | null;
  live: ReportLive;
  figures: ReportFigure[];
  /** The bench's last A/B null test (both parameter sets and the residual), or null; absent in older reports. */
  ab?: ReportAb | null;
}

/** An A/B null test as the report records it: the two sets, the input, and the residual's figures (dsp-stages/null-test.ts). */
export interface ReportAb {
  input: string;
  frames: number;
  a: Record<string, number | string>;
  b: Record<string, number | string>;
  maxAbsDiff: number;
  /** null: exactly zero. */
  residualRmsDbfs: number | null;
  exactlyZero: boolean;
  levelMatchGain: number;
  levelMatchResidualRmsDbfs: number | null;
  spectrumPeakHz: number | null;
  spectrumPeakDbfs: number | null;
}

export interface ReportInput {
  date: Date;
  story: string | null;
  link: string | null;
  stage: { id: string; title: string; figures?: readonly StageFigure[] };
  params: ParamValues;
  source: SourceSpec;
  timing: KernelTiming | null;
  telemetry: TelemetrySnapshot;
  /** In the order of `stage.figures` (NaN before the first frame). */
  figureValues: ArrayLike<number>;
  sampleRate: number;
  wasmStatus: string;
  fallbackReason: string | null;
  isolated: boolean;
  isolation: string;
  userAgent: string;
  cores: number | null;
  ab?: ReportAb | null;
}

const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

export function buildRunReport(input: ReportInput): RunReport {
  const t = input.telemetry;
  const haveWindow = t.timingSeq > 0;
  const params: Record<string, number | string> = {};
  for (const [k, v] of Object.entries(input.params)) params[k] = v;
  const source: Record<string, number | string> = {};
  for (const [k, v] of Object.entries(input.source)) if (v !== undefined) source[k] = v;
  const timing = input.timing;
  return {
    format: REPORT_FORMAT,
    version: REPORT_VERSION,
    date: input.date.toISOString(),
    story: input.story,
    link: input.link,
    stage: { id: input.stage.id, title: input.stage.title },
    params,
    source,
    environment: {
      userAgent: input.userAgent,
      sampleRateHz: input.sampleRate,
      wasm: input.wasmStatus,
      fallbackReason: input.fallbackReason,
      telemetry: input.isolated ? 'SharedArrayBuffer' : 'postMessage',
      isolation: input.isolation,
      cores: input.cores,
    },
    timing: timing && {
      backend: timing.backend,
      clock: timing.clock,
      p50Us: timing.p50Us,
      p95Us: timing.p95Us,
      p99Us: timing.p99Us,
      deadlineUs: timing.deadlineUs,
      batches: timing.samplesUs.length,
      quantaPerBatch: timing.quantaPerBatch,
      singleQuantumP99Us: timing.singleQuantum.p99Us,
      allocations: timing.allocationsDuringRun,
    },
    live: {
      quantaPerSec: haveWindow ? finiteOrNull(t.quantaPerSecEma) : null,
      // the quantum the worklet was given (0 before its first: the default)
      expectedQuantaPerSec: input.sampleRate / (t.quantumFrames > 0 ? t.quantumFrames : RENDER_QUANTUM_FRAMES),
      loadPct: haveWindow ? finiteOrNull(t.loadMeanPct) : null,
      driftMs: haveWindow ? finiteOrNull(t.audioClockDriftMs) : null,
      quanta: t.quantumCount,
      quantaOver1ms: t.quantaOver1ms,
      slowQuantaPct: t.quantumCount > 0 ? (100 * t.quantaOver1ms) / t.quantumCount : null,
      quantaOverDeadline: t.quantaOverDeadline,
      stageErrors: t.stageErrors,
    },
    figures: (input.stage.figures ?? []).map((f, i) => ({
      name: f.name,
      label: f.label ?? f.name,
      unit: f.unit,
      value: finiteOrNull(input.figureValues[i] ?? NaN),
    })),
    ab: input.ab ?? null,
  };
}

// ---------------------------------------------------------------------------------------------
// Rows: the flat form both JSON and CSV come down to

export const SECTIONS = ['report', 'stage', 'param', 'source', 'environment', 'timing', 'live', 'figure', 'ab'] as const;
export type Section = (typeof SECTIONS)[number];

export interface ReportRow {
  /** `section.name`, unique in a report. */
  key: string;
  section: Section;
  name: string;
  label: string;
  unit: string;
  value: number | string | null;
}

/** Labels and units of the fixed rows (params, source and figures carry their own). */
const FIXED: Record<string, { label: string; unit: string }> = {
  'report.format': { label: 'format', unit: '' },
  'report.version': { label: 'format version', unit: '' },
  'report.date': { label: 'date', unit: 'ISO 8601' },
  'report.story': { label: 'story', unit: '' },
  'report.link': { label: 'link', unit: '' },
  'stage.id': { label: 'stage', unit: '' },
  'stage.title': { label: 'stage title', unit: '' },
  'environment.userAgent': { label: 'browser (user agent)', unit: '' },
  'environment.sampleRateHz': { label: 'sample rate', unit: 'Hz' },
  'environment.wasm': { label: 'wasm', unit: '' },
  'environment.fallbackReason': { label: 'wasm fallback reason', unit: '' },
  'environment.telemetry': { label: 'telemetry', unit: '' },
  'environment.isolation': { label: 'cross-origin isolation', unit: '' },
  'environment.cores': { label: 'logical cores', unit: '' },
  'timing.backend': { label: 'kernel backend', unit: '' },
  'timing.clock': { label: 'kernel clock', unit: '' },
  'timing.p50Us': { label: 'kernel p50', unit: 'µs' },
  'timing.p95Us': { label: 'kernel p95', unit: 'µs' },
  'timing.p99Us': { label: 'kernel p99', unit: 'µs' },
  'timing.deadlineUs': { label: 'deadline', unit: 'µs' },
  'timing.batches': { label: 'timed batches', unit: '' },
  'timing.quantaPerBatch': { label: 'quanta per batch', unit: '' },
  'timing.singleQuantumP99Us': { label: 'single-quantum p99', unit: 'µs' },
  'timing.allocations': { label: 'wasm allocations while timed', unit: '' },
  'live.quantaPerSec': { label: 'quanta/s', unit: '/s' },
  'live.expectedQuantaPerSec': { label: 'expected quanta/s', unit: '/s' },
  'live.loadPct': { label: 'live load', unit: '%' },
  'live.driftMs': { label: 'audio-clock drift', unit: 'ms' },
  'live.quanta': { label: 'quanta run', unit: '' },
  'live.quantaOver1ms': { label: 'quanta ≥ 1 ms', unit: '' },
  'live.slowQuantaPct': { label: 'share of quanta ≥ 1 ms', unit: '%' },
  'live.quantaOverDeadline': { label: 'quanta over the deadline', unit: '' },
  'live.stageErrors': { label: 'stage errors', unit: '' },
};

/** Labels and units of the A/B figures. */
const AB_LABELS: Record<Exclude<keyof ReportAb, 'a' | 'b'>, [label: string, unit: string]> = {
  input: ['input', ''],
  frames: ['frames', ''],
  maxAbsDiff: ['max |A − B|', ''],
  residualRmsDbfs: ['residual RMS (empty: exactly zero)', 'dBFS'],
  exactlyZero: ['residual exactly zero', ''],
  levelMatchGain: ['level-match gain on B', '×'],
  levelMatchResidualRmsDbfs: ['level-matched residual RMS', 'dBFS'],
  spectrumPeakHz: ['residual spectrum peak', 'Hz'],
  spectrumPeakDbfs: ['residual spectrum peak level', 'dBFS'],
};

/** Units of the source fields (dsp-stages/signals.ts). */
const SOURCE_UNITS: Record<string, string> = { frequencyHz: 'Hz', levelDb: 'dBFS', delaySamples: 'samples', snrDb: 'dB' };

const NUMERIC = /^-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Strings that spell a number become numbers, so a report read from CSV equals the same report from JSON. */
function normalize(value: unknown): number | string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'boolean') return String(value);
  const s = String(value);
  return NUMERIC.test(s) ? Number(s) : s;
}

function row(section: Section, name: string, value: unknown, label?: string, unit?: string): ReportRow {
  const key = `${section}.${name}`;
  const fixed = FIXED[key];
  return { key, section, name, label: label ?? fixed?.label ?? name, unit: unit ?? fixed?.unit ?? '', value: normalize(value) };
}

export function reportRows(report: RunReport): ReportRow[] {
  const rows: ReportRow[] = [];
  for (const k of ['format', 'version', 'date', 'story', 'link'] as const) rows.push(row('report', k, report[k]));
  rows.push(row('stage', 'id', report.stage.id), row('stage', 'title', report.stage.title));
  for (const [k, v] of Object.entries(report.params)) rows.push(row('param', k, v, `param ${k}`));
  for (const [k, v] of Object.entries(report.source)) rows.push(row('source', k, v, `source ${k}`, SOURCE_UNITS[k] ?? ''));
  for (const [k, v] of Object.entries(report.environment)) rows.push(row('environment', k, v));
  if (report.timing) for (const [k, v] of Object.entries(report.timing)) rows.push(row('timing', k, v));
  for (const [k, v] of Object.entries(report.live)) rows.push(row('live', k, v));
  for (const f of report.figures) rows.push(row('figure', f.name, f.value, f.label, f.unit));
  if (report.ab) {
    const { a, b, ...rest } = report.ab;
    for (const [k, v] of Object.entries(a)) rows.push(row('ab', `a.${k}`, v, `A: param ${k}`));
    for (const [k, v] of Object.entries(b)) rows.push(row('ab', `b.${k}`, v, `B: param ${k}`));
    for (const [k, v] of Object.entries(rest))
      rows.push(row('ab', k, v, `A/B ${AB_LABELS[k as keyof typeof rest]![0]}`, AB_LABELS[k as keyof typeof rest]![1]));
  }
  return rows;
}

export function reportJson(report: RunReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** A report that cannot be read: the message says what is wrong with it. */
export class ReportError extends Error {
  override name = 'ReportError';
}

// ---------------------------------------------------------------------------------------------
// CSV (RFC 4180: comma-separated, fields with a comma, quote or line break quoted, quotes doubled)

export const CSV_HEADER = ['section', 'name', 'label', 'value', 'unit'] as const;

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function reportCsv(report: RunReport): string {
  const lines = [CSV_HEADER.join(',')];
  for (const r of reportRows(report)) {
    lines.push([r.section, r.name, r.label, r.value === null ? '' : String(r.value), r.unit].map(csvField).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** Splits CSV text into records of fields. Throws with the line number on an unterminated quote or text after a closing quote. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let fields: string[] = [];
  let line = 1;
  let i = 0;
  const endRecord = () => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0] === '')) records.push(fields);
    fields = [];
    field = '';
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"' && field === '') {
      const startLine = line;
      i++;
      for (;;) {
        if (i >= text.length) throw new ReportError(`CSV line ${startLine}: a quoted field is not closed`);
        const q = text[i]!;
        if (q === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (q === '\n') line++;
        field += q;
        i++;
      }
      const next = text[i];
      if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r')
        throw new ReportError(`CSV line ${line}: text after a closing quote`);
      continue;
    }
    if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\r' || c === '\n') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
    } else {
      field += c;
    }
    i++;
  }
  if (field !== '' || fields.length > 0) endRecord();
  return records;
}

// ---------------------------------------------------------------------------------------------
// Reading a report back

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkFormat(format: unknown, version: unknown): void {
  if (format !== REPORT_FORMAT)
    throw new ReportError(`not a Stagebench run report: format is ${JSON.stringify(format ?? null)}, expected "${REPORT_FORMAT}"`);
  const v = typeof version === 'number' ? version : Number(version);
  if (!Number.isInteger(v) || v < 1) throw new ReportError(`run report version ${JSON.stringify(version ?? null)} is not a version number`);
  if (v > REPORT_VERSION) throw new ReportError(`run report version ${v} is newer than this workbench reads (${REPORT_VERSION})`);
}

/** Checks a parsed JSON value field by field; throws a ReportError naming the first bad field. */
export function validateReport(value: unknown): RunReport {
  if (!isObject(value)) throw new ReportError('not a Stagebench run report: the JSON is not an object');
  checkFormat(value.format, value.version);
  const need = (cond: boolean, path: string, what: string) => {
    if (!cond) throw new ReportError(`run report: ${path} must be ${what}`);
  };
  need(typeof value.date === 'string' && !Number.isNaN(Date.parse(value.date)), 'date', 'an ISO date');
  need(
    isObject(value.stage) && typeof value.stage.id === 'string' && typeof value.stage.title === 'string',
    'stage',
    'an object with id and title',
  );
  for (const k of ['params', 'source', 'environment', 'live'] as const) {
    const section = value[k];
    need(isObject(section), k, 'an object');
    for (const [name, v] of Object.entries(section as Record<string, unknown>)) {
      need(
        v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean',
        `${k}.${name}`,
        'a number, a string or null',
      );
    }
  }
  need(value.timing === null || isObject(value.timing), 'timing', 'an object or null');
  if (isObject(value.timing)) {
    for (const k of ['p50Us', 'p95Us', 'p99Us'] as const) need(typeof value.timing[k] === 'number', `timing.${k}`, 'a number');
  }
  need(
    value.ab === undefined || value.ab === null || (isObject(value.ab) && isObject(value.ab.a) && isObject(value.ab.b)),
    'ab',
    'an object with a and b, or null',
  );
  need(Array.isArray(value.figures), 'figures', 'a list');
  (value.figures as unknown[]).forEach((f, i) => {
    need(
      isObject(f) && typeof f.name === 'string' && (f.value === null || typeof f.value === 'number'),
      `figures[${i}]`,
      'an object with a name and a numeric value (or null)',
    );
  });
  return value as unknown as RunReport;
}

export interface LoadedReport {
  rows: ReportRow[];
  /** What the file was: shown above the comparison. */
  kind: 'JSON' | 'CSV';
}

function rowsFromCsv(text: string): ReportRow[] {
  const records = parseCsv(text);
  const header = records[0];
  if (!header || header.map((h) => h.trim()).join(',') !== CSV_HEADER.join(',')) {
    throw new ReportError(`not a Stagebench run report: the CSV header must be "${CSV_HEADER.join(',')}"`);
  }
  const rows: ReportRow[] = [];
  const seen = new Set<string>();
  records.slice(1).forEach((rec, i) => {
    if (rec.length !== CSV_HEADER.length) throw new ReportError(`CSV record ${i + 2}: ${rec.length} fields, expected ${CSV_HEADER.length}`);
    const [section, name, label, value, unit] = rec as [string, string, string, string, string];
    if (!(SECTIONS as readonly string[]).includes(section))
      throw new ReportError(`CSV record ${i + 2}: unknown section "${section}" (one of ${SECTIONS.join(', ')})`);
    if (name === '') throw new ReportError(`CSV record ${i + 2}: the name is empty`);
    const r: ReportRow = {
      key: `${section}.${name}`,
      section: section as Section,
      name,
      label,
      unit,
      value: value === '' ? null : normalize(value),
    };
    if (seen.has(r.key)) throw new ReportError(`CSV record ${i + 2}: ${r.key} appears twice`);
    seen.add(r.key);
    rows.push(r);
  });
  const get = (key: string) => rows.find((r) => r.key === key)?.value;
  checkFormat(get('report.format'), get('report.version'));
  if (typeof get('stage.id') !== 'string') throw new ReportError('run report: the CSV has no stage,id record');
  return rows;
}

/** Reads a report saved as JSON or CSV (by its content, not its name). Throws a ReportError saying what is wrong. */
export function parseReport(text: string): LoadedReport {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed === '') throw new ReportError('the file is empty');
  if (trimmed.startsWith('{')) {
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (err) {
      throw new ReportError(`the file is not valid JSON: ${(err as Error).message}`);
    }
    return { rows: reportRows(validateReport(value)), kind: 'JSON' };
  }
  return { rows: rowsFromCsv(trimmed), kind: 'CSV' };
}

// ---------------------------------------------------------------------------------------------
// Comparing

export type Verdict = 'regression' | 'improvement' | 'same' | 'changed' | 'added' | 'removed';

export interface DiffRow {
  key: string;
  label: string;
  unit: string;
  previous: number | string | null;
  now: number | string | null;
  /** Numbers that differ: "+1.20 µs (+12.0 %)"; else "" (the verdict says the rest). */
  change: string;
  verdict: Verdict;
  /** Why, in a few words ("timing up by more than 10 %"). */
  why: string;
}

export interface ReportDiff {
  rows: DiffRow[];
  regressions: number;
  improvements: number;
  /** Params, source and stage are the same in both: figure moves then mean the stage changed. */
  sameInputs: boolean;
  previousDate: string | null;
  nowDate: string | null;
  previousStage: string | null;
}

/** Absolute tolerances of stage figures by unit, before a move counts (about the stage stories' own tolerances). */
const FIGURE_TOLERANCE: Record<string, number> = { Hz: 0.05, dB: 0.1, dBFS: 0.1, samples: 0.02 };

/** Rows compared with a rule; others are "changed" when they differ. */
const LOWER_IS_BETTER: Record<string, { absolute: number }> = {
  'timing.p50Us': { absolute: 0 },
  'timing.p95Us': { absolute: 0 },
  'timing.p99Us': { absolute: 0 },
  'timing.singleQuantumP99Us': { absolute: 0 },
  // live load and slow quanta: relative and absolute, so noise around 0 is not a verdict
  'live.loadPct': { absolute: 0.05 },
  'live.slowQuantaPct': { absolute: 0.1 },
};
const COUNTS_LOWER_IS_BETTER = new Set(['timing.allocations', 'live.stageErrors', 'live.quantaOverDeadline']);
/** Not compared: they describe the report itself or grow with the run's length. */
const NOT_COMPARED = new Set([
  'report.format',
  'report.version',
  'report.date',
  'report.story',
  'report.link',
  'live.quanta',
  'live.quantaOver1ms',
  'timing.batches',
  'timing.quantaPerBatch',
]);

function fmt(v: number): string {
  if (v === 0) return '0';
  const abs = Math.abs(v);
  return abs >= 1e6 || abs < 1e-3 ? v.toPrecision(4) : String(Number(v.toPrecision(6)));
}

function numericChange(prev: number, now: number, unit: string): string {
  const d = now - prev;
  const sign = d > 0 ? '+' : d < 0 ? '−' : '±';
  const abs = `${sign}${fmt(Math.abs(d))}${unit ? ` ${unit}` : ''}`;
  if (prev === 0) return abs;
  const pct = (100 * d) / Math.abs(prev);
  return `${abs} (${pct > 0 ? '+' : pct < 0 ? '−' : '±'}${Math.abs(pct).toFixed(1)} %)`;
}

function judge(
  key: string,
  unit: string,
  prev: number | string | null,
  now: number | string | null,
  ctx: { expectedQps: number | null; sameInputs: boolean },
): { verdict: Verdict; why: string } {
  if (prev === now) return { verdict: 'same', why: '' };
  if (prev === null) return { verdict: 'changed', why: 'no previous value' };
  if (now === null) return { verdict: 'changed', why: 'no value now' };
  if (typeof prev === 'number' && typeof now === 'number') {
    const rule = LOWER_IS_BETTER[key];
    if (rule) {
      const d = now - prev;
      if (Math.abs(d) <= rule.absolute) return { verdict: 'same', why: '' };
      if (d > Math.abs(prev) * TIMING_TOLERANCE) return { verdict: 'regression', why: `up by more than ${TIMING_TOLERANCE * 100} %` };
      if (-d > Math.abs(prev) * TIMING_TOLERANCE) return { verdict: 'improvement', why: `down by more than ${TIMING_TOLERANCE * 100} %` };
      return { verdict: 'same', why: `within ${TIMING_TOLERANCE * 100} %` };
    }
    if (COUNTS_LOWER_IS_BETTER.has(key))
      return now > prev ? { verdict: 'regression', why: 'more than before' } : { verdict: 'improvement', why: 'fewer than before' };
    if (key === 'live.quantaPerSec' && ctx.expectedQps) {
      const off = (v: number) => Math.abs(v - ctx.expectedQps!) / ctx.expectedQps!;
      const limit = `${QUANTA_RATE_TOLERANCE * 100} % of sampleRate / quantum`;
      if (off(now) > QUANTA_RATE_TOLERANCE && off(now) > off(prev)) return { verdict: 'regression', why: `off by more than ${limit}` };
      if (off(prev) > QUANTA_RATE_TOLERANCE && off(now) <= QUANTA_RATE_TOLERANCE)
        return { verdict: 'improvement', why: `back within ${limit}` };
      return { verdict: 'same', why: `within ${limit}` };
    }
    if (key === 'live.driftMs') {
      const grew = Math.abs(now) - Math.abs(prev);
      if (grew > 1 && Math.abs(now) > Math.abs(prev) * (1 + TIMING_TOLERANCE))
        return { verdict: 'regression', why: 'drifts more (by over 1 ms and 10 %)' };
      if (-grew > 1 && Math.abs(now) < Math.abs(prev) * (1 - TIMING_TOLERANCE))
        return { verdict: 'improvement', why: 'drifts less (by over 1 ms and 10 %)' };
      return { verdict: 'same', why: 'within 1 ms or 10 %' };
    }
    if (key.startsWith('figure.')) {
      if (COUNT_UNITS.has(unit))
        return now > prev ? { verdict: 'regression', why: 'more than before' } : { verdict: 'improvement', why: 'fewer than before' };
      const tol = FIGURE_TOLERANCE[unit] ?? Math.max(Math.abs(prev), Math.abs(now)) * 1e-3;
      if (Math.abs(now - prev) <= tol) return { verdict: 'same', why: `within ${fmt(tol)}${unit ? ` ${unit}` : ''}` };
      return ctx.sameInputs
        ? { verdict: 'regression', why: `moved by more than ${fmt(tol)}${unit ? ` ${unit}` : ''} with the same params and source` }
        : { verdict: 'changed', why: 'params or source differ' };
    }
    return { verdict: 'changed', why: '' };
  }
  if (key === 'environment.wasm' || key === 'timing.backend') {
    const good = key === 'environment.wasm' ? 'active' : 'wasm';
    if (prev === good) return { verdict: 'regression', why: `no longer ${good}` };
    if (now === good) return { verdict: 'improvement', why: `${good} again` };
  }
  if (key === 'environment.telemetry') {
    if (prev === 'SharedArrayBuffer') return { verdict: 'regression', why: 'lost SharedArrayBuffer' };
    if (now === 'SharedArrayBuffer') return { verdict: 'improvement', why: 'SharedArrayBuffer again' };
  }
  return { verdict: 'changed', why: '' };
}

/** The previous report against the current one: a row per figure of either, verdicts and counts. */
export function diffReports(previous: readonly ReportRow[], now: readonly ReportRow[]): ReportDiff {
  const prevBy = new Map(previous.map((r) => [r.key, r]));
  const nowBy = new Map(now.map((r) => [r.key, r]));
  const inputKeys = new Set(
    [...previous, ...now].filter((r) => r.section === 'param' || r.section === 'source' || r.key === 'stage.id').map((r) => r.key),
  );
  const sameInputs = [...inputKeys].every((k) => prevBy.get(k)?.value === nowBy.get(k)?.value);
  const expected = nowBy.get('live.expectedQuantaPerSec')?.value ?? prevBy.get('live.expectedQuantaPerSec')?.value;
  const ctx = { expectedQps: typeof expected === 'number' && expected > 0 ? expected : null, sameInputs };
  const rows: DiffRow[] = [];
  const keys = [...now.map((r) => r.key), ...previous.map((r) => r.key).filter((k) => !nowBy.has(k))];
  for (const key of keys) {
    if (NOT_COMPARED.has(key)) continue;
    const p = prevBy.get(key);
    const n = nowBy.get(key);
    const label = (n ?? p)!.label;
    const unit = (n ?? p)!.unit;
    if (!p) {
      rows.push({ key, label, unit, previous: null, now: n!.value, change: '', verdict: 'added', why: 'not in the previous report' });
      continue;
    }
    if (!n) {
      rows.push({ key, label, unit, previous: p.value, now: null, change: '', verdict: 'removed', why: 'not in this report' });
      continue;
    }
    const { verdict, why } = judge(key, unit, p.value, n.value, ctx);
    const change =
      p.value !== n.value && typeof p.value === 'number' && typeof n.value === 'number' ? numericChange(p.value, n.value, unit) : '';
    rows.push({ key, label, unit, previous: p.value, now: n.value, change, verdict, why });
  }
  const date = (rows: readonly ReportRow[]) => {
    const v = rows.find((r) => r.key === 'report.date')?.value;
    return typeof v === 'string' ? v : null;
  };
  const prevStage = prevBy.get('stage.id')?.value;
  return {
    rows,
    regressions: rows.filter((r) => r.verdict === 'regression').length,
    improvements: rows.filter((r) => r.verdict === 'improvement').length,
    sameInputs,
    previousDate: date(previous),
    nowDate: date(now),
    previousStage: typeof prevStage === 'string' ? prevStage : null,
  };
}

/** A value as the comparison table shows it. */
export function formatValue(value: number | string | null): string {
  if (value === null) return '—';
  return typeof value === 'number' ? fmt(value) : value;
}
