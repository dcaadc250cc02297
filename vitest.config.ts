import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const packagesDir = fileURLToPath(new URL('./packages/', import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources, so no build is needed between edits.
    alias: [
      { find: /^@anymail\/core\/test\/vitest$/, replacement: `${packagesDir}core/src/test/vitest.ts` },
      { find: /^@anymail\/core\/esp$/, replacement: `${packagesDir}core/src/esp/index.ts` },
      { find: /^@anymail\/core\/replay-cache\/([a-z]+)$/, replacement: `${packagesDir}core/src/replay-cache/$1.ts` },
      { find: /^@anymail\/([a-z]+)\/test$/, replacement: `${packagesDir}$1/src/test/index.ts` },
      { find: /^@anymail\/([a-z]+)$/, replacement: `${packagesDir}$1/src/index.ts` },
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
