// Flat ESLint config for the whole repo: JS + typescript-eslint recommended everywhere, React hooks
// rules for the frontend. No stylistic rules: formatting is not linted.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['dist/**', 'packages/*/dist/**', 'packages/sdk/src/wire/generated/**', 'examples/*/dist/**', 'examples/*/node_modules/**', '.build/**', 'node_modules/**', 'conformance/**', 'coverage/**', '.bench/**', 'playwright-report/**', 'test-results/**', 'playwright/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { ...globals.node },
    },
    rules: {
      // Unused arguments are common in interface implementations; a leading _ marks them as intended.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
    },
  },
  {
    // Outside the SDK package, only its public entries (package.json "exports") may be imported:
    // no deep path into the package, by name or by relative path.
    files: ['**/*.{ts,tsx,js,mjs,cjs}'],
    ignores: ['packages/sdk/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          {
            regex: '^@tributary/grafana-backend-sdk/(?!(frames|live|testing|stdout-guard|bundle-options)$)',
            message: 'Import the SDK through its public entries: @tributary/grafana-backend-sdk or its /frames, /live, /testing, /stdout-guard, /bundle-options sub-entries.',
          },
          {
            regex: '(^|/)packages/sdk(/|$)|^(\\.\\./)+sdk/',
            message: 'Import the SDK by its package name (@tributary/grafana-backend-sdk), not by a path into packages/sdk.',
          },
        ],
      }],
    },
  },
  {
    files: ['src/**/*.{ts,tsx}', 'tests/browser/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
    },
  },
  {
    // CommonJS files (jest config, small scripts written as .js/.cjs).
    files: ['**/*.{js,cjs}'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Tests drive dynamic things (generic gRPC clients, parsed JSON, lazily required modules);
    // `any` and inline require() are accepted there, not in shipped code.
    files: ['**/*.test.{ts,tsx}', 'tests/**/*.{ts,tsx}', 'backend/test/**/*.{ts,tsx}', 'src/test/**/*.{ts,tsx}', 'bench/**/*.ts'],
    languageOptions: { globals: { ...globals.jest } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-require-imports': 'off',
    },
  }
);
