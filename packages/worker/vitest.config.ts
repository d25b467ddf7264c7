import { defineProject } from 'vitest/config';
import { sourceConditions } from '../../vitest.shared.ts';

export default defineProject({
  ...sourceConditions,
  test: { name: 'worker', include: ['src/**/*.test.ts'], testTimeout: 60_000 },
});
