import { InvalidArgumentError } from "../errors.js";
import { MODEL_NAMES, type ModelName } from "../models/registry.js";
import type { AbortSignalLike } from "../training/trainer.js";
import { checkInteger, checkRange } from "../_internals/check.js";

/** A budget of training time per model and seed (evaluations excluded). */
export interface StudyTimeBudget {
  /** Minutes of training. */
  readonly minutes: number;
}

/** A budget of epochs per model and seed. */
export interface StudyEpochBudget {
  /** Epochs. */
  readonly epochs: number;
}

/** A budget of training steps per model and seed. */
export interface StudyStepBudget {
  /** Steps. */
  readonly steps: number;
}

/**
 * How long each model of a study trains: a wall-clock budget of training time (evaluations
 * excluded), or a number of epochs or steps.
 */
export type StudyBudget = StudyTimeBudget | StudyEpochBudget | StudyStepBudget;

/** Options of the IWAE NLL of a study's VAEs. */
export interface StudyNllOptions {
  /** Importance samples per image. */
  readonly k?: number;
  /** Test images. */
  readonly n?: number;
}

/** The datasets a study can run on (each with its shipped oracle). */
export type StudyDataName = "mnist" | "fashion-mnist";

/** How a study evaluates its models. */
export interface StudyEvaluationOptions {
  /** Samples (and reference test images) of each model's final evaluation. @defaultValue 5000 (`quick`: 500) */
  readonly n?: number;
  /**
   * Shares of the budget after which each model is evaluated during training (its samples saved
   * as a grid, its metrics on `snapshotN` samples), for the curves over time; `1` is the end.
   * @defaultValue [0.25, 0.5, 0.75, 1] (`quick`: [0.5, 1])
   */
  readonly snapshots?: readonly number[];
  /** Samples of each evaluation during training. @defaultValue 1000 (`quick`: 300) */
  readonly snapshotN?: number;
  /** Candidates of Latent Space Adaptation (GANs). @defaultValue 5000 (`quick`: 1000) */
  readonly lsaCandidates?: number;
  /** Importance samples `k` and test images `n` of the VAEs' IWAE NLL. @defaultValue { k: 50, n: 500 } (`quick`: { k: 10, n: 100 }) */
  readonly nll?: StudyNllOptions;
  /** Test images of each VAE's latent map. @defaultValue 2000 (`quick`: 500) */
  readonly latentMapN?: number;
}

/** Options of {@link runStudy}. */
export interface StudyOptions {
  /** The study's folder: one run folder per model and seed under `runs/`, and `results.csv`, `results.json`, `report.html`. */
  readonly out: string;
  /** The models compared (preset names). @defaultValue {@link DEFAULT_STUDY_MODELS} */
  readonly models?: readonly ModelName[];
  /** What every model gets to train. @defaultValue `{ minutes: 10 }` (`quick`: `{ minutes: 0.3 }`) */
  readonly budget?: StudyBudget;
  /** Seeds per model (0, 1, …): metrics are reported as mean ± standard deviation over them. @defaultValue 3 (`quick`: 1) */
  readonly seeds?: number;
  /** The data. @defaultValue "mnist" */
  readonly data?: StudyDataName;
  /** Train on the first `limit` training images only. @defaultValue all */
  readonly limit?: number;
  /**
   * A first look in minutes rather than hours: short budget, one seed, small evaluations
   * (each still overridable). About 3 minutes on 2 cores for the default models.
   * @defaultValue false
   */
  readonly quick?: boolean;
  /** Evaluation sizes; see {@link StudyEvaluationOptions}. */
  readonly evaluation?: StudyEvaluationOptions;
  /**
   * Continue the study in `out`: finished runs are kept, interrupted ones resume from their newest
   * checkpoint. Options not given are the recorded ones; the budget, data, limit and evaluation
   * sizes cannot change, models and seeds can (new runs are added). Without it `out` must be
   * missing or empty.
   * @defaultValue false
   */
  readonly resume?: boolean;
  /** Stops the study after the current training step (the run keeps a checkpoint, so `resume` continues it). */
  readonly signal?: AbortSignalLike;
  /** Called on every step of the study (e.g. to show progress). */
  readonly onProgress?: (event: StudyEvent) => void;
}

/** The run a {@link StudyEvent} is about. */
export interface StudyEventRun {
  /** The model. */
  readonly model: ModelName;
  /** The seed. */
  readonly seed: number;
}

/** A run starts (or is found done). */
export interface StudyRunStartEvent extends StudyEventRun {
  /** `"run-start"`. */
  readonly type: "run-start";
  /** Runs before this one. */
  readonly index: number;
  /** Runs of the study. */
  readonly total: number;
}

/** A training step ended. */
export interface StudyTrainEvent extends StudyEventRun {
  /** `"train"`. */
  readonly type: "train";
  /** Share of the budget used, in [0, 1]. */
  readonly fraction: number;
  /** Steps trained. */
  readonly step: number;
  /** Training time used, in milliseconds. */
  readonly trainMs: number;
}

/** An evaluation during training ended. */
export interface StudySnapshotEvent extends StudyEventRun {
  /** `"snapshot"`. */
  readonly type: "snapshot";
  /** Share of the budget it was taken at. */
  readonly fraction: number;
  /** Its metrics, by `metricValues` name. */
  readonly metrics: Readonly<Record<string, number>>;
}

/** A stage of a run's final evaluation starts. */
export interface StudyEvaluateEvent extends StudyEventRun {
  /** `"evaluate"`. */
  readonly type: "evaluate";
  /** The stage, in words. */
  readonly stage: string;
}

/** A run is done. */
export interface StudyRunEndEvent extends StudyEventRun {
  /** `"run-end"`. */
  readonly type: "run-end";
  /** Whether it was done before (a resumed study). */
  readonly skipped: boolean;
  /** `finished` or `diverged`. */
  readonly status: string;
}

/** What {@link StudyOptions.onProgress} is told. */
export type StudyEvent = StudyRunStartEvent | StudyTrainEvent | StudySnapshotEvent | StudyEvaluateEvent | StudyRunEndEvent;

/** The models a study compares unless told otherwise: three GANs and two VAEs. */
export const DEFAULT_STUDY_MODELS: readonly ModelName[] = ["mlp-gan", "dcgan", "wgan-gp", "vae", "conv-vae"];

/** A study's options with every default filled in (what `study.json` records). */
export interface ResolvedStudyOptions {
  /** The models. */
  readonly models: readonly ModelName[];
  /** The budget. */
  readonly budget: StudyBudget;
  /** Seeds per model. */
  readonly seeds: number;
  /** The data. */
  readonly data: StudyDataName;
  /** Training images used (`null`: all). */
  readonly limit: number | null;
  /** Whether the quick defaults applied. */
  readonly quick: boolean;
  /** The evaluation sizes. */
  readonly evaluation: ResolvedStudyEvaluation;
}

/** {@link StudyEvaluationOptions} with every default filled in. */
export interface ResolvedStudyEvaluation {
  /** Samples of each final evaluation. */
  readonly n: number;
  /** Shares of the budget evaluated during training, ascending. */
  readonly snapshots: readonly number[];
  /** Samples of each evaluation during training. */
  readonly snapshotN: number;
  /** Candidates of Latent Space Adaptation. */
  readonly lsaCandidates: number;
  /** The IWAE NLL's importance samples and test images. */
  readonly nll: Required<StudyNllOptions>;
  /** Test images of each latent map. */
  readonly latentMapN: number;
}

const FULL = { budget: { minutes: 10 }, seeds: 3, n: 5000, snapshots: [0.25, 0.5, 0.75, 1], snapshotN: 1000, lsaCandidates: 5000, nll: { k: 50, n: 500 }, latentMapN: 2000 } as const;
const QUICK = { budget: { minutes: 0.3 }, seeds: 1, n: 500, snapshots: [0.5, 1], snapshotN: 300, lsaCandidates: 1000, nll: { k: 10, n: 100 }, latentMapN: 500 } as const;

/** Checks a study's options and fills in the defaults (of `quick` when set). */
export function resolveStudyOptions(options: Omit<StudyOptions, "out">): ResolvedStudyOptions {
  const quick = options.quick ?? false;
  const d = quick ? QUICK : FULL;
  const models = options.models ?? DEFAULT_STUDY_MODELS;
  if (models.length === 0) throw new InvalidArgumentError("runStudy: options.models is empty; name at least one model");
  const unknown = models.find((m) => !(MODEL_NAMES as readonly string[]).includes(m));
  if (unknown !== undefined) throw new InvalidArgumentError(`runStudy: unknown model '${unknown}'; expected some of ${MODEL_NAMES.join(", ")}`);
  const repeated = models.find((m, i) => models.indexOf(m) !== i);
  if (repeated !== undefined) throw new InvalidArgumentError(`runStudy: options.models names '${repeated}' twice`);
  const budget = options.budget ?? d.budget;
  checkBudget(budget);
  const seeds = options.seeds ?? d.seeds;
  checkInteger("runStudy", "options.seeds", seeds, 1);
  const data = options.data ?? "mnist";
  if (data !== "mnist" && data !== "fashion-mnist") throw new InvalidArgumentError(`runStudy: options.data must be "mnist" or "fashion-mnist", found ${JSON.stringify(data)}`);
  if (options.limit !== undefined) checkInteger("runStudy", "options.limit", options.limit, 1);
  const e = options.evaluation ?? {};
  const evaluation = {
    n: e.n ?? d.n,
    snapshots: [...(e.snapshots ?? d.snapshots)].sort((a, b) => a - b),
    snapshotN: e.snapshotN ?? d.snapshotN,
    lsaCandidates: e.lsaCandidates ?? d.lsaCandidates,
    nll: { k: e.nll?.k ?? d.nll.k, n: e.nll?.n ?? d.nll.n },
    latentMapN: e.latentMapN ?? d.latentMapN,
  };
  checkInteger("runStudy", "options.evaluation.n", evaluation.n, 10);
  checkInteger("runStudy", "options.evaluation.snapshotN", evaluation.snapshotN, 10);
  checkInteger("runStudy", "options.evaluation.lsaCandidates", evaluation.lsaCandidates, 10);
  checkInteger("runStudy", "options.evaluation.nll.k", evaluation.nll.k, 1);
  checkInteger("runStudy", "options.evaluation.nll.n", evaluation.nll.n, 1);
  checkInteger("runStudy", "options.evaluation.latentMapN", evaluation.latentMapN, 2);
  for (const f of evaluation.snapshots) {
    checkRange("runStudy", "options.evaluation.snapshots[]", f, 0, 1, false);
    if (f === 0) throw new InvalidArgumentError("runStudy: options.evaluation.snapshots[] must be > 0 (a share of the budget), found 0");
  }
  if (evaluation.snapshots.some((f, i) => f === evaluation.snapshots[i - 1])) throw new InvalidArgumentError("runStudy: options.evaluation.snapshots holds a share twice");
  return { models: [...models], budget, seeds, data, limit: options.limit ?? null, quick, evaluation };
}

function checkBudget(budget: StudyBudget): void {
  const keys = Object.keys(budget);
  if (keys.length !== 1 || !["minutes", "epochs", "steps"].includes(keys[0] ?? "")) {
    throw new InvalidArgumentError(`runStudy: options.budget must be one of { minutes }, { epochs } or { steps }, found ${JSON.stringify(budget)}`);
  }
  if ("minutes" in budget) {
    if (!(Number.isFinite(budget.minutes) && budget.minutes > 0)) throw new InvalidArgumentError(`runStudy: options.budget.minutes must be a positive number, found ${budget.minutes}`);
  } else if ("epochs" in budget) checkInteger("runStudy", "options.budget.epochs", budget.epochs, 1);
  else checkInteger("runStudy", "options.budget.steps", budget.steps, 1);
}

/**
 * Parses a budget as the CLI takes it: `10m`, `90s`, `1.5h` (training time per model) or a bare
 * number of minutes.
 *
 * @example
 * ```ts
 * parseBudget("10m"); // { minutes: 10 }
 * parseBudget("90s"); // { minutes: 1.5 }
 * ```
 */
export function parseBudget(text: string): StudyTimeBudget {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(s|m|h|min)?\s*$/i.exec(text);
  const value = match === null ? Number.NaN : Number(match[1]);
  if (match === null || !(value > 0)) throw new InvalidArgumentError(`'${text}' is not a duration; expected one such as 90s, 10m or 1.5h`);
  const unit = (match[2] ?? "m").toLowerCase();
  return { minutes: unit === "s" ? value / 60 : unit === "h" ? value * 60 : value };
}

/** A budget in words, e.g. `10 min` or `3 epochs`. */
export function describeBudget(budget: StudyBudget): string {
  if ("minutes" in budget) return budget.minutes < 1 ? `${Number((budget.minutes * 60).toPrecision(2))} s` : `${Number(budget.minutes.toFixed(2))} min`;
  return "epochs" in budget ? `${budget.epochs} epoch${budget.epochs === 1 ? "" : "s"}` : `${budget.steps} steps`;
}
