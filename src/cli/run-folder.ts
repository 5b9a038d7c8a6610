import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { runFolderFiles, TEMPORARY_NAME, type RunFolderFiles } from "../index.js";
import { CliError, EXIT_CODES } from "./errors.js";

/** What `config.json` of a run folder records. */
export interface RunConfig {
  /** Model name, e.g. `"vae"`. */
  readonly model: string;
  /** The model's configuration. */
  readonly config: { readonly latentDim?: number };
  /** The trainer's options. */
  readonly trainer: { readonly batchSize: number; readonly seed: number; readonly epochs: number; readonly steps: number | null };
  /** `mnist`, `fashion-mnist` or a data folder. */
  readonly data: string;
  /** `--limit`, or `null`. */
  readonly limit: number | null;
  /** The learning rate given with `--lr` (at the start or on a resume; it applies to every later resume too), or `null`. */
  readonly learningRate?: number | null;
  /** Evaluation and checkpoint options of the CLI, which a resume keeps unless given again. */
  readonly cli?: Readonly<Record<string, number | string | readonly string[] | undefined>>;
}

/** The lock file of a run folder that a `train` process is writing. */
const LOCK_FILE = ".gen-mnist.lock";

const KNOWN = new Set([...Object.values(runFolderFiles("")).map((p) => p.replace(/^[/\\]/, "")), LOCK_FILE]);
/** Files of a saved model or checkpoint folder. */
const MODEL_FILE = /^([\w-]+\.json|[\w-]+\.weights\.bin|optimizer-[\w-]+\.bin)$/;
/** What gen-mnist writes inside each folder of a run. */
const INSIDE: Readonly<Record<string, RegExp>> = {
  samples: /^(epoch-\d+|final)\.png$/,
  model: MODEL_FILE,
  checkpoints: /^(epoch-\d+|best|last)$/,
};

/** Paths (relative to `out`) of what gen-mnist would not have written there. */
async function foreignEntries(out: string): Promise<string[]> {
  const foreign: string[] = [];
  for (const entry of await readdir(out, { withFileTypes: true })) {
    const name = entry.name;
    if (TEMPORARY_NAME.test(name) || name === LOCK_FILE) continue;
    if (!KNOWN.has(name)) {
      foreign.push(name);
      continue;
    }
    const inside = INSIDE[name];
    if (inside === undefined) {
      if (entry.isDirectory()) foreign.push(`${name}/`);
      continue;
    }
    if (!entry.isDirectory()) {
      foreign.push(name);
      continue;
    }
    for (const sub of await readdir(join(out, name), { withFileTypes: true })) {
      if (TEMPORARY_NAME.test(sub.name)) continue;
      if (!inside.test(sub.name)) {
        foreign.push(`${name}/${sub.name}`);
        continue;
      }
      if (name !== "checkpoints") continue;
      if (!sub.isDirectory()) {
        foreign.push(`${name}/${sub.name}`);
        continue;
      }
      for (const file of await readdir(join(out, name, sub.name))) {
        if (!MODEL_FILE.test(file) && !TEMPORARY_NAME.test(file)) foreign.push(`${name}/${sub.name}/${file}`);
      }
    }
  }
  return foreign;
}

/**
 * Makes `out` ready for a new run and returns what to do just before training starts (after the
 * data has loaded, so a typo in `--data` deletes nothing). A missing or empty folder is used as is.
 * A folder holding a run is an error naming the ways out, unless `overwrite`: the returned step
 * then removes the old run, and only what gen-mnist writes (a folder holding anything else, at any
 * depth, is refused now). Locks the folder first (see {@link lockRunFolder}), so a run another
 * process is writing is never removed.
 */
export async function prepareNewRun(out: string, model: string, overwrite: boolean): Promise<() => Promise<void>> {
  const nothing = async (): Promise<void> => undefined;
  if (existsSync(out) && !statSync(out).isDirectory()) throw new CliError(`--out ${out}: is a file; expected a run folder (missing or empty)`, EXIT_CODES.usage);
  // makes the folder (failing now, not after loading data, when it cannot be made) and claims it
  await lockRunFolder(out);
  const entries = (await readdir(out)).filter((name) => name !== LOCK_FILE);
  if (entries.length === 0) return nothing;
  const foreign = await foreignEntries(out);
  const isRun = existsSync(join(out, "config.json"));
  if (!overwrite) {
    const what = isRun ? `already holds a run${await runSummary(out)}` : `holds other files (${listed(entries)})`;
    const ways = isRun ? `Continue it with: gen-mnist train ${model} --out ${quote(out)} --resume; or choose a new --out; or add --overwrite to delete the old run first` : "choose a new --out, or empty the folder";
    throw new CliError(`--out ${out}: ${what}. ${ways}`, EXIT_CODES.usage);
  }
  if (foreign.length > 0) {
    throw new CliError(`--overwrite: ${out} holds files gen-mnist did not write (${listed(foreign)}); remove them yourself or choose another --out`, EXIT_CODES.usage);
  }
  return async () => {
    for (const name of entries) await rm(join(out, name), { recursive: true, force: true });
  };
}

/** A path as a shell word: quoted when it holds anything but safe characters. */
export const quote = (path: string): string => (/^[\w./@%+=:,-]+$/.test(path) ? path : `'${path.replace(/'/g, "'\\''")}'`);

const listed = (names: readonly string[]): string => names.slice(0, 5).join(", ") + (names.length > 5 ? `, … ${names.length - 5} more` : "");

/** ` (vae, 1200 steps)` from the run's summary or config, or "" when unknown. */
async function runSummary(out: string): Promise<string> {
  try {
    const summary = JSON.parse(await readFile(join(out, "summary.json"), "utf8")) as { model?: string; totalSteps?: number };
    return ` (${summary.model ?? "?"}, ${summary.totalSteps ?? "?"} steps)`;
  } catch {
    return "";
  }
}

/** Reads the `config.json` of the run folder `out` for `--resume`. */
export async function readRunConfig(out: string): Promise<RunConfig> {
  const path = runFolderFiles(out).config;
  if (existsSync(out) && !statSync(out).isDirectory()) throw new CliError(`--out ${out}: is a file; expected a run folder`, EXIT_CODES.usage);
  if (!existsSync(path)) {
    throw new CliError(`--resume: ${out} holds no run (no config.json); train without --resume to start one`, EXIT_CODES.usage);
  }
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, "utf8"));
  } catch (err) {
    throw new CliError(`${path}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const c = value as Partial<RunConfig> | null;
  if (c === null || typeof c.model !== "string" || typeof c.data !== "string" || typeof c.trainer?.batchSize !== "number" || typeof c.trainer.seed !== "number") {
    throw new CliError(`${path}: not a gen-mnist run config (expected model, data and trainer.batchSize/seed)`);
  }
  return c as RunConfig;
}

/** A command-line option's value, and whether the user gave it (rather than its default). */
export interface GivenOption<T> {
  /** The option, e.g. `--latent-dim`. */
  readonly flag: string;
  /** Its value. */
  readonly value: T | undefined;
  /** Whether it came from the command line. */
  readonly given: boolean;
}

/**
 * Errors when an option that cannot change on `--resume` was given with another value than the
 * run recorded: one message listing every conflict.
 */
export function checkUnchanged(out: string, pairs: readonly (GivenOption<string | number> & { readonly recorded: string | number | null | undefined })[]): void {
  const conflicts = pairs.filter((p) => p.given && p.value !== undefined && p.recorded !== undefined && p.value !== p.recorded);
  if (conflicts.length > 0) {
    throw new CliError(
      `--resume: ${conflicts.map((p) => `${p.flag} ${p.value} differs from the run's ${p.recorded ?? "none"}`).join("; ")}; ` +
        `these cannot change when resuming ${out} (leave them out to use the run's, or start a new run with another --out)`,
      EXIT_CODES.usage,
    );
  }
}

/** Before a run without any checkpoint starts again from step 0: removes what its first try wrote (not config.json). */
export async function prepareRestart(files: RunFolderFiles): Promise<void> {
  for (const [role, path] of Object.entries(files)) if (role !== "config") await rm(path, { recursive: true, force: true });
}

/** Whether process `pid` is alive (signal 0 checks without sending anything). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Claims the run folder for this process until it exits, so two `train` processes never write one
 * run. A lock left by a process that no longer runs (killed) is taken over.
 */
export async function lockRunFolder(out: string): Promise<void> {
  await mkdir(out, { recursive: true });
  const path = join(out, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: "wx" });
      process.once("exit", () => rmSync(path, { force: true }));
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const pid = Number.parseInt(readFileSync(path, "utf8"), 10);
      if (Number.isInteger(pid) && pid !== process.pid && alive(pid)) {
        throw new CliError(`--out ${out}: another gen-mnist process (pid ${pid}) is training in this folder; wait for it or stop it first`, EXIT_CODES.usage);
      }
      rmSync(path, { force: true });
    }
  }
  throw new CliError(`--out ${out}: could not take its lock ${path}`);
}
