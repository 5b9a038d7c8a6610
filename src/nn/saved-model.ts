import { join } from "node:path";
import type * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { z } from "zod";
import { InvalidArgumentError } from "../errors.js";
import { assertFiniteModel } from "./finite.js";
import { isLayersModel, materializeNetworkRefs } from "./network-slot.js";
import {
  CheckpointError,
  loadLayersModelWeights,
  loadOptimizer,
  readJson,
  readSavedFile,
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
  /** Family-specific numbers (e.g. the last generator loss of a GAN; `null` where not yet known). */
  readonly extra?: Readonly<Record<string, number | null>>;
}

/** Size and SHA-256 of one file of a saved folder, written at save time and checked on load. */
export interface FileDigest {
  /** Size in bytes. */
  readonly bytes: number;
  /** SHA-256 of the contents, lowercase hex. */
  readonly sha256: string;
}

/** The manifest `gen-mnist.json` of a saved model folder. */
export interface SavedModelManifest {
  /** Always `"gen-mnist-model"`. */
  readonly format: "gen-mnist-model";
  /**
   * Format version: 3 names the model's registered `kind`; 2 (read, never written) called it
   * `family` and knew only `"gan"` and `"vae"`. Both list every file's size and SHA-256 and
   * the manifest's own checksum.
   */
  readonly version: 2 | 3;
  /** The kind the model is registered under (see {@link registerModel}), e.g. `"gan"`. */
  readonly kind: string;
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
  /** Every other file of the folder (weights, optimizer states, `trainer.json` of a checkpoint) by name. */
  readonly files: Readonly<Record<string, FileDigest>>;
  /** SHA-256 of this manifest's JSON without the `checksum` field. */
  readonly checksum: string;
}

/** What a model exposes so that it can be saved and restored. @internal */
export interface PersistableModel {
  readonly kind: string;
  readonly config: unknown;
  networks(): Record<string, tfl.LayersModel>;
  optimizers(): Record<string, tf.Optimizer>;
  getState(): ModelState;
  setState(state: ModelState): void;
}

/** File name of the manifest in a saved model folder. */
export const MANIFEST_FILE = "gen-mnist.json";

/** What a model kind may be: it is saved in manifests and checked on load. @internal */
export const KIND = /^[a-z0-9][\w.-]*$/i;
const ROLE = /^[\w-]+$/;

const manifestSchema = z.object({
  format: z.literal("gen-mnist-model"),
  version: z.union([z.literal(2), z.literal(3)]),
  kind: z.string().regex(KIND, "a model kind: letters, digits, '.', '_' or '-'"),
  config: z.record(z.string(), z.unknown()),
  state: z.object({
    rng: z.array(z.number()),
    steps: z.number().int().nonnegative(),
    extra: z.record(z.string(), z.number().nullable()).optional(),
  }),
  networks: z.array(z.string().regex(ROLE)),
  optimizers: z.array(z.string().regex(ROLE)),
  savedAt: z.string(),
  files: z.record(z.string().regex(/^[\w.-]+$/), z.object({ bytes: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/) })),
  checksum: z.string().regex(/^[0-9a-f]{64}$/),
});

/**
 * Saves weights, optimizer states, config and training state into `dir`, atomically (the folder
 * is written beside and swapped in).
 * @throws {@link NonFiniteError} when a weight or optimizer state is NaN or infinite (nothing is written).
 * @internal
 */
export async function saveModelDir(model: PersistableModel, dir: string): Promise<void> {
  checkSavableNames(model);
  await assertFiniteModel(model, dir);
  await writeDirAtomic(dir, (tmp) => writeModelFiles(model, tmp));
}

/**
 * Writes a model's files, then `extra` files (name → JSON value), then the manifest with the size
 * and SHA-256 of each, into an existing folder (not atomically: callers write into a temporary
 * folder, e.g. with `writeDirAtomic`, and check finiteness first).
 * @internal
 */
export async function writeModelFiles(model: PersistableModel, tmp: string, extra: Readonly<Record<string, unknown>> = {}): Promise<void> {
  checkSavableNames(model);
  const networks = model.networks();
  const optimizers = model.optimizers();
  for (const [name, net] of Object.entries(networks)) await saveLayersModel(net, tmp, name);
  for (const [name, opt] of Object.entries(optimizers)) await saveOptimizer(opt, tmp, `optimizer-${name}`);
  for (const [name, value] of Object.entries(extra)) await writeJson(join(tmp, name), value);
  const files: Record<string, FileDigest> = {};
  for (const name of (await readdir(tmp)).sort()) {
    if (name !== MANIFEST_FILE) files[name] = digest(await readFile(join(tmp, name)));
  }
  const body: Omit<SavedModelManifest, "checksum"> = {
    format: "gen-mnist-model",
    version: 3,
    kind: model.kind,
    config: model.config,
    state: model.getState(),
    networks: Object.keys(networks),
    optimizers: Object.keys(optimizers),
    savedAt: new Date().toISOString(),
    files,
  };
  await writeJson(join(tmp, MANIFEST_FILE), { ...body, checksum: sha256(JSON.stringify(body)) });
}

/**
 * Refuses, before anything is written, a kind or a network/optimizer role that a saved folder
 * could not be loaded with (its manifest checks them on load).
 * @throws {@link InvalidArgumentError} naming the name and the rule.
 */
function checkSavableNames(model: PersistableModel): void {
  if (!KIND.test(model.kind)) {
    throw new InvalidArgumentError(`cannot save: the model's kind ${JSON.stringify(model.kind)} must be letters, digits, '.', '_' or '-' (starting with a letter or digit)`);
  }
  for (const [what, names] of [["network", Object.keys(model.networks())], ["optimizer", Object.keys(model.optimizers())]] as const) {
    const bad = names.find((name) => !ROLE.test(name));
    if (bad !== undefined) throw new InvalidArgumentError(`cannot save: ${what} role ${JSON.stringify(bad)} of ${model.kind} must be letters, digits, '_' or '-' (it names files)`);
  }
}

const sha256 = (data: string | Uint8Array): string => createHash("sha256").update(data).digest("hex");
const digest = (bytes: Uint8Array): FileDigest => ({ bytes: bytes.length, sha256: sha256(bytes) });

/**
 * Reads and checks the manifest of a saved model folder, and every file it lists against the size
 * and SHA-256 recorded at save time. Version-2 manifests (their `family` is the kind) are read too.
 * @param kind - when given, the kind the folder must hold.
 * @throws {@link CheckpointError} naming the file at fault when the manifest is missing, not valid
 *   JSON, not a gen-mnist model, of another kind, or a file is missing, truncated or changed.
 */
export async function readModelManifest(dir: string, kind?: string): Promise<SavedModelManifest> {
  const path = join(dir, MANIFEST_FILE);
  const raw = await readJson<unknown>(path);
  const format = (raw as { format?: unknown } | null)?.format;
  if (format !== "gen-mnist-model") {
    throw new CheckpointError(`${path}: not a gen-mnist model (format ${JSON.stringify(format)}, expected "gen-mnist-model")`);
  }
  const record = raw as Record<string, unknown>;
  // version 2 called the kind `family`
  const input = record.version === 2 && record.kind === undefined ? { ...record, kind: record.family } : record;
  const parsed = manifestSchema.safeParse(input);
  if (!parsed.success) throw new CheckpointError(`${path}: ${describeIssues(parsed.error)}`);
  const manifest = parsed.data as SavedModelManifest;
  if (kind !== undefined && manifest.kind !== kind) {
    throw new CheckpointError(`${dir}: holds a model of kind '${manifest.kind}', expected '${kind}'`);
  }
  await checkFiles(dir, manifest, record);
  return manifest;
}

/** Checks the manifest's own checksum (over the JSON as read, key order kept) and every file it lists. */
async function checkFiles(dir: string, manifest: SavedModelManifest, raw: Record<string, unknown>): Promise<void> {
  const path = join(dir, MANIFEST_FILE);
  const { checksum, ...body } = raw;
  if (sha256(JSON.stringify(body)) !== checksum) throw new CheckpointError(`${path}: checksum mismatch (the manifest was changed after saving)`);
  const needed = [
    ...manifest.networks.flatMap((n) => [`${n}.json`, `${n}.weights.bin`]),
    ...manifest.optimizers.flatMap((n) => [`optimizer-${n}.json`, `optimizer-${n}.bin`]),
  ];
  const unlisted = needed.find((n) => manifest.files?.[n] === undefined);
  if (unlisted !== undefined) throw new CheckpointError(`${path}: does not list ${unlisted}`);
  for (const [name, want] of Object.entries(manifest.files)) {
    const file = join(dir, name);
    const bytes = await readSavedFile(file);
    if (bytes.length !== want.bytes) throw new CheckpointError(`${file}: ${bytes.length} bytes, the manifest says ${want.bytes} (truncated or replaced)`);
    if (sha256(bytes) !== want.sha256) throw new CheckpointError(`${file}: SHA-256 mismatch (the file was changed or corrupted after saving)`);
  }
}

/** One line for a schema failure: each problem's path and message. @internal */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length > 0 ? i.path.join(".") : "(root)"}: ${i.message}`).join("; ");
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
 * Builds a model with `create` from a saved folder's config (with `overrides` on top; networks
 * saved from a tfjs `LayersModel` are rebuilt from their saved topology first) and restores its
 * weights, optimizer states and training state: the body of every model's `load`. A network
 * given in `overrides` receives the saved weights (it must have the saved network's weight shapes)
 * and is never disposed here.
 * @param kind - the kind the folder must hold; the built model must report it too.
 * @internal
 */
export async function loadSavedModel<T extends PersistableModel>(
  create: (config: Record<string, unknown>) => T,
  dir: string,
  kind: string | undefined,
  overrides: object = {},
): Promise<T> {
  const manifest = await readModelManifest(dir, kind);
  const saved = manifest.config as Record<string, unknown>;
  // networks given in `overrides` are the caller's: never disposed here
  const given = new Set(Object.values(overrides).filter(isLayersModel));
  const config = await materializeNetworkRefs({ ...saved, ...overrides }, dir, Object.keys(overrides));
  const rebuilt = Object.entries(config).filter(([key, value]) => isLayersModel(value) && !(key in overrides)).map(([, value]) => value as tfl.LayersModel);
  let model: T;
  try {
    model = create(config);
  } catch (err) {
    for (const net of rebuilt) net.dispose();
    throw new CheckpointError(`${join(dir, MANIFEST_FILE)}: its config does not build a model (${err instanceof Error ? err.message : String(err)})`);
  }
  try {
    if (model.kind !== manifest.kind) {
      throw new CheckpointError(`${dir}: holds a model of kind '${manifest.kind}', but the class builds kind '${model.kind}'`);
    }
    await restoreModelDir(model, dir, manifest);
  } catch (err) {
    disposeModel(model, given);
    // checked files that still do not fit the model fail in tfjs: name the folder
    if (err instanceof CheckpointError) throw err;
    throw new CheckpointError(`${dir}: its files do not load (${err instanceof Error ? err.message : String(err)})`);
  }
  return model;
}

/** Disposes every network (but those in `keep`) and every optimizer of a model. @internal */
export function disposeModel(model: PersistableModel, keep: ReadonlySet<tfl.LayersModel> = new Set()): void {
  for (const net of Object.values(model.networks())) if (!keep.has(net)) net.dispose();
  for (const opt of Object.values(model.optimizers())) opt.dispose();
}
