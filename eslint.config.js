import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import promise from 'eslint-plugin-promise';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';

const NO_ELECTRON = { name: 'electron', message: 'src/ is the Node core: it never imports electron.' };

/** One layer's import rule: `files` may not import what `patterns` name. */
function layer(files, patterns) {
  return {
    files,
    rules: { 'no-restricted-imports': ['error', { paths: [NO_ELECTRON], patterns }] },
  };
}

const SQL_METHODS = '/^(prepare|exec|transaction|pragma)$/';
const SQL_MESSAGE =
  'SQL lives in src/store: add a function there (it takes the Database or ProjectStore) and call it from the service.';
/** Statements and transactions on a database (`db.prepare(…)`, `project.db.transaction(…)`) outside src/store. */
const SQL_OUTSIDE_STORE = [
  {
    selector: `CallExpression[callee.type='MemberExpression'][callee.property.name=${SQL_METHODS}][callee.object.name=/^(db|database)$/i]`,
    message: SQL_MESSAGE,
  },
  {
    selector: `CallExpression[callee.type='MemberExpression'][callee.property.name=${SQL_METHODS}][callee.object.type='MemberExpression'][callee.object.property.name=/^(db|database)$/i]`,
    message: SQL_MESSAGE,
  },
];

export default tseslint.config(
  { ignores: ['node_modules/', 'renderer/dist/', 'electron/dist/', 'dist/', 'test-results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  promise.configs['flat/recommended'],
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'promise/always-return': 'off',
      'promise/catch-or-return': ['error', { allowFinally: true }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.svelte', 'renderer/**/*.svelte.ts'],
    languageOptions: { globals: { ...globals.browser }, parserOptions: { parser: tseslint.parser } },
  },
  {
    files: ['src/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [NO_ELECTRON] }] },
  },
  // The layers (docs/CONVENTIONS.md draws them). Each block repeats NO_ELECTRON because a later
  // block's options replace an earlier one's for the same rule.
  layer(
    ['src/domain/**/*.ts'],
    [
      {
        regex: '^\\.\\./',
        message:
          'src/domain is the bottom layer: it imports only its own files and npm packages (zod). Move what it needs into src/domain.',
      },
    ],
  ),
  layer(
    ['src/store/**/*.ts'],
    [
      {
        regex: '^\\.\\./(?!domain/)',
        message:
          'src/store may import only src/domain and its own files. Types and errors it shares with the API belong in src/domain.',
      },
    ],
  ),
  layer(
    [
      'src/model/**/*.ts',
      'src/train/**/*.ts',
      'src/export/**/*.ts',
      'src/images/**/*.ts',
      'src/map/**/*.ts',
      'src/files/**/*.ts',
    ],
    [
      {
        regex: '^(\\.\\./)+(api|services|server|cli|store)/',
        message:
          'Compute libraries (model, train, export, images, map, files) take plain data and return results: import src/domain for types and errors, and let a service in src/services read and write the store.',
      },
      {
        regex: '^(\\.\\./)+core\\.ts$',
        message:
          'Compute libraries do not see the app core: a service in src/services passes them what they need.',
      },
    ],
  ),
  layer(
    ['src/jobs/**/*.ts', 'src/services/**/*.ts'],
    [
      {
        regex: '^(\\.\\./)+(api|server|cli)/',
        message:
          'Services and jobs sit below the API and the transports: import src/domain for types and errors, never src/api, src/server or src/cli.',
      },
    ],
  ),
  layer(
    ['src/api/**/*.ts'],
    [
      {
        regex: '^(\\.\\./)+store/',
        message:
          'API handlers validate, call one service (src/services) and shape the answer; they never use src/store directly. Add or extend a service.',
      },
    ],
  ),
  layer(
    ['src/server/**/*.ts', 'src/cli/**/*.ts'],
    [
      {
        regex: '^(\\.\\./)+store/',
        message:
          'Transports (server, CLI) go through the API dispatch or a service in src/services, never src/store directly.',
      },
    ],
  ),
  {
    files: ['src/**/*.ts'],
    ignores: ['src/store/**'],
    rules: {
      'no-restricted-syntax': ['error', ...SQL_OUTSIDE_STORE],
    },
  },
);
