/**
 * EQ stories that must FAIL (the expected-failure gate of `npm test`): proof that the native-chain
 * comparison and the no-click assertion can fail. Each declares the assertion it must fail on.
 */
import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect } from 'storybook/test';
import { eqBands } from '../dsp-stages/eq/params.ts';
import { eqStage } from '../dsp-stages/eq/index.ts';
import { defaultParams } from '../dsp-stages/params.ts';
import { whiteNoise } from '../dsp-stages/signals.ts';
import { NATIVE_CHAIN_TOLERANCE, NO_CLICK_JUMPS, expectNoClick, nativeChain, renderJump } from './support/eqChecks.ts';
import { expectMaxDifference } from './support/assertions.ts';
import { failsWith } from './support/expectedFailure.ts';
import { renderOffline } from '../worklet/offline-render.ts';

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
/** Wasm bytes that do not compile: the stage runs its TypeScript reference, which does not smooth. */
const CORRUPT_WASM = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0xff]).buffer;

/** Our default setting against a native chain whose 1 kHz band is 0.5 dB higher: the 1e-4 comparison must fail. */
export const NativeChainHalfADecibelOff: Story = {
  parameters: failsWith(/ours vs the native BiquadFilterNode chain: largest difference/),
  play: async () => {
    const input = whiteNoise(RATE / 2, 0.5, 21);
    const bands = eqBands(DEFAULTS).map((b, i) => (i === 3 ? { ...b, gainDb: b.gainDb + 0.5 } : b));
    const r = await renderOffline({ stage: 'eq', params: DEFAULTS, input, sampleRate: RATE, parallel: nativeChain(bands) });
    expect(r.status, `fallback: ${r.reason}`).toBe('active');
    expectMaxDifference(r.output, r.parallelOutput!, NATIVE_CHAIN_TOLERANCE, 'ours vs the native BiquadFilterNode chain');
  },
};

/** The TypeScript reference (wasm refused) changes a band's type without a crossfade: the no-click assertion must fail. */
export const UnsmoothedTypeChangeClicks: Story = {
  parameters: failsWith(/no click \(2\.5 kHz band peaking → lowpass\): largest step/),
  play: async () => {
    const { label, name, value } = NO_CLICK_JUMPS[1];
    const r = await renderJump(name, value, CORRUPT_WASM);
    expect(r.status).toBe('fallback');
    expectNoClick(r, label);
  },
};

/**
 * The same +12 dB jump of the 1 kHz band as the no-click story, on the unsmoothed reference: every
 * sample step stays within the louder tone's own, but the tone residual catches the step in level.
 */
export const UnsmoothedGainJumpClicks: Story = {
  parameters: failsWith(/no click \(\+12 dB at 1 kHz\): tone residual/),
  play: async () => {
    const { label, name, value } = NO_CLICK_JUMPS[0];
    const r = await renderJump(name, value, CORRUPT_WASM);
    expect(r.status).toBe('fallback');
    expectNoClick(r, label);
  },
};
