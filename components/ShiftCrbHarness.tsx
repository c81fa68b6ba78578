/**
 * The shift stage's accuracy harness: RMSE of the refined shift against the Cramér-Rao bound
 * across SNR (white Gaussian reference, exact fractional delays, independent noise on both
 * channels), with plain correlation and with PHAT, on the stage's own wasm.
 */
import { useEffect, useRef, useState } from 'react';
import { runShiftSweep, type ShiftSweepResult } from '../dsp-stages/shift/sweep.ts';
import { loadWasmBytes } from '../worklet/host.ts';
import { instantiateStagebenchAsync } from '../worklet/wasm.ts';
import { ProgressBar } from './ProgressBar.tsx';
import { XYPlot, type XYSeries } from './XYPlot.tsx';
import { button, colors, fonts, numeric, panel } from './theme.ts';

export interface ShiftCrbHarnessProps {
  size: number;
  hypotheses: number;
  span: number;
  trials: number;
  snrsDb: readonly number[];
  /** Also run the sweep with PHAT weighting (twice the time). */
  withPhat?: boolean;
}

type Status =
  | { kind: 'running'; done: number; total: number }
  | { kind: 'done'; plain: ShiftSweepResult; phat: ShiftSweepResult | null }
  | { kind: 'error'; message: string };

export function ShiftCrbHarness({ size, hypotheses, span, trials, snrsDb, withPhat = true }: ShiftCrbHarnessProps) {
  const [status, setStatus] = useState<Status>({ kind: 'running', done: 0, total: 1 });
  const abortRef = useRef<AbortController | null>(null);
  const snrKey = snrsDb.join(',');

  const run = async () => {
    abortRef.current?.abort();
    const abort = new AbortController();
    abortRef.current = abort;
    const passes = withPhat ? 2 : 1;
    const total = passes * trials * snrsDb.length;
    setStatus({ kind: 'running', done: 0, total });
    try {
      const { bytes, reason } = await loadWasmBytes();
      if (!bytes) throw new Error(`the sweep needs the wasm module: ${reason}`);
      const wasm = await instantiateStagebenchAsync(bytes.slice(0));
      const base = { wasm, snrsDb, trials, size, hypotheses, span, noisyReference: true, seed: 1, yieldEvery: 8, signal: abort.signal };
      const plain = await runShiftSweep({ ...base, phat: false, onProgress: (d) => setStatus({ kind: 'running', done: d, total }) });
      const offset = trials * snrsDb.length;
      const phat = withPhat ? await runShiftSweep({ ...base, phat: true, onProgress: (d) => setStatus({ kind: 'running', done: offset + d, total }) }) : null;
      if (!abort.signal.aborted) setStatus({ kind: 'done', plain, phat });
    } catch (err) {
      if (!abort.signal.aborted) setStatus({ kind: 'error', message: (err as Error).message });
    }
  };

  useEffect(() => {
    void run();
    return () => abortRef.current?.abort();
  }, [size, hypotheses, span, trials, snrKey, withPhat]);

  let body = null;
  if (status.kind === 'done') {
    const { plain, phat } = status;
    const series: XYSeries[] = [
      { name: 'RMSE, correlation', points: plain.points.map((p) => ({ x: p.snrDb, y: p.rmse })), markers: true, color: '#0b5cad' },
      ...(phat ? [{ name: 'RMSE, PHAT', points: phat.points.map((p) => ({ x: p.snrDb, y: p.rmse })), markers: true, color: '#c2410c' }] : []),
      { name: '√CRB (both channels noisy)', points: plain.points.map((p) => ({ x: p.snrDb, y: p.crbStd })), dashed: true, color: '#1b6e2c' },
    ];
    const worstAbove = (r: ShiftSweepResult) => Math.max(...r.points.filter((p) => r.thresholdSnrDb !== null && p.snrDb >= r.thresholdSnrDb).map((p) => p.ratio));
    const summary =
      `Shift RMSE against the Cramér-Rao bound, N = ${size}, H = ${hypotheses}, span ${span}, ${trials} trials per SNR: ` +
      `correlation ratio RMSE/√CRB ${plain.points.map((p) => `${p.ratio.toFixed(2)} at ${p.snrDb} dB`).join(', ')}; ` +
      `threshold ${plain.thresholdSnrDb === null ? 'none' : `${plain.thresholdSnrDb} dB`}` +
      (phat ? `; PHAT ratios ${phat.points.map((p) => p.ratio.toFixed(2)).join(', ')}.` : '.');
    body = (
      <>
        <XYPlot title="RMSE and √CRB against SNR" summary={summary} xLabel="SNR (dB)" yLabel="samples" yScale="log" series={series} />
        <table style={{ borderCollapse: 'collapse', fontSize: 13, marginTop: 6 }}>
          <caption style={{ textAlign: 'left', fontWeight: 600 }}>RMSE / √CRB per SNR</caption>
          <thead>
            <tr>
              <th scope="col" style={{ textAlign: 'left', paddingRight: 12 }}>SNR (dB)</th>
              {plain.points.map((p) => <th key={p.snrDb} scope="col" style={{ ...numeric, paddingRight: 10 }}>{p.snrDb}</th>)}
            </tr>
          </thead>
          <tbody>
            {[['correlation', plain] as const, ...(phat ? [['PHAT', phat] as const] : [])].map(([label, r]) => (
              <tr key={label}>
                <th scope="row" style={{ textAlign: 'left', fontWeight: 500, paddingRight: 12 }}>{label}</th>
                {r.points.map((p) => (
                  <td key={p.snrDb} style={{ ...numeric, paddingRight: 10, color: p.ratio > 1.2 ? colors.warn : undefined }} data-testid={`crb-ratio-${label === 'PHAT' ? 'phat' : 'corr'}-${p.snrDb}`} data-value={p.ratio}>
                    {p.ratio.toFixed(2)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
        <p style={{ fontSize: 12, color: colors.muted }} data-testid="crb-threshold" data-value={plain.thresholdSnrDb ?? ''}>
          Correlation reaches the bound (ratio ≤ 1.2 from there up) at {plain.thresholdSnrDb === null ? 'no SNR of the grid' : `${plain.thresholdSnrDb} dB`}
          {plain.thresholdSnrDb !== null ? `, worst ratio above it ${worstAbove(plain).toFixed(2)}` : ''}; {plain.elapsedMs.toFixed(0)} ms.
          PHAT whitens the cross-spectrum: robust for coloured signals, but it weights noisy bins equally, so on this white reference it stays above the bound.
        </p>
      </>
    );
  }

  return (
    <section style={{ ...panel, fontFamily: fonts.ui, color: colors.text, maxWidth: 900 }} aria-label="Shift accuracy against the Cramér-Rao bound">
      <div style={{ display: 'flex', gap: 12, alignItems: 'center', marginBottom: 6 }}>
        <h3 style={{ margin: 0, fontSize: 16, whiteSpace: 'nowrap' }}>Accuracy against the Cramér-Rao bound</h3>
        <button type="button" style={{ ...button, whiteSpace: 'nowrap' }} onClick={() => void run()}>
          Run again
        </button>
      </div>
      {status.kind === 'running' && <ProgressBar value={status.done} max={status.total} label="Trials" detail="delayed pairs analysed" />}
      {status.kind === 'error' && <div role="alert" style={{ color: colors.danger }}>Sweep failed: {status.message}</div>}
      {body}
    </section>
  );
}
