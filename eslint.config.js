// One lint config for the whole tree: type-aware rules for TypeScript, the Svelte plugin for the UI.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Every package imports another by its workspace name; the layer rules below extend this list.
const CROSS_PACKAGE = {
  group: ['../../firmware/*', '../../api/*', '../../ui/*', '../api/*', '../firmware/*'],
  message: 'Import another package by its workspace name (@burrow/...), not a relative path.',
};

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      'var/**',
      'build/**', // the image's build trees (a root filesystem)
      'out/**',
      'test-output/**',
      'firmware/native/build/**',
      'ui/src/lib/api/schema.d.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
        extraFileExtensions: ['.svelte'],
      },
    },
    rules: {
      curly: ['error', 'all'],
      eqeqeq: ['error', 'always'],
      'no-console': 'off',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        {
          patterns: [CROSS_PACKAGE],
        },
      ],
    },
  },
  {
    // API layers: services hold the rules and reach the outside world only through repositories; they speak
    // in domain errors, so the HTTP server and the recovery console can both call them.
    files: ['api/src/services/**/*.ts'],
    ignores: ['api/src/services/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'express', message: 'Services know nothing of HTTP.' },
            ...['fs', 'fs/promises', 'node:fs', 'node:fs/promises', 'child_process', 'node:child_process'].map(
              (name) => ({ name, message: 'Files and processes belong in a repository.' }),
            ),
          ],
          patterns: [
            CROSS_PACKAGE,
            { group: ['typeorm', 'typeorm/*'], message: 'Database access belongs in a repository.' },
            {
              group: ['@nestjs/common'],
              importNamePattern: '^(Http.*|.*Exception)$',
              message: 'Throw a DomainError (services/domain-error.ts); the HTTP layer picks the status.',
            },
            { group: ['**/middleware/*', '**/controllers/*'], message: 'Services know nothing of HTTP.' },
            {
              // Their types and constants are fine; what reads, writes or derives keys goes through a repository.
              group: ['**/backups/*'],
              importNames: [
                'writeBackupFile',
                'readBackupFile',
                'inspectBackupFile',
                'passphraseRecipient',
                'loadOrCreateDeviceKey',
                'stageRestore',
                'applyStagedRestore',
              ],
              message: 'Backup files are I/O: reach them through a repository.',
            },
          ],
        },
      ],
    },
  },
  {
    // api/src/backups (the .burrowbackup format, the restore journal) and api/src/certificates are libraries under
    // the repositories: they may use files and crypto, and know nothing of the layers above them.
    files: ['api/src/backups/**/*.ts', 'api/src/certificates/**/*.ts'],
    ignores: ['api/src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            CROSS_PACKAGE,
            { group: ['typeorm', 'typeorm/*', '@nestjs/*', 'express'], message: 'A library under the repositories.' },
            {
              group: ['**/services/*', '**/controllers/*', '**/middleware/*', '**/repositories/*', '!**/errno.js'],
              message: 'A library under the repositories: the layers above call it, never the other way.',
            },
          ],
        },
      ],
    },
  },
  {
    // The recovery console: the screen speaks only to ConsoleBackend (console/backend.ts) and HostActions, so it
    // runs the same over the real core or a scripted twin; host/ runs commands and reads sticks, never the database.
    files: ['api/src/console/screen/**/*.ts'],
    ignores: ['api/src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['fs', 'fs/promises', 'node:fs', 'node:fs/promises', 'child_process', 'node:child_process'].map(
            (name) => ({ name, message: 'Files and processes belong in console/host/.' }),
          ),
          patterns: [
            CROSS_PACKAGE,
            { group: ['typeorm', 'typeorm/*', '@nestjs/*'], message: 'The screen knows only ConsoleBackend.' },
            {
              group: ['**/services/*', '**/repositories/*', '**/entities/*', '**/console/core/*'],
              message: 'The screen reaches the core only through ConsoleBackend.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['api/src/console/host/**/*.ts'],
    ignores: ['api/src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            CROSS_PACKAGE,
            { group: ['typeorm', 'typeorm/*', '@nestjs/*'], message: 'Host actions never touch the database.' },
            {
              group: ['**/services/*', '**/repositories/*', '**/entities/*', '**/screen/*'],
              message: 'Host actions never touch the database, and know nothing of the screen.',
            },
          ],
        },
      ],
    },
  },
  // ---- firmware layers (issue #9) --------------------------------------------------------------------------------
  // Flat config replaces a rule's options per file instead of merging them, so every layer block below repeats the
  // workspace-name pattern of the shared block above.
  ...(() => {
    const workspace = {
      group: ['../../firmware/*', '../../api/*', '../../ui/*', '../api/*', '../firmware/*'],
      message: 'Import another package by its workspace name (@burrow/...), not a relative path.',
    };
    const sansIo = 'protocol/ is sans-IO: randomness and crypto go through firmware/src/crypto.';
    const nodeBuiltins = { group: ['node:*'], message: sansIo };
    // Bare names ('crypto', 'fs') match exactly here; as patterns they would also match a folder of that name.
    const bareBuiltins = builtinModules.map((name) => ({ name, message: sansIo }));
    const protocolIo = {
      group: ['**/io/**', '**/engine/**'],
      message: 'protocol/ is sans-IO: it knows nothing of io/ or engine/.',
    };
    const engineControl = {
      group: ['**/control/**'],
      message: 'engine/ depends on nothing in control/; shared types live in engine/device-change.ts.',
    };
    return [
      {
        files: ['firmware/src/protocol/**/*.ts'],
        rules: {
          'no-restricted-imports': ['error', { paths: bareBuiltins, patterns: [workspace, nodeBuiltins, protocolIo] }],
        },
      },
      {
        files: ['firmware/src/engine/**/*.ts'],
        rules: { 'no-restricted-imports': ['error', { patterns: [workspace, engineControl] }] },
      },
      {
        // The engine's tests configure devices with wg(8)'s own text, through control's parser; nothing else.
        files: ['firmware/src/engine/**/*.test.ts', 'firmware/src/engine/testing/**/*.ts'],
        rules: {
          'no-restricted-imports': [
            'error',
            {
              patterns: [workspace, { ...engineControl, group: ['**/control/**', '!**/control/uapi-protocol.js'] }],
            },
          ],
        },
      },
    ];
  })(),
  // ---- end of firmware layers -----------------------------------------------------------------------------------
  {
    files: ['ui/**/*.svelte', 'ui/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    // Plain JS config files are not part of any TypeScript project.
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
