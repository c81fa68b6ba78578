/**
 * The FFT accuracy harness: sine frames swept across 20 Hz … 20 kHz (log-spaced, between bins,
 * seeded), each analysed by the stage on its own wasm instance (the TypeScript reference when
 * wasm is unavailable), with the peak-frequency error plotted against frequency.
 */
import { useEffect, useRef, useState } from 'react';
import { runPeakSweep, type PeakSweepResult } from '../dsp-stages/fft/sweep.ts';
import type { FftWindow } from '../dsp-stages/fft/params.ts';
import { loadWasmBytes } from '../worklet/wasm-fetch.ts';
import { instantiateStagebenchAsync, type StagebenchWasm } from '../worklet/abi.ts';
import { ProgressBar } from './ProgressBar.tsx';
import { XYPlot } from './XYPlot.tsx';
import { button, colors, fonts, numeric, panel } from './theme.ts';

export interface PeakSweepHarnessProps {
  size: number;
  window: FftWindow;
  beta: number;
  points: number;
  sampleRate?: number;
  /** Start on mount (default true). */
  autoRun?: boolean;
}

type Status =
  | { kind: 'idle' }
  | { kind: 'running'; done: number; total: number }
  | { kind: 'done'; result: PeakSweepResult }
  | { kind: 'error'; message: string };

function fmtHz(v: number): string {
  return v === 0 ? '0' : Math.abs(v) < 0.001 ? v.toExponential(2) : v.toFixed(4);
}

export function PeakSweepHarness({ size, window, beta, points, sampleRate = 48_000, autoRun = true }: PeakSweepHarnessProps) {
  const [status, setStatus] = useState<Status>({ kind: 'idle' });
  const [backendNote, setBackendNote] = useState<string | null>(null);
  const abortRef = useRef<AbortController | null>(null);

  const run = async () => {
    abortRef.current?.abort();
    const abort = new AbortController();
    abortRef.current = abort;
    setStatus({ kind: 'running', done: 0, total: points });
    let wasm: StagebenchWasm | null = null;
    const { bytes, reason } = await loadWasmBytes();
    try {
      if (bytes) wasm = await instantiateStagebenchAsync(bytes.slice(0));
      setBackendNote(wasm ? null : `wasm unavailable (${reason}): the TypeScript reference runs`);
    } catch (err) {
      setBackendNote(`wasm unavailable (${(err as Error).message}): the TypeScript reference runs`);
    }
    try {
      const result = await runPeakSweep({
        wasm,
        sampleRate,
        size,
        window,
        beta,
        points,
        yieldEvery: 4,
        signal: abort.signal,
        onProgress: (done, total) => setStatus({ kind: 'running', done, total }),
      });
      if (!abort.signal.aborted) setStatus({ kind: 'done', result });
    } catch (err) {
      if (!abort.signal.aborted) setStatus({ kind: 'error', message: (err as Error).message });
    }
  };

  useEffect(() => {
    if (autoRun) void run();
    return () => abortRef.current?.abort();
    // re-run when the configuration changes (`run` is a new function every render)
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [size, window, beta, points, sampleRate, autoRun]);

  const result = status.kind === 'done' ? status.result : null;
  const binHz = sampleRate / size;
  const summary = result
    ? `Peak-frequency error over ${result.points.length} frequencies from 20 Hz to ${Math.round(result.points.at(-1)?.frequencyHz ?? 0)} Hz ` +
      `(N = ${size}, ${window}${window === 'kaiser' ? ` β = ${beta}` : ''}): mean ${fmtHz(result.meanAbsErrorHz)} Hz, ` +
      `max ${fmtHz(result.maxAbsErrorHz)} Hz at ${result.worstHz.toFixed(1)} Hz, RMS ${fmtHz(result.rmsErrorHz)} Hz; bin spacing ${binHz.toFixed(3)} Hz.`
    : 'The sweep has not finished yet.';

  return (
    <section style={{ ...panel, fontFamily: fonts.ui, color: colors.text, maxWidth: 900 }} aria-label="FFT peak accuracy sweep">
      <div style={{ display: 'flex', gap: 12, alignItems: 'center', marginBottom: 6 }}>
        <h3 style={{ margin: 0, fontSize: 16, whiteSpace: 'nowrap' }}>Peak accuracy sweep</h3>
        <button type="button" style={{ ...button, whiteSpace: 'nowrap' }} onClick={() => void run()}>
          {status.kind === 'running' ? 'Restart sweep' : 'Run sweep'}
        </button>
        <span style={{ fontSize: 12, color: colors.muted }}>
          {points} sines at −6 dBFS, random phase, between bins; each frame analysed by the stage
          {result && (
            <>
              {' ('}
              <span data-testid="sweep-backend">{result.backend}</span>, {result.elapsedMs.toFixed(0)} ms)
            </>
          )}
        </span>
      </div>
      {backendNote && (
        <div role="status" data-testid="sweep-backend-note" style={{ color: colors.warn, fontSize: 13 }}>
          {backendNote}
        </div>
      )}
      {status.kind === 'running' && <ProgressBar value={status.done} max={status.total} label="Sweep" detail="frequencies analysed" />}
      {status.kind === 'error' && (
        <div role="alert" style={{ color: colors.danger }}>
          Sweep failed: {status.message}
        </div>
      )}
      {result && (
        <>
          <XYPlot
            title="|Peak-frequency error| against frequency"
            summary={summary}
            xLabel="frequency (Hz)"
            yLabel="|error| (Hz)"
            xScale="log"
            yScale="log"
            series={[
              {
                name: '|estimate − true|',
                points: result.points.map((p) => ({ x: p.frequencyHz, y: Math.max(Math.abs(p.errorHz), 1e-9) })),
                markers: true,
              },
            ]}
            referenceLines={[{ y: 0.05, label: '0.05 Hz (the asserted bound at N = 32768)', color: colors.danger }]}
          />
          <table style={{ borderCollapse: 'collapse', fontSize: 13, marginTop: 6 }}>
            <caption style={{ textAlign: 'left', fontWeight: 600 }}>Error statistics ({result.points.length} frequencies)</caption>
            <tbody>
              {[
                ['mean |error|', `${fmtHz(result.meanAbsErrorHz)} Hz`, 'sweep-mean-error', result.meanAbsErrorHz],
                [
                  'max |error|',
                  `${fmtHz(result.maxAbsErrorHz)} Hz at ${result.worstHz.toFixed(2)} Hz`,
                  'sweep-max-error',
                  result.maxAbsErrorHz,
                ],
                [
                  'RMS error',
                  `${fmtHz(result.rmsErrorHz)} Hz (${(result.rmsErrorHz / binHz).toExponential(2)} bin)`,
                  'sweep-rms-error',
                  result.rmsErrorHz,
                ],
                ['max level error', `${result.levelErrorMaxDb.toExponential(2)} dB`, 'sweep-level-error', result.levelErrorMaxDb],
              ].map(([label, text, id, value]) => (
                <tr key={String(id)}>
                  <th scope="row" style={{ textAlign: 'left', padding: '2px 12px 2px 0', fontWeight: 500 }}>
                    {label}
                  </th>
                  <td style={numeric} data-testid={String(id)} data-value={String(value)}>
                    {text}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
