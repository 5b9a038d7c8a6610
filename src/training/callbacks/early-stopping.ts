import { InvalidArgumentError } from "../../errors.js";
import { checkInteger } from "../../_internals/check.js";
import type { Callback, EpochEndContext } from "../callback.js";

/** Options of {@link EarlyStopping}. */
export interface EarlyStoppingOptions {
  /** Epoch-mean loss to watch, e.g. `"loss"` or `"dLoss"`. */
  readonly monitor: string;
  /**
   * Epochs without improvement before stopping.
   * @defaultValue 3
   */
  readonly patience?: number;
  /**
   * Smallest change that counts as an improvement.
   * @defaultValue 0
   */
  readonly minDelta?: number;
  /**
   * Whether lower (`"min"`) or higher (`"max"`) is better.
   * @defaultValue "min"
   */
  readonly mode?: "min" | "max";
}

/** Stops training when a monitored epoch-mean loss has not improved for `patience` epochs. */
export class EarlyStopping implements Callback {
  private readonly options: Required<EarlyStoppingOptions>;
  private best = Number.NaN;
  private wait = 0;

  /** @param options - see {@link EarlyStoppingOptions}. */
  constructor(options: EarlyStoppingOptions) {
    const { patience = 3, minDelta = 0, mode = "min", monitor } = options;
    checkInteger("EarlyStopping", "options.patience", patience, 0);
    if (!(minDelta >= 0)) throw new InvalidArgumentError(`EarlyStopping: options.minDelta must be >= 0, found ${minDelta}`);
    this.options = { patience, minDelta, mode, monitor };
  }

  /** Compares the epoch's value with the best so far. */
  onEpochEnd(context: EpochEndContext): void {
    const { monitor, minDelta, mode, patience } = this.options;
    const value = context.losses[monitor];
    if (value === undefined) {
      throw new InvalidArgumentError(`EarlyStopping: the model reports no '${monitor}'; it reports ${Object.keys(context.losses).join(", ")}`);
    }
    const improved = Number.isNaN(this.best) || (mode === "min" ? value < this.best - minDelta : value > this.best + minDelta);
    if (improved) {
      this.best = value;
      this.wait = 0;
      return;
    }
    this.wait += 1;
    if (this.wait >= patience) {
      context.stopTraining(`early stopping: '${monitor}' has not improved on ${this.best.toPrecision(5)} for ${this.wait} epoch(s) (epoch ${context.epoch + 1})`);
    }
  }
}
