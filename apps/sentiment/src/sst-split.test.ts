import { describe, expect, it } from 'vitest';
import { normalisePhrase, splitSst2, treePhrases } from './sst-split.js';

describe('SST-2 sentence-level validation split', () => {
  it('treePhrases lists every node with the words under it, root last', () => {
    const nodes = treePhrases('(3 (2 The) (4 (2 film) (4 shines)))');
    expect(nodes.map((n) => [n.label, n.words.join(' ')])).toEqual([
      [2, 'The'],
      [2, 'film'],
      [4, 'shines'],
      [4, 'film shines'],
      [3, 'The film shines'],
    ]);
    expect(() => treePhrases('(3 (2 The) (x film))', 'train.txt:7')).toThrow(/train.txt:7: expected a label 0-4/);
  });

  it('normalises PTB text the way GLUE writes it', () => {
    expect(normalisePhrase('Singer\\/composer -LRB- Bryan -RRB-  Adams ')).toBe('singer/composer ( bryan ) adams');
  });

  it('holds out whole sentences, drops phrases found only in them, keeps shared ones', () => {
    // 200 two-word sentences "w<k> film" labelled by k; the phrase "film" is in every one.
    const trees = Array.from({ length: 200 }, (_, k) => `(${k % 5} (2 w${k}) (2 film))`);
    const glue = [
      ...Array.from({ length: 200 }, (_, k) => ({ text: `w${k} film`, label: (k % 5 > 2 ? 1 : 0) as 0 | 1 })),
      ...Array.from({ length: 200 }, (_, k) => ({ text: `w${k}`, label: 0 as const })),
      { text: 'film', label: 0 as const },
      { text: 'not in any tree', label: 1 as const },
    ];
    const r = splitSst2(glue, trees, { fraction: 0.2 });
    expect(r.heldOutTrees).toBeGreaterThan(20);
    expect(r.heldOutTrees).toBeLessThan(60);
    const held = new Set(Array.from({ length: 200 }, (_, k) => k).filter((k) => !r.train.some((x) => x.text === `w${k} film`)));
    expect(held.size).toBe(r.heldOutTrees);
    // Validation: held-out roots, neutral (label 2) dropped, 0/1 -> 0, 3/4 -> 1.
    expect(r.valid.map((v) => v.text).sort()).toEqual([...held].filter((k) => k % 5 !== 2).map((k) => `w${k} film`).sort());
    for (const v of r.valid) expect(v.label).toBe(Number(v.text.slice(1, v.text.indexOf(' '))) % 5 > 2 ? 1 : 0);
    // Training keeps no phrase of a held-out sentence except those other sentences share.
    for (const k of held) expect(r.train.some((x) => x.text === `w${k}`)).toBe(false);
    expect(r.train.some((x) => x.text === 'film')).toBe(true);
    expect(r.dropped).toBe(2 * held.size);
    expect(r.unmatched).toBe(1);
    expect(r.train).toHaveLength(glue.length - r.dropped);
    // Stable: the same input gives the same split.
    expect(splitSst2(glue, trees, { fraction: 0.2 }).valid).toEqual(r.valid);
  });
});
