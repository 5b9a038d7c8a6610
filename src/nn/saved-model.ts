import { join } from "node:path";
import type * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import {
  CheckpointError,
  loadLayersModelWeights,
  loadOptimizer,
  readJson,
  saveLayersModel,
  saveOptimizer,
  writeDirAtomic,
  writeJson,
} from "./persist.js";

/** Mutable training state of a model besides its weights: generator state and step counter. */
export interface ModelState {
  /** State of the model's random generator (`pure-rand` xoroshiro128+). */
  readonly rng: readonly number[];
  /** Number of training steps taken. */
  readonly steps: number;
  /** Family-specific numbers (e.g. the last generator loss of a GAN). */
  readonly extra?: Readonly<Record<string, number>>;
}

/** The manifest `gen-mnist.json` of a saved model folder. */
export interface SavedModelManifest {
  /** Always `"gen-mnist-model"`. */
  readonly format: "gen-mnist-model";
  /** Format version. */
  readonly version: 1;
  /** `"gan"` or `"vae"`. */
  readonly family: "gan" | "vae";
  /** The model's complete configuration. */
  readonly config: unknown;
  /** Training state. */
  readonly state: ModelState;
  /** Names of the saved networks (`<name>.json` + `<name>.weights.bin`). */
  readonly networks: readonly string[];
  /** Names of the saved optimizers (`optimizer-<name>.json` + `.bin`). */
  readonly optimizers: readonly string[];
  /** ISO time of saving. */
  readonly savedAt: string;
}

/** What a model exposes so that it can be saved and restored. @internal */
export interface PersistableModel {
  readonly family: "gan" | "vae";
  readonly config: unknown;
  networks(): Record<string, tfl.LayersModel>;
  optimizers(): Record<string, tf.Optimizer>;
  getState(): ModelState;
  setState(state: ModelState): void;
}

/** File name of the manifest in a saved model folder. */
export const MANIFEST_FILE = "gen-mnist.json";

/**
 * Saves weights, optimizer states, config and training state into `dir`, atomically (the folder
 * is written beside and swapped in).
 * @internal
 */
export async function saveModelDir(model: PersistableModel, dir: string): Promise<void> {
  await writeDirAtomic(dir, (tmp) => writeModelFiles(model, tmp));
}

/**
 * Writes a model's files into an existing folder (not atomically: callers write into a
 * temporary folder, e.g. with `writeDirAtomic`).
 * @internal
 */
export async function writeModelFiles(model: PersistableModel, tmp: string): Promise<void> {
  {
    const networks = model.networks();
    const optimizers = model.optimizers();
    for (const [name, net] of Object.entries(networks)) await saveLayersModel(net, tmp, name);
    for (const [name, opt] of Object.entries(optimizers)) await saveOptimizer(opt, tmp, `optimizer-${name}`);
    const manifest: SavedModelManifest = {
      format: "gen-mnist-model",
      version: 1,
      family: model.family,
      config: model.config,
      state: model.getState(),
      networks: Object.keys(networks),
      optimizers: Object.keys(optimizers),
      savedAt: new Date().toISOString(),
    };
    await writeJson(join(tmp, MANIFEST_FILE), manifest);
  }
}

/**
 * Reads and checks the manifest of a saved model folder.
 * @throws {@link CheckpointError} when it is missing, not a gen-mnist model, or of another family.
 */
export async function readModelManifest(dir: string, family?: "gan" | "vae"): Promise<SavedModelManifest> {
  const manifest = await readJson<Partial<SavedModelManifest>>(join(dir, MANIFEST_FILE));
  if (manifest.format !== "gen-mnist-model" || manifest.version !== 1) {
    throw new CheckpointError(`${join(dir, MANIFEST_FILE)}: not a gen-mnist model (format ${JSON.stringify(manifest.format)}, version ${JSON.stringify(manifest.version)})`);
  }
  if (family !== undefined && manifest.family !== family) {
    throw new CheckpointError(`${dir}: holds a ${manifest.family?.toUpperCase()} model, expected a ${family.toUpperCase()}`);
  }
  return manifest as SavedModelManifest;
}

/**
 * Restores weights, optimizer states and training state from `dir` into a model built from the
 * manifest's config.
 * @internal
 */
export async function restoreModelDir(model: PersistableModel, dir: string, manifest: SavedModelManifest): Promise<void> {
  const networks = model.networks();
  for (const name of manifest.networks) {
    const net = networks[name];
    if (net === undefined) throw new CheckpointError(`${dir}: network '${name}' is not part of this model`);
    await loadLayersModelWeights(net, dir, name);
  }
  const optimizers = model.optimizers();
  for (const name of manifest.optimizers) {
    const opt = optimizers[name];
    if (opt === undefined) throw new CheckpointError(`${dir}: optimizer '${name}' is not part of this model`);
    await loadOptimizer(opt, dir, `optimizer-${name}`);
  }
  model.setState(manifest.state);
}

/**
 * Builds a model of class `ctor` from a saved folder's config and restores its files: the body
 * of `GAN.load` and `VAE.load`.
 * @internal
 */
export async function loadSavedModel<C, T extends PersistableModel>(
  ctor: new (config: C) => T,
  dir: string,
  family: "gan" | "vae",
): Promise<T> {
  const manifest = await readModelManifest(dir, family);
  const model = new ctor(manifest.config as C);
  await restoreModelDir(model, dir, manifest);
  return model;
}

/** Disposes every network and optimizer of a model. @internal */
export function disposeModel(model: PersistableModel): void {
  for (const net of Object.values(model.networks())) net.dispose();
  for (const opt of Object.values(model.optimizers())) opt.dispose();
}
