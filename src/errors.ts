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
