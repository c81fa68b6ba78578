/**
 * Run report of a bench: a snapshot of its measurements (taken when a kernel timing arrives, and
 * on "Refresh report") as JSON and CSV, to download (Blob URLs) or read in place, and a previous
 * report (JSON or CSV, from the file picker) compared with it figure by figure: regressions in
 * red, improvements in green, each with its reason in words.
 */
import { useEffect, useId, useMemo, useRef, useState, type ChangeEvent, type CSSProperties } from 'react';
import type { ParamValues, StageDescriptor } from '../dsp-stages/types.ts';
import type { SourceSpec } from '../dsp-stages/signals.ts';
import type { KernelTiming } from '../worklet/protocol.ts';
import type { StagebenchRuntime } from '../worklet/host.ts';
import {
  MAX_REPORT_BYTES,
  buildRunReport,
  diffReports,
  formatValue,
  parseReport,
  reportCsv,
  reportJson,
  reportRows,
  type DiffRow,
  type LoadedReport,
  type ReportAb,
  type RunReport as RunReportData,
  type Verdict,
} from './runReport.ts';
import { alertBox, button, colors, fonts, numeric, panel } from './theme.ts';
import { errorMessage } from '../worklet/errors.ts';

export interface RunReportProps {
  runtime: StagebenchRuntime;
  stage: StageDescriptor;
  params: ParamValues;
  source: SourceSpec;
  timing: KernelTiming | null;
  /** The bench's last A/B null test, or null. */
  ab?: ReportAb | null;
  storyId: string | null;
  link: string | null;
  /** The page's cross-origin isolation, in words. */
  isolation: string;
}

const VERDICT_STYLE: Record<Verdict, CSSProperties> = {
  regression: { color: colors.danger, background: colors.dangerBg, fontWeight: 600 },
  improvement: { color: colors.ok, background: '#e6f4e9', fontWeight: 600 },
  same: { color: colors.muted },
  changed: { color: colors.text },
  added: { color: colors.text },
  removed: { color: colors.text },
};

const cell: CSSProperties = { padding: '2px 8px', borderBottom: `1px solid ${colors.grid}`, textAlign: 'left', verticalAlign: 'top' };
const valueCell: CSSProperties = { ...cell, ...numeric, overflowWrap: 'anywhere', maxWidth: 260 };
const preStyle: CSSProperties = {
  ...numeric,
  fontSize: 11,
  maxHeight: 220,
  overflow: 'auto',
  background: colors.background,
  border: `1px solid ${colors.border}`,
  padding: 6,
  margin: '4px 0',
};

function fileStamp(iso: string): string {
  return iso.replace(/[:]/g, '-').replace(/\.\d+Z$/, 'Z');
}

function verdictText(row: DiffRow): string {
  switch (row.verdict) {
    case 'regression':
    case 'improvement':
      return `${row.verdict}: ${row.why}`;
    case 'same':
      return row.why ? `same (${row.why})` : 'same';
    default:
      return row.why ? `${row.verdict} (${row.why})` : row.verdict;
  }
}

export function RunReport(props: RunReportProps) {
  const { runtime, timing } = props;
  const headingId = useId();
  const fileId = useId();
  const onlyId = useId();
  const [report, setReport] = useState<RunReportData | null>(null);
  const [previous, setPrevious] = useState<(LoadedReport & { fileName: string }) | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [onlyDifferences, setOnlyDifferences] = useState(false);
  const [urls, setUrls] = useState<{ json: string; csv: string } | null>(null);

  // the newest props, for a snapshot taken from an effect or a click
  const latest = useRef(props);
  latest.current = props;

  const snapshot = () => {
    const p = latest.current;
    const state = runtime.state;
    setReport(
      buildRunReport({
        date: new Date(),
        story: p.storyId,
        link: p.link,
        stage: p.stage,
        params: p.params,
        source: p.source,
        timing: p.timing,
        telemetry: runtime.telemetry(),
        figureValues: runtime.figures(),
        sampleRate: state.sampleRate,
        wasmStatus: state.wasmStatus,
        fallbackReason: state.fallbackReason,
        isolated: state.isolated,
        isolation: p.isolation,
        userAgent: navigator.userAgent,
        cores: typeof navigator.hardwareConcurrency === 'number' ? navigator.hardwareConcurrency : null,
        ab: p.ab ?? null,
      }),
    );
  };

  // a new kernel timing (a new stage or params, or Measure again): a new snapshot
  useEffect(() => {
    if (timing) snapshot();
    // snapshot reads the newest props through `latest`: only a new timing or A/B makes a new one
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [timing, props.ab]);

  const json = useMemo(() => (report ? reportJson(report) : ''), [report]);
  const csv = useMemo(() => (report ? reportCsv(report) : ''), [report]);

  useEffect(() => {
    if (!json) return undefined;
    const made = {
      json: URL.createObjectURL(new Blob([json], { type: 'application/json' })),
      csv: URL.createObjectURL(new Blob([csv], { type: 'text/csv' })),
    };
    setUrls(made);
    return () => {
      URL.revokeObjectURL(made.json);
      URL.revokeObjectURL(made.csv);
    };
  }, [json, csv]);

  const diff = useMemo(() => (previous && report ? diffReports(previous.rows, reportRows(report)) : null), [previous, report]);

  const onFile = (e: ChangeEvent<HTMLInputElement>) => {
    const input = e.currentTarget;
    const file = input.files?.[0];
    // the same file may be picked again after it changed
    input.value = '';
    if (!file) return;
    if (file.size > MAX_REPORT_BYTES) {
      setLoadError(`${file.name}: ${file.size} bytes is too large for a run report (at most ${MAX_REPORT_BYTES})`);
      return;
    }
    file.text().then(
      (text) => {
        try {
          setPrevious({ ...parseReport(text), fileName: file.name });
          setLoadError(null);
        } catch (err) {
          setLoadError(`${file.name}: ${errorMessage(err)}`);
        }
      },
      (err: unknown) => setLoadError(`${file.name}: could not be read (${errorMessage(err)})`),
    );
  };

  const base = report ? `stagebench-${report.stage.id}-${fileStamp(report.date)}` : 'stagebench-report';
  const rows = diff ? (onlyDifferences ? diff.rows.filter((r) => r.verdict !== 'same') : diff.rows) : [];

  return (
    <div
      role="group"
      aria-labelledby={headingId}
      data-testid="run-report"
      style={{ ...panel, fontFamily: fonts.ui, fontSize: 13, margin: '6px 0' }}
    >
      <h3 id={headingId} style={{ margin: '0 0 4px', fontSize: 15 }}>
        Run report
      </h3>
      <div style={{ display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: 10 }}>
        <button type="button" onClick={snapshot} style={button} data-testid="run-report-refresh">
          Refresh report
        </button>
        {report && urls ? (
          <>
            <a href={urls.json} download={`${base}.json`} data-testid="run-report-download-json">
              Download JSON
            </a>
            <a href={urls.csv} download={`${base}.csv`} data-testid="run-report-download-csv">
              Download CSV
            </a>
            <span style={{ color: colors.muted }} data-testid="run-report-date">
              snapshot of {report.date} (performance figures as in the status bar and the timing table)
            </span>
          </>
        ) : (
          <span style={{ color: colors.muted }}>no snapshot yet: it is taken when the kernel timing arrives, or with Refresh report</span>
        )}
      </div>
      {report && (
        <>
          <details>
            <summary>Report as JSON</summary>
            <pre tabIndex={0} aria-label="Run report as JSON" data-testid="run-report-json" style={preStyle}>
              {json}
            </pre>
          </details>
          <details>
            <summary>Report as CSV</summary>
            <pre tabIndex={0} aria-label="Run report as CSV" data-testid="run-report-csv" style={preStyle}>
              {csv}
            </pre>
          </details>
        </>
      )}
      <div style={{ display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: 10, marginTop: 4 }}>
        <label htmlFor={fileId}>Compare with a previous report (JSON or CSV)</label>
        <input id={fileId} type="file" accept=".json,.csv,application/json,text/csv" onChange={onFile} data-testid="run-report-file" />
        {diff && (
          <span style={{ display: 'inline-flex', gap: 4, alignItems: 'center' }}>
            <input id={onlyId} type="checkbox" checked={onlyDifferences} onChange={(e) => setOnlyDifferences(e.currentTarget.checked)} />
            <label htmlFor={onlyId}>only differences</label>
          </span>
        )}
      </div>
      {loadError && (
        <div role="alert" data-testid="run-report-error" style={alertBox}>
          {loadError}
        </div>
      )}
      {diff && previous && report && (
        <>
          <p role="status" data-testid="run-report-summary" style={{ margin: '6px 0 2px' }}>
            <strong style={{ color: diff.regressions > 0 ? colors.danger : colors.ok }}>
              {diff.regressions} regression{diff.regressions === 1 ? '' : 's'}
            </strong>
            , {diff.improvements} improvement{diff.improvements === 1 ? '' : 's'}
            {diff.sameInputs ? ' (same stage, params and source)' : ' (stage, params or source differ: figure moves are not judged)'}
          </p>
          <table data-testid="run-report-diff" style={{ borderCollapse: 'collapse', width: '100%', fontSize: 12 }}>
            <caption style={{ textAlign: 'left', color: colors.muted, padding: '2px 0' }}>
              Previous report ({previous.fileName}, {previous.kind}
              {diff.previousDate ? `, ${diff.previousDate}` : ''}
              {diff.previousStage ? `, stage ${diff.previousStage}` : ''}) against this one ({report.date}, stage {report.stage.id})
            </caption>
            <thead>
              <tr>
                <th scope="col" style={cell}>
                  Figure
                </th>
                <th scope="col" style={cell}>
                  Previous
                </th>
                <th scope="col" style={cell}>
                  Now
                </th>
                <th scope="col" style={cell}>
                  Change
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.key} data-key={r.key} data-verdict={r.verdict}>
                  <th scope="row" style={{ ...cell, fontWeight: 400 }}>
                    {r.label}
                    {r.unit ? ` (${r.unit})` : ''}
                  </th>
                  <td style={valueCell}>{formatValue(r.previous)}</td>
                  <td style={valueCell}>{formatValue(r.now)}</td>
                  <td style={{ ...cell, ...VERDICT_STYLE[r.verdict] }} data-testid={`change-${r.key}`}>
                    {r.change && <span style={numeric}>{r.change} </span>}
                    <span>{verdictText(r)}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
