import { existsSync, statSync } from "node:fs";
import { readdir, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { TEMPORARY_NAME } from "../_internals/fs.js";
import type { GenerativeModel } from "../nn/model.js";
import { assertFiniteModel } from "../nn/finite.js";
import { CheckpointError, writeDirAtomic } from "../nn/persist.js";
import { MANIFEST_FILE, readModelManifest, writeModelFiles } from "../nn/saved-model.js";
import { readTrainerState, TRAINER_STATE_FILE, type TrainerState } from "./state.js";

/**
 * Writes a checkpoint folder atomically: the model (weights, optimizer states, config, random
 * state), the trainer's position, and a manifest with the size and SHA-256 of every file. A crash
 * while writing leaves any earlier checkpoint intact.
 *
 * @throws {@link NonFiniteError} when a weight or optimizer state is NaN or infinite: nothing is
 *   written and the earlier checkpoint stays the one {@link latestCheckpoint} finds.
 */
export async function saveCheckpoint(dir: string, model: GenerativeModel, state: TrainerState): Promise<void> {
  await assertFiniteModel(model, dir);
  await writeDirAtomic(dir, (tmp) => writeModelFiles(model, tmp, { [TRAINER_STATE_FILE]: state }));
}

/**
 * Checks a checkpoint folder completely: its manifest, every file against the size and SHA-256
 * recorded when it was saved, and `trainer.json` against its schema.
 *
 * @returns the trainer state it holds.
 * @throws {@link CheckpointError} naming the file at fault and what is wrong with it.
 *
 * @example
 * ```ts
 * const { step } = await verifyCheckpoint("runs/vae/checkpoints/last");
 * ```
 */
export async function verifyCheckpoint(dir: string): Promise<TrainerState> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new CheckpointError(`${dir}: no checkpoint folder here`);
  const manifest = await readModelManifest(dir);
  if (manifest.files[TRAINER_STATE_FILE] === undefined) {
    throw new CheckpointError(`${join(dir, MANIFEST_FILE)}: lists no ${TRAINER_STATE_FILE}; this is a saved model, not a checkpoint`);
  }
  return readTrainerState(dir);
}

/** Options of {@link latestCheckpoint}. */
export interface LatestCheckpointOptions {
  /**
   * Called for each checkpoint that fails {@link verifyCheckpoint} and is skipped (when none is
   * valid, the error thrown lists them instead).
   * @defaultValue a `console.warn` naming the folder and the reason
   */
  readonly onInvalid?: (dir: string, error: CheckpointError) => void;
}

const warnInvalid = (dir: string, error: CheckpointError): void => console.warn(`gen-mnist: skipping checkpoint ${dir}: ${error.message}`);

/** `.last.123.456.tmp(.old)` → `last`: the folder a `writeDirAtomic` was replacing, or `undefined`. */
const leftoverOf = (name: string): string | undefined => (name.startsWith(".") && TEMPORARY_NAME.test(name) ? name.slice(1).replace(TEMPORARY_NAME, "") : undefined);

/**
 * The valid checkpoint folders under `dir`, with their step, newest first; invalid ones are
 * reported. A folder that a crash caught mid-swap (moved aside, its new version not yet moved in)
 * is found as its leftover, which is checked like any other and never reported.
 */
async function validCheckpoints(dir: string, onInvalid: (dir: string, error: CheckpointError) => void): Promise<{ path: string; name: string; step: number }[]> {
  if (!existsSync(dir)) return [];
  const found: { path: string; name: string; step: number; epoch: number }[] = [];
  const all = await readdir(dir, { withFileTypes: true });
  // a file where a checkpoint folder belongs is worth a warning, not silence
  for (const e of all) {
    if (!e.isDirectory() && /^(epoch-\d+|best|last)$/.test(e.name)) onInvalid(join(dir, e.name), new CheckpointError(`${join(dir, e.name)}: is a file, expected a checkpoint folder`));
  }
  const entries = all.filter((e) => e.isDirectory());
  const present = new Set(entries.map((e) => e.name));
  for (const entry of entries) {
    const leftover = leftoverOf(entry.name);
    if (entry.name.startsWith(".") && (leftover === undefined || present.has(leftover))) continue;
    const path = join(dir, entry.name);
    try {
      const state = await verifyCheckpoint(path);
      found.push({ path, name: leftover ?? entry.name, step: state.step, epoch: state.epoch });
    } catch (err) {
      if (!(err instanceof CheckpointError)) throw err;
      if (leftover === undefined) onInvalid(path, err);
    }
  }
  // newest first; at one step prefer the state past its epoch's end (whose end-of-epoch work is
  // done), then `last`, the state at the very end of a run, then a complete folder over a leftover
  const rank = (c: { path: string; name: string }): number => Number(c.name === "last") * 2 + Number(leftoverOf(basename(c.path)) === undefined);
  return found.sort((a, b) => b.step - a.step || b.epoch - a.epoch || rank(b) - rank(a));
}

/**
 * The most advanced valid checkpoint under `dir` (by trainer step), or `undefined` when there is
 * none. Every candidate is checked with {@link verifyCheckpoint}; a truncated, corrupted or
 * half-written one is skipped with a warning (see `options.onInvalid`), so the newest valid one
 * is returned. When a crash fell between the two renames of a checkpoint's replacement, the
 * complete hidden folder it left (`.last.<pid>.<time>.tmp`) is returned; the next save of that
 * checkpoint moves it back into place.
 *
 * @throws {@link CheckpointError} when `dir` holds checkpoints but none of them is valid.
 */
export async function latestCheckpoint(dir: string, options: LatestCheckpointOptions = {}): Promise<string | undefined> {
  const invalid: [string, CheckpointError][] = [];
  const valid = await validCheckpoints(dir, (path, error) => void invalid.push([path, error]));
  if (valid.length === 0 && invalid.length > 0) {
    throw new CheckpointError(`${dir}: no valid checkpoint; ${invalid.map(([path, error]) => `${path} (${error.message})`).join("; ")}`);
  }
  // warn only about what is skipped on the way to the one returned
  const newest = valid[0];
  for (const [path, error] of invalid) (options.onInvalid ?? warnInvalid)(path, error);
  return newest?.path;
}

/**
 * Removes `epoch-NNNN` checkpoints under `dir` beyond the newest `keep`, newest by the step each
 * holds (never by name). Invalid ones are left for {@link latestCheckpoint} to skip.
 * @internal
 */
export async function pruneEpochCheckpoints(dir: string, keep: number): Promise<void> {
  const epochs = (await validCheckpoints(dir, () => undefined)).filter((c) => /^epoch-\d+$/.test(c.path.slice(dir.length + 1)));
  for (const { path } of epochs.slice(keep)) await rm(path, { recursive: true, force: true });
}
