/**
 * The loss registry: every loss a `wavecv train` task can train with, by
 * name, whatever the model family. A {@link LossDefinition} declares the
 * kind of task it serves (what it consumes: `classification` logits and
 * labels; `distillation` logits, labels and a teacher's logits; `face`
 * embeddings and identity labels through a head of its own; `segmentation`
 * per-pixel or per-voxel logits and masks; `registration` a field and the
 * fixed and moving images), the options
 * it takes, and how to build it. Registration is this one list
 * ({@link LOSSES}); a new loss module exports its definitions and is added
 * here.
 *
 * Options (design decision): a loss accepts exactly the options it lists.
 * An option that does not apply to the chosen loss (a margin for plain
 * softmax) is refused with its name and the loss's own options, never
 * dropped; the values themselves are checked by the loss when it is built
 * (its constructor), so each loss validates its own options in one place.
 */
import { check, WavecvError } from '../errors.js';
import { CLASSIFICATION_LOSSES } from './classification.js';
import { DISTILLATION_LOSSES } from './distillation.js';
import { FACE_LOSSES } from './face-losses.js';
import type { LossDefinition } from './loss-definition.js';
import { REGISTRATION_LOSSES } from './registration.js';
import { SEGMENTATION_LOSSES } from './segmentation.js';

export type { LossDefinition } from './loss-definition.js';

/** Every registered loss. */
export const LOSSES: readonly LossDefinition<never, unknown>[] = [...CLASSIFICATION_LOSSES, ...DISTILLATION_LOSSES, ...FACE_LOSSES, ...SEGMENTATION_LOSSES, ...REGISTRATION_LOSSES] as readonly LossDefinition<never, unknown>[];

/** Names of the losses of one kind, in registration order. */
export function lossNames(kind: string): string[] {
  return LOSSES.filter((l) => l.kind === kind).map((l) => l.name);
}

/** The definition of loss `name` of `kind`, or a WavecvError (argument `loss`) listing that kind's losses. */
export function lossDefinition(kind: string, name: string): LossDefinition<never, unknown> {
  const found = LOSSES.find((l) => l.kind === kind && l.name === name);
  if (!found) throw new WavecvError('loss', name, `one of ${lossNames(kind).join(', ')}`);
  return found;
}

/**
 * Checks that every option in `options` applies to loss `name` of `kind`
 * (values undefined count as absent); the error's argument is
 * `lossOptions.<option>`.
 */
export function checkLossOptions(kind: string, name: string, options: object = {}): void {
  const definition = lossDefinition(kind, name);
  check(options !== null && typeof options === 'object' && !Array.isArray(options), 'lossOptions', options, 'an object of loss options');
  const accepted = Object.keys(definition.options);
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (!accepted.includes(key)) {
      throw new WavecvError(`lossOptions.${key}`, value, accepted.length > 0 ? `no such option for loss ${name}, which takes ${accepted.join(', ')}` : `no options for loss ${name}, which takes none`);
    }
  }
}

/**
 * Builds loss `name` of `kind` with `options` (checked by
 * {@link checkLossOptions}) for the task's `context`; a value the loss
 * refuses is reported as `lossOptions.<option>`.
 */
export function createLoss<C, L>(kind: string, name: string, options: object | undefined, context: C): L {
  checkLossOptions(kind, name, options);
  const defined = Object.fromEntries(Object.entries(options ?? {}).filter(([, v]) => v !== undefined));
  try {
    return (lossDefinition(kind, name) as unknown as LossDefinition<C, L>).create(defined, context);
  } catch (error) {
    // A loss names a bad option value by its own key; report it as the option it was given as.
    if (error instanceof WavecvError && error.argument in defined) throw new WavecvError(`lossOptions.${error.argument}`, error.value, error.expected);
    throw error;
  }
}
