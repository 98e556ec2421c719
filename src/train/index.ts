/** The trainer and its parts: loop, optimisers, schedules, clipping, checkpoints, seeding. */
export {
  Trainer,
  TrainingDivergedError,
  type TrainerOptions,
  type Objective,
  type ObjectiveResult,
  type ObjectiveState,
  type StepContext,
  type StepRecord,
  type EpochSummary,
  type TrainResult,
  type EvaluationSpec,
  type CheckpointSpec,
  type ProgressReporter,
} from './trainer.js';
export { SGD, Adam, createOptimizer, type Optimizer, type OptimizerSpec, type OptimizerState, type SgdSpec, type AdamSpec } from './optimizers.js';
export {
  createSchedule,
  constantLr,
  stepLr,
  multiStepLr,
  cosineLr,
  polyLr,
  linearWarmup,
  SCHEDULE_TYPES,
  type Schedule,
  type ScheduleSpec,
  type WarmupSpec,
  scheduleInSteps,
  type EpochScheduleSpec,
} from './schedules.js';
export { clipGradients, type ClipSpec, type ClippedGradients } from './clip.js';
export { writeCheckpoint, readCheckpoint, latestCheckpoint, listCheckpoints, type LoadedCheckpoint } from './checkpoint.js';
export { deriveSeed, withSeededRandom, SEED_STREAMS } from '../engine/seed.js';
export { addAuxiliaryLoss, collectAuxiliaryLosses, withAuxiliaryLosses, type AuxiliaryLossTerm, type AuxiliaryLossLayer } from './auxiliary-losses.js';
export { resolveParameters, isBiasOrNorm, describeSelector, type ParameterGroupSpec, type FreezeSpec, type ParameterSelector, type ParameterInfo, type ParameterSettings, type ResolvedParameters } from './parameter-groups.js';
export { WeightEma, type EmaSpec } from './ema.js';
export { trainerLoopOptions, type EpochTrainingSettings } from './task-settings.js';
export { runTraining, firstDifference, checkResumeDefinition, type TrainingTask, type TaskRun, type TaskModelMetadata, type RunSettings, type RunContext, type RunChart, type RunOutcome } from './run.js';
export {
  resolveModelDir,
  readModelMetadata,
  findModelMetadata,
  parseModelMetadata,
  updateModelMetadata,
  loadRunModel,
  setModelMetadata,
  applyNormalization,
  removeStaleStaging,
  checkRunFolder,
  readRunConfig,
  MODEL_METADATA_FORMAT,
  MODEL_METADATA_VERSION,
  type ModelMetadata,
  type Preprocessing,
  type Threshold,
  type LoadedRunModel,
} from './run-folder.js';
