import { existsSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { Argument, Command, Option } from "commander";
import {
  BACKEND_REQUESTS,
  Checkpoint,
  CheckpointError,
  Evaluate,
  HistoryLogger,
  METRIC_NAMES,
  MODEL_NAMES,
  ProgressBar,
  SampleGrid,
  Trainer,
  VAE,
  createModel,
  latestCheckpoint,
  metricValues,
  reconstructionStrip,
  useBackend,
  writeLossPlot,
  writeMetricPlot,
  writePng,
  type BackendRequest,
  type Callback,
  type EvaluationRecord,
  type MetricName,
  type ModelName,
  type StepRecord,
} from "../../index.js";
import { writeJson } from "../../nn/persist.js";
import { dataReference, integer, loadData, nameList, positiveNumber } from "../options.js";

interface TrainOptions {
  epochs?: number;
  steps?: number;
  batchSize?: number;
  lr?: number;
  latentDim?: number;
  seed: number;
  data: string;
  limit?: number;
  backend: BackendRequest;
  threads?: number;
  out?: string;
  resume: boolean;
  checkpointEvery: number;
  keep: number;
  progress: boolean;
  evalEvery?: number;
  evalN: number;
  evalMetrics?: MetricName[];
  oracle?: string;
}

/** The records of a JSON Lines log: `{ step, epoch, elapsedMs, ...values }` per line. */
async function readLog(path: string): Promise<{ step: number; epoch: number; elapsedMs: number; values: Record<string, number> }[]> {
  if (!existsSync(path)) return [];
  const lines = (await readFile(path, "utf8")).split("\n").filter((l) => l.trim() !== "");
  return lines.map((line) => {
    const { step, epoch, elapsedMs, ...values } = JSON.parse(line) as Record<string, number>;
    return { step: step ?? 0, epoch: epoch ?? 0, elapsedMs: elapsedMs ?? 0, values };
  });
}

const readHistory = async (path: string): Promise<StepRecord[]> => (await readLog(path)).map(({ values, ...r }) => ({ ...r, losses: values }));
const readEvaluations = async (path: string): Promise<EvaluationRecord[]> => (await readLog(path)).map(({ values, ...r }) => ({ ...r, metrics: values }));

async function train(name: ModelName, opts: TrainOptions): Promise<void> {
  const out = opts.out ?? join("runs", name);
  const backend = await useBackend(opts.backend, opts.threads === undefined ? {} : { threads: opts.threads });
  console.log(backend.summary);
  const data = await loadData(opts.data, "train", opts.limit);
  console.log(`data: ${data.name}, ${data.size} images`);
  const files = {
    config: join(out, "config.json"),
    historyJsonl: join(out, "history.jsonl"),
    historyCsv: join(out, "history.csv"),
    checkpoints: join(out, "checkpoints"),
    samples: join(out, "samples"),
    model: join(out, "model"),
    lossPlot: join(out, "loss.svg"),
    evalJsonl: join(out, "eval.jsonl"),
    evalCsv: join(out, "eval.csv"),
    evalPlot: join(out, "eval.svg"),
    summary: join(out, "summary.json"),
  };
  const evaluations: Callback[] = opts.evalEvery === undefined ? [] : [
    new Evaluate({
      every: opts.evalEvery,
      n: opts.evalN,
      reference: await dataReference(opts.data, opts.oracle, `--eval-every with --data ${opts.data}`),
      ...(opts.oracle === undefined ? {} : { oracle: opts.oracle }),
      ...(opts.evalMetrics === undefined ? {} : { metrics: opts.evalMetrics }),
      onReport: (r) => console.log(`evaluation: ${Object.entries(metricValues(r)).map(([k, v]) => `${k} ${v.toPrecision(4)}`).join(", ")}`),
    }),
  ];
  const callbacks: Callback[] = [
    ...(opts.progress ? [new ProgressBar()] : []),
    ...evaluations,
    new HistoryLogger({ jsonl: files.historyJsonl, csv: files.historyCsv, metricsJsonl: files.evalJsonl, metricsCsv: files.evalCsv }),
    new Checkpoint({ dir: files.checkpoints, every: opts.checkpointEvery, keep: opts.keep }),
    new SampleGrid({ dir: files.samples }),
  ];
  const runOptions = {
    ...(opts.epochs === undefined ? {} : { epochs: opts.epochs }),
    ...(opts.steps === undefined ? {} : { steps: opts.steps }),
    ...(opts.batchSize === undefined ? {} : { batchSize: opts.batchSize }),
    callbacks,
  };
  let trainer: Trainer;
  if (opts.resume) {
    const from = await latestCheckpoint(files.checkpoints);
    if (from === undefined) throw new CheckpointError(`--resume: no checkpoint under ${files.checkpoints}; train without --resume first`);
    console.log(`resuming from ${from}`);
    trainer = await Trainer.resume(from, data, runOptions);
  } else {
    await Promise.all([files.historyJsonl, files.historyCsv, files.evalJsonl, files.evalCsv, files.evalPlot].map((f) => rm(f, { force: true })));
    const model = createModel(name, {
      ...(opts.latentDim === undefined ? {} : { latentDim: opts.latentDim }),
      ...(opts.lr === undefined ? {} : { learningRate: opts.lr }),
      seed: opts.seed,
    });
    trainer = new Trainer(model, data, { ...runOptions, seed: opts.seed });
  }
  const { model } = trainer;
  await writeJson(files.config, { model: name, config: model.config, trainer: trainer.options, data: opts.data, limit: opts.limit ?? null, backend: backend.backend });
  const history = await trainer.fit();
  await model.save(files.model);
  const allSteps = await readHistory(files.historyJsonl);
  if (allSteps.length > 0) await writeLossPlot(files.lossPlot, allSteps, { title: `${name}: training losses` });
  const allEvaluations = await readEvaluations(files.evalJsonl);
  if (allEvaluations.length > 0) {
    // one chart per metric; the standard deviations of KID and IS stay in eval.csv
    const metrics = Object.keys(allEvaluations[allEvaluations.length - 1]?.metrics ?? {}).filter((m) => !m.endsWith("_std"));
    await writeMetricPlot(files.evalPlot, allEvaluations, { title: `${name}: metrics during training`, metrics });
  }
  let reconstructions: string | undefined;
  if (model instanceof VAE) {
    reconstructions = join(out, "reconstructions.png");
    const batch = trainer.data.batch(Array.from({ length: 10 }, (_, i) => i));
    const recon = model.reconstruct(batch.images, { oneHot: batch.oneHot });
    await writePng(reconstructions, reconstructionStrip(batch.images, recon));
    recon.dispose();
    batch.dispose();
  }
  const seconds = history.elapsedMs / 1000;
  const last = history.steps.slice(-Math.min(50, history.steps.length));
  const finalLosses = Object.fromEntries(
    Object.keys(last[0]?.losses ?? {}).map((k) => [k, last.reduce((s, r) => s + (r.losses[k] ?? 0), 0) / last.length]),
  );
  const summary = {
    model: name,
    family: model.family,
    parameters: model.parameterCounts(),
    backend: backend.backend,
    data: data.name,
    trainImages: data.size,
    batchSize: trainer.options.batchSize,
    epochsCompleted: history.epochs.length,
    stepsThisRun: history.steps.length,
    totalSteps: history.totalSteps,
    seconds: Math.round(seconds * 10) / 10,
    imagesPerSecond: seconds > 0 ? Math.round((history.steps.length * trainer.options.batchSize) / seconds) : null,
    finalLosses,
    metrics: allEvaluations[allEvaluations.length - 1] ?? null,
    stopReason: history.stopReason,
    files: {
      ...files,
      ...(allEvaluations.length > 0 ? {} : { evalJsonl: undefined, evalCsv: undefined, evalPlot: undefined }),
      finalSamples: join(files.samples, "final.png"),
      ...(reconstructions ? { reconstructions } : {}),
    },
  };
  await writeJson(files.summary, summary);
  console.log(`\nrun folder ${out}:`);
  console.log(`  samples       ${summary.files.finalSamples}`);
  if (reconstructions) console.log(`  reconstructions ${reconstructions}`);
  console.log(`  loss plot     ${files.lossPlot}`);
  if (allEvaluations.length > 0) console.log(`  metrics       ${files.evalPlot}, ${files.evalJsonl}, ${files.evalCsv}`);
  console.log(`  history       ${files.historyJsonl}, ${files.historyCsv}`);
  console.log(`  model         ${files.model}`);
  console.log(`  checkpoints   ${files.checkpoints}`);
  console.log(`  summary       ${files.summary}`);
  if (history.stopReason !== null) console.log(`stopped early: ${history.stopReason}`);
}

/** `gen-mnist train <model>`. */
export function trainCommand(): Command {
  return new Command("train")
    .description("train a model and write samples, losses, checkpoints and a summary into a run folder")
    .addArgument(new Argument("<model>", "which model").choices([...MODEL_NAMES]))
    .option("--epochs <n>", "epochs to train (default: 1, or what --steps needs)", integer("--epochs", 1))
    .option("--steps <n>", "stop after this many steps", integer("--steps", 1))
    .option("--batch-size <n>", "batch size (default: the model's published one)", integer("--batch-size", 1))
    .option("--lr <rate>", "learning rate of every optimizer (default: the model's)", positiveNumber("--lr"))
    .option("--latent-dim <n>", "latent size (default: the model's)", integer("--latent-dim", 1))
    .option("--seed <n>", "seed of data order and model draws", integer("--seed", 0), 0)
    .option("--data <name>", "mnist, fashion-mnist or a folder of IDX files", "mnist")
    .option("--limit <n>", "use only the first n training images", integer("--limit", 1))
    .addOption(new Option("--backend <name>", "tfjs backend").choices([...BACKEND_REQUESTS]).default("auto"))
    .option("--threads <n>", "threads of the gen-mnist backend's kernels (default: every core, or GEN_MNIST_THREADS)", integer("--threads", 1))
    .option("--out <dir>", "run folder (default: runs/<model>)")
    .option("--resume", "continue from the latest checkpoint in the run folder", false)
    .option("--checkpoint-every <n>", "save a checkpoint every n epochs", integer("--checkpoint-every", 1), 10)
    .option("--keep <n>", "epoch checkpoints to keep", integer("--keep", 1), 3)
    .option(
      "--eval-every <epochs>",
      "evaluate every n epochs and at the end: FID, KID, IS, precision/recall, density/coverage, class coverage (and reconstruction, ELBO for VAEs)",
      integer("--eval-every", 1),
    )
    .option("--eval-n <n>", "samples per evaluation, and test images compared with", integer("--eval-n", 2), 2000)
    .option("--eval-metrics <list>", `metrics of the evaluations, comma-separated: ${METRIC_NAMES.join(",")}`, nameList("--eval-metrics", METRIC_NAMES))
    .option("--oracle <name|dir>", "oracle of the evaluations (default: the data's shipped one; required for a data folder)")
    .option("--no-progress", "no progress output")
    .action((model: ModelName, opts: TrainOptions, command: Command) => {
      if (opts.evalEvery === undefined && (opts.oracle !== undefined || opts.evalMetrics !== undefined)) {
        command.error("error: --oracle and --eval-metrics apply to the evaluations of --eval-every <epochs>; add it", { exitCode: 2 });
      }
      return train(model, opts);
    });
}
