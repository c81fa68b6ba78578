/**
 * An accessibility story that must FAIL (the expected-failure gate of `npm test`): a plot
 * drawn as an image with no text alternative is a serious axe violation (role-img-alt), which the
 * test runner's check (.storybook/test-runner.ts) must catch. Proof that the check can fail.
 */
import type { Meta, StoryObj } from '@storybook/react-vite';
import { useEffect, useRef } from 'react';
import { sine } from '../dsp-stages/signals.ts';
import { colors } from '../components/theme.ts';
import { failsWith } from './support/expectedFailure.ts';

/** A scope trace on a canvas, marked as an image but with no aria-label: what every plot must not be. */
function UnlabelledPlot() {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const g = ref.current?.getContext('2d');
    if (!g) return;
    const x = sine(640, 48_000, 1000, 0.5);
    g.strokeStyle = colors.trace;
    g.beginPath();
    x.forEach((v, i) => (i === 0 ? g.moveTo(i, 80 - v * 70) : g.lineTo(i, 80 - v * 70)));
    g.stroke();
  }, []);
  return (
    <div role="img" data-testid="unlabelled-plot">
      <canvas ref={ref} width={640} height={160} />
    </div>
  );
}

const meta = {
  title: 'Expected Failures/Accessibility',
  component: UnlabelledPlot,
  tags: ['expected-failure', '!test', '!autodocs'],
} satisfies Meta<typeof UnlabelledPlot>;

export default meta;
type Story = StoryObj<typeof meta>;

/** role="img" without a text alternative: the accessibility check must fail this story. */
export const PlotWithoutATextAlternative: Story = {
  parameters: failsWith(/serious or critical accessibility violation[\s\S]*\[serious\] role-img-alt/),
};
