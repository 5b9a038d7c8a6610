import { existsSync } from "node:fs";
import cliProgress from "cli-progress";
import { Command, InvalidArgumentError as CommanderArgumentError, Option } from "commander";
import {
  BACKEND_REQUESTS,
  DEFAULT_STUDY_MODELS,
  describeBudget,
  InvalidArgumentError,
  MODEL_NAMES,
  parseBudget,
  runStudy,
  useBackend,
  type BackendRequest,
  type ModelName,
  type StudyBudget,
  type StudyEvent,
  type StudyOptions,
  type StudyResults,
} from "../../index.js";
import { CliError, EXIT_CODES, EXIT_CODES_HELP } from "../errors.js";
import { integer, nameList, reportBackend, threadsOption, verboseOption } from "../options.js";
import { lockRunFolder, quote } from "../run-folder.js";

interface StudyCliOptions {
  models?: ModelName[];
  budget?: StudyBudget;
  epochs?: number;
  seeds?: number;
  data?: "mnist" | "fashion-mnist";
  limit?: number;
  quick: boolean;
  evalN?: number;
  out: string;
  resume: boolean;
  backend: BackendRequest;
  threads?: number;
  verbose?: boolean;
  progress: boolean;
}

const budgetOption = (value: string): StudyBudget => {
  try {
    return parseBudget(value);
  } catch (err) {
    throw new CommanderArgumentError(`--budget: ${err instanceof Error ? err.message : String(err)}`);
  }
};

/** What the study says as it goes: a bar per run in a terminal, lines elsewhere. */
function reporter(progress: boolean): { onProgress: (event: StudyEvent) => void; stop: () => void } {
  const live = progress && process.stderr.isTTY === true;
  const bars = live ? new cliProgress.MultiBar({ stream: process.stderr, hideCursor: true, clearOnComplete: false, format: "{run} |{bar}| {percentage}% | step {step} | {minutes} min" }, cliProgress.Presets.shades_classic) : undefined;
  let bar: cliProgress.SingleBar | undefined;
  let lastLine = 0;
  const say = (line: string): void => (bars === undefined ? console.error(line) : bars.log(`${line}\n`));
  const onProgress = (event: StudyEvent): void => {
    const run = `${event.model} seed ${event.seed}`;
    switch (event.type) {
      case "run-start":
        say(`[${event.index + 1}/${event.total}] ${run}`);
        bar = bars?.create(100, 0, { run, step: 0, minutes: "0.0" });
        break;
      case "train": {
        const payload = { run, step: event.step, minutes: (event.trainMs / 60_000).toFixed(1) };
        bar?.update(Math.floor(100 * event.fraction), payload);
        if (bars === undefined && progress && Date.now() - lastLine > 30_000) {
          lastLine = Date.now();
          say(`  ${run}: ${Math.floor(100 * event.fraction)}% of the budget, step ${event.step}`);
        }
        break;
      }
      case "snapshot": {
        const m = event.metrics;
        say(`  ${run} at ${Math.round(event.fraction * 100)}%: FID ${m.fid?.toFixed(1) ?? "–"}, precision ${m.precision?.toFixed(3) ?? "–"}, recall ${m.recall?.toFixed(3) ?? "–"}, classes ${m.classes_covered ?? "–"}`);
        break;
      }
      case "evaluate":
        if (bar !== undefined) bars?.remove(bar);
        bar = undefined;
        say(`  ${run}: ${event.stage}`);
        break;
      case "run-end":
        if (bar !== undefined) bars?.remove(bar);
        bar = undefined;
        say(`  ${run}: ${event.skipped ? "already done" : event.status}`);
        break;
    }
  };
  return { onProgress, stop: () => bars?.stop() };
}

function printWinners(results: StudyResults): void {
  console.log("\nwinners (mean over seeds):");
  for (const w of results.winners) {
    const fmt = (x: number, digits: number): string => (Number.isInteger(x) ? String(x) : x.toPrecision(digits));
    const v = w.value.n > 1 ? `${fmt(w.value.mean, 4)} ± ${fmt(w.value.std, 2)}` : fmt(w.value.mean, 4);
    console.log(`  ${w.label.padEnd(22)} ${w.model.padEnd(10)} ${v}${w.runnerUp === undefined ? "" : `  (runner-up ${w.runnerUp.model}; ${w.margin})`}`);
  }
}

async function study(opts: StudyCliOptions, command: Command): Promise<void> {
  const given = (key: keyof StudyCliOptions): boolean => command.getOptionValueSource(key) === "cli";
  if (given("budget") && given("epochs")) throw new CliError("--budget and --epochs contradict each other: give one (time per model, or epochs per model)", EXIT_CODES.usage);
  if (opts.resume && !existsSync(opts.out)) throw new CliError(`--resume: ${opts.out} does not exist; give the --out of the study to continue, or leave out --resume to start one`, EXIT_CODES.usage);
  await lockRunFolder(opts.out);
  reportBackend(await useBackend(opts.backend, opts.threads === undefined ? {} : { threads: opts.threads }), opts);
  const abort = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (abort.signal.aborted) process.exit(signal === "SIGINT" ? EXIT_CODES.sigint : EXIT_CODES.sigterm);
    console.error(`\n${signal}: finishing the current step (or evaluation) and saving a checkpoint (${signal} again quits at once)`);
    abort.abort(signal);
  };
  const { onProgress, stop } = reporter(opts.progress);
  // only what was given: a resumed study takes the rest from its study.json
  const options: StudyOptions = {
    out: opts.out,
    resume: opts.resume,
    ...(opts.models === undefined ? {} : { models: opts.models }),
    ...(opts.budget !== undefined ? { budget: opts.budget } : opts.epochs !== undefined ? { budget: { epochs: opts.epochs } } : {}),
    ...(opts.seeds === undefined ? {} : { seeds: opts.seeds }),
    ...(opts.data === undefined ? {} : { data: opts.data }),
    ...(opts.limit === undefined ? {} : { limit: opts.limit }),
    ...(given("quick") ? { quick: opts.quick } : {}),
    ...(opts.evalN === undefined ? {} : { evaluation: { n: opts.evalN } }),
    signal: abort.signal,
    onProgress,
  };
  process.on("SIGINT", onSignal).on("SIGTERM", onSignal);
  const started = Date.now();
  let results: StudyResults;
  try {
    results = await runStudy(options);
  } catch (err) {
    // the library's message names options; the CLI's user knows them as flags
    if (err instanceof InvalidArgumentError) {
      const message = err.message
        .replace(/^runStudy: resume: (true: )?/, "--resume: ")
        .replace(/^runStudy: /, "")
        .replace(/resume: true/g, "--resume")
        .replace(/\bthe budget \(/g, "--budget/--epochs (")
        .replace(/\bthe data \(/g, "--data (")
        .replace(/\bthe limit \(/g, "--limit (")
        .replace(/\bthe evaluation sizes \(/g, "the evaluation sizes of --eval-n/--quick (");
      throw new CliError(message, EXIT_CODES.usage);
    }
    throw err;
  } finally {
    stop();
    process.off("SIGINT", onSignal).off("SIGTERM", onSignal);
  }
  const o = results.options;
  console.log(`\nstudy ${opts.out}: ${o.models.join(", ")} × ${o.seeds} seed(s), ${describeBudget(o.budget)} each; ${((Date.now() - started) / 60_000).toFixed(1)} min this time`);
  if (results.runs.length > 0) printWinners(results);
  console.log(`\n  report   ${results.files.report}\n  results  ${results.files.csv}, ${results.files.json}\n  runs     ${opts.out}/runs/`);
  if (!results.complete) {
    const signal = String(abort.signal.reason);
    throw new CliError(
      `interrupted after ${results.runs.length} of ${o.models.length * o.seeds} runs (the current run kept a checkpoint). Continue with: gen-mnist study --out ${quote(opts.out)} --resume`,
      signal === "SIGTERM" ? EXIT_CODES.sigterm : EXIT_CODES.sigint,
    );
  }
}

/** `gen-mnist study`: the GAN-vs-VAE comparison, with `results.csv`, `results.json` and `report.html`. */
export function studyCommand(): Command {
  return new Command("study")
    .description("train several models under the same budget and seeds, evaluate them, and write results.csv, results.json and a self-contained report.html")
    .option("--models <list>", `models, comma-separated (default: ${DEFAULT_STUDY_MODELS.join(",")})`, nameList("--models", MODEL_NAMES))
    .option("--budget <time>", "training time per model and seed, e.g. 90s, 10m, 1.5h (default: 10m; --quick: 18s)", budgetOption)
    .option("--epochs <n>", "train each model for n epochs instead of a time budget", integer("--epochs", 1))
    .option("--seeds <n>", "seeds per model; metrics are mean ± std over them (default: 3; --quick: 1)", integer("--seeds", 1, 100))
    .addOption(new Option("--data <name>", "dataset (default: mnist)").choices(["mnist", "fashion-mnist"]))
    .option("--limit <n>", "train on the first n training images only", integer("--limit", 1))
    .option("--quick", "a first look in about 3 minutes on 2 cores: 18 s a model, one seed, small evaluations", false)
    .option("--eval-n <n>", "samples of each final evaluation (default: 5000; --quick: 500)", integer("--eval-n", 10))
    .option("--out <dir>", "study folder: missing or empty, unless --resume", "runs/study")
    .option("--resume", "continue the study in --out: finished runs are kept, an interrupted one resumes from its checkpoint", false)
    .addOption(new Option("--backend <name>", "tfjs backend").choices([...BACKEND_REQUESTS]).default("auto"))
    .addOption(threadsOption())
    .addOption(verboseOption())
    .option("--no-progress", "no progress output")
    .addHelpText(
      "after",
      `
How long: a full study with the defaults (${DEFAULT_STUDY_MODELS.length} models × 3 seeds × 10 min of training, plus
about a minute of evaluation a run) takes about 2.8 hours on 2 cores; --budget 4m --seeds 2 took
51 minutes (docs/study.md); --quick about 3 minutes. Ctrl-C keeps a checkpoint; --resume continues.
${EXIT_CODES_HELP}`,
    )
    .action((opts: StudyCliOptions, command: Command) => study(opts, command));
}
