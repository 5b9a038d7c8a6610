import { join } from "node:path";
import { NonFiniteError } from "../../errors.js";
import { checkInteger, checkRange } from "../../_internals/check.js";
import type { BatchEndContext, Callback, EpochEndContext, TrainContext, TrainEndContext } from "../callback.js";
import { latestCheckpoint, pruneEpochCheckpoints, saveCheckpoint } from "../checkpoints.js";
import { epochName } from "./format.js";

/** Options of {@link Checkpoint}. */
export interface CheckpointOptions {
  /** Folder of the checkpoints: `epoch-NNNN/`, `best/`, `last/`. */
  readonly dir: string;
  /**
   * Save `epoch-NNNN/` every this many epochs (the published setup saves every 10).
   * @defaultValue 10
   */
  readonly every?: number;
  /**
   * Also save `last/` whenever this many minutes passed since the last save, so a crash or a kill
   * in a long epoch loses at most this much work; `0` turns it off.
   * @defaultValue 5
   */
  readonly everyMinutes?: number;
  /**
   * Keep this many `epoch-NNNN` checkpoints, removing the older ones (by step).
   * @defaultValue 3
   */
  readonly keep?: number;
  /**
   * Epoch-mean loss to track for `best/`; none keeps no `best/`.
   * @defaultValue "loss" for models whose steps report one (VAEs, most custom models), none for
   *   GANs (their `dLoss`/`gLoss` do not measure quality)
   */
  readonly monitor?: string;
  /**
   * Also save `last/` when training ends, wherever it stopped (also when interrupted), and at the
   * start of a new run (step 0), so that a run killed before its first checkpoint can still be resumed.
   * @defaultValue true
   */
  readonly atEnd?: boolean;
  /**
   * Where warnings go: a save refused because weights became non-finite.
   * @defaultValue `console.warn`
   */
  readonly warn?: (message: string) => void;
}

/**
 * Saves checkpoints that {@link Trainer.resume} continues from: every `every` epochs (keeping the
 * last `keep`), every `everyMinutes` and at the start and end (`last/`), and the best epoch by a
 * monitored loss. Each is written to a temporary folder and renamed into place, so a crash never
 * leaves a half-written checkpoint, and each file's SHA-256 goes into the manifest.
 *
 * A model whose weights or optimizer state hold NaN or ±Infinity is never saved: the save is
 * skipped with a warning, training is stopped, and the newest earlier checkpoint stays the one
 * {@link latestCheckpoint} finds.
 *
 * @example
 * ```ts
 * new Trainer(model, data, { epochs: 50, callbacks: [new Checkpoint({ dir: "runs/x/checkpoints", every: 5 })] });
 * // later, after a crash:
 * const trainer = await Trainer.resume((await latestCheckpoint("runs/x/checkpoints"))!, data);
 * ```
 */
export class Checkpoint implements Callback {
  private readonly options: Required<Omit<CheckpointOptions, "monitor" | "warn">> & { monitor?: string };
  private readonly warn: (message: string) => void;
  private best = Infinity;
  private lastSave = Date.now();

  /** @param options - see {@link CheckpointOptions}. */
  constructor(options: CheckpointOptions) {
    const { every = 10, keep = 3, atEnd = true, everyMinutes = 5, warn, ...rest } = options;
    checkInteger("Checkpoint", "options.every", every, 1);
    checkInteger("Checkpoint", "options.keep", keep, 1);
    checkRange("Checkpoint", "options.everyMinutes", everyMinutes, 0, Infinity, true);
    this.options = { every, keep, atEnd, everyMinutes, ...rest };
    this.warn = warn ?? ((message) => console.warn(`gen-mnist: ${message}`));
  }

  /** Saves `last/` at the start of a new run. */
  async onTrainBegin(context: TrainContext): Promise<void> {
    this.lastSave = Date.now();
    if (this.options.atEnd && context.step === 0) await this.save("last", context);
  }

  /**
   * Saves `last/` when `everyMinutes` have passed; not after an epoch's last step, whose
   * end-of-epoch work (checkpoints, evaluations) has not run yet: the next step's save follows.
   */
  async onBatchEnd(context: BatchEndContext): Promise<void> {
    const { everyMinutes } = this.options;
    const due = everyMinutes > 0 && Date.now() - this.lastSave >= everyMinutes * 60_000;
    if (due && context.stopReason === null && context.stepInEpoch < context.stepsPerEpoch) {
      await this.save("last", context);
    }
  }

  /** Saves `epoch-NNNN/` and `best/` when due. */
  async onEpochEnd(context: EpochEndContext): Promise<void> {
    const { dir, every, keep } = this.options;
    if ((context.epoch + 1) % every === 0 && (await this.save(epochName(context.epoch), context))) {
      await pruneEpochCheckpoints(dir, keep);
    }
    const monitor = this.options.monitor ?? ("loss" in context.losses ? "loss" : undefined);
    const value = monitor === undefined ? undefined : context.losses[monitor];
    if (value !== undefined && Number.isFinite(value) && value < this.best && (await this.save("best", context))) this.best = value;
  }

  /** Saves `last/`, unless training diverged (then the newest earlier checkpoint is kept). */
  async onTrainEnd(context: TrainEndContext): Promise<void> {
    if (!this.options.atEnd) return;
    if (context.diverged === null) {
      await this.save("last", context);
      return;
    }
    const kept = await latestCheckpoint(this.options.dir).catch(() => undefined);
    this.warn(`not saving ${join(this.options.dir, "last")}: ${context.history.stopReason ?? "training diverged"}; ${kept === undefined ? "no earlier checkpoint exists" : `keeping ${kept}`}`);
  }

  /** Saves one checkpoint; a non-finite model is not saved: warns, stops training, returns false. */
  private async save(name: string, context: TrainContext): Promise<boolean> {
    this.lastSave = Date.now();
    if (context.diverged !== null) return false;
    try {
      await saveCheckpoint(join(this.options.dir, name), context.model, context.resumeState);
      return true;
    } catch (err) {
      if (!(err instanceof NonFiniteError)) throw err;
      this.warn(err.message);
      context.stopTraining(err.message);
      return false;
    }
  }
}
