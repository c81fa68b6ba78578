/** Reading test-storybook reports: every way a pass or the expected-failure gate can go wrong is named. */
import { describe, expect, it } from 'vitest';
import { failureMessage, judgeExpectedFailures, judgePass, storyTests } from './story-report.mjs';

const playFailure = (message: string) => [
  'page.evaluate: StorybookTestRunnerError: \u001b[34m\nClick to debug the error directly in Storybook:\nhttp://127.0.0.1:1/?path=/story/x--y\n\n' +
    `\u001b[39mMessage:\n ${message}\n\n    at <anonymous>:367:16\n    at /src/stories/X.stories.tsx:90:49`,
];

function assertion(title: string, exportName: string, status: string, failureMessages: string[] = []) {
  return { ancestorTitles: [title, exportName], fullName: `${title} ${exportName} play-test`, status, duration: 10, failureMessages };
}

function report(assertions: ReturnType<typeof assertion>[], extraFiles: object[] = []) {
  const failed = assertions.filter((a) => a.status === 'failed').length;
  return JSON.stringify({
    numPassedTests: assertions.filter((a) => a.status === 'passed').length,
    numFailedTests: failed,
    testResults: [
      { name: 'stories/X.stories.tsx', status: failed ? 'failed' : 'passed', message: '', assertionResults: assertions },
      ...extraFiles,
    ],
  });
}

describe('failureMessage', () => {
  it('takes the play function error after "Message:", without colours, URL or stack', () => {
    expect(failureMessage(playFailure('kernel p99 0.5 µs vs budget 0.1 µs: expected 0.5 to be less than 0.1'))).toBe(
      'kernel p99 0.5 µs vs budget 0.1 µs: expected 0.5 to be less than 0.1',
    );
  });

  it('keeps a message of several lines whole', () => {
    expect(failureMessage(playFailure('failed checks:\n  all: JS heap growth: 9 MB\n  gain: quanta'))).toBe(
      'failed checks:\n  all: JS heap growth: 9 MB\n  gain: quanta',
    );
  });

  it("takes a hook's error up to its stack", () => {
    const text =
      'Error: x--y: 1 serious violation\n  [serious] role-img-alt: elements must have alternative text\n    at postVisit (/src/.storybook/test-runner.ts:52:38)';
    expect(failureMessage([text])).toBe('x--y: 1 serious violation\n  [serious] role-img-alt: elements must have alternative text');
  });
});

describe('judgePass', () => {
  it('counts passed and failed stories', () => {
    const r = judgePass('perf', report([assertion('A', 'One', 'passed'), assertion('A', 'Two', 'failed', playFailure('boom'))]), 1);
    expect(r).toMatchObject({ passed: 1, failed: 1, problems: [] });
    expect(r.tests[1]).toMatchObject({ title: 'A', exportName: 'Two', status: 'failed', message: 'boom' });
  });

  it('no JSON is one failure, named with the exit status', () => {
    expect(judgePass('rest', 'Error: cannot find module', 1)).toMatchObject({
      passed: 0,
      failed: 1,
      problems: ['rest: test-storybook produced no JSON report (exit 1)'],
    });
  });

  it('a pass that ran no story fails, even when the runner exits 0', () => {
    const r = judgePass('perf', report([assertion('A', 'One', 'pending')]), 0);
    expect(r.failed).toBe(1);
    expect(r.problems).toEqual(['perf: ran no story (a filter or tag that matches nothing?)']);
  });

  it('given a filter (mayRunNone), a pass that matches no story is empty, not failed; a failure still counts', () => {
    const empty = judgePass('rest', report([assertion('A', 'One', 'pending')]), 1, { mayRunNone: true });
    expect(empty).toMatchObject({ passed: 0, failed: 0, ran: 0, problems: [] });
    const one = judgePass('rest', report([assertion('A', 'One', 'failed', playFailure('x'))]), 1, { mayRunNone: true });
    expect(one).toMatchObject({ failed: 1, ran: 1 });
    expect(judgePass('rest', report([assertion('A', 'One', 'passed')]), 1, { mayRunNone: true }).failed).toBe(1);
  });

  it('a non-zero exit with an all-passed report fails, and so does exit 0 with failures', () => {
    expect(judgePass('rest', report([assertion('A', 'One', 'passed')]), 1)).toMatchObject({
      passed: 1,
      failed: 1,
      problems: ['rest: test-storybook exited 1 while its report has no failed story'],
    });
    expect(judgePass('rest', report([assertion('A', 'One', 'failed', playFailure('x'))]), 0)).toMatchObject({ failed: 2 });
  });

  it('a story file that does not load counts as a failure, named', () => {
    const broken = { name: 'stories/Y.stories.tsx', status: 'failed', message: '\n  SyntaxError: Unexpected token', assertionResults: [] };
    const r = judgePass('rest', report([assertion('A', 'One', 'passed')], [broken]), 1);
    expect(r.failed).toBe(1);
    expect(r.problems).toEqual(['rest: stories/Y.stories.tsx did not load: SyntaxError: Unexpected token']);
  });
});

describe('judgeExpectedFailures', () => {
  const stories = [
    { id: 'ef--budget', title: 'Expected Failures/X', exportName: 'Budget' },
    { id: 'ef--exact', title: 'Expected Failures/X', exportName: 'Exact' },
  ];
  const declarations = [
    { id: 'ef--budget', message: 'kernel p99 .* vs budget' },
    { id: 'ef--exact', message: 'samples differ' },
  ];
  const tests = (a: ReturnType<typeof assertion>[]) => storyTests(JSON.parse(report(a)));

  it('passes a story that failed with its declared message', () => {
    const rows = judgeExpectedFailures(
      stories,
      declarations,
      tests([
        assertion('Expected Failures/X', 'Budget', 'failed', playFailure('kernel p99 0.2 µs vs budget 0.001 µs')),
        assertion('Expected Failures/X', 'Exact', 'failed', playFailure('read-back: 1 samples differ')),
      ]),
    );
    expect(rows.map((r) => r.ok)).toEqual([true, true]);
    expect(rows[0]!.detail).toBe('failed as declared: kernel p99 0.2 µs vs budget 0.001 µs');
  });

  it('fails a story that passed, failed otherwise, timed out, did not run or declares nothing', () => {
    const rows = judgeExpectedFailures(
      [
        ...stories,
        { id: 'ef--silent', title: 'Expected Failures/X', exportName: 'Silent' },
        { id: 'ef--absent', title: 'Expected Failures/X', exportName: 'Absent' },
      ],
      [...declarations, { id: 'ef--silent', message: null }],
      tests([
        assertion('Expected Failures/X', 'Budget', 'passed'),
        assertion('Expected Failures/X', 'Exact', 'failed', playFailure('Exceeded timeout of 60000 ms for a test.')),
        assertion('Expected Failures/X', 'Silent', 'failed', playFailure('anything')),
      ]),
    );
    expect(rows.map((r) => [r.id, r.ok, r.detail])).toEqual([
      ['ef--budget', false, 'PASSED: it must fail'],
      ['ef--exact', false, 'failed with another message than /samples differ/: Exceeded timeout of 60000 ms for a test.'],
      ['ef--silent', false, 'declares no parameters.expectedFailure.message (the assertion it must fail on)'],
      ['ef--absent', false, 'did not run (not in the report)'],
    ]);
  });

  it('a failed precondition (a fallback where wasm should run) is not the declared failure', () => {
    const rows = judgeExpectedFailures(
      stories.slice(1),
      declarations,
      tests([assertion('Expected Failures/X', 'Exact', 'failed', playFailure("wasm active: expected 'fallback' to be 'active'"))]),
    );
    expect(rows[0]!.ok).toBe(false);
  });
});
