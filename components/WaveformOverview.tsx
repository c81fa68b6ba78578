/**
 * Overview of a decoded file: one min/max band per pixel column and channel, drawn on a canvas
 * as chunks arrive (the part not decoded yet stays empty), with the playback position as a line.
 * The text alternative states duration, channels, rate, peak and RMS per channel.
 */
import { useEffect, useMemo, useRef } from 'react';
import { scaleLinear } from 'd3-scale';
import { AxisBottom } from './Axis.tsx';
import { prepareCanvas } from './SpectrumPlot.tsx';
import { fmtDb, fmtNum, gainToDb } from './format.ts';
import { colors, fonts, numeric } from './theme.ts';

export interface WaveformOverviewProps {
  /** One array per channel, `totalFrames` long (frames past `decodedFrames` are not decoded yet). */
  channelData: readonly Float32Array[];
  sampleRate: number;
  /** Frames decoded so far (contiguous from the start). */
  decodedFrames: number;
  /** Frames the file holds once decoded (may be an estimate until the end). */
  totalFrames: number;
  /** Playback position in frames, or null when not playing. */
  playheadFrame?: number | null;
  width?: number;
  /** Height of each channel's lane. */
  laneHeight?: number;
  title?: string;
}

const MARGIN = { top: 6, right: 12, bottom: 34, left: 46 } as const;

export interface ChannelLevels {
  peak: number;
  rms: number;
}

/** Peak and RMS of the first `frames` samples of each channel (NaN samples are skipped). */
export function channelLevels(channelData: readonly Float32Array[], frames: number): ChannelLevels[] {
  return channelData.map((ch) => {
    const n = Math.min(frames, ch.length);
    let peak = 0;
    let sum = 0;
    let count = 0;
    for (let i = 0; i < n; i++) {
      const v = ch[i]!;
      if (!Number.isFinite(v)) continue;
      const a = Math.abs(v);
      if (a > peak) peak = a;
      sum += v * v;
      count++;
    }
    return { peak, rms: count > 0 ? Math.sqrt(sum / count) : 0 };
  });
}

export function waveformSummary(
  channelData: readonly Float32Array[],
  sampleRate: number,
  decodedFrames: number,
  totalFrames: number,
): string {
  const seconds = decodedFrames / sampleRate;
  const total = totalFrames / sampleRate;
  const levels = channelLevels(channelData, decodedFrames)
    .map((l, i) => `ch ${i + 1} peak ${fmtDb(gainToDb(l.peak))}, RMS ${fmtDb(gainToDb(l.rms))}`)
    .join('; ');
  const part = decodedFrames < totalFrames ? `${fmtNum(seconds, 2)} s of ${fmtNum(total, 2)} s decoded` : `${fmtNum(seconds, 2)} s`;
  return `Waveform: ${part}, ${channelData.length} channel${channelData.length === 1 ? '' : 's'} at ${fmtNum(sampleRate / 1000, 1)} kHz${levels ? `; ${levels}` : ''}`;
}

export function WaveformOverview({
  channelData,
  sampleRate,
  decodedFrames,
  totalFrames,
  playheadFrame = null,
  width = 640,
  laneHeight = 70,
  title = 'Waveform overview',
}: WaveformOverviewProps) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const lanes = Math.max(1, channelData.length);
  const plotW = Math.max(10, width - MARGIN.left - MARGIN.right);
  const plotH = lanes * laneHeight;
  const height = plotH + MARGIN.top + MARGIN.bottom;
  const durationS = Math.max(totalFrames, 1) / sampleRate;
  const x = useMemo(() => scaleLinear().domain([0, durationS]).range([0, plotW]), [durationS, plotW]);

  useEffect(() => {
    const g = canvasRef.current ? prepareCanvas(canvasRef.current, plotW, plotH) : null;
    if (!g) return;
    g.clearRect(0, 0, plotW, plotH);
    const cols = Math.max(1, Math.floor(plotW));
    const framesPerCol = Math.max(totalFrames, 1) / cols;
    channelData.forEach((ch, lane) => {
      const top = lane * laneHeight;
      const mid = top + laneHeight / 2;
      const half = laneHeight / 2 - 2;
      g.strokeStyle = colors.grid;
      g.beginPath();
      g.moveTo(0, mid + 0.5);
      g.lineTo(plotW, mid + 0.5);
      g.stroke();
      g.fillStyle = colors.trace;
      for (let c = 0; c < cols; c++) {
        const start = Math.floor(c * framesPerCol);
        const end = Math.min(Math.floor((c + 1) * framesPerCol), decodedFrames, ch.length);
        if (start >= end) break;
        let lo = Infinity;
        let hi = -Infinity;
        for (let i = start; i < end; i++) {
          const v = ch[i]!;
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        if (!Number.isFinite(lo) || !Number.isFinite(hi)) continue;
        const y0 = mid - Math.min(1, Math.max(-1, hi)) * half;
        const y1 = mid - Math.min(1, Math.max(-1, lo)) * half;
        g.fillRect(c, y0, 1, Math.max(1, y1 - y0));
      }
    });
    if (playheadFrame !== null && Number.isFinite(playheadFrame)) {
      const px = (playheadFrame / Math.max(totalFrames, 1)) * plotW;
      g.fillStyle = colors.danger;
      g.fillRect(Math.round(px), 0, 1.5, plotH);
    }
  }, [channelData, decodedFrames, totalFrames, playheadFrame, plotW, plotH, laneHeight]);

  const summary = useMemo(
    () => waveformSummary(channelData, sampleRate, decodedFrames, totalFrames),
    // recomputed when the decoded prefix grows (a few times a second at most)
    [channelData, sampleRate, decodedFrames, totalFrames],
  );

  return (
    <figure style={{ margin: '8px 0', fontFamily: fonts.ui, color: colors.text }}>
      <div style={{ fontSize: 13, fontWeight: 600, marginBottom: 2 }}>{title}</div>
      <div role="img" aria-label={summary} style={{ position: 'relative', width, height }}>
        <canvas
          ref={canvasRef}
          data-testid="waveform-canvas"
          style={{
            position: 'absolute',
            left: MARGIN.left,
            top: MARGIN.top,
            width: plotW,
            height: plotH,
            border: `1px solid ${colors.border}`,
          }}
        />
        <svg width={width} height={height} style={{ position: 'absolute', left: 0, top: 0, pointerEvents: 'none' }} aria-hidden="true">
          <g transform={`translate(${MARGIN.left},${MARGIN.top + plotH})`}>
            <AxisBottom scale={x} label="time (s)" />
          </g>
          {channelData.map((_, lane) => (
            <text
              key={lane}
              x={MARGIN.left - 6}
              y={MARGIN.top + lane * laneHeight + laneHeight / 2 + 4}
              textAnchor="end"
              fontSize={11}
              fill={colors.muted}
            >
              ch {lane + 1}
            </text>
          ))}
        </svg>
      </div>
      <figcaption style={{ ...numeric, fontSize: 12, color: colors.muted, marginTop: 2 }} data-testid="waveform-summary">
        {summary}
      </figcaption>
    </figure>
  );
}
