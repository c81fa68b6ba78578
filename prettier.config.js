// Prettier: `npm run format` rewrites, `npm run lint` and the lint suite of `npm test` check.
// The options are the code base's style; most are Prettier's defaults, stated to say so.
/** @type {import('prettier').Config} */
export default {
  // the code base's line length (rustfmt's max_width for the Rust code is the same)
  printWidth: 140,
  tabWidth: 2,
  useTabs: false,
  semi: true,
  singleQuote: true,
  // JSX attributes keep double quotes: role="group"
  jsxSingleQuote: false,
  quoteProps: 'as-needed',
  trailingComma: 'all',
  bracketSpacing: true,
  bracketSameLine: false,
  arrowParens: 'always',
  endOfLine: 'lf',
  // Markdown: line breaks stay where the author put them
  proseWrap: 'preserve',
  overrides: [
    {
      // code blocks in the docs quote the sources verbatim (stories/support/readme.test.ts checks them)
      files: '*.md',
      options: { embeddedLanguageFormatting: 'off' },
    },
  ],
};
