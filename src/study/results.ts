import type { ModelName } from "../models/registry.js";
import type { StudyRunResult } from "./evaluate-run.js";
import type { ResolvedStudyOptions } from "./options.js";

/** Mean and sample standard deviation of a value over a model's seeds. */
export interface StudyStat {
  /** Mean. */
  readonly mean: number;
  /** Sample standard deviation (0 for one seed). */
  readonly std: number;
  /** Seeds it is over. */
  readonly n: number;
}

/** One model of a study, over its seeds. */
export interface StudyModelSummary {
  /** The preset. */
  readonly model: ModelName;
  /** Its kind, `gan` or `vae`. */
  readonly kind: string;
  /** Runs that finished (trained and evaluated) of those started. */
  readonly finished: number;
  /** Runs started. */
  readonly runs: number;
  /** Total parameters. */
  readonly parameters: number;
  /** Parameters per network. */
  readonly parametersByNetwork: Readonly<Record<string, number>>;
  /** Training seconds, steps, images per second. */
  readonly training: StudyTrainingStats;
  /** Mean of the last 50 steps' losses. */
  readonly losses: Readonly<Record<string, StudyStat>>;
  /** The final metrics. */
  readonly metrics: Readonly<Record<string, StudyStat>>;
  /** Latent Space Adaptation's metrics before and after, for GANs where it ran. */
  readonly lsa?: StudyLsaStats;
}

/** A model's training over its seeds. */
export interface StudyTrainingStats {
  /** Training seconds. */
  readonly seconds: StudyStat;
  /** Steps trained. */
  readonly steps: StudyStat;
  /** Training images per second. */
  readonly imagesPerSecond: StudyStat;
}

/** A GAN's Latent Space Adaptation over its seeds. */
export interface StudyLsaStats {
  /** Metrics with latents from the prior. */
  readonly before: Readonly<Record<string, StudyStat>>;
  /** Metrics with latents from the adapted sampler. */
  readonly after: Readonly<Record<string, StudyStat>>;
}

/** The runner-up of a {@link StudyWinner}. */
export interface StudyRunnerUp {
  /** The model. */
  readonly model: ModelName;
  /** Its mean ± std. */
  readonly value: StudyStat;
}

/** A metric a study compares. */
export interface StudyMetric {
  /** Its `metricValues` name, e.g. `fid`. */
  readonly metric: string;
  /** Its label in the report. */
  readonly label: string;
  /** Whether lower or higher values are better. */
  readonly better: "lower" | "higher";
  /** Only VAEs have it. */
  readonly vaeOnly?: boolean;
}

/** Which model wins one metric. */
export interface StudyWinner {
  /** The metric's `metricValues` name, e.g. `fid`. */
  readonly metric: string;
  /** Its label, e.g. `FID`. */
  readonly label: string;
  /** Whether lower or higher values are better. */
  readonly better: "lower" | "higher";
  /** The winning model. */
  readonly model: ModelName;
  /** Its mean ± std. */
  readonly value: StudyStat;
  /** The next best model and its value, when another model has the metric. */
  readonly runnerUp?: StudyRunnerUp;
  /**
   * `clear` when the gap to the runner-up exceeds both standard deviations added, `within noise`
   * when it does not (with one seed: `one seed`, no noise estimate), `tie` when the runner-up's
   * mean is the same (see `tiedWith`), `only model` without a runner-up.
   */
  readonly margin: "clear" | "within noise" | "one seed" | "tie" | "only model";
  /** Models whose mean equals the winner's (a tie), besides the winner. */
  readonly tiedWith: readonly ModelName[];
}

/** What a study compares, with the direction of "better". */
export const STUDY_METRICS: readonly StudyMetric[] = [
  { metric: "fid", label: "FID", better: "lower" },
  { metric: "kid", label: "KID", better: "lower" },
  { metric: "is", label: "IS (classifier score)", better: "higher" },
  { metric: "precision", label: "precision", better: "higher" },
  { metric: "recall", label: "recall", better: "higher" },
  { metric: "density", label: "density", better: "higher" },
  { metric: "coverage", label: "coverage", better: "higher" },
  { metric: "classes_covered", label: "classes covered", better: "higher" },
  { metric: "class_entropy", label: "class entropy (bits)", better: "higher" },
  { metric: "recon_bce", label: "reconstruction BCE", better: "lower", vaeOnly: true },
  { metric: "recon_mse", label: "reconstruction MSE", better: "lower", vaeOnly: true },
  { metric: "elbo", label: "ELBO (nats)", better: "higher", vaeOnly: true },
  { metric: "nll", label: "IWAE NLL (nats)", better: "lower", vaeOnly: true },
];

/** Training speed, compared like a metric. */
const SPEED = { metric: "imagesPerSecond", label: "training images / s", better: "higher" } as const;

/** Mean and sample standard deviation. */
export function stat(values: readonly number[]): StudyStat {
  const finite = values.filter((v) => Number.isFinite(v));
  const n = finite.length;
  if (n === 0) return { mean: Number.NaN, std: Number.NaN, n: 0 };
  const mean = finite.reduce((s, v) => s + v, 0) / n;
  const std = n > 1 ? Math.sqrt(finite.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std, n };
}

const statsOf = (records: readonly Readonly<Record<string, number>>[]): Record<string, StudyStat> => {
  const names = [...new Set(records.flatMap((r) => Object.keys(r)))];
  return Object.fromEntries(names.map((name) => [name, stat(records.flatMap((r) => (r[name] === undefined ? [] : [r[name]])))]));
};

/** Each model's runs over their seeds. */
export function summarizeModels(options: ResolvedStudyOptions, runs: readonly StudyRunResult[]): StudyModelSummary[] {
  return options.models.flatMap((model) => {
    const all = runs.filter((r) => r.model === model);
    const first = all[0];
    if (first === undefined) return [];
    const done = all.filter((r) => r.status === "finished");
    const withLsa = done.flatMap((r) => (r.lsa !== undefined && !("error" in r.lsa) ? [r.lsa] : []));
    return [{
      model,
      kind: done[0]?.kind ?? first.kind,
      finished: done.length,
      runs: all.length,
      parameters: first.totalParameters,
      parametersByNetwork: first.parameters,
      training: { seconds: stat(all.map((r) => r.trainSeconds)), steps: stat(all.map((r) => r.steps)), imagesPerSecond: stat(all.map((r) => r.imagesPerSecond)) },
      losses: statsOf(done.map((r) => r.meanLossesLast50Steps)),
      metrics: statsOf(done.map((r) => r.metrics)),
      ...(withLsa.length === 0 ? {} : { lsa: { before: statsOf(withLsa.map((l) => l.before)), after: statsOf(withLsa.map((l) => l.after)) } }),
    }];
  });
}

/** For each metric (and training speed) that two or more models have… or one: the best model by its mean. */
export function pickWinners(models: readonly StudyModelSummary[]): StudyWinner[] {
  const rows = [...STUDY_METRICS, SPEED];
  return rows.flatMap(({ metric, label, better }) => {
    const valueOf = (m: StudyModelSummary): StudyStat | undefined => (metric === SPEED.metric ? m.training.imagesPerSecond : m.metrics[metric]);
    const ranked = models
      .flatMap((m) => {
        const value = valueOf(m);
        return value === undefined || !Number.isFinite(value.mean) ? [] : [{ model: m.model, value }];
      })
      .sort((a, b) => (better === "lower" ? a.value.mean - b.value.mean : b.value.mean - a.value.mean));
    const [best, next] = ranked;
    if (best === undefined) return [];
    const tiedWith = ranked.slice(1).filter((r) => r.value.mean === best.value.mean).map((r) => r.model);
    const margin: StudyWinner["margin"] = next === undefined
      ? "only model"
      : tiedWith.length > 0
        ? "tie"
        : best.value.n < 2 || next.value.n < 2
        ? "one seed"
        : Math.abs(best.value.mean - next.value.mean) > best.value.std + next.value.std ? "clear" : "within noise";
    return [{ metric, label, better, model: best.model, value: best.value, ...(next === undefined ? {} : { runnerUp: next }), margin, tiedWith }];
  });
}

const csvCell = (v: string | number | undefined): string => {
  if (v === undefined || (typeof v === "number" && !Number.isFinite(v))) return "";
  const text = String(v);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/** One row per run: model, seed, status, training and every final metric (and LSA's after-values as `lsa_*`). */
export function resultsCsv(runs: readonly StudyRunResult[]): string {
  const metricNames = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))];
  const lsaNames = [...new Set(runs.flatMap((r) => (r.lsa !== undefined && !("error" in r.lsa) ? Object.keys(r.lsa.after) : [])))];
  const header = ["model", "seed", "status", "parameters", "steps", "train_seconds", "images_per_second", ...metricNames, ...lsaNames.map((n) => `lsa_${n}`)];
  const rows = runs.map((r) => {
    const lsa = r.lsa !== undefined && !("error" in r.lsa) ? r.lsa.after : {};
    return [r.model, r.seed, r.status, r.totalParameters, r.steps, Number(r.trainSeconds.toFixed(2)), Number(r.imagesPerSecond.toFixed(1)), ...metricNames.map((n) => r.metrics[n]), ...lsaNames.map((n) => lsa[n])];
  });
  return [header, ...rows].map((row) => row.map(csvCell).join(",")).join("\n") + "\n";
}
