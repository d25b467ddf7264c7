import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('the main entry is browser-safe', () => {
  it('no source file outside src/node imports a Node built-in or @cellstate/nn/node', () => {
    const dir = fileURLToPath(new URL('.', import.meta.url));
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'test-setup.ts');
    expect(files).toContain('index.ts');
    for (const f of files) {
      const src = readFileSync(`${dir}/${f}`, 'utf8');
      expect(src, f).not.toMatch(/from ['"](node:|fs|path|zlib|@cellstate\/nn\/node)/);
      expect(src, f).not.toMatch(/\bprocess\./);
    }
  });
});
