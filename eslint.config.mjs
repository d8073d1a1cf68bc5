// Flat config: typescript-eslint's type-aware recommended rules, Prettier owns formatting.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import { readdirSync } from 'node:fs';

/**
 * A module's repositories and entities are its own: other code goes through what the module's
 * index.ts exports. One config per module, since "another module" depends on where you stand.
 * Entities may name other entities (foreign keys); src/database lists every entity.
 */
const MODULES = readdirSync(new URL('./src/modules', import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);
const internalsMessage =
  "Another module's repository or entity: import what it exports from its index.ts (e.g. '../markets'), or ask it to export it.";
const moduleBoundaries = MODULES.map((name) => ({
  files: [`src/modules/${name}/**/*.ts`],
  ignores: ['src/modules/*/**/*.entity.ts'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            regex: `^(\\.\\./)+(?!${name}/)(${MODULES.join('|')})/(.+/)?[^/]+\\.(repository|entity)$`,
            message: internalsMessage,
          },
        ],
      },
    ],
  },
}));

export default tseslint.config(
  // scripts/*.js run at `npm ci`, before TypeScript exists: plain CommonJS, outside the project.
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'eslint.config.mjs',
      'scripts/**/*.js',
      // Written by test/generated-client.e2e-spec.ts from the served OpenAPI document.
      'test/generated-client/generated/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  prettier,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-extraneous-class': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  ...moduleBoundaries,
  {
    files: ['src/**/*.ts'],
    ignores: ['src/modules/**', 'src/database/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^(\\.\\./)*modules/.+\\.(repository|entity)$', message: internalsMessage },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', '**/*.spec.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
);
