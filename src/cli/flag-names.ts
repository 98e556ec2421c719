/**
 * The one mapping from the library's option keys (task options such as
 * `trainLimit`, model options such as `modelOptions.wavelet` or the models'
 * own `wavelet`/`wave`, loss options such as `lossOptions.margin`, trainer
 * settings such as `optimizer.lr`) to the flags a user types, so that a
 * `WavecvError` raised while a command's options are resolved names
 * `--wavelet`, not an internal key. Keys a command reads from another flag
 * (`dataOptions.size` is `--image-size` for `train classify`, `--size` for
 * `train face`) are given by that command in `extra`.
 */
import { WavecvError } from '../errors.js';

/** Keys shared by every command that has the flag. */
const FLAGS: Record<string, string> = {
  model: '--model',
  backbone: '--backbone',
  data: '--data',
  out: '--out',
  epochs: '--epochs',
  batchSize: '--batch-size',
  seed: '--seed',
  loss: '--loss',
  trainLimit: '--train-limit',
  testLimit: '--test-limit',
  evalBatchSize: '--eval-batch-size',
  checkpointEverySteps: '--checkpoint-every',
  evalEverySteps: '--eval-every',
  augment: '--augment',
  classes: '--classes',
  perClass: '--per-class',
  openSet: '--open-set',
  pairs: '--pairs',
  pairSeed: '--pair-seed',
  flip: '--flip',
  ecloss: '--ecloss',
  eclossWeight: '--ecloss-weight',
  wave: '--wavelet',
  wavelet: '--wavelet',
  bands: '--bands',
  'modelOptions.wave': '--wavelet',
  'modelOptions.wavelet': '--wavelet',
  'modelOptions.bands': '--bands',
  'optimizer.type': '--optimizer',
  'optimizer.lr': '--lr',
  'optimizer.momentum': '--momentum',
  'optimizer.nesterov': '--nesterov',
  'optimizer.weightDecay': '--weight-decay',
  'optimizer.decoupledWeightDecay': '--decoupled-wd',
  'optimizer.beta1': '--beta1',
  'optimizer.beta2': '--beta2',
  'scheduleInEpochs.type': '--schedule',
  'scheduleInEpochs.milestones': '--milestones',
  'scheduleInEpochs.stepEpochs': '--step-epochs',
  'scheduleInEpochs.gamma': '--gamma',
  'scheduleInEpochs.power': '--power',
  'scheduleInEpochs.minLr': '--min-lr',
  'scheduleInEpochs.warmupEpochs': '--warmup-epochs',
  'clip.globalNorm': '--clip-norm',
  'clip.value': '--clip-value',
};

/**
 * The flag of option key `key`: from `extra`, the shared table, or the
 * key-value flags (`modelOptions.width` → `--model-option width`,
 * `lossOptions.k` → `--loss-option k`); undefined for keys no flag sets.
 */
export function flagOf(key: string, extra: Record<string, string> = {}): string | undefined {
  const known = extra[key] ?? FLAGS[key];
  if (known) return known;
  const keyed = /^(modelOptions|lossOptions)\.([^.]+)/.exec(key);
  if (keyed) return `${keyed[1] === 'modelOptions' ? '--model-option' : '--loss-option'} ${keyed[2]}`;
  return undefined;
}

/** `error` with its argument replaced by the flag the user typed, when one maps to it; any other error as it is. */
export function withFlagName(error: unknown, extra: Record<string, string> = {}): unknown {
  if (!(error instanceof WavecvError)) return error;
  const flag = flagOf(error.argument, extra);
  if (flag === undefined) return error;
  const renamed = new WavecvError(flag, error.value, error.expected);
  renamed.stack = error.stack;
  return renamed;
}
