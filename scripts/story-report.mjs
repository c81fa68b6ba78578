// Reading test-storybook's JSON report, shared by the story passes and the expected-failure gate.
// Pure functions (no I/O), unit-tested in story-report.test.ts.

/** Strips ANSI colour codes (test-storybook colours its messages even with FORCE_COLOR=0 in places). */
export function stripAnsi(text) {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

/**
 * The message of the error that failed a story, without the runner's preamble ("Click to debug",
 * the story's URL) or the stack: for a play function, the text after "Message:"; for a hook's
 * error (the accessibility check in postVisit), the text after "Error: " up to the stack.
 */
export function failureMessage(failureMessages) {
  const text = stripAnsi((failureMessages ?? []).join('\n'));
  const afterMessage = /\nMessage:\s*\n([\s\S]*?)(?=\n\s*\n\s+at |\n\s+at |$)/.exec(text);
  const body = afterMessage ? afterMessage[1] : text.replace(/^(?:\w*Error: )?/, '').split(/\n\s+at /)[0];
  return body.trim();
}

/** One row per story test: its story (title and export name), status and failure message. */
export function storyTests(report) {
  return report.testResults.flatMap((file) =>
    file.assertionResults.map((a) => ({
      name: a.fullName,
      title: a.ancestorTitles[0] ?? '',
      exportName: a.ancestorTitles[1] ?? '',
      status: a.status,
      duration: a.duration,
      message: a.status === 'failed' ? failureMessage(a.failureMessages) : '',
    })),
  );
}

/**
 * Counts of one test-storybook pass. A pass is a failure, named, when it produced no report, ran
 * no story (unless `mayRunNone`: a pass given a filter the caller checks across passes), had a
 * story file that failed to load, or exited non-zero while its report says every story passed (or
 * zero while it says some failed).
 * @returns {{ passed: number, failed: number, ran: number, tests: ReturnType<typeof storyTests>, problems: string[] }}
 */
export function judgePass(name, stdout, exitStatus, { mayRunNone = false } = {}) {
  let report;
  try {
    report = JSON.parse(stdout.slice(stdout.indexOf('{')));
  } catch {
    return { passed: 0, failed: 1, ran: 0, tests: [], problems: [`${name}: test-storybook produced no JSON report (exit ${exitStatus})`] };
  }
  const tests = storyTests(report);
  const problems = [];
  // a suite that failed to run at all (a story file that does not load) counts as one failure
  const broken = report.testResults.filter((f) => f.status === 'failed' && f.assertionResults.length === 0);
  for (const f of broken)
    problems.push(
      `${name}: ${f.name} did not load: ${
        stripAnsi(f.message)
          .split('\n')
          .find((l) => l.trim())
          ?.trim() ?? ''
      }`,
    );
  const ran = tests.filter((t) => t.status === 'passed' || t.status === 'failed').length;
  if (ran === 0 && !mayRunNone) problems.push(`${name}: ran no story (a filter or tag that matches nothing?)`);
  const failedTests = report.numFailedTests + broken.length;
  // with no story to run, test-storybook exits 1 (Jest's "no tests found"): that is not a failure here
  if (exitStatus !== 0 && failedTests === 0 && !(ran === 0 && mayRunNone))
    problems.push(`${name}: test-storybook exited ${exitStatus} while its report has no failed story`);
  if (exitStatus === 0 && failedTests > 0) problems.push(`${name}: test-storybook exited 0 while its report has ${failedTests} failed`);
  const extra = problems.length - broken.length;
  return { passed: report.numPassedTests, failed: failedTests + extra, ran, tests, problems };
}

/**
 * The expected-failure gate. `stories`: every story tagged expected-failure in the build's
 * index.json ({ id, title, exportName }); `declarations`: what the test runner read from each
 * visited story's `parameters.expectedFailure` ({ id, message: a RegExp source or null });
 * `tests`: the pass's story tests. A story passes the gate only when it ran, failed, and its
 * failure message matches its declared pattern; each row says why not.
 * @returns {{ id: string, ok: boolean, detail: string }[]}
 */
export function judgeExpectedFailures(stories, declarations, tests) {
  const declared = new Map(declarations.map((d) => [d.id, d]));
  return stories.map((s) => {
    const test = tests.find((t) => t.title === s.title && t.exportName === s.exportName);
    const decl = declared.get(s.id);
    if (!test || (test.status !== 'passed' && test.status !== 'failed'))
      return { id: s.id, ok: false, detail: `did not run (${test ? test.status : 'not in the report'})` };
    if (!decl || typeof decl.message !== 'string' || decl.message === '') {
      return { id: s.id, ok: false, detail: 'declares no parameters.expectedFailure.message (the assertion it must fail on)' };
    }
    if (test.status === 'passed') return { id: s.id, ok: false, detail: 'PASSED: it must fail' };
    const first = test.message.split('\n')[0];
    if (!new RegExp(decl.message).test(test.message)) {
      return { id: s.id, ok: false, detail: `failed with another message than /${decl.message}/: ${first}` };
    }
    return { id: s.id, ok: true, detail: `failed as declared: ${first}` };
  });
}
