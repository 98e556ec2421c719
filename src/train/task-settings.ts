/**
 * The trainer settings every task takes in epochs (what `addTrainerOptions`
 * offers on the CLI), and their one translation into {@link TrainerOptions}:
 * the schedule converted to steps, a checkpoint after every epoch (and every
 * `checkpointEverySteps` steps when given). The run template
 * (src/train/run.ts) builds its trainer with it; tasks not yet on the
 * template call it themselves.
 */
import type { ClipSpec } from './clip.js';
import type { OptimizerSpec } from './optimizers.js';
import { scheduleInSteps, type EpochScheduleSpec } from './schedules.js';
import type { ProgressReporter, TrainerOptions } from './trainer.js';

export interface EpochTrainingSettings {
  epochs: number;
  optimizer: OptimizerSpec;
  schedule?: EpochScheduleSpec;
  clip?: ClipSpec;
  seed: number;
  checkpointEverySteps?: number;
  progress?: ProgressReporter;
  signal?: AbortSignal;
  /** The command line that started the run (the CLI's resolved flags), recorded in config.json as `command` so the run can be repeated. */
  command?: Record<string, unknown>;
}

/** The loop-level trainer options of a task run of `stepsPerEpoch` steps per epoch writing into `outDir`. */
export function trainerLoopOptions(
  settings: EpochTrainingSettings,
  stepsPerEpoch: number,
  outDir: string,
): Pick<TrainerOptions, 'optimizer' | 'schedule' | 'epochs' | 'seed' | 'clip' | 'outDir' | 'checkpoint' | 'progress' | 'signal' | 'command'> {
  const totalSteps = settings.epochs * stepsPerEpoch;
  return {
    optimizer: settings.optimizer,
    schedule: scheduleInSteps(settings.schedule ?? { type: 'constant' }, stepsPerEpoch, totalSteps),
    epochs: settings.epochs,
    seed: settings.seed,
    clip: settings.clip,
    outDir,
    checkpoint: settings.checkpointEverySteps ? { everySteps: settings.checkpointEverySteps, everyEpochs: 1 } : { everyEpochs: 1 },
    progress: settings.progress,
    signal: settings.signal,
    command: settings.command,
  };
}
