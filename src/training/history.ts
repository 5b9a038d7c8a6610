import type { StepLosses } from "../nn/model.js";

/** One logged training step. */
export interface StepRecord {
  /** Step number, from 1. */
  readonly step: number;
  /** Epoch, from 0. */
  readonly epoch: number;
  /** The step's losses. */
  readonly losses: StepLosses;
  /** Milliseconds since training started in this process. */
  readonly elapsedMs: number;
}

/** One finished epoch. */
export interface EpochRecord {
  /** Epoch, from 0. */
  readonly epoch: number;
  /** Mean losses over the epoch. */
  readonly losses: StepLosses;
  /** Step count at the epoch's end. */
  readonly step: number;
  /** Milliseconds since training started in this process. */
  readonly elapsedMs: number;
}

/** Metrics recorded during training (e.g. by the `Evaluate` callback), at one step. */
export interface EvaluationRecord {
  /** Step the metrics were measured after. */
  readonly step: number;
  /** Epoch of that step, from 0. */
  readonly epoch: number;
  /** Milliseconds since training started in this process. */
  readonly elapsedMs: number;
  /** The metrics by name, e.g. `{ fid: 31.2, kid: 0.021, precision: 0.71 }`. */
  readonly metrics: Readonly<Record<string, number>>;
}

/** Where and when a run diverged; see `TrainerOptions.nanGuard`. */
export interface Divergence {
  /** Step after which non-finite values were found. */
  readonly step: number;
  /** Epoch of that step, from 0. */
  readonly epoch: number;
  /** What held them, e.g. `"loss 'dLoss'"` or `"the optimizer state of 'generator'"`. */
  readonly where: string;
}

/** What `Trainer.fit()` returns. */
export interface History {
  /** Every step run in this process. */
  readonly steps: readonly StepRecord[];
  /** Every epoch finished in this process. */
  readonly epochs: readonly EpochRecord[];
  /** Metrics recorded in this process (see `TrainContext.recordMetrics`), in step order. */
  readonly evaluations: readonly EvaluationRecord[];
  /** Why training stopped early (`null` when it ran to the end). */
  readonly stopReason: string | null;
  /** Where and when training diverged (a NaN or infinite loss, weight or optimizer state), or `null`. */
  readonly diverged: Divergence | null;
  /** Whether `TrainerOptions.signal` stopped the run before its end. */
  readonly interrupted: boolean;
  /** Steps completed in total, including those before a resume. */
  readonly totalSteps: number;
  /** Training time in this process, in milliseconds. */
  readonly elapsedMs: number;
}

/** Mean of each named loss over records. @internal */
export function meanLosses(records: readonly { losses: StepLosses }[]): StepLosses {
  const sums: Record<string, number> = {};
  const counts: Record<string, number> = {};
  for (const { losses } of records) {
    for (const [k, v] of Object.entries(losses)) {
      sums[k] = (sums[k] ?? 0) + v;
      counts[k] = (counts[k] ?? 0) + 1;
    }
  }
  return Object.fromEntries(Object.keys(sums).map((k) => [k, (sums[k] ?? 0) / (counts[k] ?? 1)]));
}
