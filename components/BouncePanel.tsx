/**
 * "Bounce to WAV": the current stage with its current params over the current source (a built-in
 * signal for OFFLINE_SIGNAL_SECONDS, or the whole decoded file, channel 0), rendered offline by the
 * same processor (worklet/offline-render.ts) and downloaded as a 32-bit float WAV.
 */
import { useEffect, useRef, useState } from 'react';
import type { ParamValues, StageDescriptor } from '../dsp-stages/types.ts';
import { withOfflineParams } from '../dsp-stages/params.ts';
import type { SourceSpec } from '../dsp-stages/signals.ts';
import { writeWavFloat32 } from '../dsp-stages/wav.ts';
import { renderOffline } from '../worklet/offline-render.ts';
import type { DecodedFile } from './fileSource.ts';
import { OFFLINE_SIGNAL_SECONDS, offlineInput } from './offlineInput.ts';
import { fmtCount, fmtNum } from './format.ts';
import { alertBox, button, colors, fonts, numeric } from './theme.ts';
import { errorMessage } from '../worklet/errors.ts';

export interface BouncePanelProps {
  stage: StageDescriptor;
  params: ParamValues;
  source: SourceSpec;
  file: DecodedFile | null;
  sampleRate: number;
}

interface Bounced {
  url: string;
  fileName: string;
  frames: number;
  what: string;
  status: 'active' | 'fallback';
  reason: string | null;
}

export function BouncePanel({ stage, params, source, file, sampleRate }: BouncePanelProps) {
  const [busy, setBusy] = useState(false);
  const [bounced, setBounced] = useState<Bounced | null>(null);
  const [error, setError] = useState<string | null>(null);
  const urlRef = useRef<string | null>(null);
  useEffect(
    () => () => {
      if (urlRef.current) URL.revokeObjectURL(urlRef.current);
    },
    [],
  );

  const bounce = async () => {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      const { input, what } = offlineInput(source, file, sampleRate);
      const r = await renderOffline({ stage: stage.id, params: withOfflineParams(stage, params), input, sampleRate });
      const bytes = writeWavFloat32([r.output], sampleRate);
      const url = URL.createObjectURL(new Blob([bytes], { type: 'audio/wav' }));
      if (urlRef.current) URL.revokeObjectURL(urlRef.current);
      urlRef.current = url;
      const fileName = `${stage.id}-bounce.wav`;
      setBounced({ url, fileName, frames: r.output.length, what, status: r.status, reason: r.reason });
      const a = document.createElement('a');
      a.href = url;
      a.download = fileName;
      a.click();
    } catch (err) {
      setError(`bounce: ${errorMessage(err)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section
      aria-label="Bounce"
      style={{ fontFamily: fonts.ui, fontSize: 13, margin: '6px 0', display: 'flex', flexWrap: 'wrap', gap: 8, alignItems: 'center' }}
    >
      <button type="button" style={button} onClick={() => void bounce()} data-testid="bounce">
        Bounce to WAV
      </button>
      <span style={{ color: colors.muted }}>
        {`the stage with its current params over the current source, offline (a built-in signal: ${OFFLINE_SIGNAL_SECONDS} s; a file: all of it, channel 0), as 32-bit float`}
      </span>
      <span role="status" style={numeric}>
        {busy ? 'rendering…' : ''}
      </span>
      {bounced && (
        <span data-testid="bounce-result" data-frames={bounced.frames} data-status={bounced.status} style={numeric}>
          <a href={bounced.url} download={bounced.fileName} data-testid="bounce-link" style={{ color: colors.accent }}>
            {bounced.fileName}
          </a>
          {` · ${bounced.what} · ${fmtCount(bounced.frames)} frames, ${fmtNum(sampleRate / 1000, 1)} kHz, 1 ch`}
          {bounced.status === 'fallback' && (
            <span style={{ color: colors.warn }}>{` · rendered by the TypeScript reference: ${bounced.reason ?? 'wasm unavailable'}`}</span>
          )}
        </span>
      )}
      {error && (
        <div role="alert" data-testid="bounce-error" style={{ ...alertBox, flexBasis: '100%' }}>
          {error}
        </div>
      )}
    </section>
  );
}
