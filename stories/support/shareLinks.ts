/** The bench's Copy link, as the share stories drive it: copy, read the link's args, open it in a frame. */
import { userEvent, type within } from 'storybook/test';

/** The text field Copy link fills. */
const LINK_FIELD = 'Link to this story with its current settings';

/** The link the bench in `canvas` shows (no click: what it shows now). */
export function shownLink(canvas: ReturnType<typeof within>): string {
  return (canvas.getByLabelText(LINK_FIELD) as HTMLInputElement).value;
}

/** Clicks the bench's Copy link and returns the link it shows. */
export async function copyLink(canvas: ReturnType<typeof within>): Promise<string> {
  await userEvent.click(await canvas.findByRole('button', { name: 'Copy link' }));
  return shownLink(canvas);
}

/** The link's args, raw as Storybook reads them (a space as `+`; URLSearchParams would decode it), split at `;`. */
export function linkArgs(url: string): string[] {
  return (/[?&]args=([^&#]*)/.exec(url)?.[1] ?? '').split(';');
}

/**
 * Opens `url` in a frame appended to the document, outside the story root (its bench is not this
 * story's), runs `check` on the frame's document, and removes the frame whatever happens.
 */
export async function withLinkInFrame<T>(url: string, check: (doc: () => Document) => Promise<T>): Promise<T> {
  const frame = document.createElement('iframe');
  frame.title = 'The shared link, opened';
  frame.style.cssText = 'width:1000px;height:700px;border:0';
  frame.src = url;
  document.body.append(frame);
  try {
    return await check(() => frame.contentDocument!);
  } finally {
    frame.remove();
  }
}
