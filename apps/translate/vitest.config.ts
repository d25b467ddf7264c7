import { defineProject } from 'vitest/config';
import { sourceConditions } from '../../vitest.shared.ts';

export default defineProject({
  ...sourceConditions,
  test: { name: 'translate', include: ['src/**/*.test.ts'], testTimeout: 90_000, hookTimeout: 90_000 },
});
