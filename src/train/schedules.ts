/**
 * Learning-rate schedules as pure functions of the step (0-based index of
 * the update about to be applied), so a resumed run gets the same rate
 * without any schedule state in the checkpoint.
 *
 * - `step`: η·γ^⌊t/s⌋; `multistep`: η·γ^(number of milestones ≤ t) (as
 *   PyTorch's StepLR / MultiStepLR);
 * - `cosine`: η_min + (η − η_min)(1 + cos(π t/T))/2 (Loshchilov & Hutter
 *   2017, SGDR eq. 5, one cycle without restarts);
 * - `poly`: η_min + (η − η_min)(1 − t/T)^p (the "poly" policy of DeepLab,
 *   Chen et al. 2017);
 * - linear warm-up (Goyal et al. 2017, §2.2 "gradual warmup"): over the first
 *   `warmupSteps` steps the rate is multiplied by a factor rising linearly from
 *   `warmupStartFactor` to 1.
 *
 * Composition (design choice, ours): warm-up multiplies the main schedule,
 * which keeps counting from step 0 (PyTorch's ChainedScheduler of LinearLR
 * with another scheduler), so `cosine` still ends at step `totalSteps`.
 */
import { check } from '../errors.js';

export type Schedule = (step: number) => number;

export type ScheduleSpec =
  | { type: 'constant' }
  | { type: 'step'; stepSize: number; gamma?: number }
  | { type: 'multistep'; milestones: number[]; gamma?: number }
  | { type: 'cosine'; totalSteps: number; minLr?: number }
  | { type: 'poly'; totalSteps: number; power?: number; minLr?: number };

export interface WarmupSpec {
  warmupSteps?: number;
  /** Factor at step 0 (default 1 / warmupSteps; see {@link linearWarmup}). */
  warmupStartFactor?: number;
}

export const SCHEDULE_TYPES = ['constant', 'step', 'multistep', 'cosine', 'poly'] as const;

export function constantLr(lr: number): Schedule {
  return () => lr;
}

export function stepLr(lr: number, stepSize: number, gamma = 0.1): Schedule {
  check(Number.isInteger(stepSize) && stepSize > 0, 'stepSize', stepSize, 'a positive integer number of steps');
  return (t) => lr * gamma ** Math.floor(t / stepSize);
}

export function multiStepLr(lr: number, milestones: number[], gamma = 0.1): Schedule {
  check(milestones.every((m, i) => Number.isFinite(m) && m >= 0 && (i === 0 || m > milestones[i - 1])), 'milestones', milestones, 'increasing step numbers ≥ 0');
  return (t) => lr * gamma ** milestones.filter((m) => m <= t).length;
}

export function cosineLr(lr: number, totalSteps: number, minLr = 0): Schedule {
  check(totalSteps > 0, 'totalSteps', totalSteps, 'a positive number of steps');
  return (t) => minLr + ((lr - minLr) * (1 + Math.cos((Math.PI * Math.min(t, totalSteps)) / totalSteps))) / 2;
}

export function polyLr(lr: number, totalSteps: number, power = 0.9, minLr = 0): Schedule {
  check(totalSteps > 0, 'totalSteps', totalSteps, 'a positive number of steps');
  check(power > 0, 'power', power, 'a positive exponent');
  return (t) => minLr + (lr - minLr) * (1 - Math.min(t, totalSteps) / totalSteps) ** power;
}

/**
 * Multiplies `schedule` by a factor rising linearly from `startFactor` at
 * step 0 to 1 at step `warmupSteps` (default start: 1/warmupSteps, so the
 * first step is not taken at rate 0).
 */
export function linearWarmup(schedule: Schedule, warmupSteps: number, startFactor?: number): Schedule {
  check(Number.isInteger(warmupSteps) && warmupSteps >= 0, 'warmupSteps', warmupSteps, 'an integer ≥ 0');
  if (warmupSteps === 0) return schedule;
  const start = startFactor ?? 1 / warmupSteps;
  check(start >= 0 && start <= 1, 'warmupStartFactor', start, 'a factor in [0, 1]');
  return (t) => schedule(t) * (t >= warmupSteps ? 1 : start + ((1 - start) * t) / warmupSteps);
}

/** The schedule that a JSON spec describes, starting from base rate `lr`. */
export function createSchedule(lr: number, spec: ScheduleSpec & WarmupSpec = { type: 'constant' }): Schedule {
  check(Number.isFinite(lr) && lr >= 0, 'lr', lr, 'a finite learning rate ≥ 0');
  check((SCHEDULE_TYPES as readonly string[]).includes(spec.type), 'schedule', spec.type, `one of ${SCHEDULE_TYPES.join(', ')}`);
  let schedule: Schedule;
  switch (spec.type) {
    case 'constant':
      schedule = constantLr(lr);
      break;
    case 'step':
      schedule = stepLr(lr, spec.stepSize, spec.gamma);
      break;
    case 'multistep':
      schedule = multiStepLr(lr, spec.milestones, spec.gamma);
      break;
    case 'cosine':
      schedule = cosineLr(lr, spec.totalSteps, spec.minLr);
      break;
    case 'poly':
      schedule = polyLr(lr, spec.totalSteps, spec.power, spec.minLr);
      break;
  }
  return linearWarmup(schedule, spec.warmupSteps ?? 0, spec.warmupStartFactor);
}

/**
 * A schedule described in epochs (what users type), resolved to a
 * {@link ScheduleSpec} in steps once the number of steps per epoch is known.
 * Epoch counts may be fractional; milestones and step sizes round to whole
 * steps.
 */
export interface EpochScheduleSpec {
  type: (typeof SCHEDULE_TYPES)[number];
  /** `step`: epochs between decays. */
  stepEpochs?: number;
  /** `multistep`: epochs at which the rate is multiplied by `gamma`. */
  milestones?: number[];
  gamma?: number;
  /** `poly`: exponent. */
  power?: number;
  /** `cosine`/`poly`: final rate. */
  minLr?: number;
  warmupEpochs?: number;
  warmupStartFactor?: number;
}

export function scheduleInSteps(spec: EpochScheduleSpec, stepsPerEpoch: number, totalSteps: number): ScheduleSpec & WarmupSpec {
  check((SCHEDULE_TYPES as readonly string[]).includes(spec.type), 'schedule', spec.type, `one of ${SCHEDULE_TYPES.join(', ')}`);
  check(stepsPerEpoch > 0 && totalSteps > 0, 'stepsPerEpoch', stepsPerEpoch, 'a positive number of steps');
  const steps = (epochs: number): number => Math.max(1, Math.round(epochs * stepsPerEpoch));
  const warmup = { warmupSteps: spec.warmupEpochs ? steps(spec.warmupEpochs) : 0, warmupStartFactor: spec.warmupStartFactor };
  switch (spec.type) {
    case 'constant':
      return { type: 'constant', ...warmup };
    case 'step':
      check(spec.stepEpochs !== undefined && spec.stepEpochs > 0, 'stepEpochs', spec.stepEpochs, 'a positive number of epochs between decays');
      return { type: 'step', stepSize: steps(spec.stepEpochs), gamma: spec.gamma, ...warmup };
    case 'multistep':
      check(Array.isArray(spec.milestones) && spec.milestones.length > 0, 'milestones', spec.milestones, 'epochs at which to decay, e.g. [30, 60]');
      return { type: 'multistep', milestones: spec.milestones.map(steps), gamma: spec.gamma, ...warmup };
    case 'cosine':
      return { type: 'cosine', totalSteps, minLr: spec.minLr, ...warmup };
    case 'poly':
      return { type: 'poly', totalSteps, power: spec.power, minLr: spec.minLr, ...warmup };
  }
}
