/**
 * Cross-origin isolation from any static host: the opt-out, the decision for every situation the
 * page can be in, and the served service worker: the npm package's file unchanged, loaded by ours,
 * which passes opted-out pages through.
 */
import { runInNewContext } from 'node:vm';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { COI_SERVICE_WORKER_FILE, coiOptOut, decideIsolation, describeIsolation, type IsolationEnv } from './isolation.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** A plain static host on http://localhost, first visit. */
const plainFirstVisit: IsolationEnv = {
  crossOriginIsolated: false,
  optOut: null,
  isSecureContext: true,
  origin: 'http://localhost:6007',
  hasServiceWorker: true,
  controlledByCoi: false,
  embeddedCrossOrigin: false,
  reloadedRecently: false,
};

describe('coiOptOut', () => {
  it('reads ?coi=0 and its spellings from the page or the page around it', () => {
    expect(coiOptOut(['?id=x&coi=0'], undefined)).toBe('?coi=0 in the URL');
    expect(coiOptOut(['?id=x', '?path=/story/x&coi=off'], undefined)).toBe('?coi=off in the URL');
    expect(coiOptOut(['?coi=FALSE'], undefined)).toBe('?coi=FALSE in the URL');
    expect(coiOptOut(['coi=no'], undefined)).toBe('?coi=no in the URL');
  });
  it('reads window.STAGEBENCH_COI = false, before the URL', () => {
    expect(coiOptOut(['?coi=0'], false)).toBe('window.STAGEBENCH_COI = false');
    expect(coiOptOut([], false)).toBe('window.STAGEBENCH_COI = false');
  });
  it('is on otherwise: no parameter, coi=1, other values, a truthy global, missing searches', () => {
    expect(coiOptOut(['?id=x&viewMode=story'], undefined)).toBeNull();
    expect(coiOptOut(['?coi=1'], undefined)).toBeNull();
    expect(coiOptOut(['?coi=zero'], true)).toBeNull();
    expect(coiOptOut([null, undefined, ''], 0)).toBeNull();
  });
});

describe('decideIsolation', () => {
  it('does nothing when the server sends COOP/COEP', () => {
    const d = decideIsolation({ ...plainFirstVisit, crossOriginIsolated: true });
    expect(d).toEqual({ action: 'none', state: { status: 'isolated', by: 'headers', detail: "COOP/COEP from the server's headers" } });
    // the opt-out concerns the service worker only: headers still isolate
    expect(decideIsolation({ ...plainFirstVisit, crossOriginIsolated: true, optOut: '?coi=0 in the URL' }).state).toMatchObject({
      status: 'isolated',
      by: 'headers',
    });
  });
  it('registers the service worker on a plain host, and says it is isolated by it after the reload', () => {
    expect(decideIsolation(plainFirstVisit)).toMatchObject({ action: 'register', state: { status: 'pending' } });
    const after = decideIsolation({ ...plainFirstVisit, crossOriginIsolated: true, controlledByCoi: true, reloadedRecently: true });
    expect(after).toMatchObject({ action: 'none', state: { status: 'isolated', by: 'service-worker' } });
  });
  it('registers again (and reloads the page around) when the worker controls the preview but the page is not isolated yet', () => {
    expect(decideIsolation({ ...plainFirstVisit, controlledByCoi: true }).action).toBe('register');
  });
  it('never reloads twice: after a recent reload, a fallback with the reason', () => {
    const notControlled = decideIsolation({ ...plainFirstVisit, reloadedRecently: true });
    expect(notControlled.action).toBe('none');
    expect(notControlled.state).toMatchObject({ status: 'fallback', reason: expect.stringMatching(/hard refresh bypasses it/) });
    const controlled = decideIsolation({ ...plainFirstVisit, reloadedRecently: true, controlledByCoi: true });
    expect(controlled.state).toMatchObject({
      status: 'fallback',
      reason: expect.stringMatching(/still not cross-origin isolated after one reload/),
    });
  });
  it('gives the reason for every case it cannot isolate', () => {
    const reason = (env: Partial<IsolationEnv>) => {
      const d = decideIsolation({ ...plainFirstVisit, ...env });
      expect(d.action).toBe('none');
      if (d.state.status !== 'fallback') throw new Error(`expected a fallback, got ${d.state.status}`);
      return d.state.reason;
    };
    expect(reason({ optOut: '?coi=0 in the URL' })).toBe('service worker off (?coi=0 in the URL)');
    expect(reason({ isSecureContext: false, origin: 'http://192.168.1.20:6007' })).toBe(
      'http://192.168.1.20:6007 is not a secure origin: service workers need https:// or http://localhost',
    );
    expect(reason({ hasServiceWorker: false })).toMatch(/no service workers here \(navigator.serviceWorker is missing/);
    expect(reason({ embeddedCrossOrigin: true })).toMatch(/embedded in a page of another origin/);
    expect(reason({ reloadedRecently: null })).toMatch(/sessionStorage is unavailable/);
    expect(reason({ crossOriginIsolated: undefined })).toMatch(/window.crossOriginIsolated is missing/);
  });
  it('with the opt-out, unregisters a service worker that still controls the page, once', () => {
    const isolatedBySw = { ...plainFirstVisit, crossOriginIsolated: true, controlledByCoi: true, optOut: '?coi=0 in the URL' };
    // still isolated (the global opt-out, which the worker cannot see): unregister and reload once
    expect(decideIsolation(isolatedBySw)).toMatchObject({ action: 'unregister', state: { status: 'pending' } });
    // after that reload, no loop: it says what happened
    const stuck = decideIsolation({ ...isolatedBySw, reloadedRecently: true });
    expect(stuck.action).toBe('none');
    expect(stuck.state).toMatchObject({
      status: 'isolated',
      by: 'service-worker',
      detail: expect.stringMatching(/asked off but still controls this page/),
    });
  });
  it('with a URL opt-out the worker passed through: the fallback at once, the worker forgotten in the background, no reload', () => {
    const passedThrough = { ...plainFirstVisit, crossOriginIsolated: false, controlledByCoi: true, optOut: '?coi=0 in the URL' };
    expect(decideIsolation(passedThrough)).toEqual({
      action: 'forget',
      state: { status: 'fallback', reason: 'service worker off (?coi=0 in the URL)' },
    });
    expect(decideIsolation({ ...passedThrough, reloadedRecently: true }).action).toBe('forget');
    expect(decideIsolation({ ...passedThrough, controlledByCoi: false })).toEqual({
      action: 'none',
      state: { status: 'fallback', reason: 'service worker off (?coi=0 in the URL)' },
    });
  });
});

describe('describeIsolation', () => {
  it('says isolated, pending or fallback with the detail', () => {
    expect(describeIsolation({ status: 'isolated', by: 'headers', detail: 'x' })).toBe('cross-origin isolated: x');
    expect(describeIsolation({ status: 'pending', detail: 'y' })).toBe('not yet isolated: y…');
    expect(describeIsolation({ status: 'fallback', reason: 'z' })).toBe('not isolated (postMessage fallback): z');
  });
});

describe('the served service worker', () => {
  const require = createRequire(import.meta.url);
  const pkgDir = dirname(require.resolve('coi-serviceworker/package.json'));

  it('loads coi-serviceworker 0.1.7 from npm, byte for byte, from the Storybook static folder', () => {
    const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string };
    expect(pkg.version).toBe('0.1.7');
    const library = readFileSync(join(root, '.storybook/static/coi-serviceworker.js'), 'utf8');
    expect(library).toBe(readFileSync(join(pkgDir, 'coi-serviceworker.js'), 'utf8'));
    // it adds both headers, and the page's reload is ours (its window branch is not used)
    expect(library).toContain('"Cross-Origin-Embedder-Policy"');
    expect(library).toContain('"Cross-Origin-Opener-Policy", "same-origin"');
    expect(readFileSync(join(root, '.storybook/static', COI_SERVICE_WORKER_FILE), 'utf8')).toContain(
      "importScripts('./coi-serviceworker.js')",
    );
  });

  /** Runs the worker script in a stand-in service-worker scope; returns what one fetch event did. */
  function fetchEvent(url: string, mode: string): { passedThrough: boolean; libraryHandled: boolean } {
    const listeners: ((e: unknown) => void)[] = [];
    const self = {
      addEventListener: (type: string, fn: (e: unknown) => void) => {
        if (type === 'fetch') listeners.push(fn);
      },
    };
    const scope = {
      self,
      URL,
      Set,
      fetch: (r: unknown) => ({ fetched: r }),
      // the library's fetch listener, as importScripts would add it after ours
      importScripts: () =>
        self.addEventListener('fetch', (e) => {
          (e as { library: boolean }).library = true;
        }),
    };
    runInNewContext(readFileSync(join(root, '.storybook/static', COI_SERVICE_WORKER_FILE), 'utf8'), scope);
    let stopped = false;
    let responded: unknown = null;
    const event = {
      request: { url, mode },
      library: false,
      stopImmediatePropagation: () => {
        stopped = true;
      },
      respondWith: (r: unknown) => {
        responded = r;
      },
    };
    for (const fn of listeners) {
      fn(event);
      if (stopped) break;
    }
    return { passedThrough: responded !== null && stopped, libraryHandled: event.library };
  }

  it('passes a navigation with ?coi=0 (or off, false, no) through untouched, and leaves everything else to the library', () => {
    for (const v of ['0', 'off', 'FALSE', ' no ']) {
      expect(fetchEvent(`http://localhost:6006/iframe.html?id=x&coi=${encodeURIComponent(v)}`, 'navigate')).toEqual({
        passedThrough: true,
        libraryHandled: false,
      });
    }
    expect(fetchEvent('http://localhost:6006/iframe.html?id=x', 'navigate')).toEqual({ passedThrough: false, libraryHandled: true });
    expect(fetchEvent('http://localhost:6006/iframe.html?id=x&coi=1', 'navigate')).toEqual({ passedThrough: false, libraryHandled: true });
    // a subresource of an opted-out page: the library's as before (the page is not isolated anyway)
    expect(fetchEvent('http://localhost:6006/assets/x.js?coi=0', 'cors')).toEqual({ passedThrough: false, libraryHandled: true });
  });
});
