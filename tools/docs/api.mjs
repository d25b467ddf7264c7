#!/usr/bin/env node
// `pnpm docs:api`: the API reference of the published packages (packages/*, not the
// private bench), generated from their TSDoc with TypeDoc into docs/api/ (git-ignored).
// The entry points are read from each package's `exports` (the `@cellstate/source`
// condition: its TypeScript source), so a new export is documented without editing this
// file, and each module is named by its import path (`@cellstate/nn/node`, ...).
// Exits 1 on any TypeDoc error or warning (a broken {@link}, a public signature that
// uses a type its package does not export, a missing entry point), listing them; an
// undocumented symbol is not an error.
// Usage: node tools/docs/api.mjs [--out folder] [--json file]
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Application, LogLevel, ReflectionKind } from 'typedoc';

const root = fileURLToPath(new URL('../..', import.meta.url));
const argValue = (name) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const out = resolve(argValue('--out') ?? join(root, 'docs/api'));
const json = argValue('--json');

// Entry points: every export of every published package, by its import path.
const names = new Map(); // absolute source path -> import path
for (const dir of readdirSync(join(root, 'packages')).sort()) {
  const file = join(root, 'packages', dir, 'package.json');
  if (!existsSync(file)) continue;
  const manifest = JSON.parse(readFileSync(file, 'utf8'));
  if (manifest.private) continue;
  for (const [key, target] of Object.entries(manifest.exports ?? {})) {
    const source = typeof target === 'object' ? target['@cellstate/source'] : undefined;
    if (!source || !source.endsWith('.ts')) continue;
    names.set(join(root, 'packages', dir, source), `${manifest.name}${key.slice(1)}`);
  }
}

const problems = [];
const app = await Application.bootstrapWithPlugins({
  name: 'cellstate',
  entryPoints: [...names.keys()],
  entryPointStrategy: 'resolve',
  tsconfig: join(root, 'tools/docs/tsconfig.json'),
  out,
  readme: 'none',
  excludePrivate: true,
  excludeInternal: true,
  // Types a public signature uses but its package does not export, and broken {@link}s.
  validation: { notExported: true, invalidLink: true, invalidPath: true, notDocumented: false },
  sort: ['kind', 'instance-first', 'alphabetical-ignoring-documents'],
  githubPages: false,
  // No git remote to link sources to (TypeDoc would warn that source links are broken).
  sourceLinkTemplate: 'file:///{path}#L{line}',
  disableGit: true,
  hideGenerator: true,
  logLevel: 'Info',
});
// Collect warnings and errors (TypeDoc prints them too). One kind is left out: TypeDoc
// takes a comment that starts with a shape, `[B, H]: final hidden states`, for a Markdown
// link definition to a file named `final` and warns that it is missing, although Markdown
// renders the line as text (it is not a valid definition). Those "paths" are one word
// with neither `/` nor `.`; a real relative link (`./guide.md`) still counts.
let shapeNotes = 0;
const strip = (text) => text.replace(/\x1b\[[0-9;]*m/g, '');
const log = app.logger.log.bind(app.logger);
app.logger.log = (message, level, ...rest) => {
  const text = strip(typeof message === 'string' ? message : String(message));
  const path = /The relative path (.+?) is not a file and will not be copied/.exec(text)?.[1];
  if (level === LogLevel.Warn && path !== undefined && !/[/.]/.test(path)) {
    shapeNotes += 1;
    return;
  }
  if (level === LogLevel.Warn || level === LogLevel.Error) problems.push(`${level === LogLevel.Error ? 'error' : 'warning'}: ${text.split('\n')[0]}`);
  return log(message, level, ...rest);
};

const project = await app.convert();
if (!project) {
  console.error('FAIL docs:api: TypeDoc could not convert the project (errors above)');
  process.exit(1);
}
// Modules by import path rather than by folder (`nn/src/node` -> `@cellstate/nn/node`).
for (const module of project.getChildrenByKind(ReflectionKind.Module)) {
  const file = module.sources?.[0]?.fullFileName;
  const name = file && names.get(resolve(file));
  if (name) module.name = name;
  else problems.push(`warning: module ${module.name} (${file && relative(root, file)}) is not an export of a published package`);
}
app.validate(project);
await app.generateDocs(project, out);
if (json) await app.generateJson(project, resolve(json));

if (shapeNotes) console.log(`docs:api: ${shapeNotes} comment(s) starting with a shape (\`[B, H]: ...\`) that TypeDoc mistook for links to missing files: not counted`);
if (problems.length || app.logger.hasErrors()) {
  console.error(`FAIL docs:api: ${problems.length} TypeDoc problem(s) (see above), the reference in ${relative(root, out)} is incomplete:`);
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
console.log(`docs:api: ${names.size} entry points of ${new Set([...names.values()].map((n) => n.split('/').slice(0, 2).join('/'))).size} packages documented in ${relative(root, out)}/index.html`);
