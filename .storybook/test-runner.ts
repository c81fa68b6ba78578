import { getStoryContext, type TestRunnerConfig } from '@storybook/test-runner';
import { getViolations, injectAxe } from 'axe-playwright';
import type { Page } from 'playwright';
import { appendFileSync, mkdirSync } from 'node:fs';
import type { Measurement } from '../stories/support/report.ts';
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
  },
  async postVisit(page, context) {
    const rows = await page.evaluate(() => (window.__stagebenchMeasurements ?? []).splice(0));
    if (rows.length > 0) {
      mkdirSync('test-results', { recursive: true });
      const lines = rows.map((m: Measurement) => JSON.stringify({ story: context.id, ...m }));
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
