/**
 * The README and the pages in docs/ cannot rot: every file or folder they name exists, every
 * relative link resolves, every command they give names a real script, file, CLI command, stage
 * or parameter, and the walkthrough of the template stage (docs/stage-anatomy.md) quotes its
 * files verbatim. The README's "Add a stage" is checked against the template stage's files.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { helpText } from '../../cli/main.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');
const README = read('README.md');
const DOCS = readdirSync(join(ROOT, 'docs'))
  .filter((f) => f.endsWith('.md'))
  .map((f) => `docs/${f}`);
const INTRODUCTION = read('stories/Introduction.mdx');

/** The text from `## title` to the next `## ` heading. */
function section(markdown: string, title: string): string {
  const start = markdown.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`no "## ${title}" section`);
  const end = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start, end < 0 ? undefined : end);
}

/** The text without the `## title` section. */
function without(markdown: string, title: string): string {
  return markdown.replace(section(markdown, title), '\n');
}

interface Block {
  lang: string;
  lines: string[];
  /** The prose between the previous block (or the section start) and this one. */
  before: string;
}

function blocks(text: string): { blocks: Block[]; prose: string } {
  const out: Block[] = [];
  const re = /^```(\w*)\n([\s\S]*?)^```$/gm;
  let last = 0;
  let prose = '';
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const before = text.slice(last, m.index);
    prose += before;
    out.push({ lang: m[1]!, lines: m[2]!.replace(/\n$/, '').split('\n'), before });
    last = m.index + m[0].length;
  }
  return { blocks: out, prose: prose + text.slice(last) };
}

const PATH = /^(?:[\w.-]+\/)+[\w.*<>-]+$|^[\w.-]+\.(?:rs|ts|tsx|js|mjs|cjs|json|md|mdx)$/;
/** Build outputs: named in the docs, absent from a fresh checkout. */
const BUILT = /^(?:rust\/pkg|storybook-static|test-results|target|node_modules)\//;

/** The repository's top-level entries, build outputs included. */
const TOP = new Set([...readdirSync(ROOT), 'rust', 'storybook-static', 'test-results', 'target', 'node_modules']);

/**
 * Backticked tokens that are repository paths: under a top-level folder, or ending in a source
 * file's extension (not a bench case like ring-copy/128, a MIME type or an ESLint rule).
 */
function pathsIn(prose: string): string[] {
  return [...prose.matchAll(/`([^`\s]+)`/g)]
    .map((m) => m[1]!)
    .filter((t) => PATH.test(t) && !t.includes('://') && (TOP.has(t.split('/')[0]!) || /\.(?:rs|ts|tsx|js|mjs|cjs|json|md|mdx)$/.test(t)));
}

/** Every file of the repository, by name (for a file named without its folder). */
const FILE_NAMES = (() => {
  const names = new Set<string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      if (['node_modules', 'target', 'storybook-static', 'test-results', '.git', '.cache'].includes(e.name)) continue;
      if (e.isDirectory()) walk(join(dir, e.name));
      else names.add(e.name);
    }
  };
  walk('.');
  return names;
})();

/**
 * Whether `pattern` names an existing file or folder: a path (possibly with one `*` in its last
 * part), or a bare file name that some folder holds.
 */
function exists(pattern: string): boolean {
  if (!pattern.includes('/')) return existsSync(join(ROOT, pattern)) || FILE_NAMES.has(pattern);
  if (!pattern.includes('*')) return existsSync(join(ROOT, pattern));
  const dir = dirname(pattern);
  const re = new RegExp(
    `^${basename(pattern)
      .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')}$`,
  );
  return existsSync(join(ROOT, dir)) && readdirSync(join(ROOT, dir)).some((f) => re.test(f));
}

/** The paths a page names that should exist: no placeholders, no build outputs. */
function checkablePaths(prose: string): string[] {
  return pathsIn(prose).filter((p) => !p.includes('<') && !BUILT.test(p));
}

/** Whether `quoted` occurs in `file` as consecutive lines, all shifted by one common indentation. */
function quotedIn(file: string, quoted: readonly string[]): boolean {
  const lines = read(file).split('\n');
  for (let i = 0; i + quoted.length <= lines.length; i++) {
    const first = lines[i]!;
    if (!first.endsWith(quoted[0]!.trimStart())) continue;
    const indent = first.slice(0, first.length - quoted[0]!.length);
    if (indent.trim() !== '' && !first.startsWith(indent + quoted[0])) continue;
    if (quoted.every((q, k) => (q === '' ? lines[i + k]!.trim() === '' : lines[i + k] === indent + q))) return true;
  }
  return false;
}

/** Relative link targets of a Markdown page (no URLs, no in-page anchors), anchors cut. */
function linksIn(markdown: string): string[] {
  return [...markdown.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!)
    .filter((l) => !/^[a-z]+:/.test(l) && !l.startsWith('#'))
    .map((l) => l.replace(/#.*$/, ''));
}

const packageScripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
const HELP = helpText();
/** The commands the CLI's usage lists: run, sweep, bench... */
const CLI_COMMANDS = new Set(
  [...HELP.slice(0, HELP.indexOf('\n\n', HELP.indexOf('Usage:'))).matchAll(/^ {2}stagebench ([\w-]+)/gm)].map((m) => m[1]!),
);
/** Stage ids, from the help's "Stages and parameters" list. */
const CLI_STAGES = new Set([...HELP.slice(HELP.indexOf('Stages and parameters:')).matchAll(/^ {4}([\w-]+) {2}/gm)].map((m) => m[1]!));
/** What a command takes in a stage's place, besides the stages: the fixed words of the help's usage lines (`run chain`). */
const CLI_TARGETS = new Set([
  ...CLI_STAGES,
  ...[...HELP.slice(0, HELP.indexOf('\n\n', HELP.indexOf('Usage:'))).matchAll(/^ {2}stagebench [\w-]+ ([a-z][\w-]*) /gm)].map((m) => m[1]!),
]);

/** What is wrong with one command line (a shell line or a backticked command), or null. */
function commandProblem(line: string): string | null {
  const words = line
    .replace(/\s+#.*$/, '')
    .trim()
    .split(/\s+/);
  const [tool, sub, arg] = words;
  if (tool === 'npm' && (sub === 'start' || sub === 'test') && !(sub in packageScripts)) return `no "${sub}" script`;
  if (tool === 'npm' && sub === 'run' && !(arg! in packageScripts)) return `no "${arg}" script in package.json`;
  if (tool === 'npx' && sub === 'stagebench' && arg !== undefined && arg !== '--help') {
    if (!CLI_COMMANDS.has(arg)) return `stagebench has no command "${arg}"`;
    const stage = words[3];
    if (stage !== undefined && !stage.startsWith('-') && !stage.startsWith('[') && !stage.includes('<') && !CLI_TARGETS.has(stage))
      return `stagebench knows no stage "${stage}"`;
    for (const [, name] of line.matchAll(/--param ([\w]+)=/g))
      if (!HELP.includes(name!)) return `no parameter "${name}" in stagebench --help`;
    for (const [flag] of line.matchAll(/--[a-z][\w-]*/g))
      if (flag !== '--param' && !HELP.includes(flag)) return `no option ${flag} in stagebench --help`;
  }
  const missing = words.filter((w) => PATH.test(w) && !w.includes('<') && !BUILT.test(w) && /\.(?:mjs|ts|tsx|js)$/.test(w) && !exists(w));
  return missing.length > 0 ? `no file ${missing.join(', ')}` : null;
}

/** Every command a page gives: the lines of its sh blocks and its backticked `npm ...` / `npx ...` / `node ...`. */
function commandsIn(markdown: string): string[] {
  const parsed = blocks(markdown);
  const shell = parsed.blocks.filter((b) => b.lang === 'sh').flatMap((b) => b.lines);
  const inline = [...parsed.prose.matchAll(/`((?:npm|npx|node) [^`]+)`/g)].map((m) => m[1]!);
  return [...shell, ...inline].filter((l) => l.trim() !== '');
}

describe('README', () => {
  it('stays short: at most 150 lines', () => {
    expect(README.split('\n').length).toBeLessThanOrEqual(151);
  });

  it('gives exactly the two commands, npm start and npm test', () => {
    const shell = blocks(section(README, 'The two commands')).blocks.filter((b) => b.lang === 'sh');
    expect(shell.flatMap((b) => b.lines).map((l) => l.replace(/\s+#.*$/, ''))).toEqual(['npm start', 'npm test']);
    expect(packageScripts).toHaveProperty(['start']);
    expect(packageScripts).toHaveProperty(['test']);
  });

  it('links every page in docs/, and every link resolves', () => {
    const links = linksIn(README);
    for (const page of DOCS) expect(links, `the README links ${page}`).toContain(page);
    const broken = links.filter((l) => !existsSync(join(ROOT, l)));
    expect(broken, 'broken links').toEqual([]);
  });

  it('names only files and folders that exist (outside "Add a stage", checked below)', () => {
    const named = checkablePaths(blocks(without(README, 'Add a stage')).prose);
    expect(named.filter((p) => !exists(p))).toEqual([]);
  });

  it('its layout lists every top-level folder, and only existing ones', () => {
    const layout = blocks(section(README, 'Layout')).blocks.find((b) => b.lang === '');
    expect(layout, 'a layout block').toBeDefined();
    const entries = layout!.lines.map((l) => l.split(/\s+/)[0]!);
    expect(entries.filter((e) => !existsSync(join(ROOT, e)))).toEqual([]);
    const ignored = new Set(['node_modules', 'target', 'storybook-static', 'test-results', '.cache', '.git']);
    const folders = readdirSync(ROOT, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !ignored.has(e.name))
      .map((e) => e.name);
    for (const f of folders)
      expect(
        entries.some((e) => e === `${f}/` || e.startsWith(`${f}/`)),
        `the layout lists ${f}/`,
      ).toBe(true);
  });

  it('every command outside "Add a stage" names a real script, file or CLI command', () => {
    const problems = commandsIn(without(README, 'Add a stage'))
      .map((c) => [c, commandProblem(c)])
      .filter(([, p]) => p !== null);
    expect(problems).toEqual([]);
  });
});

/**
 * "Add a stage" describes the files a stage has, on the stage layout of rust/src/stages/:
 * checked on the template stage (gain, stories/Gain.stories.tsx) once that folder exists.
 */
describe.runIf(existsSync(join(ROOT, 'rust/src/stages')))('README: Add a stage, on the template stage', () => {
  const add = section(README, 'Add a stage');
  const template = (p: string) => p.replace(/<id>/g, 'gain').replace(/<Stage>/g, 'Gain');

  it('every file it says a stage has, the template stage has', () => {
    expect(add, 'names the stage folder').toContain('`dsp-stages/<id>/`');
    const named = pathsIn(blocks(add).prose).filter((p) => !BUILT.test(p));
    const files = named.map((p) => (p.includes('/') ? template(p) : `dsp-stages/gain/${template(p)}`));
    expect(files.length).toBeGreaterThan(8);
    expect(files.filter((p) => !existsSync(join(ROOT, p)))).toEqual([]);
  });

  it('the two registries it names list the template stage', () => {
    expect(add).toContain('`rust/src/stages/mod.rs`');
    expect(add).toContain('`dsp-stages/registry.ts`');
    expect(read('rust/src/stages/mod.rs')).toMatch(/\bgain\b/);
    expect(read('dsp-stages/registry.ts')).toMatch(/\bgain/);
  });

  it('every command names a real script, file or CLI command', () => {
    const commands = commandsIn(add).map(template);
    expect(commands.length).toBeGreaterThan(2);
    expect(commands.map((c) => [c, commandProblem(c)]).filter(([, p]) => p !== null)).toEqual([]);
  });
});

describe('docs pages', () => {
  it('are there, and the Introduction page names each', () => {
    expect(DOCS.length).toBeGreaterThanOrEqual(10);
    for (const page of DOCS) expect(INTRODUCTION, `stories/Introduction.mdx names ${page}`).toContain(`\`${page}\``);
    const named = [...INTRODUCTION.matchAll(/`(docs\/[\w.-]+)`/g)].map((m) => m[1]!);
    expect(named.filter((p) => !existsSync(join(ROOT, p)))).toEqual([]);
  });

  it.each(DOCS)('%s: every link resolves', (page) => {
    const broken = linksIn(read(page)).filter((l) => !existsSync(join(ROOT, 'docs', l)));
    expect(broken).toEqual([]);
  });

  it.each(DOCS)('%s: every file or folder it names exists', (page) => {
    const missing = checkablePaths(blocks(read(page)).prose).filter((p) => !exists(p));
    expect(missing, `named in ${page} but not in the repository`).toEqual([]);
  });

  it.each(DOCS)('%s: every command names a real script, file, CLI command, stage or parameter', (page) => {
    const problems = commandsIn(read(page))
      .map((c) => [c, commandProblem(c)])
      .filter(([, p]) => p !== null);
    expect(problems).toEqual([]);
  });
});

describe('docs/stage-anatomy.md: the template stage, quoted', () => {
  const parsed = blocks(read('docs/stage-anatomy.md'));

  it('quotes the template stage: enough files and code to follow', () => {
    const code = parsed.blocks.filter((b) => b.lang !== 'sh');
    expect(code.length).toBeGreaterThanOrEqual(10);
    const files = new Set(pathsIn(parsed.prose));
    for (const f of [
      'rust/src/stages/gain.rs',
      'rust/src/stages/mod.rs',
      'rust/src/ffi.rs',
      'rust/src/lib.rs',
      'rust/tests/gain.rs',
      'dsp-stages/generic.ts',
      'dsp-stages/gain/params.ts',
      'dsp-stages/gain/reference.ts',
      'dsp-stages/gain/index.ts',
      'dsp-stages/registry.ts',
      'stories/Gain.stories.tsx',
      'cli/new.test.ts',
    ]) {
      expect(files.has(f), `the walkthrough names ${f}`).toBe(true);
    }
  });

  it.each(parsed.blocks.filter((b) => b.lang !== 'sh').map((b, i) => [i + 1, b] as const))(
    'code block %i is verbatim in the file named before it',
    (_i, block) => {
      const files = pathsIn(block.before).filter(
        (p) => !p.includes('<') && !p.includes('*') && p.includes('/') && existsSync(join(ROOT, p)),
      );
      const file = files[files.length - 1];
      expect(file, `no file named before the block starting "${block.lines[0]}"`).toBeDefined();
      expect(quotedIn(file!, block.lines), `${file} does not contain, verbatim:\n${block.lines.join('\n')}`).toBe(true);
    },
  );

  it('the checkers themselves find a changed quote, a missing file and a wrong command', () => {
    expect(quotedIn('rust/src/stages/gain.rs', ['pub struct Gain {', '    out: Vec<f32>,'])).toBe(true);
    expect(quotedIn('rust/src/stages/gain.rs', ['pub struct Gain {', '    out: Vec<f64>,'])).toBe(false);
    expect(quotedIn('rust/src/stages/gain.rs', ['        let gain = self.params.value(GAIN);'])).toBe(true);
    expect(quotedIn('rust/src/stages/gain.rs', ['let gain = self.params.value(GAIN);', '        for v in dst.iter_mut() {'])).toBe(false);
    expect(exists('stories/ExpectedFailures*.stories.tsx')).toBe(true);
    expect(exists('dsp-stages/gain/nope.ts')).toBe(false);
    expect(exists('stagebench-sw.js')).toBe(true);
    expect(exists('nope.ts')).toBe(false);
    expect(commandProblem('npm run build:wasm')).toBeNull();
    expect(commandProblem('npm run build-wasm')).toMatch(/no "build-wasm" script/);
    expect(commandProblem('npx stagebench run gain --input x.wav --param gain=0.5 --out y.f32')).toBeNull();
    expect(commandProblem('npx stagebench frobnicate gain')).toMatch(/no command "frobnicate"/);
    expect(commandProblem('npx stagebench run gian --input x.wav')).toMatch(/no stage "gian"/);
    expect(commandProblem('npx stagebench run gain --input x.wav --param gian=0.5')).toMatch(/no parameter "gian"/);
    expect(commandProblem('npx stagebench sweep fft --pionts 20')).toMatch(/no option --pionts/);
    expect(commandProblem('node scripts/nope.mjs')).toMatch(/no file scripts\/nope.mjs/);
    expect(linksIn('[a](docs/cli.md#run) [b](https://example.org) [c](#here)')).toEqual(['docs/cli.md']);
  });
});
