/**
 * The skip summary's text, apart from vitest so it can be tested on plain data: which
 * files skipped how many tests and why, the skips that give no reason, and one command
 * that installs every Debian package the reasons name.
 */

/** One skipped test: its file, its title path (outermost first) and its skip note. */
export interface SkippedTest {
  file: string;
  titles: readonly string[];
  note?: string | undefined;
}

/** The reason a skipped test carries in a title (`[skipped: …]`, `(skipped: …)`) or its note. */
export function skipReason(test: SkippedTest): string | undefined {
  for (const title of [...test.titles].reverse()) {
    const bracket = /\[skipped: ([^\]]+)\]/.exec(title);
    if (bracket) return bracket[1]!.trim();
    const paren = /\(skipped: (.+)\)\s*$/.exec(title);
    if (paren) return paren[1]!.trim();
  }
  return test.note?.trim() || undefined;
}

/** The Debian packages named by `apt-get install …` hints in the reasons, in order, once each. */
export function aptPackages(reasons: Iterable<string>): string[] {
  const packages = new Set<string>();
  for (const reason of reasons) {
    for (const m of reason.matchAll(/apt-get install (?:-y )?([a-z0-9][a-z0-9.+\- ]*)/g)) {
      for (const p of m[1]!.trim().split(/\s+/)) packages.add(p);
    }
  }
  return [...packages];
}

/** A whole vitest project that was not run (its config file) and why. */
export interface NotRunProject {
  config: string;
  reason: string;
}

const n = (count: number, word: string) => `${count.toLocaleString('en-US')} ${word}${count === 1 ? '' : 's'}`;

/** The summary's lines; empty when nothing was skipped. */
export function formatSkipSummary(skipped: readonly SkippedTest[], total: number, notRun: readonly NotRunProject[] = []): string[] {
  if (skipped.length === 0 && notRun.length === 0) return [];
  const byFile = new Map<string, Map<string, number>>();
  const unexplained: string[] = [];
  for (const t of skipped) {
    const reason = skipReason(t);
    if (!reason) unexplained.push(`${t.file} > ${t.titles.join(' > ')}`);
    const reasons = byFile.get(t.file) ?? new Map<string, number>();
    reasons.set(reason ?? 'NO REASON GIVEN', (reasons.get(reason ?? 'NO REASON GIVEN') ?? 0) + 1);
    byFile.set(t.file, reasons);
  }
  const lines: string[] = [];
  if (skipped.length) lines.push(`Skipped ${n(skipped.length, 'test')} of ${total.toLocaleString('en-US')}, in ${n(byFile.size, 'file')}:`);
  for (const [file, reasons] of [...byFile].sort(([a], [b]) => a.localeCompare(b))) {
    for (const [reason, count] of reasons) lines.push(`  ${file}: ${n(count, 'test')} - ${reason}`);
  }
  if (notRun.length) lines.push(`Not run at all (${n(notRun.length, 'project')}):`);
  for (const p of notRun) lines.push(`  ${p.config} - ${p.reason}`);
  if (unexplained.length) {
    lines.push(`Skipped without a reason (put "[skipped: why]" in the title, or pass a note to ctx.skip): ${n(unexplained.length, 'test')}`);
    for (const u of unexplained) lines.push(`  ${u}`);
  }
  const packages = aptPackages([...skipped.map((t) => skipReason(t) ?? ''), ...notRun.map((p) => p.reason)]);
  if (packages.length) lines.push(`To run them, install what they need (as root), then run pnpm test again:  apt-get install -y ${packages.join(' ')}`);
  return lines;
}
