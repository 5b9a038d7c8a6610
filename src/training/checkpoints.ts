import { existsSync } from "node:fs";
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { GenerativeModel } from "../nn/model.js";
import { CheckpointError, readJson, writeDirAtomic, writeJson } from "../nn/persist.js";
import { MANIFEST_FILE, writeModelFiles } from "../nn/saved-model.js";
import { TRAINER_STATE_FILE, type TrainerState } from "./trainer.js";

/**
 * Writes a checkpoint folder atomically: the model (weights, optimizer states, config, random
 * state) and the trainer's position. A crash while writing leaves any earlier checkpoint intact.
 */
export async function saveCheckpoint(dir: string, model: GenerativeModel, state: TrainerState): Promise<void> {
  await writeDirAtomic(dir, async (tmp) => {
    await writeModelFiles(model, tmp);
    await writeJson(join(tmp, TRAINER_STATE_FILE), state);
  });
}

/**
 * The most advanced complete checkpoint under `dir` (by trainer step), or `undefined` when there
 * is none. Half-written temporary folders are ignored.
 */
export async function latestCheckpoint(dir: string): Promise<string | undefined> {
  if (!existsSync(dir)) return undefined;
  let best: { path: string; step: number } | undefined;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (!existsSync(join(path, TRAINER_STATE_FILE)) || !existsSync(join(path, MANIFEST_FILE))) continue;
    try {
      const { step } = await readJson<TrainerState>(join(path, TRAINER_STATE_FILE));
      // on a tie prefer `last`, the state at the very end of a run
      if (best === undefined || step > best.step || (step === best.step && entry.name === "last")) best = { path, step };
    } catch (err) {
      if (!(err instanceof CheckpointError)) throw err;
    }
  }
  return best?.path;
}

/** Removes `epoch-NNNN` checkpoints under `dir` beyond the newest `keep`. @internal */
export async function pruneEpochCheckpoints(dir: string, keep: number): Promise<void> {
  const names = (await readdir(dir)).filter((n) => /^epoch-\d+$/.test(n)).sort();
  for (const name of names.slice(0, Math.max(0, names.length - keep))) {
    await rm(join(dir, name), { recursive: true, force: true });
  }
}
