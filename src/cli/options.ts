import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { InvalidArgumentError as CommanderArgumentError, Option } from "commander";
import {
  CheckpointError,
  InvalidArgumentError,
  latestCheckpoint,
  loadFashionMnist,
  loadIdxDataset,
  loadMnist,
  MANIFEST_FILE,
  readModelManifest,
  type BackendSelection,
  type Dataset,
  type ReferenceName,
  type Split,
} from "../index.js";
import { MAX_KERNEL_THREADS } from "../kernels/index.js";

/** Commander parser for an integer ≥ `min` (and ≤ `max`). */
export const integer = (name: string, min: number, max = Number.MAX_SAFE_INTEGER) => (value: string): number => {
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new CommanderArgumentError(`${name} must be an integer ${range}, got '${value}'`);
  }
  return n;
};

/** Commander parser for a finite number ≥ 0. */
export const nonNegativeNumber = (name: string) => (value: string): number => {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0) {
    throw new CommanderArgumentError(`${name} must be a number >= 0, got '${value}'`);
  }
  return n;
};

/** Commander parser for a positive finite number. */
export const positiveNumber = (name: string) => (value: string): number => {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n <= 0) {
    throw new CommanderArgumentError(`${name} must be a positive number, got '${value}'`);
  }
  return n;
};

/** How a run records `--data`: `mnist`, `fashion-mnist`, or a data folder's absolute path (so a resume from elsewhere finds it). */
export const dataKey = (data: string): string => (data === "mnist" || data === "fashion-mnist" ? data : resolve(data));

/** The `--threads` option every command that runs models has. */
export const threadsOption = (): Option =>
  new Option("--threads <n>", "threads of the gen-mnist backend's kernels (default: every core, or GEN_MNIST_THREADS)").argParser(integer("--threads", 1, MAX_KERNEL_THREADS));

/** The `--verbose` option of every command that picks a backend. */
export const verboseOption = (): Option => new Option("--verbose", "also say why each faster backend was skipped").default(false);

/** The backend line, on stderr: which backend runs, and with `--verbose` why faster ones were skipped. */
export function reportBackend(selection: BackendSelection, opts: { readonly verbose?: boolean }): void {
  console.error(opts.verbose === true ? selection.details : selection.summary);
}

/** Loads `mnist`, `fashion-mnist` or a folder of IDX files. */
export async function loadData(data: string, split: Split, limit?: number): Promise<Dataset> {
  const options = limit === undefined ? { split } : { split, limit };
  if (data === "mnist") return loadMnist(options);
  if (data === "fashion-mnist") return loadFashionMnist(options);
  return loadIdxDataset(resolve(data), data, options);
}

/**
 * A model folder: `dir` itself, or in a run folder the newer (by training steps) of its `model/`
 * and its newest valid checkpoint, so an interrupted or diverged run gives its last good state;
 * `undefined` when there is none. A corrupt `model/` is skipped with a warning.
 */
export async function modelDirIn(dir: string): Promise<string | undefined> {
  if (existsSync(join(dir, MANIFEST_FILE))) return dir;
  const candidates: { path: string; steps: number }[] = [];
  const model = join(dir, "model");
  if (existsSync(join(model, MANIFEST_FILE))) {
    try {
      candidates.push({ path: model, steps: (await readModelManifest(model)).state.steps });
    } catch (err) {
      if (!(err instanceof CheckpointError)) throw err;
      console.warn(`gen-mnist: skipping ${model}: ${err.message}`);
    }
  }
  const checkpoint = await latestCheckpoint(join(dir, "checkpoints")).catch((err: unknown) => {
    // with a good model/ a run folder whose checkpoints are all bad still has a model
    if (err instanceof CheckpointError && candidates.length > 0) return undefined;
    throw err;
  });
  if (checkpoint !== undefined) {
    const { state } = await readModelManifest(checkpoint);
    candidates.push({ path: checkpoint, steps: state.steps });
  }
  return candidates.reduce<{ path: string; steps: number } | undefined>((best, c) => (best === undefined || c.steps > best.steps ? c : best), undefined)?.path;
}

/** {@link modelDirIn}, or a clear error. */
export async function findModelDir(dir: string): Promise<string> {
  const found = await modelDirIn(dir);
  if (found !== undefined) return found;
  throw new CheckpointError(`${dir}: no saved model here (looked for ${MANIFEST_FILE}, model/${MANIFEST_FILE} and checkpoints/)`);
}

/** Commander parser for a comma-separated list of `allowed` names. */
export const nameList = <T extends string>(name: string, allowed: readonly T[]) => (value: string): T[] => {
  const names = value.split(",").map((s) => s.trim()).filter((s) => s !== "");
  const bad = names.find((n) => !(allowed as readonly string[]).includes(n));
  if (names.length === 0 || bad !== undefined) {
    throw new CommanderArgumentError(`${name}: unknown name '${bad ?? value}'; expected a comma-separated list of ${allowed.join(", ")}`);
  }
  return names as T[];
};

/**
 * The real images a model trained on `data` is evaluated against: the test split of `mnist` or
 * `fashion-mnist` (with its shipped oracle), or the test split of a data folder, which no shipped
 * oracle knows, so `oracle` must be given. `what` starts the error, e.g. the option at fault.
 */
export async function dataReference(data: string, oracle: string | undefined, what: string): Promise<ReferenceName | Dataset> {
  if (data === "mnist" || data === "fashion-mnist") return `${data}-test`;
  if (oracle === undefined) {
    throw new InvalidArgumentError(`${what}: pass --oracle mnist, fashion-mnist or an oracle folder (no shipped oracle knows ${data})`);
  }
  return loadData(data, "test");
}
