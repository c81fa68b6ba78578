/**
 * A decode story that must FAIL (the expected-failure gate of `npm test`): proof that the
 * bit-exact comparison of a decode against the WAV's PCM catches one LSB anywhere.
 */
import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect } from 'storybook/test';
import { StagebenchRuntime } from '../worklet/host.ts';
import { decode } from '../dsp-stages/decode/pool/decode.ts';
import { expectBitExact } from './support/assertions.ts';
import { fixtureBytes, referencePcm } from './support/decodeFixtures.ts';
import { failsWith } from './support/expectedFailure.ts';

function Nothing() {
  return <p>Checks on the page&apos;s decode pool only: see the Interactions panel.</p>;
}

const meta = {
  title: 'Expected Failures/Decode',
  component: Nothing,
  tags: ['expected-failure', '!test', '!autodocs'],
} satisfies Meta<typeof Nothing>;

export default meta;
type Story = StoryObj<typeof meta>;

/**
 * The FLAC decoded on the pool, as in "FLAC bit-exact", against the WAV's PCM with the very last
 * sample of the right channel one 16-bit step off (the end of the last chunk of the last task):
 * the bit-exact assertion must fail.
 */
export const FlacAgainstPcmOneLsbOff: Story = {
  parameters: failsWith(/^flac channel 1 vs PCM one LSB off: 1 samples differ first at sample 440999/),
  play: async () => {
    const pool = await StagebenchRuntime.get().pool(0);
    const ref = await referencePcm();
    const r = await decode(
      pool,
      { name: 'signal.flac', bytes: await fixtureBytes('signal.flac') },
      { outputRate: ref.sampleRate, chunkFrames: 32768 },
    );
    expect(r.error).toBeNull();
    expectBitExact(r.channelData[0]!, ref.channels[0]!, 'flac channel 0');
    const right = ref.channels[1]!.slice();
    right[right.length - 1] = right[right.length - 1]! + 1 / 32768;
    expectBitExact(r.channelData[1]!, right, 'flac channel 1 vs PCM one LSB off');
  },
};
