import { mkdir, rename, unlink, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

/** A fresh temporary name beside `path` for an atomic write: `<path>.<pid>.<ms>.tmp`. */
export const temporaryPath = (path: string): string => `${path}.${process.pid}.${Date.now()}.tmp`;

/**
 * Names of the temporary files and folders gen-mnist's atomic writes use (`<name>.<pid>.<ms>.tmp`,
 * and `.tmp.old` for the previous version of a swapped folder): what a crash may leave behind,
 * never a finished file.
 */
export const TEMPORARY_NAME = /\.\d+\.\d+\.tmp(\.old)?$/;

/**
 * Writes `data` to `path` through a temporary file beside it and a rename, so a reader (or a
 * crash) sees either the old file or the complete new one, never half of it. Creates the folder.
 *
 * @example
 * ```ts
 * await writeFileAtomic("runs/x/scores.csv", "step,fid\n100,31.2\n");
 * ```
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = temporaryPath(path);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/**
 * Writes `value` as indented JSON to `path` atomically (see {@link writeFileAtomic}).
 *
 * @example
 * ```ts
 * await writeJsonAtomic("runs/x/summary.json", { fid: 31.2 });
 * ```
 */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}
