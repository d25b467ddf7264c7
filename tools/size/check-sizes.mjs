// Lists source files over 500 lines and functions over 150 lines in packages/ and apps/
// (issue 18's size targets). Generated WGSL/WASM text and tests are exempt.
// Usage: node tools/size/check-sizes.mjs [--fail]
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import ts from 'typescript';

const files = execFileSync('git', ['ls-files', 'packages', 'apps'], { encoding: 'utf8' })
  .split('\n')
  .filter((f) => /\.(ts|tsx|mts)$/.test(f) && !/\.test\.ts$|\.d\.ts$|\.wasm\.ts$|\.wgsl\.ts$|\/assembly\//.test(f));
const problems = [];
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n').length;
  if (lines > 500) problems.push(`${file}: ${lines} lines (file > 500)`);
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const visit = (node) => {
    if (ts.isFunctionLike(node) && node.body) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart()).line;
      const end = sf.getLineAndCharacterOfPosition(node.end).line;
      if (end - start + 1 > 150) {
        const name = node.name?.getText(sf) ?? '(anonymous)';
        problems.push(`${file}:${start + 1}: function ${name} ${end - start + 1} lines (> 150)`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
}
for (const p of problems) console.log(p);
console.log(`${problems.length} over the limits (${files.length} files)`);
if (process.argv.includes('--fail') && problems.length) process.exit(1);
