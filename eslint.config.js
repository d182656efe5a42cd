// ESLint flat config: typescript-eslint type-checked rules; src/ is the pure core (STYLE.md, "The shape of the house").
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      '.scratch/**',
      'node_modules/**',
      'coverage/**',
      'redline-view/**',
      '.redline-demo/**',
      'bin/**',
      'eslint.config.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-console': 'error',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/harness/**', '../harness/*', '../../harness/*'],
              message: 'src/ must not import harness/ (imports go harness -> src only).',
            },
          ],
          paths: [
            { name: 'node:worker_threads', message: 'threads belong in harness/.' },
            { name: 'node:http', message: 'sockets belong in harness/.' },
            { name: 'node:https', message: 'sockets belong in harness/.' },
            { name: 'node:net', message: 'sockets belong in harness/.' },
            { name: 'node:child_process', message: 'processes belong in harness/.' },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'src/ is pure: pass values in from harness/.' },
      ],
    },
  },
  {
    // The view's page (plain browser JavaScript, not part of the TypeScript program). Model output reaches it only
    // as text: no HTML parsing of strings, no eval (harness/view/page/*.js; docs/security.md).
    files: ['harness/view/page/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: 'script',
      globals: {
        window: 'readonly',
        document: 'readonly',
        performance: 'readonly',
        requestAnimationFrame: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        Element: 'readonly',
      },
    },
    rules: {
      ...tseslint.configs.disableTypeChecked.rules,
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
      'no-restricted-properties': [
        'error',
        ...[
          'innerHTML',
          'outerHTML',
          'insertAdjacentHTML',
          'write',
          'writeln',
          'createContextualFragment',
        ].map((property) => ({
          property,
          message: 'the view renders data as text only (textContent, createTextNode).',
        })),
      ],
    },
  },
  {
    files: ['tests/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
);
