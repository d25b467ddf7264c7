/** `translate export`: a model file from a run directory. */
import { userPath } from './io.js';
import { exportRun } from './run-directory.js';

export interface ExportCommandOptions {
  out: string;
  model: string;
  f16: boolean;
  int8: boolean;
  int4: boolean;
  last: boolean;
}

/** Writes the run's best (or, with `last`, its last) model to `model` and says which and how large. */
export async function exportCommand(opts: ExportCommandOptions): Promise<void> {
  const r = await exportRun(userPath(opts.out), userPath(opts.model), { f16: opts.f16, int8: opts.int8, int4: opts.int4, last: opts.last });
  console.log(`wrote ${userPath(opts.model)} (${(r.bytes / 1e6).toFixed(1)} MB, step ${r.step}, ${r.from === 'best' ? 'the epoch with the best validation BLEU' : 'the last checkpoint'})`);
}
