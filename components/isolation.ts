/**
 * Cross-origin isolation from any static host. A host that sends COOP/COEP isolates the page by
 * itself; on one that does not (GitHub Pages, a plain file server), the preview registers
 * coi-serviceworker (served from the Storybook root as `coi-serviceworker.js`, a copy of the npm
 * package's file), which adds the headers to every response of its scope, and reloads the page
 * once so the new headers apply. The worker registered is `stagebench-sw.js`, which loads
 * coi-serviceworker and passes navigations that carry the opt-out through untouched. Where even
 * that is impossible, the workbench runs in the postMessage fallback and `isolationState()` says
 * why (the bench shows it under the status bar).
 *
 * Opt out, to run the fallback on purpose: `?coi=0` (or `off`, `false`, `no`) in the URL of the
 * story or of the Storybook page around it, or `window.STAGEBENCH_COI = false` before the preview
 * loads. A URL opt-out takes effect at once (the worker adds no headers to that page) and the
 * worker is unregistered in the background; the global opt-out, which the worker cannot see,
 * unregisters it and reloads once.
 */
import { useSyncExternalStore } from 'react';
import { errorMessage } from '../worklet/errors.ts';

/** File name of the service worker, at the Storybook root (copied there from .storybook/static/). */
export const COI_SERVICE_WORKER_FILE = 'stagebench-sw.js';
/** The URL parameter that turns the service worker off: `?coi=0`. */
export const COI_URL_PARAM = 'coi';
/** sessionStorage key: when this tab last reloaded for the service worker (ms since epoch). */
export const RELOAD_KEY = 'stagebench-coi-reload';
/** A reload older than this is forgotten: a later visit in the same tab may try again. */
export const RELOAD_MEMORY_MS = 30_000;
/** How long the service worker may take to install and activate before we give up. */
export const ACTIVATION_TIMEOUT_MS = 10_000;
/** How long unregister() may take before the page reloads anyway (browsers queue it behind other service-worker jobs). */
export const UNREGISTER_TIMEOUT_MS = 5_000;

const OFF_VALUES = new Set(['0', 'off', 'false', 'no']);

declare global {
  interface Window {
    /** `false` turns the COOP/COEP service worker off (the postMessage fallback runs). */
    STAGEBENCH_COI?: boolean;
  }
}

export type IsolationState =
  | { status: 'isolated'; by: 'headers' | 'service-worker'; detail: string }
  | { status: 'pending'; detail: string }
  | { status: 'fallback'; reason: string };

/**
 * Why the service worker is off, or null when it is not: `globalValue` is
 * `window.STAGEBENCH_COI`, `searches` the query strings of this page and of the page around it.
 */
export function coiOptOut(searches: readonly (string | null | undefined)[], globalValue: unknown): string | null {
  if (globalValue === false) return 'window.STAGEBENCH_COI = false';
  for (const search of searches) {
    if (!search) continue;
    const value = new URLSearchParams(search).get(COI_URL_PARAM);
    if (value !== null && OFF_VALUES.has(value.trim().toLowerCase())) return `?${COI_URL_PARAM}=${value.trim()} in the URL`;
  }
  return null;
}

/** What the page knows about itself when it loads. */
export interface IsolationEnv {
  /** `window.crossOriginIsolated` (undefined in a browser without the notion). */
  crossOriginIsolated: boolean | undefined;
  /** From `coiOptOut`. */
  optOut: string | null;
  isSecureContext: boolean;
  origin: string;
  /** `navigator.serviceWorker` exists. */
  hasServiceWorker: boolean;
  /** Our service worker controls this page. */
  controlledByCoi: boolean;
  /** The page is inside a frame of another origin (the Storybook page around it is out of reach). */
  embeddedCrossOrigin: boolean;
  /** This tab reloaded for the service worker within RELOAD_MEMORY_MS; null when sessionStorage is unavailable. */
  reloadedRecently: boolean | null;
}

export type IsolationDecision =
  | { action: 'none'; state: IsolationState }
  /** Register the service worker, then reload once. */
  | { action: 'register'; state: IsolationState }
  /** The opt-out while our service worker controls the page and it is still isolated: unregister it, then reload once. */
  | { action: 'unregister'; state: IsolationState }
  /** The opt-out took effect (the worker passed this page through): unregister it in the background, no reload. */
  | { action: 'forget'; state: IsolationState };

/** The pure part of `startCrossOriginIsolation`: what to do, and what to show meanwhile. */
export function decideIsolation(env: IsolationEnv): IsolationDecision {
  const fallback = (reason: string): IsolationDecision => ({ action: 'none', state: { status: 'fallback', reason } });
  if (env.crossOriginIsolated === true) {
    if (env.controlledByCoi && env.optOut) {
      if (env.reloadedRecently !== false) {
        const detail = `COOP/COEP added by the service worker, which ${env.optOut} asked off but still controls this page: unregister it in the browser's settings for this site`;
        return { action: 'none', state: { status: 'isolated', by: 'service-worker', detail } };
      }
      return {
        action: 'unregister',
        state: { status: 'pending', detail: `service worker off (${env.optOut}): unregistering it and reloading once` },
      };
    }
    return env.controlledByCoi
      ? {
          action: 'none',
          state: { status: 'isolated', by: 'service-worker', detail: 'COOP/COEP added by the service worker (the server sends none)' },
        }
      : { action: 'none', state: { status: 'isolated', by: 'headers', detail: "COOP/COEP from the server's headers" } };
  }
  if (env.crossOriginIsolated === undefined)
    return fallback('this browser has no cross-origin isolation (window.crossOriginIsolated is missing)');
  if (env.optOut) {
    // not isolated: the worker passed the page through (or none controls it); no reload needed
    if (env.controlledByCoi) return { action: 'forget', state: { status: 'fallback', reason: `service worker off (${env.optOut})` } };
    return fallback(`service worker off (${env.optOut})`);
  }
  if (!env.isSecureContext) return fallback(`${env.origin} is not a secure origin: service workers need https:// or http://localhost`);
  if (!env.hasServiceWorker)
    return fallback(
      'this browser offers no service workers here (navigator.serviceWorker is missing: a private window, or turned off in its settings)',
    );
  if (env.embeddedCrossOrigin)
    return fallback('embedded in a page of another origin, which is not cross-origin isolated: open the story on its own');
  if (env.reloadedRecently === null)
    return fallback("sessionStorage is unavailable, so the service worker's one reload cannot be guarded: not registered");
  if (env.reloadedRecently) {
    return fallback(
      env.controlledByCoi
        ? 'the service worker controls this page, but it is still not cross-origin isolated after one reload (is the page around it isolated?)'
        : 'reloaded once for the service worker, but it does not control this page (a hard refresh bypasses it: reload normally)',
    );
  }
  return { action: 'register', state: { status: 'pending', detail: 'registering the COOP/COEP service worker' } };
}

/** The one-line text the bench shows for a state. */
export function describeIsolation(state: IsolationState): string {
  switch (state.status) {
    case 'isolated':
      return `cross-origin isolated: ${state.detail}`;
    case 'pending':
      return `not yet isolated: ${state.detail}…`;
    case 'fallback':
      return `not isolated (postMessage fallback): ${state.reason}`;
  }
}

// ---------------------------------------------------------------------------------------------
// The page's state, and the effects

let current: IsolationState = { status: 'pending', detail: 'checking' };
const listeners = new Set<() => void>();
let started: Promise<IsolationState> | null = null;

function setState(state: IsolationState): void {
  current = state;
  for (const l of listeners) l();
}

export function isolationState(): IsolationState {
  return current;
}

export function subscribeIsolation(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The page's isolation state, re-rendered when it changes. */
export function useIsolation(): IsolationState {
  return useSyncExternalStore(subscribeIsolation, isolationState, isolationState);
}

/** The Storybook page around this preview, when it is of the same origin; null when there is none or it is out of reach. */
function sameOriginTop(win: Window): Window | null {
  try {
    const top = win.top;
    if (!top || top === win) return null;
    void top.location.href; // throws for another origin
    return top;
  } catch {
    return null;
  }
}

function embeddedCrossOrigin(win: Window): boolean {
  try {
    return win.top !== win && sameOriginTop(win) === null;
  } catch {
    return true;
  }
}

function reloadedRecently(win: Window, now: number): boolean | null {
  try {
    const at = Number(win.sessionStorage.getItem(RELOAD_KEY));
    return Number.isFinite(at) && at > 0 && now - at < RELOAD_MEMORY_MS;
  } catch {
    return null;
  }
}

function isCoiWorker(url: string | undefined | null): boolean {
  return !!url && new URL(url).pathname.endsWith(`/${COI_SERVICE_WORKER_FILE}`);
}

/** Reloads the Storybook page around the preview when there is one (its headers matter too), else the preview itself. */
function reloadOnce(win: Window): void {
  try {
    win.sessionStorage.setItem(RELOAD_KEY, String(Date.now()));
  } catch {
    return; // decideIsolation never asks for a reload without sessionStorage
  }
  (sameOriginTop(win) ?? win).location.reload();
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const id = setTimeout(() => reject(new Error(`${what} within ${ms / 1000} s`)), ms);
    promise.then(
      (v) => {
        clearTimeout(id);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(id);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

async function registerAndReload(win: Window): Promise<IsolationState> {
  const sw = win.navigator.serviceWorker;
  const scriptUrl = new URL(COI_SERVICE_WORKER_FILE, win.document.baseURI).href;
  let registration: ServiceWorkerRegistration;
  try {
    registration = await sw.register(scriptUrl);
  } catch (err) {
    return { status: 'fallback', reason: `service worker registration failed: ${errorMessage(err)}` };
  }
  setState({ status: 'pending', detail: 'starting the COOP/COEP service worker' });
  try {
    // `ready` resolves once a worker of this page's scope is active (it skips waiting)
    await withTimeout(sw.ready, ACTIVATION_TIMEOUT_MS, 'the service worker did not activate');
  } catch (err) {
    return { status: 'fallback', reason: errorMessage(err) };
  }
  if (!isCoiWorker(registration.active?.scriptURL)) {
    return { status: 'fallback', reason: `another service worker is active here (${registration.active?.scriptURL ?? 'none'})` };
  }
  const state: IsolationState = { status: 'pending', detail: 'reloading once so the service worker adds COOP/COEP' };
  setState(state);
  reloadOnce(win);
  return state;
}

async function unregisterOurs(win: Window): Promise<void> {
  const registrations = await win.navigator.serviceWorker.getRegistrations();
  const ours = registrations.filter((r) => isCoiWorker((r.active ?? r.waiting ?? r.installing)?.scriptURL));
  await Promise.all(ours.map((r) => r.unregister()));
}

async function unregisterAndReload(win: Window): Promise<IsolationState> {
  try {
    await withTimeout(unregisterOurs(win), UNREGISTER_TIMEOUT_MS, 'the browser did not unregister the service worker');
  } catch (err) {
    // reload regardless: if the worker still controls the page then, the bench says so and how to remove it
    console.warn(`stagebench: ${errorMessage(err)}; reloading anyway`);
  }
  reloadOnce(win);
  return isolationState();
}

/**
 * Once per page: decides, registers or unregisters the service worker (reloading once), and
 * publishes the state. Never rejects: a failure is a fallback reason.
 */
export function startCrossOriginIsolation(win: Window = window): Promise<IsolationState> {
  started ??= (async () => {
    const top = sameOriginTop(win);
    const env: IsolationEnv = {
      crossOriginIsolated: win.crossOriginIsolated as boolean | undefined,
      optOut: coiOptOut([win.location.search, top?.location.search], win.STAGEBENCH_COI),
      isSecureContext: win.isSecureContext,
      origin: win.location.origin,
      hasServiceWorker: 'serviceWorker' in win.navigator && !!win.navigator.serviceWorker,
      controlledByCoi: isCoiWorker(win.navigator.serviceWorker?.controller?.scriptURL),
      embeddedCrossOrigin: embeddedCrossOrigin(win),
      reloadedRecently: reloadedRecently(win, Date.now()),
    };
    const decision = decideIsolation(env);
    setState(decision.state);
    if (decision.state.status === 'isolated') {
      try {
        win.sessionStorage.removeItem(RELOAD_KEY);
      } catch {
        // nothing to forget
      }
    }
    let final: IsolationState = decision.state;
    if (decision.action === 'register') final = await registerAndReload(win);
    else if (decision.action === 'unregister') final = await unregisterAndReload(win);
    else if (decision.action === 'forget') {
      // the page already runs the fallback; the registration goes whenever the browser gets to it
      unregisterOurs(win).catch((err: unknown) =>
        console.warn(`stagebench: unregistering the service worker failed: ${errorMessage(err)}`),
      );
    }
    setState(final);
    return final;
  })();
  return started;
}
