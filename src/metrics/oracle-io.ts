import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { InvalidArgumentError } from "../errors.js";
import { CheckpointError, readJson, writeDirAtomic, writeJson } from "../nn/persist.js";
import { writeFileAtomic } from "../_internals/fs.js";
import { encodeFloat16 } from "../_internals/float16.js";
import { Oracle, type OracleInfo } from "./oracle.js";

/** The oracles shipped with gen-mnist, by name. */
export type ShippedOracle = "mnist" | "fashion-mnist";

/** Every {@link ShippedOracle}. */
export const SHIPPED_ORACLES: readonly ShippedOracle[] = ["mnist", "fashion-mnist"];

/** File names of a saved oracle folder. */
const FILES = { meta: "oracle.json", model: "model.json", weights: "weights.bin" } as const;

/** The manifest `oracle.json` of a saved oracle folder. */
export interface OracleManifest {
  /** Always `"gen-mnist-oracle"`. */
  readonly format: "gen-mnist-oracle";
  /** Format version. */
  readonly version: 1;
  /** Name, provenance and measured accuracy. */
  readonly info: OracleInfo;
  /** Name of the feature layer in `model.json`. */
  readonly featureLayer: string;
  /** Whether the model outputs logits or probabilities. */
  readonly output: "logits" | "probabilities";
  /** How the weights are stored. */
  readonly precision: "float16" | "float32";
  /** SHA-256 of `weights.bin`, checked on load. */
  readonly weightsSha256: string;
  /** How it was trained (free-form, for the record). */
  readonly training?: Readonly<Record<string, unknown>>;
  /** ISO time of saving. */
  readonly savedAt: string;
}

/** Options of {@link saveOracle}. */
export interface SaveOracleOptions {
  /**
   * Weight storage: `"float16"` halves the files (tfjs's float16 weight quantization, which
   * `tf.loadLayersModel` reads), `"float32"` keeps every bit.
   * @defaultValue "float16"
   */
  readonly precision?: "float16" | "float32";
  /** Information that replaces the oracle's own (e.g. the accuracy measured after quantization). */
  readonly info?: Partial<OracleInfo>;
  /** How it was trained, stored in `oracle.json`. */
  readonly training?: Readonly<Record<string, unknown>>;
}

const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

/**
 * Saves an oracle into folder `dir`, atomically: `model.json` + `weights.bin` in TensorFlow.js's
 * layers-model format (readable by `tf.loadLayersModel`) and `oracle.json` with its feature layer,
 * accuracy and provenance. Load it with {@link loadOracle}`(dir)`.
 *
 * @example
 * ```ts
 * const { oracle } = await trainOracle(train, { test });
 * await saveOracle(oracle, "oracles/my-letters");
 * ```
 */
export async function saveOracle(oracle: Oracle, dir: string, options: SaveOracleOptions = {}): Promise<void> {
  const { precision = "float16" } = options;
  if (precision !== "float16" && precision !== "float32") {
    throw new InvalidArgumentError(`saveOracle: options.precision must be "float16" or "float32", found ${JSON.stringify(precision)}`);
  }
  let artifacts: tf.io.ModelArtifacts | undefined;
  await oracle.model.save(tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
  }));
  if (artifacts?.weightData === undefined || artifacts.weightSpecs === undefined) {
    throw new InvalidArgumentError(`saveOracle: the model ${oracle.model.name} gave no weights to save`);
  }
  const raw = artifacts.weightData;
  const buffer = Array.isArray(raw) ? tf.io.concatenateArrayBuffers(raw) : raw;
  const float32 = new Float32Array(buffer);
  const bytes = precision === "float16" ? new Uint8Array(encodeFloat16(float32).buffer) : new Uint8Array(buffer);
  const weights = artifacts.weightSpecs.map((s) => {
    if (s.dtype !== "float32") throw new InvalidArgumentError(`saveOracle: weight ${s.name} is ${s.dtype}; only float32 weights can be saved`);
    return precision === "float16" ? { ...s, quantization: { dtype: "float16" as const } } : s;
  });
  const model = { format: "layers-model", generatedBy: "gen-mnist", convertedBy: null, modelTopology: artifacts.modelTopology, weightsManifest: [{ paths: [FILES.weights], weights }] };
  const manifest: OracleManifest = {
    format: "gen-mnist-oracle",
    version: 1,
    info: { ...oracle.info, ...options.info },
    featureLayer: oracle.featureLayer,
    output: oracle.outputKind,
    precision,
    weightsSha256: sha256(bytes),
    ...(options.training === undefined ? {} : { training: options.training }),
    savedAt: new Date().toISOString(),
  };
  await writeDirAtomic(dir, async (tmp) => {
    await writeFileAtomic(join(tmp, FILES.weights), bytes);
    await writeFileAtomic(join(tmp, FILES.model), JSON.stringify(model));
    await writeJson(join(tmp, FILES.meta), manifest);
  });
}

/**
 * The folder of a shipped oracle: `oracles/<name>` of the gen-mnist package, found by walking up
 * from this module (the same from the sources, the ESM and the CJS build).
 */
export function shippedOracleDir(name: ShippedOracle): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, "oracles", name);
    if (existsSync(join(candidate, FILES.meta))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new CheckpointError(`loadOracle: the shipped oracle '${name}' is missing from this install of gen-mnist (no oracles/${name}/${FILES.meta} above ${fileURLToPath(import.meta.url)}); reinstall gen-mnist`);
    }
    dir = parent;
  }
}

/**
 * Loads an oracle: one shipped with gen-mnist by name (`"mnist"`: 99.4 % on the MNIST test split;
 * `"fashion-mnist"`: 92 % on Fashion-MNIST's), or a folder written by {@link saveOracle}. Offline:
 * the shipped weights are in the package. Every file is checked (format, weights' SHA-256).
 *
 * @throws {@link InvalidArgumentError} on a name that is neither shipped nor a folder;
 *   {@link CheckpointError} when a file is missing or corrupt.
 *
 * @example
 * ```ts
 * const oracle = await loadOracle("mnist");
 * console.log(oracle.info.testAccuracy, oracle.featureDim); // 0.994…, 128
 * ```
 */
export async function loadOracle(nameOrDir: ShippedOracle | string): Promise<Oracle> {
  const shipped = (SHIPPED_ORACLES as readonly string[]).includes(nameOrDir);
  if (!shipped && !existsSync(nameOrDir)) {
    throw new InvalidArgumentError(
      `loadOracle: ${JSON.stringify(nameOrDir)} is neither a shipped oracle (${SHIPPED_ORACLES.map((n) => `"${n}"`).join(", ")}) nor an existing folder`,
    );
  }
  const dir = shipped ? shippedOracleDir(nameOrDir as ShippedOracle) : resolve(nameOrDir);
  const manifest = await readJson<Partial<OracleManifest>>(join(dir, FILES.meta));
  if (manifest.format !== "gen-mnist-oracle" || manifest.version !== 1 || manifest.info === undefined || typeof manifest.featureLayer !== "string") {
    throw new CheckpointError(`${join(dir, FILES.meta)}: not a gen-mnist oracle manifest (format ${JSON.stringify(manifest.format)}, version ${JSON.stringify(manifest.version)})`);
  }
  const model = await readJson<{ modelTopology?: object; weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] }>(join(dir, FILES.model));
  const group = model.weightsManifest?.[0];
  if (model.modelTopology === undefined || group === undefined) throw new CheckpointError(`${join(dir, FILES.model)}: no model topology or weights manifest`);
  const weightsPath = join(dir, FILES.weights);
  if (!existsSync(weightsPath)) throw new CheckpointError(`${weightsPath} does not exist`);
  const bytes = new Uint8Array(await readFile(weightsPath));
  if (sha256(bytes) !== manifest.weightsSha256) {
    throw new CheckpointError(`${weightsPath}: SHA-256 does not match ${FILES.meta} (the file is corrupt or from another oracle)`);
  }
  const network = await tfl.loadLayersModel(tf.io.fromMemory({
    modelTopology: model.modelTopology,
    weightSpecs: group.weights,
    weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
  }));
  return new Oracle(network, { featureLayer: manifest.featureLayer, output: manifest.output ?? "logits", info: manifest.info });
}
