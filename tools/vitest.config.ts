import { defineProject } from 'vitest/config';

// The repository's own tooling (test environment checks, the skip summary).
export default defineProject({
  test: { name: 'tools', include: ['**/*.test.ts'] },
});
