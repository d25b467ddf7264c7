// The browser entry must bundle for the browser without Dawn (`webgpu`) or any `node:`
// module; the Node entry keeps `webgpu` as its only Node-specific import.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

async function bundle(entry: string, platform: 'browser' | 'node') {
  const result = await build({
    entryPoints: [`${root}/src/${entry}`],
    bundle: true,
    platform,
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
    conditions: ['@cellstate/source'],
    external: platform === 'node' ? ['webgpu'] : [],
  });
  return { text: result.outputFiles[0]!.text, inputs: Object.keys(result.metafile.inputs), imports: Object.values(result.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path)) };
}

describe('browser bundle', () => {
  it('src/index.ts bundles for the browser with no webgpu or node: imports', async () => {
    const { text, inputs, imports } = await bundle('index.ts', 'browser');
    expect(imports, 'external imports left in the bundle').toEqual([]);
    expect(inputs.filter((p) => /node_modules\/(webgpu|\.pnpm\/webgpu)/.test(p))).toEqual([]);
    expect(text).not.toMatch(/\bfrom\s*["'](webgpu|node:[^"']*)["']/);
    expect(text).not.toMatch(/\b(import|require)\(\s*["'](webgpu|node:[^"']*)["']\s*\)/);
    expect(text).toContain('navigator');
  }, 60_000);

  it('src/node.ts imports webgpu and nothing else from outside', async () => {
    const { imports } = await bundle('node.ts', 'node');
    expect([...new Set(imports)]).toEqual(['webgpu']);
  }, 60_000);
});
