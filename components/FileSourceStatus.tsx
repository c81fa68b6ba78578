/** The file source's line: which file loops through the stage, its length, and how much has played. */
import { useEffect, useState } from 'react';
import type { StagebenchRuntime } from '../worklet/host.ts';
import type { DecodedFile } from './fileSource.ts';
import { fmtCount, fmtNum } from './format.ts';
import { colors, numeric } from './theme.ts';

export function FileSourceStatus({ runtime, file }: { runtime: StagebenchRuntime; file: DecodedFile }) {
  const [played, setPlayed] = useState<number | null>(() => runtime.filePlayedFrames());
  useEffect(() => {
    const t = setInterval(() => setPlayed(runtime.filePlayedFrames()), 250);
    return () => clearInterval(t);
  }, [runtime]);
  const playing = played !== null;
  return (
    <p
      data-testid="file-source"
      data-name={file.name}
      data-frames={file.frames}
      data-played={played ?? 0}
      data-playing={playing}
      style={{ ...numeric, fontSize: 12, margin: '4px 0', color: playing ? colors.text : colors.warn }}
    >
      {`${file.name}${file.own ? ' (yours)' : ''}: ${file.format}, ${file.channelData.length} ch, ${fmtCount(file.frames)} frames ` +
        `(${fmtNum(file.frames / file.sampleRate, 2)} s at ${fmtNum(file.sampleRate / 1000, 1)} kHz)` +
        (playing ? `, looping: ${fmtCount(played)} frames played` : ', not playing')}
    </p>
  );
}
