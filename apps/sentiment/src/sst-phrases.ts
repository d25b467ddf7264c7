/**
 * Stanford Sentiment Treebank (SST) phrase-level data, read straight from the PTB trees
 * (`sst/trees/{train,dev}.txt`): every node of every tree carries a fine-grained label
 * 0-4, and every node (every phrase, whole sentence included) becomes one labelled text.
 * Phrase labels are what teach a model negation and contrast: "not bad" is labelled on
 * its own, next to "bad".
 *
 * Labels: 0-1 -> negative, 2 -> neutral, 3-4 -> positive. Texts are detokenised
 * (`detokenize`): PTB escapes undone and `n't` / `'s` joined back, so a phrase reads as
 * a person would type it and the app's preprocessing gives it the same tokens at training
 * and at run time ("does n't" and "doesn't" both become `does n't`).
 *
 * The CLI reads them with data specs: `--train sst-phrases:FILE` (every phrase, identical
 * texts merged), `--valid sst-sentences:FILE` (the sentences only, i.e. the tree roots).
 */
import { readFileSync } from 'node:fs';
import { DataError, type DatasetLine } from './dataset.js';
import { treePhrases } from './sst-split.js';

/** The 3-class label of an SST fine-grained label 0-4. */
export function sstLabel(fine: number): 'negative' | 'neutral' | 'positive' {
  return fine <= 1 ? 'negative' : fine === 2 ? 'neutral' : 'positive';
}

const PTB_ESCAPES = new Map<string, string>([
  ['-LRB-', '('], ['-RRB-', ')'], ['-LSB-', '['], ['-RSB-', ']'], ['-LCB-', '{'], ['-RCB-', '}'],
  ['``', '"'], ["''", '"'], ['`', "'"],
]);
/** Tokens written without a space before them: clitics and closing punctuation. */
const JOIN_LEFT = /^(?:n't|'s|'re|'ve|'ll|'d|'m|[.,;:!?%)\]}]|\.\.\.)$/i;
/** Tokens written without a space after them. */
const JOIN_RIGHT = /^[([{$]$/;

/**
 * PTB tokens -> the text a person would write: `-LRB-` `(`, ``` `` ``` and `''` `"`,
 * `\/` `/`, `\*` `*`; `n't`, clitics (`'s` `'re` ...) and closing punctuation joined to
 * the word before (`does n't` -> `doesn't`, `film 's` -> `film's`, `good .` -> `good.`).
 * Straight quotes keep their spaces (the tokenizer drops them either way).
 */
export function detokenize(tokens: readonly string[]): string {
  let out = '';
  let glueNext = false;
  for (const raw of tokens) {
    const t = (PTB_ESCAPES.get(raw) ?? raw).replace(/\\([/*])/g, '$1');
    if (out && !glueNext && !JOIN_LEFT.test(t)) out += ' ';
    out += t;
    glueNext = JOIN_RIGHT.test(t);
  }
  return out;
}

export interface SstReadOptions {
  /** `phrases` (default): every node; `sentences`: the roots only. */
  level?: 'phrases' | 'sentences';
  /** Where the trees came from, for error messages (default `trees`). */
  file?: string;
}

export interface SstReadResult {
  examples: DatasetLine[];
  /** Trees read. */
  trees: number;
  /** Nodes (phrases) seen, before merging identical texts. */
  nodes: number;
  /** Identical texts merged (phrases level), of which some had conflicting labels. */
  merged: number;
  /** Merged texts whose nodes disagreed on the 3-class label (the majority label is kept). */
  conflicts: number;
  /** Phrases with no letter or digit (`,`, `.`, ``` `` ```): dropped. */
  punctuationOnly: number;
}

/**
 * Labelled texts from SST PTB trees (one tree a line). At the phrase level identical
 * texts are merged into one example with the most common 3-class label (ties: the first
 * seen); `line` is the tree's line. At the sentence level each root is one example
 * (duplicates kept: they are separate sentences).
 */
export function readSstTrees(text: string, options: SstReadOptions = {}): SstReadResult {
  const level = options.level ?? 'phrases';
  const file = options.file ?? 'trees';
  const byText = new Map<string, { line: number; votes: Record<string, number>; first: string }>();
  const examples: DatasetLine[] = [];
  let trees = 0;
  let nodes = 0;
  let punctuationOnly = 0;
  const lines = text.split('\n');
  lines.forEach((raw, k) => {
    const line = raw.trim();
    if (!line) return;
    let parsed;
    try {
      parsed = treePhrases(line, `${file}:${k + 1}`);
    } catch (e) {
      throw new DataError((e as Error).message.replace(`${file}:${k + 1}: `, ''), file, k + 1);
    }
    trees++;
    const chosen = level === 'sentences' ? [parsed[parsed.length - 1]!] : parsed;
    for (const node of chosen) {
      nodes++;
      const phrase = detokenize(node.words);
      if (!/[\p{L}\p{N}]/u.test(phrase)) {
        punctuationOnly++;
        continue;
      }
      const label = sstLabel(node.label);
      if (level === 'sentences') {
        examples.push({ text: phrase, label, line: k + 1 });
        continue;
      }
      const seen = byText.get(phrase);
      if (seen) seen.votes[label] = (seen.votes[label] ?? 0) + 1;
      else byText.set(phrase, { line: k + 1, votes: { [label]: 1 }, first: label });
    }
  });
  let merged = 0;
  let conflicts = 0;
  if (level === 'phrases') {
    for (const [phrase, v] of byText) {
      const entries = Object.entries(v.votes);
      const total = entries.reduce((a, [, n]) => a + n, 0);
      merged += total - 1;
      if (entries.length > 1) conflicts++;
      let label = v.first;
      for (const [l, n] of entries) if (n > v.votes[label]!) label = l;
      examples.push({ text: phrase, label, line: v.line });
    }
  }
  return { examples, trees, nodes, merged, conflicts, punctuationOnly };
}

/** `sst-phrases:FILE` / `sst-sentences:FILE` -> the level and the file; other specs -> undefined. */
export function parseSstSpec(spec: string): { level: 'phrases' | 'sentences'; file: string } | undefined {
  const m = /^sst-(phrases|sentences):(.+)$/.exec(spec);
  return m ? { level: m[1] as 'phrases' | 'sentences', file: m[2]! } : undefined;
}

/** Reads an SST trees file (Node). */
export function readSstFile(file: string, level: 'phrases' | 'sentences', shownAs = file): SstReadResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new DataError(`cannot read: ${(cause as Error).message}`, shownAs);
  }
  return readSstTrees(text, { level, file: shownAs });
}
