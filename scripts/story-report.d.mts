// Types of story-report.mjs (a plain .mjs: the test orchestration runs before TypeScript tooling is installed).
export interface StoryTest {
  name: string;
  title: string;
  exportName: string;
  status: string;
  duration: number;
  message: string;
}
export function stripAnsi(text: string): string;
export function failureMessage(failureMessages: readonly string[] | undefined): string;
export function storyTests(report: unknown): StoryTest[];
export function judgePass(
  name: string,
  stdout: string,
  exitStatus: number | string | null,
  options?: { mayRunNone?: boolean },
): { passed: number; failed: number; ran: number; tests: StoryTest[]; problems: string[] };
export function judgeExpectedFailures(
  stories: readonly { id: string; title: string; exportName: string }[],
  declarations: readonly { id: string; message: string | null }[],
  tests: readonly StoryTest[],
): { id: string; ok: boolean; detail: string }[];
