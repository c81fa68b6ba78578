/**
 * "Copy link": the URL of the current story with its current args, the source picker's local
 * choice included, copied to the clipboard and shown in a read-only field (select it to copy by
 * hand where the clipboard is refused). Says which args a URL cannot carry.
 */
import { useId, useState } from 'react';
import type { SourceSpec } from '../dsp-stages/signals.ts';
import { pageLocations, shareLink, type StoryShareInfo } from './share.ts';
import { button, colors, fonts, numeric } from './theme.ts';
import { errorMessage } from '../worklet/errors.ts';

export interface ShareLinkProps {
  story: StoryShareInfo;
  /** The bench's current source (the picker's local choice). */
  source: SourceSpec;
  /** The source the story gives the bench. */
  storySource: SourceSpec;
}

export function ShareLink({ story, source, storySource }: ShareLinkProps) {
  const fieldId = useId();
  const noteId = useId();
  const [copied, setCopied] = useState<string | null>(null);
  const link = shareLink(story, source, storySource, ...pageLocations());
  const notes = [
    ...(link.notCarried.length > 0 ? [`not in the link (this story has no such args): ${link.notCarried.join(', ')}`] : []),
    ...(link.omitted.length > 0 ? [`left out: ${link.omitted.join('; ')}`] : []),
  ];

  const copy = () => {
    const clipboard = navigator.clipboard as Clipboard | undefined;
    if (!clipboard) {
      setCopied('no clipboard here: select the link and copy it');
      return;
    }
    clipboard.writeText(link.url).then(
      () => setCopied('copied'),
      (err: unknown) => setCopied(`not copied (${errorMessage(err)}): select the link and copy it`),
    );
  };

  return (
    <div style={{ display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: 6, fontFamily: fonts.ui, fontSize: 13, margin: '6px 0' }}>
      <button type="button" onClick={copy} style={button} data-testid="copy-link">
        Copy link
      </button>
      <label htmlFor={fieldId} style={{ color: colors.muted }}>
        Link to this story with its current settings
      </label>
      <input
        id={fieldId}
        type="text"
        readOnly
        value={link.url}
        data-testid="share-link"
        aria-describedby={notes.length > 0 ? noteId : undefined}
        onFocus={(e) => e.currentTarget.select()}
        style={{ ...numeric, fontSize: 12, flex: '1 1 320px', minWidth: 0 }}
      />
      <span role="status" data-testid="copy-link-status" style={{ color: copied === 'copied' ? colors.ok : colors.warn }}>
        {copied}
      </span>
      {notes.length > 0 && (
        <span id={noteId} data-testid="share-link-notes" style={{ color: colors.warn, fontSize: 12, flexBasis: '100%' }}>
          {notes.join('. ')}
        </span>
      )}
    </div>
  );
}
