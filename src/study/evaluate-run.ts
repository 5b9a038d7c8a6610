import * as tf from "@tensorflow/tfjs-core";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import type { Dataset } from "../data/dataset.js";
import { InvalidArgumentError } from "../errors.js";
import { FASHION_MNIST_CLASSES } from "../data/mnist.js";
import { imageGrid, writePng } from "../image/grid.js";
import { interpolate } from "../latent/interpolate.js";
import { latentEmbedding, latentManifold, latentMapSvg } from "../latent/latent-map.js";
import { LatentSpaceAdaptation } from "../latent/lsa.js";
import { evaluate, metricValues, SAMPLE_METRICS, VAE_METRICS, type PreparedReference } from "../metrics/evaluate.js";
import type { Oracle } from "../metrics/oracle.js";
import { MODEL_PRESETS } from "../models/registry.js";
import type { GenerativeModel } from "../nn/model.js";
import { loadModel } from "../nn/registry.js";
import { readEvaluationLog } from "../training/run-folder.js";
import { VAE } from "../vae/vae.js";
import { writeFileAtomic, writeJsonAtomic } from "../_internals/fs.js";
import type { ResolvedStudyOptions, StudyEvent } from "./options.js";
import { stat } from "./results.js";
import { studyRunFiles, timelineFile, type StudyTrainSummary } from "./train-run.js";

/** One evaluation during training: after `share` of the budget. */
export interface StudyTimelinePoint {
  /** Share of the budget used. */
  readonly share: number;
  /** Training minutes used. */
  readonly minutes: number;
  /** Steps trained. */
  readonly step: number;
  /** The metrics (on the smaller snapshot sample), by `metricValues` name. */
  readonly metrics: Readonly<Record<string, number>>;
  /** The sample grid of that moment, relative to the study folder. */
  readonly grid: string;
}

/** Latent Space Adaptation of one GAN run: the metrics from the prior and from the fitted sampler. */
export interface StudyLsaResult {
  /** FID, precision, recall and class coverage with latents from N(0, I). */
  readonly before: Readonly<Record<string, number>>;
  /** The same metrics with latents from the adapted sampler. */
  readonly after: Readonly<Record<string, number>>;
  /** Per class: candidates, kept, threshold, and the normality of the kept latents. */
  readonly classes: readonly StudyLsaClass[];
  /** Samples from the adapted sampler, relative to the study folder. */
  readonly grid: string;
}

/** What Latent Space Adaptation found for one class, in a study. */
export interface StudyLsaClass {
  /** The class. */
  readonly label: number;
  /** Candidates the oracle put in it. */
  readonly candidates: number;
  /** Candidates kept. */
  readonly kept: number;
  /** The similarity threshold. */
  readonly threshold: number;
  /** Share of latent dimensions whose normality Shapiro–Wilk does not reject at 0.05. */
  readonly normalShare: number;
  /** Mean p-value over the dimensions. */
  readonly meanP: number;
}

/** Why Latent Space Adaptation could not run on a GAN of a study. */
export interface StudyLsaFailure {
  /** The error's message. */
  readonly error: string;
}

/** Pictures and plots of one run of a study, relative to the study folder. */
export interface StudyRunFiles {
  /** The final sample grid. */
  readonly samples?: string;
  /** Interpolation paths (PNG). */
  readonly interpolation?: string;
  /** A VAE's latent map (SVG). */
  readonly latentMap?: string;
  /** A 2-D VAE's decoded manifold (PNG). */
  readonly manifold?: string;
  /** Loss curves (SVG). */
  readonly lossPlot?: string;
}

/** One model and seed of a study, trained and evaluated (`study-run.json` of its run folder). */
export interface StudyRunResult extends StudyTrainSummary {
  /** Its run folder, relative to the study folder. */
  readonly folder: string;
  /** The model kind (`gan`, `vae`). */
  readonly kind: string;
  /** Total parameters of its networks. */
  readonly totalParameters: number;
  /** The final evaluation's metrics (empty for a diverged run), by `metricValues` name. */
  readonly metrics: Readonly<Record<string, number>>;
  /** Images of each class among the final evaluation's samples, by the oracle. */
  readonly classCounts: readonly number[];
  /** The evaluations during training. */
  readonly timeline: readonly StudyTimelinePoint[];
  /** Latent Space Adaptation before/after (unconditional GANs), or why it could not run. */
  readonly lsa?: StudyLsaResult | StudyLsaFailure;
  /** Files of the run, relative to the study folder. */
  readonly files: StudyRunFiles;
}

/** What evaluating one run of a study needs. */
export interface StudyEvaluateContext {
  /** The study's options. */
  readonly options: ResolvedStudyOptions;
  /** The study folder (file paths in the result are relative to it). */
  readonly out: string;
  /** Test images (labelled), for interpolations, latent maps and LSA. */
  readonly test: Dataset;
  /** The real images of the final evaluation. */
  readonly reference: PreparedReference;
  /** The oracle. */
  readonly oracle: Oracle;
  /** Progress events. */
  readonly onProgress?: ((event: StudyEvent) => void) | undefined;
}

const inStudy = (out: string, path: string): string => relative(out, path).split(sep).join("/");

/**
 * Evaluates a trained run of a study (final metrics on `evaluation.n` samples, interpolations, a
 * VAE's latent map, a GAN's Latent Space Adaptation) and writes `study-run.json`; a run that has
 * one already is read back instead.
 */
export async function evaluateStudyRun(dir: string, trained: StudyTrainSummary, context: StudyEvaluateContext): Promise<StudyRunResult> {
  const files = studyRunFiles(dir);
  if (existsSync(files.result)) return JSON.parse(await readFile(files.result, "utf8")) as StudyRunResult;
  const { out, options } = context;
  const rel = (path: string): string => inStudy(out, path);
  const timeline: StudyTimelinePoint[] = (await readEvaluationLog(files.evalJsonl)).flatMap(({ step, metrics }) => {
    const { budget_share: share, train_minutes: minutes, ...rest } = metrics;
    return share === undefined || minutes === undefined ? [] : [{ share, minutes, step, metrics: rest, grid: rel(join(files.timeline, timelineFile(share))) }];
  });
  const base = { ...trained, folder: rel(dir), timeline, totalParameters: Object.values(trained.parameters).reduce((s, v) => s + v, 0) };
  const lossPlot = existsSync(files.lossPlot) ? { lossPlot: rel(files.lossPlot) } : {};
  if (trained.status !== "finished") {
    const result: StudyRunResult = { ...base, kind: MODEL_PRESETS[trained.model].kind, metrics: {}, classCounts: [], files: lossPlot };
    await writeJsonAtomic(files.result, result);
    return result;
  }
  const model = await loadModel(files.model);
  const progress = (stage: string): void => context.onProgress?.({ type: "evaluate", model: trained.model, seed: trained.seed, stage });
  try {
    progress(`final evaluation on ${options.evaluation.n} samples`);
    const metrics = model instanceof VAE ? [...SAMPLE_METRICS, ...VAE_METRICS] : SAMPLE_METRICS;
    const report = await evaluate(model, { reference: context.reference, n: options.evaluation.n, metrics, nll: options.evaluation.nll, seed: 0 });
    const values = metricValues(report);
    progress("interpolations");
    const interpolation = join(dir, "interpolation.png");
    await writeInterpolation(model, context.test, interpolation);
    const extra: { latentMap?: string; manifold?: string } = {};
    let lsa: StudyLsaResult | { error: string } | undefined;
    if (model instanceof VAE) {
      progress("latent map");
      const embedding = await latentEmbedding(model, context.test, { n: options.evaluation.latentMapN });
      const classNames = options.data === "fashion-mnist" ? { classNames: FASHION_MNIST_CLASSES } : {};
      const how = embedding.method === "direct" ? "2-D latents" : "PCA of the posterior means";
      extra.latentMap = join(dir, "latent-map.svg");
      await writeFileAtomic(extra.latentMap, await latentMapSvg(embedding, { title: `${trained.model}: test images in latent space (${how})`, ...classNames }));
      if (model.latentDim === 2) {
        extra.manifold = join(dir, "latent-manifold.png");
        const grid = latentManifold(model, { size: 15 });
        await writePng(extra.manifold, imageGrid(grid, { cols: 15, range: "[0,1]" }));
        grid.dispose();
      }
    } else if (!model.conditional) {
      progress(`Latent Space Adaptation (${options.evaluation.lsaCandidates} candidates)`);
      // a GAN LSA cannot adapt (too few candidates) is reported; anything else is a bug to raise
      lsa = await adaptLatents(model, context, join(dir, "lsa-samples.png"), rel).catch((err: unknown) => {
        if (err instanceof InvalidArgumentError) return { error: err.message };
        throw err;
      });
    }
    const result: StudyRunResult = {
      ...base,
      kind: model.kind,
      metrics: values,
      classCounts: report.metrics.classCoverage?.counts ?? [],
      ...(lsa === undefined ? {} : { lsa: "error" in lsa ? lsa : { ...lsa, before: pick(values, LSA_METRICS) } }),
      files: {
        ...lossPlot,
        ...(existsSync(join(files.samples, "final.png")) ? { samples: rel(join(files.samples, "final.png")) } : {}),
        interpolation: rel(interpolation),
        ...(extra.latentMap === undefined ? {} : { latentMap: rel(extra.latentMap) }),
        ...(extra.manifold === undefined ? {} : { manifold: rel(extra.manifold) }),
      },
    };
    await writeJsonAtomic(files.result, result);
    return result;
  } finally {
    model.dispose();
  }
}

/** The metrics LSA is judged by (the published study reports FID and precision). */
const LSA_METRICS = ["fid", "precision", "recall", "density", "coverage", "classes_covered", "class_entropy"] as const;

const pick = (values: Readonly<Record<string, number>>, names: readonly string[]): Record<string, number> =>
  Object.fromEntries(names.flatMap((n) => (values[n] === undefined ? [] : [[n, values[n]]])));

async function adaptLatents(model: GenerativeModel, context: StudyEvaluateContext, gridPath: string, rel: (p: string) => string): Promise<Omit<StudyLsaResult, "before"> & { before: Record<string, number> }> {
  const { options } = context;
  const lsa = new LatentSpaceAdaptation({ candidates: options.evaluation.lsaCandidates, oracle: context.oracle, seed: 1, missingClasses: "skip" });
  await lsa.fit(model, context.test);
  const report = await evaluate(model, { reference: context.reference, n: options.evaluation.n, metrics: ["fid", "pr", "dc", "classes"], sampler: lsa, seed: 0 });
  // ten columns: the sampler cycles through the classes, so with every class reached a column is one class
  const latents = lsa.sample(100, { seed: 2 });
  const images = model.sample(100, { latents });
  await writePng(gridPath, imageGrid(images, { cols: 10, range: model.pixelRange }));
  tf.dispose([latents, images]);
  return {
    before: {},
    after: pick(metricValues(report), LSA_METRICS),
    classes: lsa.classes.map((c) => {
      return { label: c.label, candidates: c.candidates, kept: c.kept, threshold: c.threshold, normalShare: c.normalShare, meanP: stat(Array.from(c.pValues)).mean };
    }),
    grid: rel(gridPath),
  };
}

/**
 * Four latent paths of ten images: a GAN's between seeded latents, a VAE's between encoded test
 * images of different classes (a conditional model's all of class 0, with that label).
 */
async function writeInterpolation(model: GenerativeModel, test: Dataset, path: string): Promise<void> {
  const paths = 4;
  const steps = 10;
  let from: tf.Tensor;
  let to: tf.Tensor;
  if (model instanceof VAE) {
    const data = test.withRange("[0,1]");
    const labels = Array.from(data.labels);
    const pool = labels.flatMap((l, i) => (!model.conditional || l === 0 ? [i] : []));
    const first = pool.slice(0, paths);
    // each path ends on the next image of another class (any next image for a conditional model)
    const second = first.map((i, k) => pool.find((j) => j > (first[paths - 1] ?? 0) + k && (model.conditional || labels[j] !== labels[i])) ?? pool[paths + k] ?? i);
    const [a, b] = [data.batch(first), data.batch(second)];
    [from, to] = [a.images, b.images];
    tf.dispose([a.labels, a.oneHot, b.labels, b.oneHot]);
  } else {
    [from, to] = [tf.randomNormal([paths, model.latentDim], 0, 1, "float32", 7), tf.randomNormal([paths, model.latentDim], 0, 1, "float32", 8)];
  }
  const images = interpolate(model, from, to, { steps, method: "slerp", label: 0 });
  tf.dispose([from, to]);
  await writePng(path, imageGrid(images, { cols: steps, range: model.pixelRange }));
  images.dispose();
}
