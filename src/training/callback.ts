import type { GenerativeModel, StepLosses } from "../nn/model.js";
import type { Divergence, EvaluationRecord, History } from "./history.js";
import type { TrainerState } from "./state.js";

/** Where training is, passed to every callback hook. */
export interface TrainContext {
  /** The model being trained. */
  readonly model: GenerativeModel;
  /** Current epoch, counted from 0. */
  readonly epoch: number;
  /** Training steps completed so far (including those before a resume). */
  readonly step: number;
  /** Steps in one epoch. */
  readonly stepsPerEpoch: number;
  /** Steps the whole run will take if nothing stops it. */
  readonly totalSteps: number;
  /** Epochs the run will take if nothing stops it. */
  readonly totalEpochs: number;
  /** Milliseconds of training so far in this process. */
  readonly elapsedMs: number;
  /** Ask the trainer to stop after the current step; `reason` ends up in the history. */
  stopTraining(reason: string): void;
  /** Why training is stopping (a NaN loss, `stopTraining`…), or `null` while it runs on. */
  readonly stopReason: string | null;
  /** Where training diverged (non-finite losses, weights or optimizer state), or `null`: nothing should be saved then. */
  readonly diverged: Divergence | null;
  /** The trainer's position and options, as a checkpoint saves them. */
  readonly resumeState: TrainerState;
  /**
   * Records metrics measured now (at this step): they join the history's `evaluations` and are
   * passed to every callback's {@link Callback.onMetrics} (e.g. `HistoryLogger` writes them).
   * Do not call it from `onMetrics` itself.
   */
  recordMetrics(metrics: Readonly<Record<string, number>>): Promise<void>;
}

/** Context of {@link Callback.onBatchEnd}. */
export interface BatchEndContext extends TrainContext {
  /** The step's named losses. */
  readonly losses: StepLosses;
  /** Examples in the batch. */
  readonly batchSize: number;
  /** Step within the epoch, counted from 1. */
  readonly stepInEpoch: number;
}

/** Context of {@link Callback.onEpochEnd}. */
export interface EpochEndContext extends TrainContext {
  /** Mean of each loss over the epoch's steps (those run in this process). */
  readonly losses: StepLosses;
}

/** Context of {@link Callback.onMetrics}. */
export interface MetricsContext extends TrainContext {
  /** The metrics just recorded, with their step. */
  readonly record: EvaluationRecord;
}

/** Context of {@link Callback.onTrainEnd}. */
export interface TrainEndContext extends TrainContext {
  /** The run's history. */
  readonly history: History;
}

/**
 * A training callback: an object with any of these optional async hooks, awaited in order
 * (tfjs-layers / Keras style). Plain object literals work.
 *
 * @example
 * ```ts
 * const logEvery100: Callback = {
 *   onBatchEnd: ({ step, losses }) => { if (step % 100 === 0) console.log(step, losses); },
 * };
 * ```
 */
export interface Callback {
  /** Before the first step. */
  onTrainBegin?(context: TrainContext): void | Promise<void>;
  /** Before each epoch's first step. */
  onEpochBegin?(context: TrainContext): void | Promise<void>;
  /** After every step. */
  onBatchEnd?(context: BatchEndContext): void | Promise<void>;
  /** After each epoch's last step. */
  onEpochEnd?(context: EpochEndContext): void | Promise<void>;
  /** After metrics were recorded with {@link TrainContext.recordMetrics} (e.g. by the `Evaluate` callback). */
  onMetrics?(context: MetricsContext): void | Promise<void>;
  /** After the last step (also when stopped early). */
  onTrainEnd?(context: TrainEndContext): void | Promise<void>;
}
