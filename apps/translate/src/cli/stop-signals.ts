/** Ctrl-C and SIGTERM during `translate train`: finish the step, checkpoint, stop. */

/** What `train` polls (`TrainIo.stopRequested`, `TrainIo.onStepLoop`). */
export interface StopSignals {
  stopRequested: () => boolean;
  onStepLoop: (active: boolean) => void;
}

/**
 * Installs SIGINT/SIGTERM handlers on this process. The first signal inside the step
 * loop asks training to stop after the current step (with a checkpoint); a second one,
 * or one outside the loop, quits at once with 130 (SIGINT) or 143 (SIGTERM).
 */
export function stopOnSignals(): StopSignals {
  let stop = false;
  let stepping = false;
  const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
    // Outside the step loop (loading data, evaluating) no step would see the request:
    // quit at once; files are written atomically, so nothing is left half-written.
    if (stop || !stepping) {
      console.error(`\n${signal}: quitting`);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
    stop = true;
    console.error(`\n${signal}: stopping after this step and writing a checkpoint (press again to quit at once)`);
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  return { stopRequested: () => stop, onStepLoop: (active) => (stepping = active) };
}
