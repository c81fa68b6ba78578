/** The decode fixtures for the stories: components/fixtures.ts, and the reference PCM they decode to. */
import { parseWav } from '../../dsp-stages/wav.ts';
import { fixtureBytes } from '../../components/fixtures.ts';

export {
  FIXTURES,
  FIXTURE_BY_ID,
  fixtureBytes,
  fixtureId,
  fixtureName,
  type FixtureId,
  type FixtureName,
} from '../../components/fixtures.ts';

/** The decode fixtures' PCM as float32 planes, read from signal.wav: what WAV and FLAC decode to bit for bit. */
export async function referencePcm(): Promise<{ sampleRate: number; channels: Float32Array[] }> {
  const wav = parseWav(await fixtureBytes('signal.wav'));
  return { sampleRate: wav.sampleRate, channels: wav.channels };
}
