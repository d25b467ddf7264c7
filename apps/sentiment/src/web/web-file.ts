/**
 * Reading a training file picked on the web page (browser-safe: Blob, Response and
 * DecompressionStream, no Node APIs), within a size budget: a file or a gzip bomb
 * larger than the page can hold fails with a message instead of freezing the tab.
 */

/** Most bytes a training file may have, after unpacking a `.gz` (default of `readTrainingFile`). */
export const MAX_TRAINING_FILE_BYTES = 256 * 2 ** 20;

/** A file too large to read (message names it and the limit). */
export class FileTooLargeError extends Error {
  constructor(name: string, limit: number, unpacked: boolean) {
    super(`${name}: larger than ${Math.round(limit / 2 ** 20)} MiB${unpacked ? ' once unpacked' : ''}; use a smaller file (or the CLI, which streams)`);
    this.name = 'FileTooLargeError';
  }
}

/**
 * The bytes of `file`, gunzipped when its name ends in `.gz`, refusing (with
 * `FileTooLargeError`) more than `maxBytes`. The gzip stream is read chunk by chunk and
 * abandoned as soon as the budget is spent, so a bomb never inflates in full.
 */
export async function readTrainingFile(file: Blob & { name: string }, maxBytes = MAX_TRAINING_FILE_BYTES): Promise<Uint8Array> {
  if (file.size > maxBytes) throw new FileTooLargeError(file.name, maxBytes, false);
  if (!file.name.toLowerCase().endsWith('.gz')) return new Uint8Array(await file.arrayBuffer());
  const reader = file.stream().pipeThrough(new DecompressionStream('gzip')).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel();
      throw new FileTooLargeError(file.name, maxBytes, true);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
