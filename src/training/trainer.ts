import type { Dataset } from "../data/dataset.js";
import { InvalidArgumentError } from "../errors.js";
import { loadModel } from "../nn/registry.js";
import type { GenerativeModel, StepLosses } from "../nn/model.js";
import { findNonFinite } from "../nn/finite.js";
import { checkInteger } from "../_internals/check.js";
import type { Callback, TrainContext } from "./callback.js";
import { verifyCheckpoint } from "./checkpoints.js";
import { meanLosses, type Divergence, type EpochRecord, type EvaluationRecord, type History, type StepRecord } from "./history.js";
import type { TrainerState } from "./state.js";

/**
 * What {@link TrainerOptions.signal} reads of an `AbortSignal` (an `AbortController`'s `signal`
 * fits). Only these members are named, so that gen-mnist's types need neither the DOM library nor
 * `@types/node`.
 */
export interface AbortSignalLike {
  /** Whether training should stop after the current step. */
  readonly aborted: boolean;
  /** Why it was aborted (an `Error`'s message or a string goes into the stop reason). */
  readonly reason?: unknown;
}

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
   * @defaultValue the model's `config.batchSize` (its preset's batch size)
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
   * Stop at the first non-finite loss, or non-finite weight or optimizer state, and say where and
   * at which step (see `History.diverged`).
   * @defaultValue true
   */
  readonly nanGuard?: boolean;
  /**
   * With `nanGuard`, also check every weight and optimizer state (Adam moments…) every this many
   * steps, at each epoch's end and at the end of training. Losses are checked every step.
   * @defaultValue 50
   */
  readonly nanGuardEvery?: number;
  /**
   * Stops training after the current step when aborted (e.g. from a SIGINT handler); callbacks'
   * `onTrainEnd` still run, so a `Checkpoint` saves where it stopped.
   */
  readonly signal?: AbortSignalLike;
  /** Callbacks, called in order. */
  readonly callbacks?: readonly Callback[];
  /** Where to start: the state a checkpoint saved (see {@link Trainer.resume}). */
  readonly resumeFrom?: TrainerState;
}

export { TRAINER_STATE_FILE, type TrainerState } from "./state.js";

/** Options of {@link Trainer.resume}: the Trainer's options, and overrides of the saved model's config. */
export interface ResumeOptions extends Omit<TrainerOptions, "resumeFrom"> {
  /**
   * Config fields replacing the saved ones when the model is loaded (see `loadModel`), e.g.
   * `{ objective: myLoss }` for a GAN trained with an unregistered objective.
   */
  readonly modelOverrides?: Record<string, unknown>;
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Trains any gen-mnist model: loops over seeded epochs of a {@link Dataset}, calls the model's
 * `trainStep`, runs callbacks, and stops on a step budget, a NaN loss or `stopTraining()`.
 * The data is rescaled to the model's pixel range automatically.
 *
 * @example
 * ```ts
 * const model = new MlpGAN();
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
  private readonly nanGuardEvery: number;
  private readonly signal: AbortSignalLike | undefined;
  private diverged: Divergence | null = null;
  private position: { epoch: number; stepInEpoch: number; step: number };
  private stopReason: string | null = null;

  /**
   * @throws {@link InvalidArgumentError} on a bad option, a dataset smaller than one batch, or a
   *   `resumeFrom` state that does not fit this data and these options.
   */
  constructor(model: GenerativeModel, data: Dataset, options: TrainerOptions = {}) {
    const saved = options.resumeFrom?.options;
    const batchSize = options.batchSize ?? saved?.batchSize ?? (model.config as { batchSize?: number }).batchSize ?? 64;
    // new epochs without a new budget replace the old budget: epochs decide
    const steps = options.steps ?? (options.epochs !== undefined ? null : saved?.steps ?? null);
    const dropRemainder = options.dropRemainder ?? saved?.dropRemainder ?? true;
    checkInteger("Trainer", "options.batchSize", batchSize, 1);
    if (steps !== null) checkInteger("Trainer", "options.steps", steps, 1);
    const [shape, want] = [data.imageShape, model.imageShape];
    if (want !== undefined && shape.some((d, i) => d !== want[i])) {
      throw new InvalidArgumentError(
        `Trainer: the dataset ${data.name} holds images [${shape.join(", ")}], the model '${model.name}' takes [${want.join(", ")}]; build the model with { imageShape: [${shape.join(", ")}] }`,
      );
    }
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
    this.nanGuardEvery = options.nanGuardEvery ?? 50;
    checkInteger("Trainer", "options.nanGuardEvery", this.nanGuardEvery, 1);
    this.signal = options.signal;
    const start = options.resumeFrom;
    if (start !== undefined) checkResumable(start, this.options, stepsPerEpoch, data.name);
    this.position = start === undefined ? { epoch: 0, stepInEpoch: 0, step: 0 } : { epoch: start.epoch, stepInEpoch: start.stepInEpoch, step: start.step };
  }

  /**
   * Loads the model and trainer state of a checkpoint folder and returns a trainer that
   * continues the run exactly where it stopped (same data order, same random draws): the
   * resumed run's weights are bit-identical to an uninterrupted run's on the same backend and
   * thread count. Every file is checked first (see {@link verifyCheckpoint}).
   *
   * @throws {@link CheckpointError} naming the file at fault when the checkpoint is incomplete or
   *   corrupted; {@link InvalidArgumentError} when `options` change what cannot change (batch
   *   size, seed, `dropRemainder`) or `data` is not the data it was trained on.
   * @param options - overrides, e.g. more `epochs` or new callbacks, and `modelOverrides` for the
   *   model's config (e.g. a custom objective function a saved config cannot hold).
   */
  static async resume(checkpointDir: string, data: Dataset, options: ResumeOptions = {}): Promise<Trainer> {
    const { modelOverrides, ...rest } = options;
    const state = await verifyCheckpoint(checkpointDir);
    const model = await loadModel(checkpointDir, modelOverrides);
    try {
      return new Trainer(model, data, { ...rest, resumeFrom: state });
    } catch (err) {
      model.dispose();
      throw err;
    }
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
    this.diverged = null;
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
      diverged: this.diverged,
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
    if (this.signal?.aborted === true) this.stopTraining(`interrupted (${describeAbort(this.signal)}) before step ${this.position.step + 1}`);
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
        if (this.nanGuard) {
          this.checkLosses(losses);
          if (this.position.step % this.nanGuardEvery === 0) await this.checkWeights();
        }
        await this.call("onBatchEnd", () => ({ ...context(), losses, batchSize: batch.size, stepInEpoch: b + 1 }));
        await tick();
        // a signal handler (or a callback) may have aborted while the step ran
        if (this.signal?.aborted === true) this.stopTraining(`interrupted (${describeAbort(this.signal)}) after step ${this.position.step}`);
        if (this.stopReason !== null || this.position.step >= this.totalSteps) break;
      }
      if (this.position.stepInEpoch < perEpoch) break;
      this.position = { epoch: epoch + 1, stepInEpoch: 0, step: this.position.step };
      if (this.nanGuard) await this.checkWeights();
      const losses = meanLosses(epochSteps);
      epochs.push({ epoch, losses, step: this.position.step, elapsedMs: Date.now() - started });
      await this.call("onEpochEnd", () => ({ ...context(), epoch, losses }));
    }
    if (this.nanGuard) await this.checkWeights();
    // `evaluations` is the live list: metrics recorded at the end (onTrainEnd) join it too
    const history: History = { steps, epochs, evaluations, stopReason: this.stopReason, diverged: this.diverged, interrupted: this.signal?.aborted === true && this.position.step < this.totalSteps, totalSteps: this.position.step, elapsedMs: Date.now() - started };
    await this.call("onTrainEnd", () => ({ ...context(), history }));
    return history;
  }

  private checkLosses(losses: StepLosses): void {
    const bad = Object.entries(losses).find(([, v]) => !Number.isFinite(v));
    if (bad !== undefined) this.diverge(`loss '${bad[0]}'`, `became ${bad[1]}`);
  }

  private async checkWeights(): Promise<void> {
    if (this.diverged !== null) return;
    const bad = await findNonFinite(this.model);
    if (bad !== null) this.diverge(`the ${bad.where}`, `held ${bad.count} non-finite value${bad.count === 1 ? "" : "s"} (NaN or ±Infinity)`);
  }

  private diverge(where: string, what: string): void {
    if (this.diverged !== null) return;
    const { step } = this.position;
    const epoch = this.position.stepInEpoch === 0 && this.position.epoch > 0 ? this.position.epoch - 1 : this.position.epoch;
    this.diverged = { step, epoch, where };
    // a divergence overrides any other reason: it decides what may be saved
    this.stopReason = `training diverged: ${where} ${what} at step ${step} (epoch ${epoch + 1})`;
  }

  private async call<K extends keyof Callback>(hook: K, makeContext: () => Parameters<NonNullable<Callback[K]>>[0]): Promise<void> {
    for (const callback of this.callbacks) {
      const fn = callback[hook] as ((c: Parameters<NonNullable<Callback[K]>>[0]) => void | Promise<void>) | undefined;
      if (fn !== undefined) await fn.call(callback, makeContext());
    }
  }
}

/** Throws when a saved state cannot continue with these options and this data. */
function checkResumable(start: TrainerState, options: TrainerState["options"], stepsPerEpoch: number, dataName: string): void {
  for (const key of ["batchSize", "seed", "dropRemainder"] as const) {
    if (options[key] !== start.options[key]) {
      throw new InvalidArgumentError(
        `Trainer: options.${key} is ${String(options[key])}, but the run being resumed used ${String(start.options[key])}; it cannot change on resume (the data order depends on it)`,
      );
    }
  }
  if (start.stepInEpoch > stepsPerEpoch || start.step !== start.epoch * stepsPerEpoch + start.stepInEpoch) {
    throw new InvalidArgumentError(
      `Trainer: the checkpoint is at step ${start.step} (epoch ${start.epoch + 1}, step ${start.stepInEpoch} of it), which does not fit ` +
        `${stepsPerEpoch} steps per epoch of ${dataName}; resume with the data (and --limit) the run was trained on`,
    );
  }
}

function describeAbort(signal: AbortSignalLike): string {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason.message : typeof reason === "string" ? reason : "aborted";
}
