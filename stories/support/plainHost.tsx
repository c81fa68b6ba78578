/**
 * Stories tagged `no-isolation` check the postMessage fallback: they need a page that is not
 * cross-origin isolated, served by a host without COOP/COEP and opened with `?coi=0` (the story
 * tests run them so, in a pass of their own). A server that sends COOP/COEP itself, as the dev
 * server of `npm start` does, isolates every page: there these stories have nothing to check, so
 * they say why and skip their assertions instead of failing. Isolation by our service worker
 * despite `?coi=0` is a real failure, and is not skipped.
 */
import type { Decorator } from '@storybook/react-vite';
import { COI_SERVICE_WORKER_FILE } from '../../components/isolation.ts';
import { panel } from '../../components/theme.ts';
import type { Step } from './checks.ts';

export const PLAIN_HOST_ONLY =
  'this story checks the postMessage fallback, so it needs a host without COOP/COEP headers, opened with ?coi=0; ' +
  'this server sends the headers (the dev server of `npm start` does), so the page is cross-origin isolated and there is nothing to check. ' +
  '`node scripts/test-stories.mjs` runs it against a plain static host.';

/** The page is cross-origin isolated by its server's headers (not by our service worker). */
export function isolatedByServer(): boolean {
  if (globalThis.crossOriginIsolated !== true) return false;
  const controller = typeof navigator !== 'undefined' ? navigator.serviceWorker?.controller : null;
  return !controller?.scriptURL.endsWith(COI_SERVICE_WORKER_FILE);
}

/** True (after a step that says why) when the assertions cannot hold on this host: the play function returns. */
export async function skippedOnIsolatedServer(step: Step): Promise<boolean> {
  if (!isolatedByServer()) return false;
  await step(`skipped: ${PLAIN_HOST_ONLY}`, async () => {});
  return true;
}

/** The same explanation above the story, where a reader of the canvas sees it. */
export const plainHostNote: Decorator = (Story) => (
  <>
    {isolatedByServer() && (
      <p role="note" data-testid="plain-host-note" style={{ ...panel, margin: '0 0 6px', fontSize: 13 }}>
        Not checked here: {PLAIN_HOST_ONLY}
      </p>
    )}
    <Story />
  </>
);
