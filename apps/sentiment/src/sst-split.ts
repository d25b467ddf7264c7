/**
 * A sentence-level validation split for GLUE SST-2.
 *
 * GLUE's SST-2 train rows are phrases of the SST train trees, while dev is whole
 * sentences. Holding out random train rows (`--valid-fraction`) measures phrases whose
 * parent sentences stay in training, so validation keeps rising while dev does not, and
 * early stopping picks the wrong epoch. This split holds out whole train *sentences*
 * (the tree roots) and drops from training every phrase that occurs only in held-out
 * trees, so the validation set looks like dev and shares no sentence with training.
 */
import { createHash } from 'node:crypto';

/** Lower-case PTB text as GLUE writes it: brackets back, escaped slashes plain. */
export function normalisePhrase(text: string): string {
  return text
    .replace(/-LRB-/gi, '(')
    .replace(/-RRB-/gi, ')')
    .replace(/\\\//g, '/')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

interface TreeNode {
  label: number;
  words: string[];
}

/** Every node of one PTB tree `(label child child)`: its label and the words under it. */
export function treePhrases(line: string, where = 'tree'): TreeNode[] {
  const nodes: TreeNode[] = [];
  let i = 0;
  const parse = (): string[] => {
    if (line[i] !== '(') throw new Error(`${where}: expected "(" at column ${i + 1}`);
    i++;
    const m = /^(\d)\s+/.exec(line.slice(i));
    if (!m) throw new Error(`${where}: expected a label 0-4 at column ${i + 1}`);
    const label = Number(m[1]);
    i += m[0].length;
    let words: string[];
    if (line[i] === '(') {
      words = [];
      while (line[i] === '(') {
        words.push(...parse());
        while (line[i] === ' ') i++;
      }
    } else {
      const end = line.indexOf(')', i);
      if (end < 0) throw new Error(`${where}: unclosed leaf at column ${i + 1}`);
      words = [line.slice(i, end)];
      i = end;
    }
    if (line[i] !== ')') throw new Error(`${where}: expected ")" at column ${i + 1}`);
    i++;
    nodes.push({ label, words });
    return words;
  };
  parse();
  return nodes;
}

export interface Sst2SplitResult {
  /** GLUE rows kept for training. */
  train: Array<{ text: string; label: 0 | 1 }>;
  /** Held-out train sentences with a binary root label (neutral roots dropped, as GLUE does). */
  valid: Array<{ text: string; label: 0 | 1 }>;
  /** GLUE rows dropped because their phrase occurs only in held-out trees. */
  dropped: number;
  /** GLUE rows found in no tree (normalisation mismatch; kept for training). */
  unmatched: number;
  heldOutTrees: number;
}

/** Stable membership test: sha256(salt, sentence) decides, so the split never depends on file order. */
function heldOut(sentence: string, fraction: number, salt: string): boolean {
  const h = createHash('sha256').update(`${salt}\0${sentence}`).digest();
  return h.readUInt32BE(0) / 2 ** 32 < fraction;
}

export function splitSst2(glueRows: ReadonlyArray<{ text: string; label: 0 | 1 }>, trees: readonly string[], options: { fraction?: number; salt?: string } = {}): Sst2SplitResult {
  const fraction = options.fraction ?? 0.1;
  const salt = options.salt ?? 'cellstate-sst2-valid-v1';
  const keptPhrases = new Set<string>();
  const heldPhrases = new Set<string>();
  const valid: Sst2SplitResult['valid'] = [];
  let heldOutTrees = 0;
  trees.forEach((line, k) => {
    if (!line.trim()) return;
    const nodes = treePhrases(line.trim(), `tree ${k + 1}`);
    const root = nodes[nodes.length - 1]!;
    const sentence = normalisePhrase(root.words.join(' '));
    const hold = heldOut(sentence, fraction, salt);
    const into = hold ? heldPhrases : keptPhrases;
    for (const n of nodes) into.add(normalisePhrase(n.words.join(' ')));
    if (hold) {
      heldOutTrees++;
      if (root.label !== 2) valid.push({ text: sentence, label: root.label > 2 ? 1 : 0 });
    }
  });
  const train: Sst2SplitResult['train'] = [];
  let dropped = 0;
  let unmatched = 0;
  for (const row of glueRows) {
    const p = normalisePhrase(row.text);
    if (heldPhrases.has(p) && !keptPhrases.has(p)) {
      dropped++;
      continue;
    }
    if (!heldPhrases.has(p) && !keptPhrases.has(p)) unmatched++;
    train.push(row);
  }
  return { train, valid, dropped, unmatched, heldOutTrees };
}
