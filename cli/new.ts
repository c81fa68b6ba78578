/**
 * `stagebench new <id> [--title "Title"]`: writes a working pass-through-with-gain stage named
 * `<id>` from the templates in cli/templates/ (the gain stage is the templates' own instance, and
 * a test keeps it so): its Rust module, its dsp-stages folder (descriptor, params, reference, Node
 * hooks, unit test) and its story, plus its two registry lines, one in rust/src/stages/mod.rs and
 * one (an import and an entry) in dsp-stages/registry.ts. Everything else finds the stage through
 * those registries. Nothing is written unless every check passes first.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHAIN_ID } from './chain.ts';
import { CliError } from '../dsp-stages/node-api.ts';
import { parseOptions } from './args.ts';

const TEMPLATES = join(dirname(fileURLToPath(import.meta.url)), 'templates');

/** The repository this command line belongs to, where `stagebench new` writes. */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The forms of a stage's name the templates use. */
export interface StageNames {
  /** The stage id, as in `stagebench run <id>`: `my-stage`. */
  id: string;
  /** The Rust module: `my_stage`. */
  snake: string;
  /** TypeScript values: `myStage` (`myStageStage`, `myStageParams`). */
  camel: string;
  /** TypeScript functions and the story file: `MyStage`. */
  Pascal: string;
  /** Shown in Storybook and `--help`: `My Stage`, or `--title`. */
  Title: string;
}

/** Lower-case words of letters and digits joined by single hyphens, starting with a letter. */
const ID_PATTERN = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const MAX_ID_LENGTH = 40;

/** Rust keywords (strict and reserved): none can name a module. */
const RUST_KEYWORDS = new Set(
  (
    'as break const continue crate else enum extern false fn for if impl in let loop match mod move mut pub ref return self ' +
    'static struct super trait true type unsafe use where while async await dyn abstract become box do final macro override priv ' +
    'typeof unsized virtual yield try gen union'
  ).split(' '),
);

/** Ids the command line gives another meaning. */
const RESERVED_IDS = new Set(['all', CHAIN_ID, 'help', 'new']);

export function stageNames(id: string, title?: string): StageNames {
  const words = id.split('-');
  const cap = (w: string) => w.charAt(0).toUpperCase() + w.slice(1);
  return {
    id,
    snake: words.join('_'),
    camel: words[0]! + words.slice(1).map(cap).join(''),
    Pascal: words.map(cap).join(''),
    Title: title ?? words.map(cap).join(' '),
  };
}

/** One template and where its instance goes, relative to the repository. */
export interface TemplateFile {
  template: string;
  path(n: StageNames): string;
}

/** The files `stagebench new` creates, in the order it prints them. */
export const TEMPLATE_FILES: readonly TemplateFile[] = [
  { template: 'stage.rs.tmpl', path: (n) => `rust/src/stages/${n.snake}.rs` },
  { template: 'params.ts.tmpl', path: (n) => `dsp-stages/${n.id}/params.ts` },
  { template: 'reference.ts.tmpl', path: (n) => `dsp-stages/${n.id}/reference.ts` },
  { template: 'index.ts.tmpl', path: (n) => `dsp-stages/${n.id}/index.ts` },
  { template: 'node.ts.tmpl', path: (n) => `dsp-stages/${n.id}/node.ts` },
  { template: 'test.ts.tmpl', path: (n) => `dsp-stages/${n.id}/${n.id}.test.ts` },
  { template: 'story.tsx.tmpl', path: (n) => `stories/${n.Pascal}.stories.tsx` },
];

/** The files a new stage's author edits: the kernel, its parameters and its reference. */
export const EDITED_FILES: readonly TemplateFile[] = TEMPLATE_FILES.filter((f) =>
  ['stage.rs.tmpl', 'params.ts.tmpl', 'reference.ts.tmpl'].includes(f.template),
);

export const RUST_REGISTRY = 'rust/src/stages/mod.rs';
export const TS_REGISTRY = 'dsp-stages/registry.ts';

/** A template with the stage's names in place of `__id__`, `__snake__`, `__camel__`, `__Pascal__` and `__Title__`. */
export function renderTemplate(text: string, n: StageNames): string {
  return text.replace(/__(id|snake|camel|Pascal|Title)__/g, (_, key: keyof StageNames) => n[key]);
}

export function readTemplate(name: string): string {
  return readFileSync(join(TEMPLATES, name), 'utf8');
}

/** Why `title` cannot be a stage title (it lands in string literals and comments), or null. */
function titleProblem(title: string): string | null {
  if (title.trim() === '') return 'the title is empty';
  if (title.length > 60) return `the title has ${title.length} characters (at most 60)`;
  if (/['"`\\$\n\r*/]/.test(title) || /\p{Cc}/u.test(title))
    return 'the title may not hold quotes, backslashes, $, *, / or control characters';
  return null;
}

/** Why `id` cannot name a new stage in the repository at `root`, or null. */
export function idProblem(root: string, id: string): string | null {
  if (!ID_PATTERN.test(id))
    return `"${id}" is not a valid stage id (lower-case letters and digits in words joined by "-", starting with a letter, e.g. my-stage)`;
  if (id.length > MAX_ID_LENGTH) return `"${id}" is longer than ${MAX_ID_LENGTH} characters`;
  if (RESERVED_IDS.has(id)) return `"${id}" is reserved by the command line`;
  const n = stageNames(id);
  if (RUST_KEYWORDS.has(n.snake)) return `"${id}" is a Rust keyword and cannot name the stage's module`;
  const registry = readFileSync(join(root, TS_REGISTRY), 'utf8');
  if (registry.includes(`'./${id}/index.ts'`)) return `a stage "${id}" exists already (${TS_REGISTRY})`;
  if (new RegExp(`^\\s*pub mod ${n.snake};`, 'm').test(readFileSync(join(root, RUST_REGISTRY), 'utf8')))
    return `a stage "${id}" exists already (${RUST_REGISTRY} has pub mod ${n.snake})`;
  const taken = [`dsp-stages/${id}`, `rust/src/stages/${n.snake}.rs`, `rust/src/stages/${n.snake}`, `stories/${n.Pascal}.stories.tsx`].find(
    (p) => existsSync(join(root, p)),
  );
  if (taken) return `"${id}" is taken: ${taken} exists`;
  return null;
}

/** mod.rs with `pub mod <snake>;` among the stage lines, in order. */
export function withRustRegistryLine(source: string, snake: string): string {
  const lines = source.split('\n');
  const mods = lines.flatMap((l, i) => (/^pub mod \w+;$/.test(l) ? [i] : []));
  if (mods.length === 0) throw new CliError(`${RUST_REGISTRY} has no "pub mod <stage>;" lines to add to`);
  const after = mods.filter((i) => lines[i]!.slice('pub mod '.length, -1) < snake);
  const at = after.length > 0 ? after[after.length - 1]! + 1 : mods[0]!;
  lines.splice(at, 0, `pub mod ${snake};`);
  return lines.join('\n');
}

/** registry.ts with the stage's import after the last stage import and its entry last in STAGES. */
export function withTsRegistryLines(source: string, n: StageNames): string {
  const imports = [...source.matchAll(/^import \{ \w+ \} from '\.\/[\w-]+\/index\.ts';$/gm)];
  const last = imports[imports.length - 1];
  const close = /^(export const STAGES[^\n]*\{\n(?: {2}[^\n]*\n)*)\};$/m.exec(source);
  if (!last || !close) throw new CliError(`${TS_REGISTRY} does not have the shape stagebench new edits (stage imports, then STAGES)`);
  const importLine = `import { ${n.camel}Stage } from './${n.id}/index.ts';`;
  const entry = `  [${n.camel}Stage.id]: ${n.camel}Stage,\n`;
  const end = last.index + last[0].length;
  const withEntry = source.slice(0, close.index + close[1]!.length) + entry + source.slice(close.index + close[1]!.length);
  return withEntry.slice(0, end) + `\n${importLine}` + withEntry.slice(end);
}

export interface NewStageResult {
  names: StageNames;
  created: string[];
  changed: string[];
  /** What could not be done after the files were written (formatting), one line each. */
  notes: string[];
}

/** Formats the new files with the repository's Prettier and rustfmt; a note for a formatter that is missing. */
function format(root: string, created: string[], changed: string[]): string[] {
  const notes: string[] = [];
  const prettier = join(root, 'node_modules/.bin/prettier');
  const ts = [...created, ...changed].filter((p) => /\.tsx?$/.test(p));
  if (existsSync(prettier)) {
    const res = spawnSync(prettier, ['--write', '--log-level', 'warn', ...ts], { cwd: root, encoding: 'utf8' });
    if (res.status !== 0) notes.push(`prettier failed: ${(res.stderr || res.stdout).trim().split('\n')[0]}`);
  } else notes.push('prettier is not installed (npm install): the new files are not formatted');
  const cargo = join(root, 'scripts/cargo.mjs');
  const res = spawnSync(process.execPath, [cargo, 'fmt'], { cwd: root, encoding: 'utf8' });
  if (res.status !== 0)
    notes.push(`cargo fmt failed (${(res.stderr || res.stdout).trim().split('\n')[0] ?? ''}): the Rust file is not formatted`);
  return notes;
}

/** Writes the stage; throws a CliError (nothing written) when `id` or `title` cannot be used. */
export function newStage(root: string, id: string, title?: string): NewStageResult {
  const problem = idProblem(root, id) ?? (title === undefined ? null : titleProblem(title));
  if (problem) throw new CliError(problem, 2);
  const n = stageNames(id, title);
  const rustRegistry = withRustRegistryLine(readFileSync(join(root, RUST_REGISTRY), 'utf8'), n.snake);
  const tsRegistry = withTsRegistryLines(readFileSync(join(root, TS_REGISTRY), 'utf8'), n);
  const files = TEMPLATE_FILES.map((f) => ({ path: f.path(n), text: renderTemplate(readTemplate(f.template), n) }));
  for (const f of files) {
    mkdirSync(dirname(join(root, f.path)), { recursive: true });
    writeFileSync(join(root, f.path), f.text, { flag: 'wx' });
  }
  writeFileSync(join(root, RUST_REGISTRY), rustRegistry);
  writeFileSync(join(root, TS_REGISTRY), tsRegistry);
  const created = files.map((f) => f.path);
  const changed = [RUST_REGISTRY, TS_REGISTRY];
  return { names: n, created, changed, notes: format(root, created, changed) };
}

/** What `stagebench new` prints: every file created or changed, then what to do next. */
export function describeNewStage(r: NewStageResult): string {
  const n = r.names;
  const edited = new Set(EDITED_FILES.map((f) => f.path(n)));
  return [
    `stagebench: new stage ${n.id} ("${n.Title}"), a pass-through with gain`,
    ...r.created.map((p) => `  created  ${p}${edited.has(p) ? '   <- edit' : ''}`),
    `  changed  ${RUST_REGISTRY}   (pub mod ${n.snake};)`,
    `  changed  ${TS_REGISTRY}   (import and entry ${n.camel}Stage)`,
    ...r.notes.map((note) => `  note: ${note}`),
    'next:',
    '  npm run build:wasm',
    `  npx stagebench run ${n.id} --input x.wav --out y.f32`,
    `  npx stagebench bench ${n.id}`,
    `  npx vitest run dsp-stages/${n.id}`,
    `  node scripts/test-stories.mjs -- stories/${n.Pascal}.stories.tsx`,
    `then make it yours: the kernel (${EDITED_FILES[0]!.path(n)}), its parameters and its reference; the test and the story check that they agree.`,
    '',
  ].join('\n');
}

export const NEW_USAGE = 'stagebench new <id> [--title "Title"]';

/** Parses `new`'s arguments: the id and an optional --title. */
export function parseNewArgs(args: readonly string[]): { id: string; title?: string } {
  const hint = ` (usage: ${NEW_USAGE})`;
  const o = parseOptions(
    args,
    { '--title': 'value' },
    { command: 'new', positionals: Infinity, error: (m) => new CliError(m, 2), unknownHint: hint },
  );
  const [id, extra] = o.positionals;
  if (id === undefined) throw new CliError(`new needs a stage id${hint}`, 2);
  if (extra !== undefined) throw new CliError(`new takes one stage id, got "${id}" and "${extra}"${hint}`, 2);
  const title = o.value('--title');
  return title === null ? { id } : { id, title };
}
