import { describe, expect, it } from 'vitest';
import { aptHint } from './requirements.ts';
import { aptPackages, formatSkipSummary, skipReason } from './skip-summary.ts';

describe('skip summary', () => {
  it('takes the reason from the innermost title that has one, else from the skip note', () => {
    expect(skipReason({ file: 'a.test.ts', titles: ['suite [skipped: no chromium]', 'case'] })).toBe('no chromium');
    expect(skipReason({ file: 'a.test.ts', titles: ['outer [skipped: a]', 'inner (skipped: b (detail))', 'case'] })).toBe('b (detail)');
    expect(skipReason({ file: 'a.test.ts', titles: ['suite', 'case'], note: 'webgpu: unavailable' })).toBe('webgpu: unavailable');
    expect(skipReason({ file: 'a.test.ts', titles: ['suite', 'case'] })).toBeUndefined();
  });

  it('merges the apt-get hints of every reason into one package list', () => {
    expect(aptPackages([`x (${aptHint('chromium')})`, `y (${aptHint('libvulkan1')})`, `z (Debian: apt-get install python3-torch)`, `w (${aptHint('chromium')})`])).toEqual([
      'chromium',
      'libvulkan1',
      'python3-torch',
    ]);
  });

  it('groups by file and reason, lists skips without a reason, and ends with one install command', () => {
    const chromium = `/usr/bin/chromium is not installed (${aptHint('chromium')})`;
    const vulkan = `no loader (${aptHint('libvulkan1')})`;
    const lines = formatSkipSummary(
      [
        { file: 'b.test.ts', titles: [`web [skipped: ${chromium}]`, 'one'] },
        { file: 'b.test.ts', titles: [`web [skipped: ${chromium}]`, 'two'] },
        { file: 'a.test.ts', titles: [`gpu [skipped: ${vulkan}]`, 'one'] },
        { file: 'c.test.ts', titles: ['silent'] },
      ],
      1779,
    );
    expect(lines).toEqual([
      'Skipped 4 tests of 1,779, in 3 files:',
      `  a.test.ts: 1 test - ${vulkan}`,
      `  b.test.ts: 2 tests - ${chromium}`,
      '  c.test.ts: 1 test - NO REASON GIVEN',
      'Skipped without a reason (put "[skipped: why]" in the title, or pass a note to ctx.skip): 1 test',
      '  c.test.ts > silent',
      'To run them, install what they need (as root), then run pnpm test again:  apt-get install -y chromium libvulkan1',
    ]);
  });

  it('lists projects the config left out, and their packages in the install command', () => {
    const reason = `/usr/bin/chromium is not installed (${aptHint('chromium')})`;
    expect(formatSkipSummary([], 10, [{ config: 'packages/x/vitest.browser.config.ts', reason }])).toEqual([
      'Not run at all (1 project):',
      `  packages/x/vitest.browser.config.ts - ${reason}`,
      'To run them, install what they need (as root), then run pnpm test again:  apt-get install -y chromium',
    ]);
  });

  it('says nothing when nothing was skipped', () => {
    expect(formatSkipSummary([], 10)).toEqual([]);
  });
});
