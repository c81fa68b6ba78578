// ESLint 9 flat config: `npm run lint` and the lint suite of `npm test` run it on the whole repository.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import reactHooks from 'eslint-plugin-react-hooks';
import storybook from 'eslint-plugin-storybook';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig([
  globalIgnores([
    'node_modules/',
    'storybook-static/',
    'rust/pkg/',
    'target/',
    'test-results/',
    '.cache/',
    // a byte-for-byte copy of the npm package coi-serviceworker (components/isolation.test.ts checks it)
    '.storybook/static/coi-serviceworker.js',
  ]),
  js.configs.recommended,
  // not the type-checked set: it takes about 4 times as long for the whole repository, and
  // `npm test` type-checks with tsc already
  tseslint.configs.recommended,
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    rules: {
      // `_`-prefixed names are deliberately unused (a destructured field left out, a counting loop)
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
    },
  },
  {
    // declaration files of untyped packages: names inside `declare module` serve the exported types
    files: ['**/*.d.ts', '**/*.d.mts'],
    rules: { '@typescript-eslint/no-unused-vars': 'off' },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // the callbacks given to Playwright's page.evaluate run in the browser
    files: ['scripts/test-stories.mjs'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['.storybook/static/*.js'],
    languageOptions: { sourceType: 'script', globals: { ...globals.serviceworker } },
  },
  {
    files: ['**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'warn',
    },
  },
  // after the react-hooks block: its story-file override (render functions may call hooks) wins
  storybook.configs['flat/recommended'],
]);
