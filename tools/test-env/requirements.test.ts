import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { probeChromium, skipTitle } from './requirements.ts';

describe('test requirements', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cellstate-requirements-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a missing, a non-executable and a failing chromium each give a reason with the install command', () => {
    expect(probeChromium(join(dir, 'absent'))).toMatch(/absent is not installed \(install: apt-get install -y chromium\)/);
    const plain = join(dir, 'plain');
    writeFileSync(plain, '#!/bin/sh\necho ok\n');
    chmodSync(plain, 0o644);
    expect(probeChromium(plain)).toMatch(/plain is not executable \(install: apt-get install -y chromium\)/);
    const broken = join(dir, 'broken');
    writeFileSync(broken, '#!/bin/sh\necho "cannot open display" >&2\nexit 3\n');
    chmodSync(broken, 0o755);
    expect(probeChromium(broken)).toMatch(/broken does not start \(cannot open display; install: apt-get install -y chromium\)/);
  });

  it('accepts a chromium that answers --version', () => {
    const fake = join(dir, 'fake');
    writeFileSync(fake, '#!/bin/sh\necho "Chromium 1.0"\n');
    chmodSync(fake, 0o755);
    expect(probeChromium(fake)).toBeUndefined();
  });

  it('puts the reason in the title only when there is one', () => {
    expect(skipTitle('web page', 'no chromium')).toBe('web page [skipped: no chromium]');
    expect(skipTitle('web page', undefined)).toBe('web page');
  });
});
