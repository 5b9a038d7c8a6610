import { join } from "node:path";
import type { Dataset } from "../data/dataset.js";
import { InvalidArgumentError } from "../errors.js";
import { loadModel } from "../models/registry.js";
import type { GenerativeModel, StepLosses } from "../nn/model.js";
import { readJson } from "../nn/persist.js";
import { checkInteger } from "../_internals/check.js";
import type { Callback, TrainContext } from "./callback.js";
import { meanLosses, type EpochRecord, type EvaluationRecord, type History, type StepRecord } from "./history.js";

/** Options of a {@link Trainer}. */
export interface TrainerOptions {
  /**
   * Epochs to train.
   * @defaultValue 1, or as many as `steps` needs when only `steps` is given
   */
  readonly epochs?: number;
  /** A budget of steps: training stops after this many steps in total (across resumes). */
  readonly steps?: number;
  /**
   * Examples per step.
   * @defaultValue the model's `config.batchSize` (its published batch size)
   */
  readonly batchSize?: number;
  /**
   * Seed of the data order; each epoch gets its own order derived from it.
   * @defaultValue 0
   */
  readonly seed?: number;
  /**
   * Drop each epoch's last, smaller batch.
   * @defaultValue true
   */
  readonly dropRemainder?: boolean;
  /**
   * Stop at the first non-finite loss and say at which step.
   * @defaultValue true
   */
  readonly nanGuard?: boolean;
  /** Callbacks, called in order. */
  readonly callbacks?: readonly Callback[];
  /** Where to start: the state a checkpoint saved (see {@link Trainer.resume}). */
  readonly resumeFrom?: TrainerState;
}

/** Position and options of a run, as saved in a checkpoint's `trainer.json`. */
export interface TrainerState {
  /** Epoch the next step belongs to, from 0. */
  readonly epoch: number;
  /** Steps already taken within that epoch. */
  readonly stepInEpoch: number;
  /** Steps taken in total. */
  readonly step: number;
  /** The options that decide the data order and the length of the run. */
  readonly options: {
    /** Epochs of the whole run. */
    readonly epochs: number;
    /** Step budget of the whole run, or `null`. */
    readonly steps: number | null;
    /** Batch size. */
    readonly batchSize: number;
    /** Data-order seed. */
    readonly seed: number;
    /** Whether short last batches are dropped. */
    readonly dropRemainder: boolean;
  };
}

/** File name of the trainer state in a checkpoint folder. */
export const TRAINER_STATE_FILE = "trainer.json";

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Trains any gen-mnist model: loops over seeded epochs of a {@link Dataset}, calls the model's
 * `trainStep`, runs callbacks, and stops on a step budget, a NaN loss or `stopTraining()`.
 * The data is rescaled to the model's pixel range automatically.
 *
 * @example
 * ```ts
 * const model = new VanillaGAN();
 * const data = await loadMnist();
 * const trainer = new Trainer(model, data, {
 *   epochs: 20,
 *   callbacks: [new ProgressBar(), new SampleGrid({ dir: "runs/gan/samples" })],
 * });
 * const history = await trainer.fit();
 * ```
 */
export class Trainer {
  /** The model being trained. */
  readonly model: GenerativeModel;
  /** The training data, in the model's pixel range. */
  readonly data: Dataset;
  /** Resolved options. */
  readonly options: TrainerState["options"];
  private readonly callbacks: readonly Callback[];
  private readonly nanGuard: boolean;
  private position: { epoch: number; stepInEpoch: number; step: number };
  private stopReason: string | null = null;

  /** @throws {@link InvalidArgumentError} on a bad option or a dataset smaller than one batch. */
  constructor(model: GenerativeModel, data: Dataset, options: TrainerOptions = {}) {
    const saved = options.resumeFrom?.options;
    const batchSize = options.batchSize ?? saved?.batchSize ?? (model.config as { batchSize?: number }).batchSize ?? 64;
    const steps = options.steps ?? saved?.steps ?? null;
    const dropRemainder = options.dropRemainder ?? saved?.dropRemainder ?? true;
    checkInteger("Trainer", "options.batchSize", batchSize, 1);
    if (steps !== null) checkInteger("Trainer", "options.steps", steps, 1);
    const stepsPerEpoch = data.numBatches(batchSize, dropRemainder);
    if (stepsPerEpoch === 0) {
      throw new InvalidArgumentError(`Trainer: the dataset ${data.name} has ${data.size} examples, fewer than one batch of ${batchSize}`);
    }
    // A new step budget without new epochs decides the run's length; otherwise epochs win.
    const fromSteps = steps === null ? undefined : Math.ceil(steps / stepsPerEpoch);
    const epochs = options.epochs ?? (options.steps !== undefined ? fromSteps : undefined) ?? saved?.epochs ?? fromSteps ?? 1;
    checkInteger("Trainer", "options.epochs", epochs, 1);
    const seed = options.seed ?? saved?.seed ?? 0;
    this.model = model;
    this.data = data.range === model.pixelRange ? data : data.withRange(model.pixelRange);
    this.options = { epochs, steps, batchSize, seed, dropRemainder };
    this.callbacks = options.callbacks ?? [];
    this.nanGuard = options.nanGuard ?? true;
    const start = options.resumeFrom;
    this.position = start === undefined ? { epoch: 0, stepInEpoch: 0, step: 0 } : { epoch: start.epoch, stepInEpoch: start.stepInEpoch, step: start.step };
  }

  /**
   * Loads the model and trainer state of a checkpoint folder and returns a trainer that
   * continues the run exactly where it stopped (same data order, same random draws).
   *
   * @param options - overrides, e.g. more `epochs` or new callbacks.
   */
  static async resume(checkpointDir: string, data: Dataset, options: Omit<TrainerOptions, "resumeFrom"> = {}): Promise<Trainer> {
    const state = await readJson<TrainerState>(join(checkpointDir, TRAINER_STATE_FILE));
    const model = await loadModel(checkpointDir);
    return new Trainer(model, data, { ...options, resumeFrom: state });
  }

  /** Steps in one epoch. */
  get stepsPerEpoch(): number {
    return this.data.numBatches(this.options.batchSize, this.options.dropRemainder);
  }

  /** Total steps of the run (epochs × steps per epoch, capped by the step budget). */
  get totalSteps(): number {
    const all = this.options.epochs * this.stepsPerEpoch;
    return this.options.steps === null ? all : Math.min(all, this.options.steps);
  }

  /** Where the run is now, in the form a checkpoint saves. */
  state(): TrainerState {
    return { ...this.position, options: this.options };
  }

  /** Stops training after the current step. */
  stopTraining(reason = "stopTraining() was called"): void {
    this.stopReason ??= reason;
  }

  /** Runs the training loop to its end (or until stopped) and returns the history. */
  async fit(): Promise<History> {
    const started = Date.now();
    const steps: StepRecord[] = [];
    const epochs: EpochRecord[] = [];
    const evaluations: EvaluationRecord[] = [];
    this.stopReason = null;
    const { batchSize, seed, dropRemainder } = this.options;
    const perEpoch = this.stepsPerEpoch;
    const context = (): TrainContext => ({
      model: this.model,
      epoch: this.position.epoch,
      step: this.position.step,
      stepsPerEpoch: perEpoch,
      totalSteps: this.totalSteps,
      totalEpochs: this.options.epochs,
      elapsedMs: Date.now() - started,
      stopTraining: (reason: string) => this.stopTraining(reason),
      stopReason: this.stopReason,
      resumeState: this.state(),
      recordMetrics: async (metrics: Readonly<Record<string, number>>) => {
        // after an epoch's last step the position has moved to the next epoch: record the step's own
        const { step, epoch, stepInEpoch } = this.position;
        const record: EvaluationRecord = { step, epoch: stepInEpoch === 0 && epoch > 0 ? epoch - 1 : epoch, elapsedMs: Date.now() - started, metrics: { ...metrics } };
        evaluations.push(record);
        await this.call("onMetrics", () => ({ ...context(), record }));
      },
    });
    await this.call("onTrainBegin", () => context());
    while (this.position.epoch < this.options.epochs && this.position.step < this.totalSteps && this.stopReason === null) {
      const epoch = this.position.epoch;
      await this.call("onEpochBegin", () => context());
      const order = this.data.order({ seed, epoch });
      const epochSteps: StepRecord[] = [];
      for (let b = this.position.stepInEpoch; b < perEpoch; b++) {
        const end = dropRemainder ? (b + 1) * batchSize : Math.min((b + 1) * batchSize, order.length);
        const batch = this.data.batch(Array.from(order.subarray(b * batchSize, end)));
        let losses: StepLosses;
        try {
          losses = await this.model.trainStep(batch);
        } finally {
          batch.dispose();
        }
        this.position = { epoch, stepInEpoch: b + 1, step: this.position.step + 1 };
        const record: StepRecord = { step: this.position.step, epoch, losses, elapsedMs: Date.now() - started };
        steps.push(record);
        epochSteps.push(record);
        if (this.nanGuard) this.checkFinite(losses);
        await this.call("onBatchEnd", () => ({ ...context(), losses, batchSize: batch.size, stepInEpoch: b + 1 }));
        await tick();
        if (this.stopReason !== null || this.position.step >= this.totalSteps) break;
      }
      if (this.position.stepInEpoch < perEpoch) break;
      this.position = { epoch: epoch + 1, stepInEpoch: 0, step: this.position.step };
      const losses = meanLosses(epochSteps);
      epochs.push({ epoch, losses, step: this.position.step, elapsedMs: Date.now() - started });
      await this.call("onEpochEnd", () => ({ ...context(), epoch, losses }));
    }
    // `evaluations` is the live list: metrics recorded at the end (onTrainEnd) join it too
    const history: History = { steps, epochs, evaluations, stopReason: this.stopReason, totalSteps: this.position.step, elapsedMs: Date.now() - started };
    await this.call("onTrainEnd", () => ({ ...context(), history }));
    return history;
  }

  private checkFinite(losses: StepLosses): void {
    const bad = Object.entries(losses).find(([, v]) => !Number.isFinite(v));
    if (bad !== undefined) {
      const { step, epoch } = this.position;
      this.stopTraining(`loss '${bad[0]}' became ${bad[1]} at step ${step} (epoch ${epoch + 1}); training stopped`);
    }
  }

  private async call<K extends keyof Callback>(hook: K, makeContext: () => Parameters<NonNullable<Callback[K]>>[0]): Promise<void> {
    for (const callback of this.callbacks) {
      const fn = callback[hook] as ((c: Parameters<NonNullable<Callback[K]>>[0]) => void | Promise<void>) | undefined;
      if (fn !== undefined) await fn.call(callback, makeContext());
    }
  }
}
