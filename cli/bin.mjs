#!/usr/bin/env node
// The `stagebench` command: registers tsx so Node can load the TypeScript sources, then runs
// cli/main.ts. Any failure is one line on stderr starting with "stagebench: ".
const oneLine = (err) => String(err instanceof Error ? err.message : err).replace(/\s*\n\s*/g, ' ');

try {
  const { register } = await import('tsx/esm/api');
  register();
} catch (err) {
  process.stderr.write(`stagebench: cannot load tsx (run npm install): ${oneLine(err)}\n`);
  process.exit(1);
}
try {
  const { main } = await import('./main.ts');
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`stagebench: cannot start: ${oneLine(err)}\n`);
  process.exitCode = 1;
}
