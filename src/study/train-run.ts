import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Dataset } from "../data/dataset.js";
import { writePng } from "../image/grid.js";
import { writeLossPlot } from "../image/plot.js";
import { evaluate, metricValues, SAMPLE_METRICS, type PreparedReference } from "../metrics/evaluate.js";
import { createModel, type ModelName } from "../models/registry.js";
import type { GenerativeModel } from "../nn/model.js";
import type { TrainContext } from "../training/callback.js";
import { Checkpoint } from "../training/callbacks/checkpoint.js";
import { HistoryLogger } from "../training/callbacks/history-logger.js";
import { SampleGrid } from "../training/callbacks/sample-grid.js";
import { latestCheckpoint } from "../training/checkpoints.js";
import { meanLosses } from "../training/history.js";
import { readStepLog, runFolderFiles } from "../training/run-folder.js";
import { Trainer, type AbortSignalLike } from "../training/trainer.js";
import { VAE } from "../vae/vae.js";
import { writeJsonAtomic } from "../_internals/fs.js";
import { BudgetClock, readTimeLog } from "./budget.js";
import type { ResolvedStudyOptions, StudyEvent } from "./options.js";

/** What training one run of a study needs. */
export interface StudyTrainContext {
  /** The study's options. */
  readonly options: ResolvedStudyOptions;
  /** Training images. */
  readonly train: Dataset;
  /** The real images the evaluations during training compare with. */
  readonly snapshotReference: PreparedReference;
  /** The backend's name, recorded in the run's files. */
  readonly backend: string;
  /** Stops training after the current step. */
  readonly signal?: AbortSignalLike | undefined;
  /** Progress events. */
  readonly onProgress?: ((event: StudyEvent) => void) | undefined;
}

/** How one run's training ended, as its `summary.json` records it. */
export interface StudyTrainSummary {
  /** The preset. */
  readonly model: ModelName;
  /** The seed of the model and of the data order. */
  readonly seed: number;
  /** `finished` (its budget spent), `diverged` (non-finite values; no model saved) or `interrupted` (resume it). */
  readonly status: "finished" | "diverged" | "interrupted";
  /** Why training stopped, in words. */
  readonly stopReason: string | null;
  /** Parameters per network. */
  readonly parameters: Readonly<Record<string, number>>;
  /** Examples per step. */
  readonly batchSize: number;
  /** Steps trained in total. */
  readonly steps: number;
  /** Training time in seconds (evaluations during training excluded), across resumes. */
  readonly trainSeconds: number;
  /** Training images per second of training time. */
  readonly imagesPerSecond: number;
  /** Mean of each loss over the last 50 steps. */
  readonly meanLossesLast50Steps: Readonly<Record<string, number>>;
}

/** Files a study adds to an ordinary run folder. */
export const studyRunFiles = (dir: string) => ({
  ...runFolderFiles(dir),
  /** `{ step, trainMs }` per step: training time, across resumes. */
  timeLog: join(dir, "train-time.jsonl"),
  /** Sample grids of fixed latents at shares of the budget: `timeline/025.png`… */
  timeline: join(dir, "timeline"),
  /** The run's evaluation after training (see `StudyRunResult`). */
  result: join(dir, "study-run.json"),
});

/** A share of the budget as a file name: 0.25 → `025.png`. */
export const timelineFile = (share: number): string => `${String(Math.round(share * 100)).padStart(3, "0")}.png`;

/** A step budget large enough that only a time budget ends training. */
const UNLIMITED_EPOCHS = 1_000_000;

/**
 * Trains one model of a study in its run folder `dir` (an ordinary run folder: `gen-mnist sample`,
 * `eval` and `train --resume` work on it), or continues it from its newest checkpoint, or, when it
 * has finished, returns its summary without training. Evaluates at the budget's snapshot shares.
 */
export async function trainStudyRun(dir: string, name: ModelName, seed: number, context: StudyTrainContext): Promise<StudyTrainSummary> {
  const files = studyRunFiles(dir);
  if (existsSync(files.summary)) {
    const done = JSON.parse(await readFile(files.summary, "utf8")) as StudyTrainSummary;
    if (done.status !== "interrupted" && (done.status === "diverged" || existsSync(files.model))) return done;
  }
  await mkdir(files.timeline, { recursive: true });
  const { options, train } = context;
  const from = existsSync(files.checkpoints) ? await latestCheckpoint(files.checkpoints) : undefined;
  const grid = new SampleGrid({ dir: files.samples });
  const snapshot = async (ctx: TrainContext, share: number, trainMs: number): Promise<void> => {
    const { model } = ctx;
    await writePng(join(files.timeline, timelineFile(share)), grid.render(ctx));
    const metrics = model instanceof VAE ? [...SAMPLE_METRICS, "recon" as const, "elbo" as const] : SAMPLE_METRICS;
    const report = await evaluate(model, { reference: context.snapshotReference, n: options.evaluation.snapshotN, metrics, seed: 0 });
    const values = { ...metricValues(report), budget_share: share, train_minutes: trainMs / 60_000 };
    await ctx.recordMetrics(values);
    context.onProgress?.({ type: "snapshot", model: name, seed, fraction: share, metrics: values });
  };
  const clock = new BudgetClock({
    budget: options.budget,
    log: files.timeLog,
    snapshots: options.evaluation.snapshots,
    onSnapshot: snapshot,
    onTick: (ctx, fraction, trainMs) => context.onProgress?.({ type: "train", model: name, seed, fraction, step: ctx.step, trainMs }),
  });
  const callbacks = [
    clock,
    new HistoryLogger({ jsonl: files.historyJsonl, csv: files.historyCsv, metricsJsonl: files.evalJsonl, metricsCsv: files.evalCsv }),
    // checkpoints/last every 2 minutes and at the end (epoch checkpoints only cost time here)
    new Checkpoint({ dir: files.checkpoints, every: UNLIMITED_EPOCHS, keep: 1, everyMinutes: 2 }),
    grid,
    clock.restart,
  ];
  const common = { callbacks, ...(context.signal === undefined ? {} : { signal: context.signal }) };
  let trainer: Trainer;
  if (from !== undefined) {
    trainer = await Trainer.resume(from, train, common);
  } else {
    const budget = options.budget;
    const length = "minutes" in budget ? { epochs: UNLIMITED_EPOCHS } : "epochs" in budget ? { epochs: budget.epochs } : { steps: budget.steps };
    const model: GenerativeModel = createModel(name, { seed, imageShape: train.imageShape });
    try {
      trainer = new Trainer(model, train, { ...common, ...length, seed });
    } catch (err) {
      model.dispose();
      throw err;
    }
    await writeJsonAtomic(files.config, {
      model: name,
      config: model.config,
      trainer: trainer.options,
      data: options.data,
      limit: options.limit,
      learningRate: null,
      backend: context.backend,
      study: { seed, budget: options.budget },
    });
  }
  const { model } = trainer;
  try {
    const history = await trainer.fit();
    // a signal on the step that spent a time budget interrupts nothing: the run is done
    const status = history.diverged !== null ? "diverged" : history.interrupted && !clock.spent ? "interrupted" : "finished";
    if (status === "finished") await model.save(files.model);
    const steps = await readStepLog(files.historyJsonl);
    if (steps.length > 0) await writeLossPlot(files.lossPlot, steps, { title: `${name} (seed ${seed}): training losses` });
    const trainMs = (await readTimeLog(files.timeLog)).at(-1)?.trainMs ?? clock.trainMs;
    const { batchSize } = trainer.options;
    const summary: StudyTrainSummary = {
      model: name,
      seed,
      status,
      stopReason: history.stopReason,
      parameters: model.parameterCounts(),
      batchSize,
      steps: trainer.state().step,
      trainSeconds: trainMs / 1000,
      imagesPerSecond: trainMs > 0 ? (trainer.state().step * batchSize) / (trainMs / 1000) : 0,
      meanLossesLast50Steps: meanLosses(steps.slice(-50)),
    };
    await writeJsonAtomic(files.summary, summary);
    return summary;
  } finally {
    model.dispose();
  }
}
