import type { Preview } from '@storybook/react-vite';
import { configure } from 'storybook/test';
import { FOCUS_RING_CSS } from '../components/theme.ts';
import { startCrossOriginIsolation } from '../components/isolation.ts';
import { StoryShareContext } from '../components/share.ts';

// Cross-origin isolation on any static host: where the server sends no COOP/COEP, register the
// service worker stagebench-sw.js (it loads coi-serviceworker; both served from the Storybook root,
// copied there from .storybook/static/) and reload once; `?coi=0` in the URL (or window.STAGEBENCH_COI = false) opts out, and the bench
// shows the fallback's reason (components/isolation.ts).
void startCrossOriginIsolation();

// How long a play function's waitFor and findBy wait for the page by default (testing-library's
// 1 s otherwise). In npm test the Firefox stories run beside the expected-failure gate with the
// two cores 96 % busy: there a chain's visual section took over 1 s to appear after the chain
// reported. A wait ends as soon as its condition holds; timed bounds are asserted by value.
configure({ asyncUtilTimeout: 5_000 });

const preview: Preview = {
  parameters: {
    layout: 'padded',
    controls: { expanded: true, sort: 'none' },
    options: { storySort: { order: ['Introduction', 'DSP Stages', 'Template', 'Workbench', 'Expected Failures'] } },
    // The Accessibility panel reports every axe-core result beside each story. `todo`: its own
    // run only warns (with `error` the test runner would fail a story on any impact, moderate and
    // minor included); the gate is .storybook/test-runner.ts, which fails serious and critical ones.
    a11y: { test: 'todo', context: '#storybook-root' },
  },
  // The panel's axe run starts on request ("Run" in the Accessibility panel), not after every
  // render: an automatic run scans the whole bench on the main thread on each story switch
  // (hundreds of ms of layout queries on a 2-core machine, frames and audio lost meanwhile) and
  // kept about 0.38 MB per switch. The test runner's axe gate runs regardless.
  initialGlobals: { a11y: { manual: true } },
  decorators: [
    // a visible keyboard focus ring on every control of every story (StageBench renders the same
    // sheet; React keeps one copy by its href)
    (Story) => (
      <>
        <style href="stagebench-focus-ring" precedence="default">
          {FOCUS_RING_CSS}
        </style>
        <Story />
      </>
    ),
    // which story the bench is in, with its current args: its "Copy link" builds the story's URL
    (Story, context) => (
      <StoryShareContext.Provider
        value={{
          storyId: context.id,
          // a link holds the args before any mapping (Storybook maps them as it reads the URL)
          args: (context.unmappedArgs as Record<string, unknown> | undefined) ?? context.args,
          mappings: Object.fromEntries(
            Object.entries(context.argTypes).flatMap(([name, t]) => (t.mapping ? [[name, t.mapping as Record<string, unknown>]] : [])),
          ),
        }}
      >
        <Story />
      </StoryShareContext.Provider>
    ),
  ],
  tags: ['autodocs'],
};

export default preview;
