import type { StorybookConfig } from '@storybook/react-vite';
import { mergeConfig } from 'vite';
import remarkGfm from 'remark-gfm';

const config: StorybookConfig = {
  stories: ['../stories/**/*.mdx', '../stories/**/*.stories.@(ts|tsx)'],
  addons: [
    {
      name: '@storybook/addon-docs',
      // GitHub-flavoured Markdown (tables) in the docs pages
      options: { mdxPluginOptions: { mdxCompileOptions: { remarkPlugins: [remarkGfm] } } },
    },
  ],
  framework: { name: '@storybook/react-vite', options: {} },
  core: {
    // COOP/COEP on the dev server: SharedArrayBuffer for the telemetry and scope rings
    crossOriginIsolated: true,
    disableTelemetry: true,
  },
  async viteFinal(base) {
    return mergeConfig(base, {
      // pre-bundled up front, so `storybook dev` never reloads a page mid-test to optimise them
      optimizeDeps: { include: ['react', 'react-dom', 'react-dom/client', 'd3-scale'] },
      worker: { format: 'es' },
      build: { target: 'es2022', chunkSizeWarningLimit: 2000 },
    });
  },
};

export default config;
