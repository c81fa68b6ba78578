import { getStoryContext, type TestRunnerConfig } from '@storybook/test-runner';
import { getViolations, injectAxe } from 'axe-playwright';
import type { CDPSession, Page } from 'playwright';
import { appendFileSync, mkdirSync } from 'node:fs';
import type { ReportedMeasurement } from '../stories/support/report.ts';
import { formatViolations, seriousViolations } from '../stories/support/a11y.ts';
import type { ExpectedFailure } from '../stories/support/expectedFailure.ts';

// Expected-failure stories prove that budget, value and accessibility assertions can fail; they
// run in a pass of their own, where STAGEBENCH_EXPECTED_FAILURES names the file that each
// story's declared failure (parameters.expectedFailure) is written to for the gate
// (scripts/test-stories.mjs sets it and reads the file).
const declarationsFile = process.env.STAGEBENCH_EXPECTED_FAILURES ?? '';
const expectedFailures = declarationsFile !== '';

/**
 * axe-core runs one analysis at a time per page, and the a11y addon starts its own after each
 * story renders: when that run is still going, wait for it and try again (up to 10 s).
 */
async function violationsWhenAxeIsFree(page: Page): Promise<Awaited<ReturnType<typeof getViolations>>> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await getViolations(page, '#storybook-root');
    } catch (err) {
      if (!/Axe is already running/.test((err as Error).message) || Date.now() > deadline) throw err;
      await page.waitForTimeout(200);
    }
  }
}

/**
 * The audio thread's render capacity as Chromium reports it over CDP (`WebAudio.getRealtimeData`:
 * the share of each render callback's deadline spent rendering, for the latest callback), polled
 * every 100 ms while a story runs; its max and mean go to the measurements. Chromium-only; other
 * engines record nothing.
 */
interface CapacityRecorder {
  session: CDPSession;
  /** Live realtime AudioContexts of the page, by CDP context id. */
  contexts: Set<string>;
  samples: number[];
  timer: ReturnType<typeof setInterval> | null;
}

const recorders = new WeakMap<Page, CapacityRecorder>();
const CAPACITY_POLL_MS = 100;

async function capacityRecorder(page: Page): Promise<CapacityRecorder | null> {
  const known = recorders.get(page);
  if (known) return known;
  let session: CDPSession;
  try {
    session = await page.context().newCDPSession(page);
    await session.send('WebAudio.enable');
  } catch {
    return null; // not Chromium
  }
  const r: CapacityRecorder = { session, contexts: new Set(), samples: [], timer: null };
  session.on('WebAudio.contextCreated', (e) => {
    if (e.context.contextType === 'realtime') r.contexts.add(e.context.contextId);
  });
  session.on('WebAudio.contextWillBeDestroyed', (e) => r.contexts.delete(e.contextId));
  recorders.set(page, r);
  return r;
}

async function pollCapacity(r: CapacityRecorder): Promise<void> {
  for (const contextId of r.contexts) {
    try {
      const { realtimeData } = await r.session.send('WebAudio.getRealtimeData', { contextId });
      if (Number.isFinite(realtimeData.renderCapacity)) r.samples.push(realtimeData.renderCapacity);
    } catch {
      r.contexts.delete(contextId); // gone with a reload
    }
  }
}

const config: TestRunnerConfig = {
  tags: {
    include: expectedFailures ? ['expected-failure'] : ['test'],
    exclude: expectedFailures ? [] : ['expected-failure'],
  },
  logLevel: 'warn',
  async preVisit(page, context) {
    await page.setViewportSize({ width: 1280, height: 900 });
    if (expectedFailures) {
      // read before the play function runs (a failing one ends the visit): the gate matches the
      // story's failure against this pattern
      const story = await getStoryContext(page, context);
      const declared = story.parameters?.expectedFailure as ExpectedFailure | undefined;
      appendFileSync(declarationsFile, `${JSON.stringify({ id: context.id, message: declared?.message ?? null })}\n`);
    }
    // axe-core into the story's page, once per visit; checked after the play function
    await injectAxe(page);
    const capacity = await capacityRecorder(page);
    if (capacity) {
      capacity.samples = [];
      if (capacity.timer) clearInterval(capacity.timer);
      capacity.timer = setInterval(() => void pollCapacity(capacity), CAPACITY_POLL_MS);
    }
  },
  async postVisit(page, context) {
    const rows: ReportedMeasurement[] = await page.evaluate(() => (window.__stagebenchMeasurements ?? []).splice(0));
    const capacity = recorders.get(page);
    if (capacity?.timer) {
      clearInterval(capacity.timer);
      capacity.timer = null;
      const n = capacity.samples.length;
      if (n > 0) {
        const source = `CDP WebAudio.getRealtimeData every ${CAPACITY_POLL_MS} ms during the story, ${n} readings (share of each callback's deadline spent rendering)`;
        rows.push({ name: 'render capacity max', value: Math.max(...capacity.samples), unit: 'fraction', source });
        rows.push({ name: 'render capacity mean', value: capacity.samples.reduce((a, b) => a + b, 0) / n, unit: 'fraction', source });
      }
    }
    if (rows.length > 0) {
      mkdirSync('test-results', { recursive: true });
      const lines = rows.map((m: ReportedMeasurement) => JSON.stringify({ story: context.id, ...m }));
      appendFileSync('test-results/measurements.jsonl', `${lines.join('\n')}\n`);
    }
    // Accessibility: every story fails on a serious or critical axe violation in its own root,
    // unless it opts out with parameters.a11y.disable (none does) or a11y.test: 'off'.
    const story = await getStoryContext(page, context);
    const a11y = story.parameters?.a11y as { disable?: boolean; test?: string } | undefined;
    if (a11y?.disable === true || a11y?.test === 'off') return;
    const violations = seriousViolations(await violationsWhenAxeIsFree(page));
    if (violations.length > 0) throw new Error(formatViolations(context.id, violations));
  },
};

export default config;
