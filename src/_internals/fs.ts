import { mkdir, rename, unlink, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

/** A fresh temporary name beside `path` for an atomic write: `<path>.<pid>.<ms>.tmp`. */
export const temporaryPath = (path: string): string => `${path}.${process.pid}.${Date.now()}.tmp`;

/** The names {@link temporaryPath} makes, and the `.old` a folder swap moves the previous version to. */
export const TEMPORARY_NAME = /\.\d+\.\d+\.tmp(\.old)?$/;

/**
 * Writes `data` to `path` through a temporary file beside it and a rename, so a reader (or a
 * crash) sees either the old file or the complete new one, never half of it.
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
