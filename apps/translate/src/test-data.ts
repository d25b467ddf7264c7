// Test helper (not part of the app): a tiny synthetic parallel corpus.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const EN = ['i', 'you', 'he', 'she', 'we', 'see', 'like', 'want', 'a', 'the', 'cat', 'dog', 'house', 'car', 'red', 'big'];
const FR: Record<string, string> = { i: 'je', you: 'tu', he: 'il', she: 'elle', we: 'nous', see: 'vois', like: 'aime', want: 'veux', a: 'un', the: 'le', cat: 'chat', dog: 'chien', house: 'maison', car: 'voiture', red: 'rouge', big: 'grand' };

/** Writes train.tsv and valid.tsv of word-by-word "translations" into a new temp directory. */
export function writeTinyCorpus(pairs = 64, seed = 1): { dir: string; train: string; valid: string } {
  let a = seed;
  const next = (n: number) => {
    a = (a * 1103515245 + 12345) % 2147483648;
    return a % n;
  };
  const lines = Array.from({ length: pairs }, () => {
    const words = Array.from({ length: 2 + next(4) }, () => EN[next(EN.length)]!);
    const en = words.join(' ');
    return `${en[0]!.toUpperCase()}${en.slice(1)}.\t${words.map((w) => FR[w]).join(' ')}.`;
  });
  const dir = mkdtempSync(join(tmpdir(), 'translate-test-'));
  writeFileSync(join(dir, 'train.tsv'), `${lines.join('\n')}\n`);
  writeFileSync(join(dir, 'valid.tsv'), `${lines.slice(0, 12).join('\n')}\n`);
  return { dir, train: join(dir, 'train.tsv'), valid: join(dir, 'valid.tsv') };
}
