/**
 * Base class of every error gen-mnist throws on purpose. Catch it to tell gen-mnist's own
 * diagnostics apart from errors raised by tfjs or Node.
 *
 * @example
 * ```ts
 * try {
 *   await loadMnist({ dir: "./nowhere" });
 * } catch (err) {
 *   if (err instanceof GenMnistError) console.error(err.message);
 * }
 * ```
 */
export class GenMnistError extends Error {
  /** Creates the error with a message naming what is wrong and what was expected. */
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * A value passed to a gen-mnist function or option is out of range or of the wrong kind.
 * The message names the function, the argument, what was expected and what was found.
 */
export class InvalidArgumentError extends GenMnistError {}

/**
 * A model's weights or optimizer state hold NaN or ±Infinity: training diverged. gen-mnist never
 * saves such a model; `where` and `count` say what held them.
 */
export class NonFiniteError extends GenMnistError {
  /** What held the non-finite values, e.g. `"weights of 'generator'"`. */
  readonly where: string;
  /** How many values were NaN or ±Infinity. */
  readonly count: number;

  /** @param found - what held them and how many. */
  constructor(message: string, found: { readonly where: string; readonly count: number }) {
    super(message);
    this.where = found.where;
    this.count = found.count;
  }
}
