/**
 * A vitest reporter that adds one closing block to `pnpm test`: every skipped test
 * grouped by file with its reason, the skips without a reason, and the one command that
 * installs what the skipped suites need. A clean run (nothing skipped) prints nothing.
 * Listed next to the default reporter in the root vitest.config.ts (and in .ci/run, whose
 * --reporter flags replace the config's).
 */
import { relative } from 'node:path';
import type { Reporter, TestCase, TestModule, TestSuite } from 'vitest/node';
import { browserProjects } from './projects.ts';
import { formatSkipSummary, type SkippedTest } from './skip-summary.ts';

function titlePath(test: TestCase): string[] {
  const titles = [test.name];
  let parent: TestSuite | TestModule = test.parent;
  while (parent.type === 'suite') {
    titles.unshift(parent.name);
    parent = parent.parent;
  }
  return titles;
}

export default class SkipSummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const skipped: SkippedTest[] = [];
    let total = 0;
    for (const module of modules) {
      for (const test of module.children.allTests()) {
        total += 1;
        const result = test.result();
        if (result.state !== 'skipped') continue;
        skipped.push({ file: relative(process.cwd(), module.moduleId), titles: titlePath(test), note: result.note });
      }
    }
    const lines = formatSkipSummary(skipped, total, browserProjects().notRun);
    if (lines.length) process.stdout.write(`\n${lines.join('\n')}\n`);
  }
}
