import { existsSync } from "node:fs";
import { join } from "node:path";
import { Argument, Command, Option } from "commander";
import {
  BACKEND_REQUESTS,
  Checkpoint,
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
  readEvaluationLog,
  readStepLog,
  runFolderFiles,
  metricValues,
  setLearningRate,
  reconstructionStrip,
  useBackend,
  writeLossPlot,
  writeMetricPlot,
  writePng,
  type BackendRequest,
  type Callback,
  type History,
  type MetricName,
  type ModelName,
  writeJsonAtomic,
} from "../../index.js";
import { CliError, EXIT_CODES, EXIT_CODES_HELP } from "../errors.js";
import { dataKey, dataReference, integer, loadData, nameList, nonNegativeNumber, positiveNumber, reportBackend, threadsOption, verboseOption } from "../options.js";
import { checkUnchanged, lockRunFolder, prepareNewRun, prepareRestart, quote, readRunConfig, type RunConfig } from "../run-folder.js";

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
  verbose?: boolean;
  out?: string;
  resume: boolean;
  overwrite: boolean;
  checkpointEvery: number;
  checkpointMinutes: number;
  keep: number;
  progress: boolean;
  evalEvery?: number;
  evalN: number;
  evalMetrics?: MetricName[];
  oracle?: string;
}

/** Options a resumed run keeps from its first start unless given again. */
const CARRIED = ["evalEvery", "evalN", "evalMetrics", "oracle", "checkpointEvery", "keep", "checkpointMinutes"] as const;

async function train(name: ModelName, given_opts: TrainOptions, command: Command): Promise<void> {
  let opts = given_opts;
  const out = opts.out ?? join("runs", name);
  const given = (key: keyof TrainOptions): boolean => command.getOptionValueSource(key) === "cli";
  // a resumed run keeps its data and settings; the new-run checks come before any slow work
  let recorded: RunConfig | undefined;
  let clearOldRun = async (): Promise<void> => undefined;
  if (opts.resume) {
    if (opts.overwrite) throw new CliError("--resume and --overwrite contradict each other: --resume continues the run in --out, --overwrite deletes it", EXIT_CODES.usage);
    recorded = await readRunConfig(out);
    await lockRunFolder(out);
    if (recorded.model !== name) {
      throw new CliError(`--resume: ${out} holds a ${recorded.model} run, not ${name}; continue it with: gen-mnist train ${recorded.model} --out ${quote(out)} --resume`, EXIT_CODES.usage);
    }
    checkUnchanged(out, [
      { flag: "--data", value: dataKey(opts.data), given: given("data"), recorded: recorded.data },
      { flag: "--limit", value: opts.limit, given: given("limit"), recorded: recorded.limit ?? "none" },
      { flag: "--batch-size", value: opts.batchSize, given: given("batchSize"), recorded: recorded.trainer.batchSize },
      { flag: "--seed", value: opts.seed, given: given("seed"), recorded: recorded.trainer.seed },
      { flag: "--latent-dim", value: opts.latentDim, given: given("latentDim"), recorded: recorded.config.latentDim },
    ]);
    // evaluations and checkpointing go on as the run was started, unless given again
    const kept = recorded.cli ?? {};
    opts = { ...opts, ...Object.fromEntries(CARRIED.filter((k) => !given(k) && kept[k] !== undefined).map((k) => [k, kept[k]])) };
  } else {
    clearOldRun = await prepareNewRun(out, name, opts.overwrite);
  }
  const dataName = recorded?.data ?? dataKey(opts.data);
  const limit = recorded === undefined ? opts.limit : recorded.limit ?? undefined;
  const learningRate = opts.lr ?? recorded?.learningRate ?? undefined;
  const backend = await useBackend(opts.backend, opts.threads === undefined ? {} : { threads: opts.threads });
  reportBackend(backend, opts);
  const data = await loadData(dataName, "train", limit);
  console.log(`data: ${data.name}, ${data.size} images`);
  await clearOldRun();
  const files = runFolderFiles(out);
  const evaluations: Callback[] = opts.evalEvery === undefined ? [] : [
    new Evaluate({
      every: opts.evalEvery,
      n: opts.evalN,
      reference: await dataReference(dataName, opts.oracle, `--eval-every with --data ${dataName}`),
      ...(opts.oracle === undefined ? {} : { oracle: opts.oracle }),
      ...(opts.evalMetrics === undefined ? {} : { metrics: opts.evalMetrics }),
      onReport: (r) => console.log(`evaluation: ${Object.entries(metricValues(r)).map(([k, v]) => `${k} ${v.toPrecision(4)}`).join(", ")}`),
    }),
  ];
  const callbacks: Callback[] = [
    ...(opts.progress ? [new ProgressBar()] : []),
    ...evaluations,
    new HistoryLogger({ jsonl: files.historyJsonl, csv: files.historyCsv, metricsJsonl: files.evalJsonl, metricsCsv: files.evalCsv }),
    new Checkpoint({ dir: files.checkpoints, every: opts.checkpointEvery, keep: opts.keep, everyMinutes: opts.checkpointMinutes }),
    new SampleGrid({ dir: files.samples }),
  ];
  // the first SIGINT/SIGTERM finishes the step and saves a checkpoint; a second one quits at once
  const abort = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (abort.signal.aborted) process.exit(signal === "SIGINT" ? EXIT_CODES.sigint : EXIT_CODES.sigterm);
    console.error(`\n${signal}: finishing the current step and saving a checkpoint (${signal} again quits at once)`);
    abort.abort(signal);
  };
  const runOptions = {
    ...(opts.epochs === undefined ? {} : { epochs: opts.epochs }),
    ...(opts.steps === undefined ? {} : { steps: opts.steps }),
    ...(opts.batchSize === undefined ? {} : { batchSize: opts.batchSize }),
    callbacks,
    signal: abort.signal,
  };
  let trainer: Trainer;
  const from = recorded === undefined ? undefined : await latestCheckpoint(files.checkpoints);
  if (from !== undefined) {
    console.log(`resuming from ${from}`);
    trainer = await Trainer.resume(from, data, runOptions);
    const done = trainer.state().step;
    if (opts.steps !== undefined && opts.steps < done) {
      throw new CliError(`--steps ${opts.steps}: the run has already taken ${done} steps; give a larger budget (or --epochs)`, EXIT_CODES.usage);
    }
    if (done >= trainer.totalSteps) console.log(`nothing to train: the run already took ${done} of its ${trainer.totalSteps} steps (give more --epochs or --steps)`);
    if (learningRate !== undefined) for (const optimizer of Object.values(trainer.model.optimizers())) setLearningRate(optimizer, learningRate);
  } else {
    // a new run, or one killed before its first checkpoint: that starts again from step 0, as recorded
    if (recorded !== undefined && (existsSync(files.model) || existsSync(files.summary) || (await readStepLog(files.historyJsonl)).length > 0)) {
      throw new CliError(
        `--resume: ${files.checkpoints} holds no checkpoint, but the run in ${out} has trained (its model/, summary.json or history); ` +
          `restore its checkpoints, or start it over with --overwrite (which deletes it)`,
        EXIT_CODES.error,
      );
    }
    if (recorded !== undefined) console.log(`no checkpoint under ${files.checkpoints} yet: starting the run again from step 0 with its recorded settings`);
    const latentDim = opts.latentDim ?? recorded?.config.latentDim;
    const seed = recorded?.trainer.seed ?? opts.seed;
    const model = createModel(name, {
      ...(latentDim === undefined ? {} : { latentDim }),
      ...(learningRate === undefined ? {} : { learningRate }),
      seed,
      // the images' shape comes from the data (e.g. a 32x32x3 IDX folder given as --data)
      imageShape: data.imageShape,
    });
    // a restart keeps the recorded length and batch size unless given again
    const length = recorded === undefined || opts.epochs !== undefined || opts.steps !== undefined
      ? {}
      : { epochs: recorded.trainer.epochs, ...(recorded.trainer.steps === null ? {} : { steps: recorded.trainer.steps }) };
    const batchSize = opts.batchSize ?? recorded?.trainer.batchSize;
    trainer = new Trainer(model, data, { ...runOptions, ...length, ...(batchSize === undefined ? {} : { batchSize }), seed });
    if (recorded !== undefined) await prepareRestart(files);
  }
  const { model } = trainer;
  const config: RunConfig & Record<string, unknown> = {
    model: name,
    config: model.config,
    trainer: trainer.options,
    data: dataName,
    limit: limit ?? null,
    learningRate: learningRate ?? null,
    backend: backend.backend,
    cli: Object.fromEntries(CARRIED.map((k) => [k, opts[k]])),
  };
  await writeJsonAtomic(files.config, config);
  process.on("SIGINT", onSignal).on("SIGTERM", onSignal);
  let history: History;
  try {
    history = await trainer.fit();
  } finally {
    process.off("SIGINT", onSignal).off("SIGTERM", onSignal);
  }
  // a signal during the last step (or the final evaluation) leaves a run that did finish
  const { interrupted } = history;
  const finished = history.diverged === null && !interrupted;
  // an interrupted or diverged run keeps its checkpoints; model/ holds finished runs only
  if (finished) await model.save(files.model);
  const allSteps = await readStepLog(files.historyJsonl);
  if (allSteps.length > 0) await writeLossPlot(files.lossPlot, allSteps, { title: `${name}: training losses` });
  const allEvaluations = await readEvaluationLog(files.evalJsonl);
  if (allEvaluations.length > 0) {
    // one chart per metric; the standard deviations of KID and IS stay in eval.csv
    const metrics = Object.keys(allEvaluations[allEvaluations.length - 1]?.metrics ?? {}).filter((m) => !m.endsWith("_std"));
    await writeMetricPlot(files.evalPlot, allEvaluations, { title: `${name}: metrics during training`, metrics });
  }
  let reconstructions: string | undefined;
  if (model instanceof VAE && history.diverged === null) {
    reconstructions = files.reconstructions;
    const batch = trainer.data.batch(Array.from({ length: 10 }, (_, i) => i));
    const recon = model.reconstruct(batch.images, { oneHot: batch.oneHot });
    await writePng(reconstructions, reconstructionStrip(batch.images, recon));
    recon.dispose();
    batch.dispose();
  }
  const seconds = history.elapsedMs / 1000;
  const last = history.steps.slice(-Math.min(50, history.steps.length));
  const meanLossesLast50Steps = Object.fromEntries(
    Object.keys(last[0]?.losses ?? {}).map((k) => [k, last.reduce((s, r) => s + (r.losses[k] ?? 0), 0) / last.length]),
  );
  const finalLosses = { ...history.steps[history.steps.length - 1]?.losses };
  const summary = {
    model: name,
    kind: model.kind,
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
    meanLossesLast50Steps,
    metrics: allEvaluations[allEvaluations.length - 1] ?? null,
    stopReason: history.stopReason,
    diverged: history.diverged,
    interrupted,
    files: {
      ...files,
      ...(allEvaluations.length > 0 ? {} : { evalJsonl: undefined, evalCsv: undefined, evalPlot: undefined }),
      model: finished ? files.model : undefined,
      metrics: undefined, // written by gen-mnist eval, not by train
      finalSamples: history.diverged === null ? join(files.samples, "final.png") : undefined,
      reconstructions,
    },
  };
  await writeJsonAtomic(files.summary, summary);
  console.log(`\nrun folder ${out}:`);
  if (history.diverged === null) console.log(`  samples       ${summary.files.finalSamples}`);
  if (reconstructions) console.log(`  reconstructions ${reconstructions}`);
  console.log(`  loss plot     ${files.lossPlot}`);
  if (allEvaluations.length > 0) console.log(`  metrics       ${files.evalPlot}, ${files.evalJsonl}, ${files.evalCsv}`);
  console.log(`  history       ${files.historyJsonl}, ${files.historyCsv}`);
  if (finished) console.log(`  model         ${files.model}`);
  console.log(`  checkpoints   ${files.checkpoints}`);
  console.log(`  summary       ${files.summary}`);
  if (history.diverged !== null) {
    const kept = await latestCheckpoint(files.checkpoints).catch(() => undefined);
    throw new CliError(
      `${history.stopReason ?? "training diverged"}. ${kept === undefined ? "No checkpoint was kept (it diverged before the first one)." : `Kept the last good checkpoint, ${kept}: resume from it with a lower --lr (gen-mnist train ${name} --out ${quote(out)} --resume --lr <rate>).`}`,
      EXIT_CODES.diverged,
    );
  }
  if (interrupted) {
    const signal = String(abort.signal.reason);
    throw new CliError(
      `${history.stopReason ?? "interrupted"}; saved ${join(files.checkpoints, "last")}. Continue with: gen-mnist train ${name} --out ${quote(out)} --resume`,
      signal === "SIGTERM" ? EXIT_CODES.sigterm : EXIT_CODES.sigint,
    );
  }
  if (history.stopReason !== null) console.log(`stopped early: ${history.stopReason}`);
}

/** `gen-mnist train <model>`. */
export function trainCommand(): Command {
  return new Command("train")
    .description("train a model and write samples, losses, checkpoints and a summary into a run folder")
    .addArgument(new Argument("<model>", "which model").choices([...MODEL_NAMES]))
    .option("--epochs <n>", "epochs to train (default: 1, or what --steps needs)", integer("--epochs", 1))
    .option("--steps <n>", "stop after this many steps", integer("--steps", 1))
    .option("--batch-size <n>", "batch size (default: the model preset's, e.g. 32 for dcgan, 128 for mlp-gan)", integer("--batch-size", 1, 65_536))
    .option("--lr <rate>", "learning rate of every optimizer (default: the model's)", positiveNumber("--lr"))
    .option("--latent-dim <n>", "latent size (default: the model's)", integer("--latent-dim", 1, 4096))
    .option("--seed <n>", "seed of data order and model draws", integer("--seed", 0), 0)
    .option("--data <name>", "mnist, fashion-mnist or a folder of IDX files", "mnist")
    .option("--limit <n>", "use only the first n training images", integer("--limit", 1))
    .addOption(new Option("--backend <name>", "tfjs backend").choices([...BACKEND_REQUESTS]).default("auto"))
    .addOption(threadsOption())
    .addOption(verboseOption())
    .option("--out <dir>", "run folder (default: runs/<model>); must be missing or empty unless --resume or --overwrite")
    .option("--resume", "continue the run in --out from its newest valid checkpoint (its data, batch size and seed; --epochs, --steps and --lr may change)", false)
    .option("--overwrite", "delete the run already in --out first", false)
    .option("--checkpoint-every <n>", "save a checkpoint every n epochs", integer("--checkpoint-every", 1), 10)
    .option("--checkpoint-minutes <m>", "also save checkpoints/last every m minutes (0: off)", nonNegativeNumber("--checkpoint-minutes"), 5)
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
      return train(model, opts, command);
    })
    .addHelpText("after", EXIT_CODES_HELP);
}
