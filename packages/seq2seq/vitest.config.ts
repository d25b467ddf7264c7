import { defineProject } from 'vitest/config';
import { sourceConditions } from '../../vitest.shared.ts';

export default defineProject({
  ...sourceConditions,
  test: { name: 'seq2seq', include: ['src/**/*.test.ts'], testTimeout: 60_000 },
});
