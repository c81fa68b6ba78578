import type { Preview } from '@storybook/react-vite';
import { FOCUS_RING_CSS } from '../components/theme.ts';

const preview: Preview = {
  parameters: {
    layout: 'padded',
    controls: { expanded: true, sort: 'none' },
    options: { storySort: { order: ['Introduction', 'DSP Stages', 'Template', 'Expected Failures'] } },
    // The Accessibility panel reports every axe-core result beside each story. `todo`: its own
    // run only warns (with `error` the test runner would fail a story on any impact, moderate and
    // minor included); the gate is .storybook/test-runner.ts, which fails serious and critical ones.
    a11y: { test: 'todo', context: '#storybook-root' },
  },
  // a visible keyboard focus ring on every control of every story (StageBench renders the same
  // sheet; React keeps one copy by its href)
  decorators: [
    (Story) => (
      <>
        <style href="stagebench-focus-ring" precedence="default">
          {FOCUS_RING_CSS}
        </style>
        <Story />
      </>
    ),
  ],
  tags: ['autodocs'],
};

export default preview;
