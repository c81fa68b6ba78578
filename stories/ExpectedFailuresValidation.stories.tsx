/**
 * The validation matrix in the browser must FAIL (the expected-failure gate of `npm test`) when a
 * check finds a fault: the first test-only fault of dsp-stages/validate/faults.ts wrapped around
 * every instance, its stage and check run at level 1 in the page's validation worker. The Node
 * unit tests prove each check bites under its own fault; this proves the browser's path reports it.
 */
import type { Meta, StoryObj } from '@storybook/react-vite';
import { FAULTS } from '../dsp-stages/validate/faults.ts';
import { MatrixRunner, expectMatrixPasses } from './support/validation.ts';
import { failsWith } from './support/expectedFailure.ts';

function Nothing() {
  return <p>Checks in the page&apos;s validation worker only: see the Interactions panel.</p>;
}

const meta = {
  title: 'Expected Failures/Validation matrix',
  component: Nothing,
  tags: ['expected-failure', '!test', '!autodocs'],
} satisfies Meta<typeof Nothing>;

export default meta;
type Story = StoryObj<typeof meta>;

const FAULT = 0;
const fault = FAULTS[FAULT]!;

/** A stage that changes its output with the block size (the first fault): its check must fail, naming stage, check and seed. */
export const AFaultyStageFailsItsCheck: Story = {
  parameters: failsWith(new RegExp(`^failed checks:\\n  ${fault.stage} ${fault.check}: seed \\d+: [^\\n]*${fault.failure.source}`)),
  play: async () => {
    const report = await new MatrixRunner().run({ level: 1, seed: 1, stages: [fault.stage], checks: [fault.check], fault: FAULT });
    expectMatrixPasses(report);
  },
};
