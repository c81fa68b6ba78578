// Jest config for test-storybook: Debian's Chromium (Playwright cannot download browsers here)
// with flags for headless audio, fake media devices and precise heap figures.
const { getJestConfig } = require('@storybook/test-runner');

const base = getJestConfig();
const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const fakeAudio = process.env.STAGEBENCH_FAKE_MIC_WAV;

module.exports = {
  ...base,
  testTimeout: 60_000,
  reporters: ['default'],
  testEnvironmentOptions: {
    'jest-playwright': {
      ...base.testEnvironmentOptions['jest-playwright'],
      browsers: ['chromium'],
      launchOptions: {
        executablePath: chromium,
        headless: true,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--autoplay-policy=no-user-gesture-required',
          '--use-fake-ui-for-media-stream',
          '--use-fake-device-for-media-stream',
          ...(fakeAudio ? [`--use-file-for-fake-audio-capture=${fakeAudio}`] : []),
          '--enable-precise-memory-info',
          '--js-flags=--expose-gc',
          '--disable-background-timer-throttling',
          '--disable-renderer-backgrounding',
          '--disable-backgrounding-occluded-windows',
        ],
      },
    },
  },
};
