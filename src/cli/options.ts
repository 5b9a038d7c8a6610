import { resolve } from "node:path";
import { InvalidArgumentError as CommanderArgumentError } from "commander";
import { loadFashionMnist, loadIdxDataset, loadMnist, type Dataset, type Split } from "../index.js";

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
