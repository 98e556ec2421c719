/**
 * The shape of one entry of the loss registry (`src/losses/registry.ts`):
 * what a loss module exports for each loss it offers. Kept apart from the
 * registry so that loss modules depend on this contract, and the registry on
 * the loss modules, without a loop between them.
 */

/** A loss of the registry; `C` is what the task supplies (class count, embedding size, seed), `L` what it builds. */
export interface LossDefinition<C = never, L = unknown> {
  name: string;
  /** The kind of task it serves (`classification`, `face`, …). */
  kind: string;
  /** One line for `--help` and error messages. */
  description: string;
  /** The options it takes, each with a one-line description. */
  options: Record<string, string>;
  /** Builds the loss from checked option names; the loss checks the values. */
  create(options: Record<string, unknown>, context: C): L;
}
