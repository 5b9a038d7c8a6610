import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Command, Option } from "commander";
import {
  BACKEND_REQUESTS,
  METRIC_NAMES,
  REFERENCE_NAMES,
  SAMPLE_METRICS,
  evaluate,
  loadModel,
  metricValues,
  readImageSet,
  useBackend,
  type BackendRequest,
  type EvaluationReport,
  type GenerativeModel,
  type ImageSet,
  type MetricName,
  type ReferenceName,
  writeJsonAtomic,
} from "../../index.js";
import { dataReference, integer, modelDirIn, nameList, reportBackend, threadsOption, verboseOption } from "../options.js";
import { CliError, EXIT_CODES, EXIT_CODES_HELP } from "../errors.js";

interface EvalOptions {
  reference?: string;
  n: number;
  metrics?: MetricName[];
  seed: number;
  json?: string;
  oracle?: string;
  nllK: number;
  nllN: number;
  backend: BackendRequest;
  threads?: number;
  verbose?: boolean;
  progress: boolean;
}

/** The data a run was trained on, from its `config.json` (`mnist`, `fashion-mnist` or a folder). */
async function runData(dir: string): Promise<string | undefined> {
  for (const path of [join(dir, "config.json"), join(dirname(dir), "config.json"), join(dirname(dirname(dir)), "config.json")]) {
    if (!existsSync(path)) continue;
    try {
      const { data } = JSON.parse(await readFile(path, "utf8")) as { data?: unknown };
      if (typeof data === "string") return data;
    } catch {
      // not a gen-mnist config: no hint
    }
  }
  return undefined;
}

/**
 * The reference images: `--reference` (a split name, or an IDX file with `--oracle`), else the
 * test split of the data the run was trained on, else the MNIST test split.
 */
async function resolveReference(opts: EvalOptions, runDataName: string | undefined): Promise<ReferenceName | ImageSet> {
  if (opts.reference !== undefined) {
    return (REFERENCE_NAMES as readonly string[]).includes(opts.reference) ? (opts.reference as ReferenceName) : readImageSet(opts.reference);
  }
  return dataReference(runDataName ?? "mnist", opts.oracle, `this run was trained on ${runDataName}`);
}

const fmt = (v: number | undefined, digits = 4): string => (v === undefined ? "" : Number.isInteger(v) ? String(v) : v.toPrecision(digits));

/** The report as a two-column table, one metric a row. */
export function reportTable(report: EvaluationReport): string {
  const m = report.metrics;
  const rows: [string, string][] = [];
  const add = (name: string, value: string): void => void rows.push([name, value]);
  if (m.fid) add("FID", fmt(m.fid.value));
  if (m.kid) add("KID", `${fmt(m.kid.mean)} ± ${fmt(m.kid.std, 2)} (${m.kid.subsets} subsets of ${m.kid.subsetSize})`);
  if (m.inceptionScore) add("IS", `${fmt(m.inceptionScore.mean)} ± ${fmt(m.inceptionScore.std, 2)} (of at most ${m.inceptionScore.classes})`);
  if (m.precisionRecall) add(`precision / recall (k=${m.precisionRecall.k})`, `${fmt(m.precisionRecall.precision, 3)} / ${fmt(m.precisionRecall.recall, 3)}`);
  if (m.densityCoverage) add(`density / coverage (k=${m.densityCoverage.k})`, `${fmt(m.densityCoverage.density, 3)} / ${fmt(m.densityCoverage.coverage, 3)}`);
  if (m.classCoverage) {
    const c = m.classCoverage;
    add("classes covered", `${c.coveredClasses} of ${c.counts.length}${c.underrepresented.length > 0 ? ` (under half their share: ${c.underrepresented.join(", ")})` : ""}`);
    add("class entropy", `${fmt(c.entropy, 3)} bits of ${fmt(c.maxEntropy, 3)}; max deviation ${fmt(c.maxDeviation, 3)} points`);
  }
  if (m.similarity) {
    add("nearest-real similarity", fmt(m.similarity.mean, 3));
    if (m.similarity.memorisation) add("memorisation share", `${fmt(m.similarity.memorisation.share, 3)} (expected ${fmt(m.similarity.memorisation.expected, 2)})`);
  }
  if (m.reconstruction) add("reconstruction", `BCE ${fmt(m.reconstruction.bce)} nats/image, MSE ${fmt(m.reconstruction.mse, 3)} per pixel (${m.reconstruction.n} images)`);
  if (m.elbo) add("ELBO", `${fmt(m.elbo.elbo)} nats/image (reconstruction ${fmt(m.elbo.reconstruction)}, KL ${fmt(m.elbo.kl)}; ${m.elbo.n} images)`);
  if (m.nll) add(`IWAE NLL (k=${m.nll.k})`, `${fmt(m.nll.nll)} ± ${fmt(m.nll.stdError, 2)} nats/image (${m.nll.n} images)`);
  const width = Math.max(6, ...rows.map(([name]) => name.length));
  return [`${"metric".padEnd(width)}  value`, ...rows.map(([name, value]) => `${name.padEnd(width)}  ${value}`)].join("\n");
}

async function runEval(source: string, opts: EvalOptions): Promise<void> {
  if (opts.json !== undefined && existsSync(opts.json) && statSync(opts.json).isDirectory()) {
    throw new CliError(`--json ${opts.json}: is a folder; expected a file name, e.g. ${join(opts.json, "metrics.json")}`, EXIT_CODES.usage);
  }
  const backend = await useBackend(opts.backend, opts.threads === undefined ? {} : { threads: opts.threads });
  reportBackend(backend, opts);
  const isDir = existsSync(source) && statSync(source).isDirectory();
  const modelDir = isDir ? await modelDirIn(source) : undefined;
  let what: GenerativeModel | ImageSet;
  if (modelDir !== undefined) {
    what = await loadModel(modelDir);
    console.error(`model ${what.name} from ${modelDir}`);
  } else {
    what = await readImageSet(source);
    console.error(`${what.size} images (${what.width}x${what.height}) from ${source}`);
  }
  const reference = await resolveReference(opts, modelDir === undefined ? undefined : await runData(modelDir));
  const started = Date.now();
  const report = await evaluate(what, {
    reference,
    n: opts.n,
    seed: opts.seed,
    nll: { k: opts.nllK, n: opts.nllN },
    ...(opts.metrics === undefined ? {} : { metrics: opts.metrics }),
    ...(opts.oracle === undefined ? {} : { oracle: opts.oracle }),
    ...(opts.progress ? { onProgress: (line: string) => console.error(`  [${((Date.now() - started) / 1000).toFixed(1)} s] ${line}`) } : {}),
  });
  if ("dispose" in what) what.dispose();
  const accuracy = report.oracle.testAccuracy === null ? "" : `, ${(100 * report.oracle.testAccuracy).toFixed(2)} % test accuracy`;
  console.log(
    `${report.source.kind === "model" ? `${report.source.n} samples of ${report.source.name} (seed ${report.seed})` : `${report.source.n} images of ${report.source.name}`}` +
      ` vs ${report.reference.n} images of ${report.reference.name}; oracle ${report.oracle.name}${accuracy}`,
  );
  console.log(reportTable(report));
  for (const w of report.warnings) console.log(`warning: ${w}`);
  const json = opts.json ?? join(isDir ? source : dirname(source), "metrics.json");
  await writeJsonAtomic(json, { ...report, values: metricValues(report), input: source, backend: backend.backend });
  console.log(`evaluated in ${report.seconds.toFixed(1)} s; wrote ${json}`);
}

/** `gen-mnist eval <source>`. */
export function evalCommand(): Command {
  return new Command("eval")
    .addHelpText("after", EXIT_CODES_HELP)
    .description("evaluate a model's samples, or image files, against real images: FID, KID, IS, precision/recall, density/coverage, class coverage, VAE likelihoods")
    .argument("<source>", "run folder, model folder, checkpoint folder, IDX file of images ([n, 28, 28] uint8, raw or .gz: the oracle's shape) or a folder of PNGs")
    .option("--reference <name|idx>", `real images: ${REFERENCE_NAMES.join(", ")} or an IDX file (with --oracle) (default: the test split of the run's data, else mnist-test)`)
    .option("--n <n>", "samples generated and reference images used", integer("--n", 2, 100_000), 10000)
    .option(
      "--metrics <list>",
      `comma-separated: ${METRIC_NAMES.join(",")} (default: ${SAMPLE_METRICS.join(",")}, plus recon,elbo,nll for VAEs)`,
      nameList("--metrics", METRIC_NAMES),
    )
    .option("--seed <n>", "seed of the samples' latents and of KID's subsets", integer("--seed", 0), 0)
    .option("--oracle <name|dir>", "oracle classifier: mnist, fashion-mnist or a saved oracle folder (default: the reference's)")
    .option("--nll-k <k>", "importance samples per image of the IWAE NLL", integer("--nll-k", 1, 5000), 100)
    .option("--nll-n <n>", "test images of the IWAE NLL", integer("--nll-n", 1, 10_000), 1000)
    .option("--json <file>", "where to write the report (default: metrics.json in the source's folder)")
    .addOption(new Option("--backend <name>", "tfjs backend").choices([...BACKEND_REQUESTS]).default("auto"))
    .addOption(threadsOption())
    .addOption(verboseOption())
    .option("--no-progress", "no progress lines on stderr")
    .action((source: string, opts: EvalOptions, command: Command) => {
      if (opts.reference !== undefined && !(REFERENCE_NAMES as readonly string[]).includes(opts.reference) && opts.oracle === undefined) {
        command.error(`error: --reference ${opts.reference}: pass --oracle mnist, fashion-mnist or an oracle folder to say which classifier knows these images`, { exitCode: 2 });
      }
      return runEval(source, opts);
    });
}
