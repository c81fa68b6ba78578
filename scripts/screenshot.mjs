#!/usr/bin/env node
// Screenshot of one story from the static build, in Debian's Chromium:
//   node scripts/screenshot.mjs <story-id> <out.png> [--wait ms] [--docs] [--canvas] [--clip y,height] [--no-isolation]
// --canvas shoots the story's own page (iframe.html), whole, without the Storybook manager around it.
// --no-isolation serves without COOP/COEP and opens the page with ?coi=0: the postMessage fallback.
import { chromium } from 'playwright';
import { serveStatic } from './serve-static.mjs';
import { chromiumPath } from './setup.mjs';

const [id, out] = process.argv.slice(2);
if (!id || !out) {
  console.error(
    'usage: node scripts/screenshot.mjs <story-id> <out.png> [--wait ms] [--docs] [--canvas] [--clip y,height] [--no-isolation]',
  );
  process.exit(2);
}
const waitIdx = process.argv.indexOf('--wait');
const waitMs = waitIdx > 0 ? Number(process.argv[waitIdx + 1]) : 4000;
const docs = process.argv.includes('--docs');
const canvasOnly = process.argv.includes('--canvas');
const clipIdx = process.argv.indexOf('--clip');
const [clipY, clipH] = clipIdx > 0 ? process.argv[clipIdx + 1].split(',').map(Number) : [0, 0];
const isolated = !process.argv.includes('--no-isolation');
const server = await serveStatic({ isolated });
const browser = await chromium.launch({
  executablePath: chromiumPath(),
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--autoplay-policy=no-user-gesture-required',
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('console', (msg) => {
    if (msg.type() === 'error') console.error(`page: ${msg.text()}`);
  });
  const path = canvasOnly
    ? `/iframe.html?id=${id}&viewMode=${docs ? 'docs' : 'story'}`
    : docs
      ? `/?path=/docs/${id}`
      : `/?path=/story/${id}`;
  await page.goto(`${server.url}${path}${isolated ? '' : '&coi=0'}`);
  await page.waitForTimeout(waitMs);
  await page.screenshot(
    clipH > 0 ? { path: out, fullPage: true, clip: { x: 0, y: clipY, width: 1280, height: clipH } } : { path: out, fullPage: true },
  );
  console.log(`screenshot: ${out}`);
} finally {
  await browser.close();
  await server.stop();
}
