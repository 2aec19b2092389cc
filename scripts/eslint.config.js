import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Import rules from docs/ARCHITECTURE.md §1, enforced per folder:
//   shared imports nothing of ours · engine imports shared only ·
//   renderer imports shared only · only electron/app and the preload may import 'electron'.
const noElectron = { name: 'electron', message: "Only electron/app and electron/preload.ts may import 'electron' (requiring it downloads the binary)." };
const restrict = (patterns, message) => ({
  'no-restricted-imports': ['error', { paths: [noElectron], patterns: patterns.map((group) => ({ group: [group], message })) }],
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'e2e/artifacts/**', '**/*.py'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['scripts/**/*.{js,mjs}', 'e2e/**/*.{js,mjs}'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' } },
  },
  { files: ['shared/**/*.ts'], rules: restrict(['**/electron/**', '**/renderer/**', 'node:*'], 'shared/ imports nothing of ours and no Node built-ins.') },
  { files: ['electron/engine/**/*.ts'], rules: restrict(['**/app/**', '**/host/**', '**/cli/**', '**/renderer/**'], 'electron/engine imports shared/ only.') },
  { files: ['renderer/**/*.{ts,tsx}'], rules: restrict(['**/electron/**', 'node:*'], 'renderer/ imports shared/ only.') },
  { files: ['electron/host/**/*.ts', 'electron/cli/**/*.ts'], rules: restrict(['**/app/**', '**/renderer/**'], 'host and cli import engine + shared only.') },
);
