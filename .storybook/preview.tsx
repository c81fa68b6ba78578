import type { Preview } from '@storybook/react-vite';

const preview: Preview = {
  parameters: {
    layout: 'padded',
    controls: { expanded: true, sort: 'none' },
    options: { storySort: { order: ['Introduction', 'DSP Stages', 'Expected Failures'] } },
  },
  tags: ['autodocs'],
};

export default preview;
