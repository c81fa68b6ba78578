/**
 * A/B with a null test: two parameter sets of the current stage rendered offline over the same
 * input (the current source, as Bounce renders it), compared by dsp-stages/null-test.ts (the
 * CLI's `stagebench null` arithmetic): max |A − B|, the residual's RMS in dBFS or "exactly zero",
 * the level-matched residual, and the residual's spectrum. Listen to A, B or the level-matched
 * difference: the offline renders, looped on the page's AudioContext (the live monitor is turned
 * off meanwhile).
 */
import { useEffect, useId, useRef, useState } from 'react';
import type { ParamValues, StageDescriptor } from '../dsp-stages/types.ts';
import { withOfflineParams } from '../dsp-stages/params.ts';
import type { SourceSpec } from '../dsp-stages/signals.ts';
import { nullSummary, residual, type NullSummary } from '../dsp-stages/null-test.ts';
import type { StagebenchRuntime } from '../worklet/host.ts';
import { renderOffline } from '../worklet/offline-render.ts';
import type { DecodedFile } from './fileSource.ts';
import { offlineInput } from './offlineInput.ts';
import type { ReportAb } from './runReport.ts';
import { XYPlot } from './XYPlot.tsx';
import { fmtCount, fmtNum } from './format.ts';
import { alertBox, button, colors, fonts, numeric, panel } from './theme.ts';
import { errorMessage } from '../worklet/errors.ts';

export interface AbPanelProps {
  runtime: StagebenchRuntime;
  stage: StageDescriptor;
  /** The stage's current params: what "Set A" and "Set B" take. */
  params: ParamValues;
  source: SourceSpec;
  file: DecodedFile | null;
  /** The sets to start with (default: the current params for both). */
  initial?: { a?: ParamValues; b?: ParamValues };
  /** Told of every finished null test (null when the sets change), for the run report. */
  onResult?: (ab: ReportAb | null) => void;
}

export type Listen = 'off' | 'a' | 'b' | 'difference';
const LISTEN_LABELS: Record<Listen, string> = { off: 'Off', a: 'A', b: 'B', difference: 'Difference (level matched)' };

interface AbRun {
  summary: NullSummary;
  what: string;
  sampleRate: number;
  outputs: { a: Float32Array; b: Float32Array; difference: Float32Array };
}

/** The params where A and B differ, "name A → B", or that they are the same. */
export function describeSets(a: ParamValues, b: ParamValues): string {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => a[k] !== b[k]);
  if (keys.length === 0) return 'A and B are the same settings';
  return keys.map((k) => `${k}: A ${String(a[k] ?? '–')}, B ${String(b[k] ?? '–')}`).join('; ');
}

const dbText = (db: number | null): string => (db === null ? 'exactly zero' : `${fmtNum(db, 1)} dBFS`);

export function AbPanel({ runtime, stage, params, source, file, initial, onResult }: AbPanelProps) {
  const [a, setA] = useState<ParamValues>(() => ({ ...(initial?.a ?? params) }));
  const [b, setB] = useState<ParamValues>(() => ({ ...(initial?.b ?? params) }));
  const [busy, setBusy] = useState(false);
  const [run, setRun] = useState<AbRun | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [listen, setListen] = useState<Listen>('off');
  const player = useRef<{ src: AudioBufferSourceNode; gain: GainNode } | null>(null);
  const listenName = useId();
  const headingId = useId();

  const stopListening = () => {
    if (!player.current) return;
    player.current.src.stop();
    player.current.src.disconnect();
    player.current.gain.disconnect();
    player.current = null;
  };
  useEffect(() => stopListening, []);

  const setSets = (next: { a?: ParamValues; b?: ParamValues }) => {
    if (next.a) setA({ ...next.a });
    if (next.b) setB({ ...next.b });
    stopListening();
    setListen('off');
    setRun(null);
    onResult?.(null);
  };

  const runTest = async () => {
    if (busy) return;
    setBusy(true);
    setError(null);
    stopListening();
    setListen('off');
    try {
      const sampleRate = runtime.ctx.sampleRate;
      const { input, what } = offlineInput(source, file, sampleRate);
      const ra = await renderOffline({ stage: stage.id, params: withOfflineParams(stage, a), input, sampleRate });
      const rb = await renderOffline({ stage: stage.id, params: withOfflineParams(stage, b), input, sampleRate });
      const summary = nullSummary(ra.output, rb.output, sampleRate);
      const r = summary.result;
      setRun({
        summary,
        what,
        sampleRate,
        outputs: { a: ra.output, b: rb.output, difference: residual(ra.output, rb.output, r.levelMatch.gain) },
      });
      onResult?.({
        input: what,
        frames: r.frames,
        a: { ...a },
        b: { ...b },
        maxAbsDiff: r.maxAbsDiff,
        residualRmsDbfs: r.residualDbfs,
        exactlyZero: r.exactlyZero,
        levelMatchGain: r.levelMatch.gain,
        levelMatchResidualRmsDbfs: r.levelMatch.residualDbfs,
        spectrumPeakHz: summary.peak?.hz ?? null,
        spectrumPeakDbfs: summary.peak?.dbfs ?? null,
      });
    } catch (err) {
      setError(`null test: ${errorMessage(err)}`);
    } finally {
      setBusy(false);
    }
  };

  const pickListen = (next: Listen) => {
    stopListening();
    setListen(next);
    if (next === 'off' || !run) return;
    const samples = run.outputs[next];
    const buffer = new AudioBuffer({ length: samples.length, sampleRate: run.sampleRate, numberOfChannels: 1 });
    buffer.getChannelData(0).set(samples);
    const src = new AudioBufferSourceNode(runtime.ctx, { buffer, loop: true });
    const gain = new GainNode(runtime.ctx, { gain: 1 });
    src.connect(gain).connect(runtime.ctx.destination);
    src.start();
    player.current = { src, gain };
    // one thing audible at a time: the live monitor goes off
    runtime.setMonitor(false);
    void runtime.start();
  };

  const r = run?.summary.result;
  const points =
    run?.summary.spectrum.db.flatMap((db, k) =>
      k > 0 && db !== null ? [{ x: (k * run.sampleRate) / run.summary.spectrum.size, y: Math.max(db, -200) }] : [],
    ) ?? [];
  const peak = run?.summary.peak ?? null;

  return (
    <section aria-labelledby={headingId} style={{ ...panel, fontFamily: fonts.ui, fontSize: 13, margin: '6px 0' }} data-testid="ab-panel">
      <h3 id={headingId} style={{ margin: '0 0 4px', fontSize: 15 }}>
        A/B null test
      </h3>
      <div style={{ display: 'flex', flexWrap: 'wrap', gap: 8, alignItems: 'center' }}>
        <button type="button" style={button} onClick={() => setSets({ a: params })} data-testid="ab-set-a">
          Set A to the current params
        </button>
        <button type="button" style={button} onClick={() => setSets({ b: params })} data-testid="ab-set-b">
          Set B to the current params
        </button>
        <button type="button" style={{ ...button, fontWeight: 600 }} onClick={() => void runTest()} data-testid="ab-run">
          Run null test
        </button>
        <span role="status" style={numeric}>
          {busy ? 'rendering A and B…' : ''}
        </span>
      </div>
      <p data-testid="ab-sets" style={{ ...numeric, fontSize: 12, margin: '4px 0', color: colors.muted }}>
        {describeSets(a, b)}
      </p>
      {error && (
        <div role="alert" data-testid="ab-error" style={alertBox}>
          {error}
        </div>
      )}
      {run && r && (
        <>
          <p
            data-testid="ab-result"
            data-frames={r.frames}
            data-max-abs={r.maxAbsDiff}
            data-residual-dbfs={r.residualDbfs ?? ''}
            data-exactly-zero={r.exactlyZero}
            data-level-match-gain={r.levelMatch.gain}
            data-level-match-dbfs={r.levelMatch.residualDbfs ?? ''}
            style={{ ...numeric, margin: '4px 0' }}
          >
            {`${run.what}, ${fmtCount(r.frames)} frames: max |A − B| ${r.maxAbsDiff.toExponential(3)} · residual RMS ${dbText(r.residualDbfs)}` +
              ` · level matched (gain ${r.levelMatch.gain.toPrecision(6)} on B): ${dbText(r.levelMatch.residualDbfs)}`}
          </p>
          <p style={{ margin: '2px 0', fontSize: 12 }} data-testid="ab-verdict">
            {run.summary.verdict}
          </p>
          {points.length > 0 ? (
            <XYPlot
              title={`Residual spectrum A − B (Welch, Hann, N = ${run.summary.spectrum.size})`}
              series={[{ name: 'A − B', points }]}
              xLabel="frequency (Hz)"
              yLabel="level (dBFS, as a sine)"
              xScale="log"
              xDomain={[20, run.sampleRate / 2]}
              summary={
                peak
                  ? `Residual spectrum: loudest at ${fmtNum(peak.hz, 0)} Hz, ${fmtNum(peak.dbfs, 1)} dBFS; residual RMS ${dbText(r.residualDbfs)}.`
                  : 'Residual spectrum: no energy.'
              }
              height={220}
            />
          ) : (
            <p style={{ margin: '4px 0' }}>The residual is exactly zero: it has no spectrum.</p>
          )}
          <fieldset style={{ border: 0, padding: 0, margin: '4px 0', display: 'flex', gap: 10, alignItems: 'center', flexWrap: 'wrap' }}>
            <legend style={{ float: 'left', marginRight: 6, fontWeight: 600 }}>Listen (offline renders, looped)</legend>
            {(Object.keys(LISTEN_LABELS) as Listen[]).map((k) => (
              <label key={k} style={{ display: 'inline-flex', gap: 4, alignItems: 'center' }}>
                <input
                  type="radio"
                  name={listenName}
                  value={k}
                  checked={listen === k}
                  onChange={() => pickListen(k)}
                  data-testid={`ab-listen-${k}`}
                />
                {LISTEN_LABELS[k]}
              </label>
            ))}
          </fieldset>
        </>
      )}
    </section>
  );
}
