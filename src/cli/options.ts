import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { InvalidArgumentError as CommanderArgumentError } from "commander";
import {
  CheckpointError,
  InvalidArgumentError,
  latestCheckpoint,
  loadFashionMnist,
  loadIdxDataset,
  loadMnist,
  MANIFEST_FILE,
  type Dataset,
  type ReferenceName,
  type Split,
} from "../index.js";

/** Commander parser for an integer ≥ `min`. */
export const integer = (name: string, min: number) => (value: string): number => {
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) {
    throw new CommanderArgumentError(`${name} must be an integer >= ${min}, got '${value}'`);
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

/** Loads `mnist`, `fashion-mnist` or a folder of IDX files. */
export async function loadData(data: string, split: Split, limit?: number): Promise<Dataset> {
  const options = limit === undefined ? { split } : { split, limit };
  if (data === "mnist") return loadMnist(options);
  if (data === "fashion-mnist") return loadFashionMnist(options);
  return loadIdxDataset(resolve(data), data, options);
}

/** A model folder: `dir` itself, its `model/`, or its latest checkpoint; `undefined` when there is none. */
export async function modelDirIn(dir: string): Promise<string | undefined> {
  if (existsSync(join(dir, MANIFEST_FILE))) return dir;
  if (existsSync(join(dir, "model", MANIFEST_FILE))) return join(dir, "model");
  return latestCheckpoint(join(dir, "checkpoints"));
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
