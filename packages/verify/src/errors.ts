/**
 * The errors the checker throws for bad input: a malformed model or option, an alphabet that
 * yields events the machine does not know, a state key that is not canonical. Each message
 * names the model and the place (state, event, invariant) so the cause is found in one read.
 *
 * Violations of the model's own properties (invariants, deadlocks, liveness, a guard or action
 * that throws) are not errors: they are reported in the {@link CheckReport}.
 *
 * @module
 */

/**
 * Base class of every error `@kspec/verify` throws on purpose.
 * @category Errors
 */
export class VerifyError extends Error {
  override readonly name: string = 'VerifyError';
}

/**
 * The model (machine, alphabet, projection, invariants, configs) is not usable as given.
 * @category Errors
 */
export class ModelError extends VerifyError {
  override readonly name: string = 'ModelError';
}

/**
 * An option (bounds, invariant names, config name) is out of range or unknown.
 * @category Errors
 */
export class OptionsError extends VerifyError {
  override readonly name: string = 'OptionsError';
}

/**
 * Two snapshots with one state key behave differently (different successors, alphabet or
 * invariant verdicts): the model's `project` drops something that matters.
 * @category Errors
 */
export class NonCanonicalKeyError extends VerifyError {
  override readonly name: string = 'NonCanonicalKeyError';
  constructor(
    message: string,
    /** The shared key. */
    readonly key: string,
    /** How the two snapshots differ, in one line. */
    readonly difference: string,
  ) {
    super(message);
  }
}
