/**
 * The README's "Add a stage" walkthrough cannot rot: every file it names exists, every code block
 * it quotes is in the file named just before it (verbatim, as consecutive lines), and every
 * command it gives names a real script or file.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The text from `## title` to the next `## ` heading. */
function section(markdown: string, title: string): string {
  const start = markdown.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README has no "## ${title}" section`);
  const end = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start, end < 0 ? undefined : end);
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

const PATH = /^(?:[\w.-]+\/)+[\w.*<>-]+$|^[\w-]+\.(?:rs|ts|tsx|mjs|json|md|mdx)$/;

/** Backticked tokens that look like repository paths (no URLs). */
function pathsIn(prose: string): string[] {
  return [...prose.matchAll(/`([^`\s]+)`/g)].map((m) => m[1]!).filter((t) => PATH.test(t) && !t.includes('://'));
}

/** Whether `pattern` (a path, possibly with one `*` in its last part) names an existing file or folder. */
function exists(pattern: string): boolean {
  if (!pattern.includes('*')) return existsSync(join(ROOT, pattern));
  const dir = dirname(pattern);
  const re = new RegExp(`^${pattern.slice(dir.length + 1).replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
  return existsSync(join(ROOT, dir)) && readdirSync(join(ROOT, dir)).some((f) => re.test(f));
}

/** Whether `quoted` occurs in `file` as consecutive lines, all shifted by one common indentation. */
function quotedIn(file: string, quoted: readonly string[]): boolean {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  for (let i = 0; i + quoted.length <= lines.length; i++) {
    const first = lines[i]!;
    if (!first.endsWith(quoted[0]!.trimStart())) continue;
    const indent = first.slice(0, first.length - quoted[0]!.length);
    if (indent.trim() !== '' && !first.startsWith(indent + quoted[0])) continue;
    if (quoted.every((q, k) => (q === '' ? lines[i + k]!.trim() === '' : lines[i + k] === indent + q))) return true;
  }
  return false;
}

const walkthrough = section(README, 'Add a stage');
const parsed = blocks(walkthrough);
const packageScripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

describe('README: Add a stage', () => {
  it('quotes the template stage: enough files and code to follow', () => {
    const code = parsed.blocks.filter((b) => b.lang !== 'sh');
    expect(code.length).toBeGreaterThanOrEqual(10);
    const files = new Set(pathsIn(parsed.prose));
    for (const f of ['rust/src/gain.rs', 'rust/src/ffi.rs', 'rust/src/lib.rs', 'rust/tests/gain.rs', 'dsp-stages/gain/bindings.ts', 'dsp-stages/gain/params.ts',
      'dsp-stages/gain/reference.ts', 'dsp-stages/gain/index.ts', 'dsp-stages/registry.ts', 'stories/TemplateGain.stories.tsx']) {
      expect(files.has(f), `the walkthrough names ${f}`).toBe(true);
    }
  });

  it('every file or folder it names exists', () => {
    const named = pathsIn(parsed.prose).filter((p) => !p.includes('<'));
    expect(named.length).toBeGreaterThan(10);
    const missing = named.filter((p) => !exists(p));
    expect(missing, `named in the README but not in the repository: ${missing.join(', ')}`).toEqual([]);
  });

  it.each(parsed.blocks.filter((b) => b.lang !== 'sh').map((b, i) => [i + 1, b] as const))('code block %i is verbatim in the file named before it', (_i, block) => {
    const files = pathsIn(block.before).filter((p) => !p.includes('<') && !p.includes('*') && existsSync(join(ROOT, p)));
    const file = files[files.length - 1];
    expect(file, `no file named before the block starting "${block.lines[0]}"`).toBeDefined();
    expect(quotedIn(file!, block.lines), `${file} does not contain, verbatim:\n${block.lines.join('\n')}`).toBe(true);
  });

  it('every command names a real script or file', () => {
    const commands = parsed.blocks.filter((b) => b.lang === 'sh').flatMap((b) => b.lines);
    expect(commands.length).toBeGreaterThanOrEqual(5);
    for (const line of commands) {
      const npmRun = /^npm run ([\w:-]+)/.exec(line);
      if (npmRun) expect(packageScripts, line).toHaveProperty([npmRun[1]!]);
      for (const p of line.split(/\s+/).filter((w) => PATH.test(w))) expect(exists(p), `${line}: ${p}`).toBe(true);
    }
  });

  it('the checker itself finds a changed quote and a missing file', () => {
    expect(quotedIn('rust/src/gain.rs', ['pub struct Gain {', '    out: Vec<f32>,'])).toBe(true);
    expect(quotedIn('rust/src/gain.rs', ['pub struct Gain {', '    out: Vec<f64>,'])).toBe(false);
    expect(quotedIn('rust/src/gain.rs', ['        let gain = self.gain;'])).toBe(true);
    expect(quotedIn('rust/src/gain.rs', ['let gain = self.gain;', '        for v in dst.iter_mut() {'])).toBe(false);
    expect(exists('stories/ExpectedFailures*.stories.tsx')).toBe(true);
    expect(exists('dsp-stages/gain/nope.ts')).toBe(false);
  });
});
