// Runs one app's command line from its TypeScript sources: a child Node with the
// `@cellstate/source` export condition (workspace packages resolve to their sources, no
// build step) and tsx, in the caller's directory, with the caller's stdio. Ctrl-C reaches
// the child directly (same process group; `translate train` checkpoints on it), so this
// process only waits; a SIGTERM sent to it alone is passed on.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Runs `entry` (a path relative to the repository root) with this process's arguments and
 * exits with its exit code.
 * @param {string} entry
 */
export function runSource(entry) {
  const file = fileURLToPath(new URL(`../../${entry}`, import.meta.url));
  const child = spawn(process.execPath, ['--conditions=@cellstate/source', '--import', import.meta.resolve('tsx'), file, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => {
    if (signal) process.kill(process.pid, signal);
    process.exit(code ?? 1);
  });
}
