/**
 * EQ stories that must FAIL (run only by `npm run test:expected-failures`): proof that the
 * native-chain comparison and the no-click assertion can fail.
 */
import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect } from 'storybook/test';
import { eqBands } from '../dsp-stages/eq/params.ts';
import { eqStage } from '../dsp-stages/eq/index.ts';
import { defaultParams } from '../dsp-stages/params.ts';
import { whiteNoise } from '../dsp-stages/signals.ts';
import { renderJump } from './support/eqChecks.ts';
import { renderOffline } from '../worklet/host.ts';

function Nothing() {
  return <p>Offline checks only: see the Interactions panel.</p>;
}

const meta = {
  title: 'Expected Failures/EQ 8-band',
  component: Nothing,
  tags: ['expected-failure', '!test', '!autodocs'],
} satisfies Meta<typeof Nothing>;

export default meta;
type Story = StoryObj<typeof meta>;

const RATE = 48_000;
const DEFAULTS = defaultParams(eqStage.params);

/** Our default setting against a native chain whose 1 kHz band is 0.5 dB higher: the 1e-4 comparison must fail. */
export const NativeChainHalfADecibelOff: Story = {
  play: async () => {
    const input = whiteNoise(RATE / 2, 0.5, 21);
    const bands = eqBands(DEFAULTS).map((b, i) => (i === 3 ? { ...b, gainDb: b.gainDb + 0.5 } : b));
    const r = await renderOffline({
      stage: 'eq', params: DEFAULTS, input, sampleRate: RATE,
      parallel: (ctx, source) => bands.filter((b) => b.type !== 'off').reduce<AudioNode>((node, b) => {
        const f = new BiquadFilterNode(ctx, { type: b.type as BiquadFilterType, frequency: b.frequencyHz, gain: b.gainDb, Q: b.q });
        node.connect(f);
        return f;
      }, source),
    });
    let worst = 0;
    for (let i = 0; i < input.length; i++) worst = Math.max(worst, Math.abs(r.output[i]! - r.parallelOutput![i]!));
    expect(worst).toBeLessThan(1e-4);
  },
};

/** The TypeScript reference (wasm refused) changes a band's type without a crossfade: the no-click assertion must fail. */
export const UnsmoothedTypeChangeClicks: Story = {
  play: async () => {
    const corrupt = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0xff]).buffer;
    const r = await renderJump('band5Type', 'lowpass', corrupt);
    expect(r.status).toBe('fallback');
    expect(r.ratio, `step ${r.transition} after the jump vs ${r.own} before/after`).toBeLessThanOrEqual(1.02);
  },
};
