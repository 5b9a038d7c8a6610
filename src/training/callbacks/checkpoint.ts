import { join } from "node:path";
import { checkInteger } from "../../_internals/check.js";
import type { Callback, EpochEndContext, TrainEndContext } from "../callback.js";
import { pruneEpochCheckpoints, saveCheckpoint } from "../checkpoints.js";
import { epochName } from "./format.js";

/** Options of {@link Checkpoint}. */
export interface CheckpointOptions {
  /** Folder of the checkpoints: `epoch-NNNN/`, `best/`, `last/`. */
  readonly dir: string;
  /**
   * Save every this many epochs (the published setup saves every 10).
   * @defaultValue 10
   */
  readonly every?: number;
  /**
   * Keep this many `epoch-NNNN` checkpoints, removing older ones.
   * @defaultValue 3
   */
  readonly keep?: number;
  /**
   * Epoch-mean loss to track for `best/`; none keeps no `best/`.
   * @defaultValue "loss" for VAEs, none for GANs (their losses do not measure quality)
   */
  readonly monitor?: string;
  /**
   * Also save `last/` when training ends, wherever it stopped.
   * @defaultValue true
   */
  readonly atEnd?: boolean;
}

/**
 * Saves checkpoints that {@link Trainer.resume} continues from: every `every` epochs (keeping the
 * last `keep`), the best epoch by a monitored loss, and the last state at the end. Each is written
 * to a temporary folder and renamed into place, so a crash never leaves a half-written checkpoint.
 */
export class Checkpoint implements Callback {
  private readonly options: Required<Omit<CheckpointOptions, "monitor">> & { monitor?: string };
  private best = Infinity;

  /** @param options - see {@link CheckpointOptions}. */
  constructor(options: CheckpointOptions) {
    const { every = 10, keep = 3, atEnd = true, ...rest } = options;
    checkInteger("Checkpoint", "options.every", every, 1);
    checkInteger("Checkpoint", "options.keep", keep, 1);
    this.options = { every, keep, atEnd, ...rest };
  }

  /** Saves `epoch-NNNN/` and `best/` when due. */
  async onEpochEnd(context: EpochEndContext): Promise<void> {
    const { dir, every, keep } = this.options;
    if ((context.epoch + 1) % every === 0) {
      await saveCheckpoint(join(dir, epochName(context.epoch)), context.model, context.resumeState);
      await pruneEpochCheckpoints(dir, keep);
    }
    const monitor = this.options.monitor ?? (context.model.family === "vae" ? "loss" : undefined);
    const value = monitor === undefined ? undefined : context.losses[monitor];
    if (value !== undefined && Number.isFinite(value) && value < this.best) {
      this.best = value;
      await saveCheckpoint(join(dir, "best"), context.model, context.resumeState);
    }
  }

  /** Saves `last/`. */
  async onTrainEnd(context: TrainEndContext): Promise<void> {
    if (this.options.atEnd) await saveCheckpoint(join(this.options.dir, "last"), context.model, context.resumeState);
  }
}
