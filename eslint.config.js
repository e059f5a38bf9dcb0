// ESLint over src/, test/ and scripts/ (npm run lint): the recommended sets of ESLint and
// typescript-eslint, plus the typed rules that catch unawaited promises. Rules that would only
// restate the house style are off.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    ignores: [
      'dist/',
      'build/',
      'node_modules/',
      '.libtorch/',
      '.venv*/',
      '.ci/',
      '.device/',
      'tmp/',
      'data/',
      'docs/',
      'runs/',
      'native/',
      'test/fixtures/',
      'scripts/fixtures/',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { ...globals.node },
      parserOptions: { project: './tsconfig.check.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // `_`-prefixed names are deliberately unused (destructuring a field away, a fixed signature).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    // Tests and scripts read JSON fixtures and reference outputs as `any` on purpose.
    files: ['test/**', 'scripts/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Tool configs outside tsconfig.check.json: linted without type information.
    files: ['eslint.config.js', '*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    files: ['*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
  },
);
