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
    // the Accessibility panel (axe-core) beside every story; the test runner fails serious and
    // critical violations (.storybook/test-runner.ts)
    '@storybook/addon-a11y',
  ],
  // copied as-is into storybook-static/: the `_headers` file for static hosts (docs/deploy.md)
  staticDirs: ['./static'],
  framework: { name: '@storybook/react-vite', options: {} },
  // no "Get started" checklist in the sidebar nor onboarding guide in the menu: they teach writing
  // component stories, not this workbench; a newcomer's first screen is the Introduction page
  features: { sidebarOnboardingChecklist: false, menuOnboardingChecklist: false },
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
