import * as tf from "@tensorflow/tfjs-core";
import { existsSync, statSync } from "node:fs";
import { mkdir, readdir, readFile } from "node:fs/promises";
import { cpus, platform } from "node:os";
import { join, resolve } from "node:path";
import { loadFashionMnist, loadMnist } from "../data/mnist.js";
import { InvalidArgumentError } from "../errors.js";
import { prepareReference } from "../metrics/evaluate.js";
import { loadOracle } from "../metrics/oracle-io.js";
import { writeFileAtomic, writeJsonAtomic } from "../_internals/fs.js";
import { evaluateStudyRun, type StudyRunResult } from "./evaluate-run.js";
import { describeBudget, resolveStudyOptions, type ResolvedStudyOptions, type StudyOptions } from "./options.js";
import { studyReportHtml } from "./report.js";
import { pickWinners, resultsCsv, summarizeModels, type StudyModelSummary, type StudyWinner } from "./results.js";
import { studyRunFiles, trainStudyRun } from "./train-run.js";

/** What {@link runStudy} returns and writes to `results.json`. */
export interface StudyResults {
  /** Format version of `results.json`. */
  readonly version: 1;
  /** When the study started (ISO 8601). */
  readonly startedAt: string;
  /** When these results were written (ISO 8601). */
  readonly updatedAt: string;
  /** Whether every run is done (trained and evaluated, or diverged); `false` after an interruption: resume the study. */
  readonly complete: boolean;
  /** The study's options, defaults filled in. */
  readonly options: ResolvedStudyOptions;
  /** Where it ran. */
  readonly machine: StudyMachine;
  /** Every run (model and seed) done so far. */
  readonly runs: readonly StudyRunResult[];
  /** Each model over its seeds. */
  readonly models: readonly StudyModelSummary[];
  /** Which model wins each metric. */
  readonly winners: readonly StudyWinner[];
  /** The files written. */
  readonly files: StudyResultFiles;
}

/** The machine a study ran on. */
export interface StudyMachine {
  /** CPU cores. */
  readonly cores: number;
  /** CPU model. */
  readonly cpu: string;
  /** Node's version. */
  readonly node: string;
  /** Operating system. */
  readonly platform: string;
  /** The tfjs backend. */
  readonly backend: string;
}

/** The files a study writes into its folder. */
export interface StudyResultFiles {
  /** `results.json`. */
  readonly json: string;
  /** `results.csv`. */
  readonly csv: string;
  /** `report.html`. */
  readonly report: string;
}

/** The study's record of its options, `study.json`, which `resume` checks against. */
const MANIFEST = "study.json";

/**
 * Runs the GAN-vs-VAE comparison: trains every model under the same budget (and seeds), evaluates
 * each during training and at the end (FID, KID, IS, precision/recall, density/coverage, class
 * coverage; a VAE's reconstruction, ELBO and IWAE NLL; a GAN's Latent Space Adaptation before and
 * after), and writes `results.csv`, `results.json` and a self-contained `report.html` into
 * `options.out` after every run. Each run is an ordinary run folder under `runs/`, so an
 * interrupted study continues with `resume: true` and finished runs are not trained again.
 * The backend is whatever tfjs uses (call `useBackend` first).
 *
 * @example
 * ```ts
 * await useBackend("auto");
 * const results = await runStudy({ out: "runs/study", models: ["dcgan", "conv-vae"], budget: { minutes: 5 }, seeds: 2 });
 * for (const w of results.winners) console.log(`${w.label}: ${w.model}`);
 * ```
 */
export async function runStudy(options: StudyOptions): Promise<StudyResults> {
  const out = resolve(options.out);
  const { resolved, startedAt } = await prepareStudyFolder(out, options);
  const { data, evaluation } = resolved;
  const load = data === "mnist" ? loadMnist : loadFashionMnist;
  const train = await load({ split: "train", ...(resolved.limit === null ? {} : { limit: resolved.limit }) });
  const test = await load({ split: "test" });
  const oracle = await loadOracle(data);
  try {
    const snapshotReference = await prepareReference(`${data}-test`, { n: evaluation.snapshotN, oracle });
    const reference = await prepareReference(`${data}-test`, { n: evaluation.n, oracle });
    const planned = resolved.models.flatMap((model) => Array.from({ length: resolved.seeds }, (_, seed) => ({ model, seed, dir: join(out, "runs", `${model}-seed${seed}`) })));
    // runs a previous start finished stay in the results from the first write on (in study order)
    const done = new Map<string, StudyRunResult>();
    for (const { dir } of planned) {
      const file = studyRunFiles(dir).result;
      if (existsSync(file)) done.set(dir, JSON.parse(await readFile(file, "utf8")) as StudyRunResult);
    }
    const write = (): Promise<StudyResults> =>
      writeResults(out, resolved, startedAt, planned.flatMap(({ dir }) => done.get(dir) ?? []), done.size === planned.length);
    let results = await write();
    for (const [index, { model, seed, dir }] of planned.entries()) {
      // a signal during an evaluation stops the study before the next run starts
      if (options.signal?.aborted === true) return results;
      const skipped = done.has(dir);
      options.onProgress?.({ type: "run-start", model, seed, index, total: planned.length });
      const trained = await trainStudyRun(dir, model, seed, { options: resolved, train, snapshotReference, backend: tf.getBackend(), signal: options.signal, onProgress: options.onProgress });
      if (trained.status === "interrupted") return results;
      const result = await evaluateStudyRun(dir, trained, { options: resolved, out, test, reference, oracle, onProgress: options.onProgress });
      done.set(dir, result);
      options.onProgress?.({ type: "run-end", model, seed, skipped, status: result.status });
      if (!skipped) results = await write();
    }
    return results;
  } finally {
    oracle.dispose();
  }
}

/** Writes `results.json`, `results.csv` and `report.html` for the runs so far. */
async function writeResults(out: string, options: ResolvedStudyOptions, startedAt: string, runs: readonly StudyRunResult[], complete: boolean): Promise<StudyResults> {
  const models = summarizeModels(options, runs);
  const cpu = cpus();
  const results: StudyResults = {
    version: 1,
    startedAt,
    updatedAt: new Date().toISOString(),
    complete,
    options,
    machine: { cores: cpu.length, cpu: cpu[0]?.model.trim() ?? "unknown", node: process.version, platform: platform(), backend: tf.getBackend() },
    runs,
    models,
    winners: pickWinners(models),
    files: { json: join(out, "results.json"), csv: join(out, "results.csv"), report: join(out, "report.html") },
  };
  await writeJsonAtomic(results.files.json, results);
  await writeFileAtomic(results.files.csv, resultsCsv(runs));
  await writeFileAtomic(results.files.report, await studyReportHtml(results, out));
  return results;
}

/**
 * Makes `out` ready: a new study needs it missing or empty; `resume` needs the `study.json` of an
 * earlier start and fills options not given from it. What trained runs depend on (budget, data,
 * limit, evaluation) cannot change on resume; models and seeds can (new ones are added).
 */
async function prepareStudyFolder(out: string, options: StudyOptions): Promise<{ resolved: ResolvedStudyOptions; startedAt: string }> {
  if (existsSync(out) && !statSync(out).isDirectory()) throw new InvalidArgumentError(`runStudy: ${out} is a file; expected a study folder (missing or empty)`);
  const manifest = join(out, MANIFEST);
  if (!options.resume) {
    if (existsSync(out) && (await readdir(out)).some((f) => f !== ".gen-mnist.lock")) {
      const what = existsSync(manifest) ? "already holds a study; continue it with resume: true, or choose another folder" : "is not empty; empty it or choose another folder";
      throw new InvalidArgumentError(`runStudy: ${out} ${what}`);
    }
    const resolved = resolveStudyOptions(options);
    const startedAt = new Date().toISOString();
    await mkdir(out, { recursive: true });
    await writeJsonAtomic(manifest, { version: 1, startedAt, options: resolved });
    return { resolved, startedAt };
  }
  if (!existsSync(manifest)) throw new InvalidArgumentError(`runStudy: resume: ${out} holds no study (no ${MANIFEST}); start one without resume: true`);
  let recorded: { startedAt: string; options: ResolvedStudyOptions };
  try {
    recorded = JSON.parse(await readFile(manifest, "utf8")) as { startedAt: string; options: ResolvedStudyOptions };
  } catch (err) {
    throw new InvalidArgumentError(`runStudy: ${manifest} is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const r = recorded.options;
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<StudyOptions>;
  const resolved = resolveStudyOptions({
    models: r.models, seeds: r.seeds, budget: r.budget, data: r.data, quick: r.quick, evaluation: r.evaluation,
    ...(r.limit === null ? {} : { limit: r.limit }),
    ...given,
    // quick only changes defaults; what it set is recorded, so it need not be given again
    ...(given.evaluation === undefined ? { evaluation: r.evaluation } : {}),
    ...(given.budget === undefined ? { budget: r.budget } : {}),
  });
  const fixed = [
    { key: "budget", what: "the budget", say: (o: ResolvedStudyOptions) => describeBudget(o.budget) },
    { key: "data", what: "the data", say: (o: ResolvedStudyOptions) => o.data },
    { key: "limit", what: "the limit", say: (o: ResolvedStudyOptions) => (o.limit === null ? "all images" : `${o.limit} images`) },
    { key: "evaluation", what: "the evaluation sizes", say: (o: ResolvedStudyOptions) => JSON.stringify(o.evaluation) },
  ] as const;
  const changed = fixed.filter(({ key }) => JSON.stringify(resolved[key]) !== JSON.stringify(r[key]));
  if (changed.length > 0) {
    throw new InvalidArgumentError(
      `runStudy: resume: true: ${changed.map(({ what, say }) => `${what} (${say(resolved)}) differs from the study's (${say(r)})`).join("; ")}; ` +
        "these cannot change in a study already started (leave them out, or start a new study in another folder)",
    );
  }
  await writeJsonAtomic(manifest, { version: 1, startedAt: recorded.startedAt, options: resolved });
  return { resolved, startedAt: recorded.startedAt };
}
