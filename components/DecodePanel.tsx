/**
 * The decode workbench: pick a built-in fixture or your own file (picker or drag and drop), decode
 * it on the page's worker pool with a progress bar and a waveform that fills as chunks arrive,
 * see the decode speed (x real time) and every task's time, then play it through the worklet
 * (the stage's input: scope and spectrum above) with the ring's fill, overruns and underruns.
 * Playback can start before the decode ends. Every decode of the session stays in the table
 * below, failed ones with their message: nothing measured is lost when a file is bad.
 */
import { useCallback, useEffect, useId, useRef, useState, type DragEvent } from 'react';
import type { StagebenchRuntime } from '../worklet/host.ts';
import type { Playback } from '../worklet/playback.ts';
import { decode, type DecodeProgress, type DecodeResult, type DecodeTask } from '../dsp-stages/decode/pool/decode.ts';
import type { PoolStats, WorkerPool } from '../worklet/pool/pool.ts';
import type { RingStats } from '../worklet/pool/stream.ts';
import { resolveDecodeRate } from '../dsp-stages/decode/params.ts';
import { median } from '../worklet/stats.ts';
import { ProgressBar } from './ProgressBar.tsx';
import { WaveformOverview } from './WaveformOverview.tsx';
import { XYPlot, type XYSeries } from './XYPlot.tsx';
import { fmtCount, fmtMs, fmtNum, fmtUs } from './format.ts';
import { alertBox, button, colors, fonts, numeric, panel } from './theme.ts';
import { errorMessage } from '../worklet/errors.ts';

/** A file to decode: a built-in fixture (fetched from its URL) or the user's own bytes. */
export type DecodeFile = { name: string; url: string } | { name: string; bytes: Uint8Array };

export interface DecodePanelProps {
  runtime: StagebenchRuntime;
  file: DecodeFile;
  /** Pool size (0: half the cores, at least 2). */
  workers: number;
  chunkFrames: number;
  /** Output rate (0: the context's rate). */
  rate: number;
  /** Start playing as soon as the first chunk is in (default false). */
  autoPlay?: boolean;
}

interface HistoryRow {
  id: number;
  name: string;
  format: string;
  channels: number;
  sourceRate: number;
  sampleRate: number;
  frames: number;
  wallMs: number;
  xRealtime: number;
  tasks: number;
  workers: number;
  error: string | null;
}

/** How many times faster than real time: seconds of audio per second of wall time. */
export function xRealtime(frames: number, sampleRate: number, wallMs: number): number {
  return wallMs > 0 ? frames / sampleRate / (wallMs / 1000) : Infinity;
}

export function taskSummary(tasks: readonly DecodeTask[]): string {
  if (tasks.length === 0) return 'Task times: no task ran.';
  const exec = tasks.map((t) => t.executionTimeUs);
  const over = tasks.map((t) => t.roundTripUs - t.executionTimeUs);
  return (
    `Task times: ${tasks.length} tasks on ${new Set(tasks.map((t) => t.worker)).size} workers; execution median ${fmtUs(median(exec))}, ` +
    `max ${fmtUs(Math.max(...exec))}; overhead (round trip minus execution) median ${fmtUs(median(over))}.`
  );
}

async function fileBytes(file: DecodeFile, signal: AbortSignal): Promise<Uint8Array> {
  if ('bytes' in file) return file.bytes;
  const res = await fetch(file.url, { signal });
  if (!res.ok) throw new Error(`${file.name}: HTTP ${res.status} fetching ${file.url}`);
  return new Uint8Array(await res.arrayBuffer());
}

export function DecodePanel({ runtime, file, workers, chunkFrames, rate, autoPlay = false }: DecodePanelProps) {
  const [ownFile, setOwnFile] = useState<DecodeFile | null>(null);
  const active = ownFile ?? file;
  const [progress, setProgress] = useState<DecodeProgress | null>(null);
  const [decoding, setDecoding] = useState(false);
  const [result, setResult] = useState<DecodeResult | null>(null);
  const [partial, setPartial] = useState<{
    channelData: Float32Array[];
    decodedFrames: number;
    totalFrames: number;
    sampleRate: number;
  } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [history, setHistory] = useState<HistoryRow[]>([]);
  const [pool, setPool] = useState<{ size: number; mode: string; reason: string; notes: string[] } | null>(null);
  const [poolStats, setPoolStats] = useState<PoolStats | null>(null);
  const [ring, setRing] = useState<RingStats | null>(null);
  const [playing, setPlaying] = useState(false);
  const [dragOver, setDragOver] = useState(false);
  const playbackRef = useRef<Playback | null>(null);
  /** Chunks decoded so far (in order), for playback started mid-decode. */
  const chunksRef = useRef<{ planes: Float32Array[]; frames: number }[]>([]);
  const doneRef = useRef(false);
  const poolRef = useRef<WorkerPool | null>(null);
  const rowId = useRef(0);
  const fileInputId = useId();
  const contextRate = runtime.ctx.sampleRate;
  const outRate = resolveDecodeRate(rate, contextRate);
  const playable = outRate === contextRate;

  const stopPlayback = useCallback(() => {
    playbackRef.current?.stop();
    playbackRef.current = null;
    setPlaying(false);
  }, []);

  const play = useCallback(async () => {
    const p = poolRef.current;
    if (!p) return;
    stopPlayback();
    try {
      await runtime.start();
      const pb = await runtime.startPlayback(p);
      playbackRef.current = pb;
      for (const c of chunksRef.current) pb.write(c.planes);
      if (doneRef.current) pb.end();
      setPlaying(true);
    } catch (err) {
      setError(`playback: ${errorMessage(err)}`);
    }
  }, [runtime, stopPlayback]);

  // decode whenever the file or the pool settings change
  const fileKey = 'bytes' in active ? `own:${active.name}:${active.bytes.length}` : `url:${active.url}`;
  useEffect(() => {
    const abort = new AbortController();
    let cancelled = false;
    stopPlayback();
    chunksRef.current = [];
    doneRef.current = false;
    setProgress(null);
    setResult(null);
    setPartial(null);
    setError(null);
    setDecoding(true);
    const run = async () => {
      let pooled: WorkerPool;
      try {
        pooled = await runtime.pool(workers);
      } catch (err) {
        if (!cancelled) {
          setError(`the worker pool could not start: ${errorMessage(err)}`);
          setDecoding(false);
        }
        return;
      }
      if (cancelled) return;
      poolRef.current = pooled;
      setPool({ size: pooled.size, mode: pooled.mode, reason: pooled.modeReason, notes: pooled.notes });
      let bytes: Uint8Array;
      try {
        bytes = await fileBytes(active, abort.signal);
      } catch (err) {
        if (!cancelled) {
          setError(errorMessage(err));
          setDecoding(false);
        }
        return;
      }
      let lastUi = 0;
      let started = false;
      try {
        const r = await decode(
          pooled,
          { name: active.name, bytes },
          {
            outputRate: outRate,
            chunkFrames,
            signal: abort.signal,
            onProgress: (p) => {
              const now = performance.now();
              if (now - lastUi > 100 || p.tasksDone === p.tasksTotal) {
                lastUi = now;
                setProgress(p);
              }
            },
            onChunk: (c) => {
              chunksRef.current.push({ planes: c.channelData, frames: c.frames });
              playbackRef.current?.write(c.channelData);
              const decodedFrames = c.startFrame + c.frames;
              setPartial((prev) => ({
                channelData:
                  prev && prev.channelData[0]?.buffer === c.channelData[0]?.buffer
                    ? prev.channelData
                    : c.channelData.map((ch) => new Float32Array(ch.buffer)),
                decodedFrames,
                totalFrames: c.channelData[0] ? c.channelData[0].buffer.byteLength / 4 : decodedFrames,
                sampleRate: c.sampleRate,
              }));
              if (autoPlay && !started && playable) {
                started = true;
                void play();
              }
            },
          },
        );
        if (cancelled) return;
        doneRef.current = true;
        playbackRef.current?.end();
        setResult(r);
        setError(r.error);
        setPoolStats(pooled.stats());
        const row: HistoryRow = {
          id: ++rowId.current,
          name: r.name,
          format: r.format ?? 'unknown',
          channels: r.channels,
          sourceRate: r.sourceRate,
          sampleRate: r.sampleRate,
          frames: r.frames,
          wallMs: r.wallMs,
          xRealtime: xRealtime(r.frames, r.sampleRate || 1, r.wallMs),
          tasks: r.tasks.length,
          workers: pooled.size,
          error: r.error,
        };
        setHistory((h) => [...h, row]);
      } catch (err) {
        if (!cancelled) setError(`${active.name}: ${errorMessage(err)}`);
      } finally {
        if (!cancelled) setDecoding(false);
      }
    };
    void run();
    return () => {
      cancelled = true;
      abort.abort();
    };
    // `active` is identified by fileKey; the playback callbacks and flags are read as they are when
    // the decode ends, not reasons to decode again
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [runtime, fileKey, workers, chunkFrames, outRate]);

  // ring and pool figures a few times a second
  useEffect(() => {
    const t = setInterval(() => {
      const pb = playbackRef.current;
      if (pb) setRing(pb.stats());
      if (poolRef.current && decoding) setPoolStats(poolRef.current.stats());
    }, 250);
    return () => clearInterval(t);
  }, [decoding]);

  // leaving the story detaches the playback (the pool stays for the next decode story)
  useEffect(() => () => runtime.stopPlayback(), [runtime]);

  const takeFile = async (f: File | undefined) => {
    if (!f) return;
    try {
      setOwnFile({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) });
    } catch (err) {
      setError(`${f.name}: could not be read: ${errorMessage(err)}`);
    }
  };
  const onDrop = (e: DragEvent<HTMLDivElement>) => {
    e.preventDefault();
    setDragOver(false);
    void takeFile(e.dataTransfer.files[0]);
  };

  const shown = result ?? null;
  const waveform = shown
    ? { channelData: shown.channelData, decodedFrames: shown.frames, totalFrames: shown.frames, sampleRate: shown.sampleRate || outRate }
    : partial;
  const tasks = shown?.tasks ?? [];
  const taskSeries: XYSeries[] = [
    { name: 'execution', points: tasks.map((t, i) => ({ x: i + 1, y: t.executionTimeUs / 1000 })), markers: true },
    { name: 'round trip', points: tasks.map((t, i) => ({ x: i + 1, y: t.roundTripUs / 1000 })), markers: true, dashed: true },
  ];
  const speed = shown && shown.frames > 0 ? xRealtime(shown.frames, shown.sampleRate, shown.wallMs) : null;
  const msPerSecond = shown && shown.frames > 0 ? shown.wallMs / (shown.frames / shown.sampleRate) : null;

  return (
    <section aria-label="Decode" style={{ fontFamily: fonts.ui, color: colors.text, fontSize: 13 }}>
      <div
        onDragOver={(e) => {
          e.preventDefault();
          setDragOver(true);
        }}
        onDragLeave={() => setDragOver(false)}
        onDrop={onDrop}
        data-testid="drop-zone"
        style={{
          ...panel,
          borderStyle: 'dashed',
          background: dragOver ? '#e8f0fa' : colors.panel,
          display: 'flex',
          flexWrap: 'wrap',
          gap: 12,
          alignItems: 'center',
        }}
      >
        <span>
          File: <strong data-testid="decode-file">{active.name}</strong>
          {ownFile ? ' (yours)' : ' (built in)'}
        </span>
        <label htmlFor={fileInputId}>Decode your own file (WAV, FLAC, MP3), or drop it here:</label>
        <input
          id={fileInputId}
          type="file"
          accept=".wav,.flac,.mp3,audio/wav,audio/flac,audio/mpeg"
          onChange={(e) => void takeFile(e.target.files?.[0])}
        />
        {ownFile && (
          <button type="button" style={button} onClick={() => setOwnFile(null)}>
            Back to the built-in file
          </button>
        )}
      </div>

      <div style={{ ...numeric, margin: '6px 0' }} data-testid="pool-line">
        {pool
          ? `Pool: ${pool.size} workers, ${pool.mode}${pool.mode === 'messages' ? ` (${pool.reason})` : ''}${pool.notes.length ? `; ${pool.notes.join('; ')}` : ''}`
          : 'Pool: starting…'}
        {` · output ${fmtNum(outRate / 1000, 1)} kHz · chunks of ${fmtCount(chunkFrames)} frames`}
      </div>

      <ProgressBar
        label="Decoded frames"
        value={shown ? shown.frames : (progress?.framesDone ?? 0)}
        max={shown ? Math.max(shown.frames, 1) : (progress?.framesTotal ?? 1)}
        detail={progress ? `tasks ${progress.tasksDone} / ${progress.tasksTotal}${decoding ? '' : ' (done)'}` : decoding ? 'starting' : ''}
      />

      {error && (
        <div role="alert" data-testid="decode-error" style={alertBox}>
          {error}
        </div>
      )}

      {shown && (
        <div
          data-testid="decode-result"
          data-format={shown.format ?? ''}
          data-frames={shown.frames}
          data-channels={shown.channels}
          data-rate={shown.sampleRate}
          style={{ ...numeric, margin: '4px 0' }}
        >
          {`${shown.format ?? 'unknown format'}: ${shown.channels} ch, ${fmtNum(shown.sourceRate / 1000, 1)} kHz → ${fmtNum(shown.sampleRate / 1000, 1)} kHz, ${fmtCount(shown.frames)} frames (${fmtNum(shown.frames / (shown.sampleRate || 1), 2)} s) in ${fmtMs(shown.wallMs)}`}
          {speed !== null && msPerSecond !== null && (
            <>
              {' · '}
              <strong
                data-testid="decode-speed"
                data-ms-per-second={msPerSecond}
              >{`${fmtNum(speed, 0)}× real time (${fmtNum(msPerSecond, 2)} ms per second of audio)`}</strong>
            </>
          )}
        </div>
      )}

      <div style={{ display: 'flex', gap: 8, alignItems: 'center', margin: '6px 0' }}>
        <button type="button" style={button} onClick={() => void play()} disabled={!playable || !(shown?.frames || partial?.decodedFrames)}>
          Play decoded audio
        </button>
        <button type="button" style={button} onClick={stopPlayback}>
          Stop playback
        </button>
        {!playable && (
          <span
            style={{ color: colors.warn }}
          >{`Playback needs the context rate (${fmtNum(contextRate / 1000, 1)} kHz); set the output rate to 0 to play.`}</span>
        )}
        <span style={numeric} data-testid="playback-state">
          {playing ? `playing (${playbackRef.current?.mode ?? ''})` : 'not playing'}
        </span>
      </div>

      {waveform && waveform.channelData.length > 0 && (
        <WaveformOverview
          channelData={waveform.channelData}
          sampleRate={waveform.sampleRate}
          decodedFrames={waveform.decodedFrames}
          totalFrames={waveform.totalFrames}
          playheadFrame={playing && ring ? ring.framesRead : null}
        />
      )}

      {ring && (
        <div data-testid="ring-figures" data-underruns={ring.underruns} data-overruns={ring.overruns} data-read={ring.framesRead}>
          <ProgressBar
            label="Playback ring fill (frames)"
            value={ring.bufferedFrames}
            max={ring.capacityFrames}
            detail={`played ${fmtCount(ring.framesRead)} of ${fmtCount(ring.framesWritten)} written`}
          />
          <div
            style={numeric}
          >{`overruns ${fmtCount(ring.overruns)} frames held back · underruns ${fmtCount(ring.underruns)} quanta${ring.ended ? ' · stream ended' : ''}`}</div>
        </div>
      )}

      {tasks.length > 0 && (
        <XYPlot
          title="Per-task times (from task_complete)"
          series={taskSeries}
          xLabel="task"
          yLabel="time (ms)"
          yDomain={[0, Math.max(...tasks.map((t) => t.roundTripUs / 1000)) * 1.1 || 1]}
          summary={taskSummary(tasks)}
          height={220}
        />
      )}
      {poolStats && (
        <div style={{ ...numeric, fontSize: 12, color: colors.muted }} data-testid="pool-stats">
          {`pool (${poolStats.transport === 'atomics' ? 'tasks by shared-memory mailbox' : 'tasks by postMessage'}): ${poolStats.tasksDone} tasks done, ${poolStats.tasksFailed} failed, ${poolStats.retries} retried; ` +
            poolStats.workers
              .map((w, i) => `w${i} ${w.state} ${w.tasksDone} tasks${w.restarts ? `, ${w.restarts} restarts` : ''}`)
              .join(' · ')}
        </div>
      )}

      {history.length > 0 && (
        <table style={{ ...numeric, fontSize: 12, borderCollapse: 'collapse', marginTop: 8 }} data-testid="decode-history">
          <caption style={{ textAlign: 'left', fontFamily: fonts.ui, fontWeight: 600 }}>Decodes this session</caption>
          <thead>
            <tr>
              {['file', 'format', 'ch', 'rate (Hz)', 'frames', 'wall (ms)', '× real time', 'tasks', 'workers', 'result'].map((h) => (
                <th key={h} scope="col" style={{ textAlign: 'left', padding: '2px 8px', borderBottom: `1px solid ${colors.border}` }}>
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {history.map((r) => (
              <tr key={r.id}>
                <td style={{ padding: '2px 8px' }}>{r.name}</td>
                <td style={{ padding: '2px 8px' }}>{r.format}</td>
                <td style={{ padding: '2px 8px' }}>{r.channels}</td>
                <td style={{ padding: '2px 8px' }}>{r.sourceRate === r.sampleRate ? r.sampleRate : `${r.sourceRate} → ${r.sampleRate}`}</td>
                <td style={{ padding: '2px 8px' }}>{fmtCount(r.frames)}</td>
                <td style={{ padding: '2px 8px' }}>{fmtNum(r.wallMs, 1)}</td>
                <td style={{ padding: '2px 8px' }}>{Number.isFinite(r.xRealtime) && r.frames > 0 ? fmtNum(r.xRealtime, 0) : '–'}</td>
                <td style={{ padding: '2px 8px' }}>{r.tasks}</td>
                <td style={{ padding: '2px 8px' }}>{r.workers}</td>
                <td style={{ padding: '2px 8px', color: r.error ? colors.danger : colors.ok }}>{r.error ?? 'ok'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
