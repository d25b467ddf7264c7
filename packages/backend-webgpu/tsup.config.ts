import { defineConfig } from 'tsup';
import { libraryBuild } from '../../tools/tsup/build.ts';

// Two entries: the browser-safe main entry and the Node entry (Dawn). `webgpu` stays
// an import of dist/node.js only (checked by test/browser-bundle.test.ts on sources).
export default defineConfig(libraryBuild({ index: 'src/index.ts', node: 'src/node.ts' }, ['@cellstate/tensor', 'webgpu']));
