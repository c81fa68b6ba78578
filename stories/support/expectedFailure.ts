/**
 * Expected-failure stories (tag `expected-failure`) prove that an assertion can fail. Each
 * declares the assertion it must fail on; the gate in `npm test` (scripts/test-stories.mjs) passes
 * only when every such story ran and failed with a message matching its declaration, so a crash,
 * a timeout, a failed precondition (a fallback where wasm was meant to run) or another assertion
 * failing first is a failure of the gate, named.
 */
export interface ExpectedFailure {
  /** Source of a RegExp the failure message must match: words of the assertion's own message. */
  message: string;
}

/** `parameters` of an expected-failure story: the assertion message it must fail with. */
export function failsWith(message: RegExp): { expectedFailure: ExpectedFailure } {
  if (message.flags !== '') throw new Error(`failsWith(${String(message)}): flags are not carried to the gate`);
  return { expectedFailure: { message: message.source } };
}
