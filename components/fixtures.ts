/**
 * The committed decode fixtures (fixtures/decode/, see its README), bundled as URLs: the source
 * picker's built-in files and the Decode story's.
 */
import signalWav from '../fixtures/decode/signal.wav?url';
import signalFlac from '../fixtures/decode/signal.flac?url';
import signalMp3 from '../fixtures/decode/signal.mp3?url';
import float64Wav from '../fixtures/decode/float64.wav?url';
import multi8Wav from '../fixtures/decode/multi8-short.wav?url';
import truncatedFlac from '../fixtures/decode/truncated.flac?url';
import garbageMp3 from '../fixtures/decode/garbage.mp3?url';
import brokenSizeWav from '../fixtures/decode/broken-size.wav?url';
import emptyWav from '../fixtures/decode/empty.wav?url';

export const FIXTURES = {
  'signal.wav': signalWav,
  'signal.flac': signalFlac,
  'signal.mp3': signalMp3,
  'float64.wav': float64Wav,
  'multi8-short.wav': multi8Wav,
  'truncated.flac': truncatedFlac,
  'garbage.mp3': garbageMp3,
  'broken-size.wav': brokenSizeWav,
  'empty.wav': emptyWav,
} as const;

export type FixtureName = keyof typeof FIXTURES;

/**
 * A fixture's id as a story arg: its name with the dot as a dash (`signal-wav`), since Storybook
 * URL args carry only letters, digits, spaces, `_` and `-`: shared links then keep the file.
 */
export type FixtureId = { [K in FixtureName]: K extends `${infer B}.${infer E}` ? `${B}-${E}` : never }[FixtureName];

/** The fixture a `file` source starts on, and plays when its spec names none (a link without the `fixture` arg). */
export const DEFAULT_FIXTURE: FixtureId = 'signal-wav';

/** The fixture a source spec's `fixture` id names, or null. */
export function fixtureName(id: string | undefined): FixtureName | null {
  return id !== undefined && Object.hasOwn(FIXTURE_BY_ID, id) ? FIXTURE_BY_ID[id as FixtureId] : null;
}

export function fixtureId(name: FixtureName): FixtureId {
  return name.replace('.', '-') as FixtureId;
}

export const FIXTURE_BY_ID = Object.fromEntries((Object.keys(FIXTURES) as FixtureName[]).map((n) => [fixtureId(n), n])) as Record<
  FixtureId,
  FixtureName
>;

const cache = new Map<FixtureName, Promise<Uint8Array>>();

/** The fixture's bytes (fetched once per page; each call gets its own copy, as decodes may transfer them). */
export async function fixtureBytes(name: FixtureName): Promise<Uint8Array> {
  let p = cache.get(name);
  if (!p) {
    p = fetch(FIXTURES[name]).then(async (res) => {
      if (!res.ok) throw new Error(`fixture ${name}: HTTP ${res.status}`);
      return new Uint8Array(await res.arrayBuffer());
    });
    cache.set(name, p);
  }
  return (await p).slice();
}
