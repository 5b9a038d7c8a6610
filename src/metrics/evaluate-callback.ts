import type { ImageSet } from "../data/image-set.js";
import type { Callback, EpochEndContext, TrainContext, TrainEndContext } from "../training/callback.js";
import { VAE } from "../vae/vae.js";
import { checkInteger } from "../_internals/check.js";
import {
  evaluate,
  metricValues,
  prepareReference,
  SAMPLE_METRICS,
  type EvaluateOptions,
  type EvaluationReport,
  type MetricName,
  type PreparedReference,
  type ReferenceName,
} from "./evaluate.js";
import type { Oracle } from "./oracle.js";
import type { ShippedOracle } from "./oracle-io.js";

/** Options of the {@link Evaluate} callback. */
export interface EvaluateCallbackOptions {
  /**
   * Evaluate after every this many epochs (and, with `atEnd`, after the last step).
   * @defaultValue 1
   */
  readonly every?: number;
  /**
   * Samples per evaluation, and reference images used (fewer than `evaluate`'s 10,000, so that
   * evaluating every epoch stays cheap; FIDs are comparable between evaluations of one N only).
   * @defaultValue 2000
   */
  readonly n?: number;
  /**
   * Metrics to compute (see `MetricName`); `nll` is slow, so unlike `evaluate`'s defaults it is
   * not among these.
   * @defaultValue `fid, kid, is, pr, dc, classes`, plus `recon, elbo` for a VAE
   */
  readonly metrics?: readonly MetricName[];
  /**
   * The real images, prepared (oracle features computed) once at the start of training.
   * @defaultValue "mnist-test"
   */
  readonly reference?: ImageSet | ReferenceName | PreparedReference;
  /** The oracle. @defaultValue the shipped oracle of the reference's dataset */
  readonly oracle?: Oracle | ShippedOracle | string;
  /**
   * Seed of the samples' latents: the same latents every time, so evaluations are comparable.
   * @defaultValue 0
   */
  readonly seed?: number;
  /**
   * Also evaluate after the last step when it did not end an evaluated epoch (a step budget).
   * @defaultValue true
   */
  readonly atEnd?: boolean;
  /** Called with each full report (e.g. to print it). */
  readonly onReport?: (report: EvaluationReport, context: TrainContext) => void | Promise<void>;
  /** Passed on to {@link evaluate}: KID's subsets, the IWAE NLL's k and images, the batch size, training images for `similarity`. */
  readonly evaluate?: Pick<EvaluateOptions, "kid" | "nll" | "batchSize" | "train">;
}

/**
 * Evaluates the model during training (FID, KID, IS, precision/recall, density/coverage, class
 * coverage; reconstruction and ELBO for VAEs) and records the numbers with
 * `TrainContext.recordMetrics`: they join `history.evaluations`, `HistoryLogger`'s metrics files
 * and the metric plots. The reference's oracle features are computed once, at the start. The
 * evaluation draws its own latents, so it does not change the training run.
 *
 * @example
 * ```ts
 * const trainer = new Trainer(new DCGAN(), data, {
 *   epochs: 10,
 *   callbacks: [new Evaluate({ every: 1, n: 2000 }), new HistoryLogger({ jsonl: "h.jsonl", metricsJsonl: "eval.jsonl" })],
 * });
 * const history = await trainer.fit();
 * console.log(history.evaluations.map((e) => e.metrics.fid));
 * ```
 */
export class Evaluate implements Callback {
  private readonly options: Required<Pick<EvaluateCallbackOptions, "every" | "n" | "seed" | "atEnd">> & EvaluateCallbackOptions;
  private reference: PreparedReference | undefined;
  private ownsReference = false;
  private lastStep = -1;
  /** The latest report, if any evaluation ran. */
  lastReport: EvaluationReport | undefined;
  /**
   * The error of an evaluation skipped because training was already stopping (e.g. a model whose
   * loss became NaN has NaN samples), if any; the run's own files are then still written.
   */
  lastError: Error | undefined;

  /** @param options - see {@link EvaluateCallbackOptions}. */
  constructor(options: EvaluateCallbackOptions = {}) {
    const { every = 1, n = 2000, seed = 0, atEnd = true } = options;
    checkInteger("Evaluate", "options.every", every, 1);
    checkInteger("Evaluate", "options.n", n, 2);
    this.options = { ...options, every, n, seed, atEnd };
  }

  /** Loads the reference and computes its oracle features. */
  async onTrainBegin(_context: TrainContext): Promise<void> {
    const { reference = "mnist-test", oracle, n } = this.options;
    if (typeof reference === "object" && "embedding" in reference) {
      this.reference = reference;
      return;
    }
    this.reference = await prepareReference(reference, { n, ...(oracle === undefined ? {} : { oracle }) });
    this.ownsReference = typeof oracle !== "object";
  }

  /** Evaluates after every `every`-th epoch. */
  async onEpochEnd(context: EpochEndContext): Promise<void> {
    if ((context.epoch + 1) % this.options.every === 0) await this.run(context);
  }

  /** Evaluates the final model (when the last step was not evaluated yet) and releases the reference. */
  async onTrainEnd(context: TrainEndContext): Promise<void> {
    try {
      if (this.options.atEnd && context.step !== this.lastStep && context.step > 0 && context.diverged === null && !context.history.interrupted) await this.run(context);
    } finally {
      if (this.ownsReference) this.reference?.oracle.dispose();
      this.reference = undefined;
    }
  }

  private async run(context: TrainContext): Promise<void> {
    const { model } = context;
    const metrics = this.options.metrics ?? (model instanceof VAE ? [...SAMPLE_METRICS, "recon", "elbo"] : SAMPLE_METRICS);
    let report: EvaluationReport;
    try {
      report = await evaluate(model, {
        ...this.options.evaluate,
        n: this.options.n,
        metrics,
        seed: this.options.seed,
        ...(this.reference === undefined ? {} : { reference: this.reference }),
      });
    } catch (err) {
      // a stopping run (a NaN loss) must still end cleanly: the later callbacks save its files
      if (context.stopReason === null || !(err instanceof Error)) throw err;
      this.lastError = err;
      return;
    }
    this.lastStep = context.step;
    this.lastReport = report;
    await context.recordMetrics(metricValues(report));
    await this.options.onReport?.(report, context);
  }
}
