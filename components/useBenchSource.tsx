/**
 * A bench's source: the story's (`source`, which wins whenever it changes) or the picker's local
 * choice, made the runtime's source. A file (the built-in fixture it names, or the user's own) is
 * decoded on the page's pool first; if that fails, the message goes to `onError` and the previous
 * source keeps playing (the picker goes back to it). Shared by the stage bench and the chain bench.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { SourceSpec } from '../dsp-stages/signals.ts';
import type { StagebenchRuntime } from '../worklet/host.ts';
import { errorMessage } from '../worklet/errors.ts';
import { decodeForSource, fixtureInput, type DecodedFile, type FileInput } from './fileSource.ts';
import { FileSourceStatus } from './FileSourceStatus.tsx';

export interface BenchSource {
  /** What the picker shows: the story's source, or the local choice since. */
  localSource: SourceSpec;
  /** The story's source, parsed once per value (stories pass fresh objects every render). */
  storySource: SourceSpec;
  /** The decoded file that loops (source kind `file`), or null. */
  file: DecodedFile | null;
  /** "decoding x…" while a file decodes, else null. */
  fileBusy: string | null;
  /** The user's own file's name while it plays (no link carries it), else null. */
  ownFile: string | null;
  /** The source a shared link carries: the local one, or the story's while the user's own file plays. */
  linkSource: SourceSpec;
  pickSource(spec: SourceSpec): void;
  pickOwnFile(f: File): void;
}

export function useBenchSource(runtime: StagebenchRuntime, source: SourceSpec, onError: (message: string | null) => void): BenchSource {
  const sourceKey = JSON.stringify(source);
  const storySource = useMemo<SourceSpec>(() => JSON.parse(sourceKey) as SourceSpec, [sourceKey]);
  const [localSource, setLocalSource] = useState<SourceSpec>(storySource);
  const [file, setFile] = useState<DecodedFile | null>(null);
  const [fileBusy, setFileBusy] = useState<string | null>(null);
  /** The source that plays now: what a failed file leaves playing, and the picker goes back to. */
  const applied = useRef<SourceSpec>(runtime.state.source);
  const sourceRequest = useRef(0);

  const applySource = useCallback(
    async (spec: SourceSpec, own?: FileInput) => {
      const request = ++sourceRequest.current;
      if (spec.kind !== 'file') {
        setFileBusy(null);
        try {
          await runtime.setSource(spec);
        } catch (err) {
          onError(errorMessage(err));
        }
        if (request === sourceRequest.current) {
          applied.current = spec;
          setFile(null);
        }
        return;
      }
      let name = own?.name ?? spec.fixture ?? '';
      try {
        const input = own ?? (await fixtureInput(spec.fixture));
        name = input.name;
        if (request === sourceRequest.current) setFileBusy(`decoding ${name}…`);
        const decoded = await decodeForSource(runtime, input, own !== undefined);
        if (request !== sourceRequest.current) return;
        await runtime.playFile(spec, decoded);
        applied.current = spec;
        setFile(decoded);
        onError(null);
      } catch (err) {
        if (request !== sourceRequest.current) return;
        onError(`${errorMessage(err)} (the previous source keeps playing)`);
        setLocalSource(applied.current);
      } finally {
        if (request === sourceRequest.current) setFileBusy(null);
      }
    },
    [runtime, onError],
  );

  // The prop wins whenever it changes; local picks last until then.
  useEffect(() => {
    setLocalSource(storySource);
    void applySource(storySource);
    // a file still decoding when the story changes (or is left) must not become the next story's source
    return () => {
      // a counter, not a rendered node: the cleanup must bump the one a pending request compares with
      // eslint-disable-next-line react-hooks/exhaustive-deps
      sourceRequest.current++;
    };
  }, [applySource, storySource]);

  const pickSource = (spec: SourceSpec) => {
    setLocalSource(spec);
    void applySource(spec);
  };
  const pickOwnFile = (f: File) => {
    const spec: SourceSpec = { ...localSource, kind: 'file', fixture: undefined };
    setLocalSource(spec);
    f.arrayBuffer().then(
      (bytes) => applySource(spec, { name: f.name, bytes: new Uint8Array(bytes) }),
      (err: unknown) => {
        onError(`${f.name}: could not be read: ${errorMessage(err)} (the previous source keeps playing)`);
        setLocalSource(applied.current);
      },
    );
  };
  const ownFile = localSource.kind === 'file' && file?.own ? file.name : null;
  // the user's own file is in no link: the link keeps the story's own source
  const linkSource = ownFile ? storySource : localSource;
  return { localSource, storySource, file, fileBusy, ownFile, linkSource, pickSource, pickOwnFile };
}

/** The source's state under the picker: "decoding x…" while a file decodes, then the file that loops. */
export function BenchSourceStatus({ runtime, bench }: { runtime: StagebenchRuntime; bench: BenchSource }) {
  return (
    <>
      {bench.fileBusy && (
        <p role="status" data-testid="file-busy" style={{ margin: '4px 0', fontSize: 13 }}>
          {bench.fileBusy}
        </p>
      )}
      {bench.file && bench.localSource.kind === 'file' && <FileSourceStatus runtime={runtime} file={bench.file} />}
    </>
  );
}
