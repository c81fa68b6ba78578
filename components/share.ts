/**
 * Shareable story links: the Storybook URL of the current story with its current args
 * (`&args=name:value;...`), the bench's local source choice included. Pure functions, plus the
 * React context through which the Storybook preview tells the bench which story it renders (a
 * component imports no Storybook module; without the context, the bench shows no link).
 */
import { createContext } from 'react';
import type { SourceSpec } from '../dsp-stages/signals.ts';

export type ArgValue = string | number | boolean | null | undefined | object;

export interface StoryShareInfo {
  /** Storybook story id, e.g. `dsp-stages-fft-32k--peak-between-bins`. */
  storyId: string;
  /** The story's current args (controls and URL applied), as the URL holds them: before any argType `mapping`. */
  args: Readonly<Record<string, unknown>>;
  /**
   * The argTypes' `mapping`s, by arg name (URL-safe key → the value the story gets): an arg whose
   * values Storybook would drop from a link (`lowpass-0.4`) goes by a key it keeps (`lowpass-0_4`).
   */
  mappings?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** Set by the preview's decorator (.storybook/preview.tsx). */
export const StoryShareContext = createContext<StoryShareInfo | null>(null);

// The characters Storybook accepts in URL args (its validateArgs): anything else it drops.
const SAFE_KEY = /^[a-zA-Z0-9 _-]+$/;
const SAFE_STRING = /^[a-zA-Z0-9 _-]*$/;
const NUMBER = /^-?[0-9]+(\.[0-9]+)?$/;

/** A number as Storybook's URL parser reads it back (digits, one point, no exponent), or null. */
export function urlNumber(value: number): string | null {
  if (!Number.isFinite(value)) return null;
  let s = String(value);
  if (!NUMBER.test(s)) {
    // 1e-7 or 1e21: spell the digits out
    s = value
      .toFixed(20)
      .replace(/(\.\d*?)0+$/, '$1')
      .replace(/\.$/, '');
    if (!NUMBER.test(s)) return null;
  }
  return s === '-0' ? '0' : s;
}

export interface ArgsParam {
  /** `name:value;name:value`, as Storybook writes it; '' when nothing can be carried. */
  param: string;
  /** Args left out, with why: Storybook would drop them from the URL. */
  omitted: string[];
}

/** A plain object (an object arg), not an array, a Date or a class instance. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

/**
 * Storybook's `args` URL parameter: numbers plainly, booleans as `!true`/`!false`, null as
 * `!null`, strings of letters, digits, space, `_` and `-` (a space as `+`), and plain objects
 * member by member in dot notation (`params.eq.band1GainDb:-9`, as Storybook writes and reads
 * them). Anything else (arrays, functions, strings with other characters, NaN) is omitted and
 * named in `omitted`.
 */
export function encodeArgsParam(args: Readonly<Record<string, unknown>>, prefix = ''): ArgsParam {
  const parts: string[] = [];
  const omitted: string[] = [];
  for (const [name, value] of Object.entries(args)) {
    if (value === undefined) continue;
    const key = `${prefix}${name}`;
    if (!SAFE_KEY.test(name)) {
      omitted.push(`${key} (name not URL-safe)`);
      continue;
    }
    if (isPlainObject(value)) {
      const inner = encodeArgsParam(value, `${key}.`);
      if (inner.param) parts.push(inner.param);
      omitted.push(...inner.omitted);
      continue;
    }
    let text: string | null;
    if (typeof value === 'number') text = urlNumber(value);
    else if (typeof value === 'boolean') text = `!${value}`;
    else if (value === null) text = '!null';
    else if (typeof value === 'string') text = SAFE_STRING.test(value) || NUMBER.test(value) ? value.replace(/ /g, '+') : null;
    else text = null;
    if (text === null) {
      omitted.push(
        `${key} (${typeof value === 'string' ? `"${value}" has characters Storybook drops from URLs` : `a ${value === null ? 'null' : typeof value} value`})`,
      );
      continue;
    }
    parts.push(`${key}:${text}`);
  }
  return { param: parts.join(';'), omitted };
}

/** Story arg names of the source picker's fields: `kind` is the `source` arg, the rest keep their names. */
export function sourceArgName(field: keyof SourceSpec): string {
  return field === 'kind' ? 'source' : field;
}

export interface ArgsWithSource {
  args: Record<string, unknown>;
  /** Source fields the story has no arg for, whose local value differs from the story's: the link cannot carry them. */
  notCarried: string[];
}

/**
 * The story's args with the bench's local source choice (`source`) written into the source args
 * the story has (by its mapping's key where the arg has one); `storySource` is what the story
 * itself gives the bench, so a field without an
 * arg is only reported when the local choice differs from it.
 */
export function argsWithSource(
  args: Readonly<Record<string, unknown>>,
  source: SourceSpec,
  storySource: SourceSpec,
  mappings: StoryShareInfo['mappings'] = {},
): ArgsWithSource {
  const out: Record<string, unknown> = { ...args };
  const notCarried: string[] = [];
  for (const [field, value] of Object.entries(source) as [keyof SourceSpec, unknown][]) {
    if (value === undefined) continue;
    const name = sourceArgName(field);
    // a mapped arg holds the key whose value this is
    const mapping = mappings[name];
    const key = mapping ? Object.keys(mapping).find((k) => mapping[k] === value) : undefined;
    if (name in out) out[name] = key ?? value;
    else if (value !== storySource[field]) notCarried.push(name);
  }
  return { args: out, notCarried };
}

/**
 * The shareable URL of a story. Inside the Storybook UI (`top` is its same-origin page, whose
 * URL has `path=/story/...` or `path=/docs/...`), the UI's URL with `path=/story/<id>`; else the
 * preview page's own URL with `id=<id>&viewMode=story`. Other parameters (`globals`, `coi`...) are
 * kept; `args` is replaced, or removed when empty.
 */
export function storyUrl(preview: string, top: string | null, storyId: string, argsParam: string): string {
  const topUrl = top === null ? null : new URL(top);
  const inManager = topUrl !== null && /^\/(story|docs)\//.test(topUrl.searchParams.get('path') ?? '');
  const url = new URL(inManager ? topUrl.href : preview);
  const params = new URLSearchParams(url.search);
  for (const key of ['path', 'id', 'viewMode', 'args']) params.delete(key);
  // Storybook writes `path` and `args` unescaped (`/`, `:` and `;` are legal in a query)
  const head = inManager ? [`path=/story/${storyId}`] : [`id=${encodeURIComponent(storyId)}`, 'viewMode=story'];
  const rest = params.toString();
  const query = [...head, ...(rest ? [rest] : []), ...(argsParam ? [`args=${argsParam}`] : [])].join('&');
  return `${url.origin}${url.pathname}?${query}${url.hash}`;
}

export interface ShareLink {
  url: string;
  omitted: string[];
  notCarried: string[];
}

/** Everything the Copy link button needs: the URL, and what it cannot carry. */
export function shareLink(
  info: StoryShareInfo,
  source: SourceSpec,
  storySource: SourceSpec,
  preview: string,
  top: string | null,
): ShareLink {
  const { args, notCarried } = argsWithSource(info.args, source, storySource, info.mappings);
  const { param, omitted } = encodeArgsParam(args);
  return { url: storyUrl(preview, top, info.storyId, param), omitted, notCarried };
}

/** This page's URL, and that of the same-origin page around it (the Storybook UI) or null. */
export function pageLocations(): [preview: string, top: string | null] {
  let top: string | null = null;
  try {
    if (window.top && window.top !== window) top = window.top.location.href;
  } catch {
    top = null; // another origin: the link is the preview page's own
  }
  return [window.location.href, top];
}
