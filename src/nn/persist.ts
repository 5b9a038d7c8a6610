import { mkdir, readdir, readFile, rename, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { GenMnistError } from "../errors.js";
import { temporaryPath, TEMPORARY_NAME, writeFileAtomic, writeJsonAtomic } from "../_internals/fs.js";

/** A saved model or checkpoint is missing, unreadable or does not fit the model it is loaded into. */
export class CheckpointError extends GenMnistError {}

/**
 * Saves a tfjs-layers model as `<dir>/<name>.json` and `<dir>/<name>.weights.bin`, in the
 * TensorFlow.js layers-model format (so `tf.loadLayersModel` of any tfjs can read it too),
 * through a tfjs `io` save handler.
 */
export async function saveLayersModel(model: tfl.LayersModel, dir: string, name: string): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightsFile = `${name}.weights.bin`;
      const json = {
        format: "layers-model",
        generatedBy: "gen-mnist",
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [weightsFile], weights: artifacts.weightSpecs ?? [] }],
      };
      const data = artifacts.weightData;
      const bytes = data === undefined ? new Uint8Array(0) : new Uint8Array(Array.isArray(data) ? concat(data) : data);
      await writeFileAtomic(join(dir, weightsFile), bytes);
      await writeFileAtomic(join(dir, `${name}.json`), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }),
  );
}

function concat(buffers: ArrayBuffer[]): ArrayBuffer {
  const total = buffers.reduce((n, b) => n + b.byteLength, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const b of buffers) {
    out.set(new Uint8Array(b), at);
    at += b.byteLength;
  }
  return out.buffer;
}

async function readJson<T>(path: string): Promise<T> {
  if (!existsSync(path)) throw new CheckpointError(`${path} does not exist`);
  try {
    return JSON.parse(await readFile(path, "utf8")) as T;
  } catch (err) {
    // the parser quotes the input: keep the message to one printable line
    const reason = (err instanceof Error ? err.message : String(err)).replace(/[^ -~]+/g, "?").slice(0, 120);
    throw new CheckpointError(`${path}: not valid JSON (${reason})`);
  }
}

/**
 * Loads weights saved by {@link saveLayersModel} into a model built from the same spec. Weights
 * are matched by order and every shape is checked.
 */
export async function loadLayersModelWeights(model: tfl.LayersModel, dir: string, name: string): Promise<void> {
  const file = join(dir, `${name}.json`);
  const json = await readJson<{ weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] }>(file);
  const group = json.weightsManifest?.[0];
  if (group === undefined || group.paths.length !== 1) throw new CheckpointError(`${file}: expected one weights file in weightsManifest`);
  const named = decode(await readBytes(join(dir, group.paths[0] ?? "")), group.weights, file);
  const tensors = group.weights.map((w) => named[w.name] as tf.Tensor);
  const expected = model.weights;
  try {
    if (tensors.length !== expected.length) {
      throw new CheckpointError(`${file}: holds ${tensors.length} weights, the model '${model.name}' has ${expected.length}`);
    }
    expected.forEach((w, i) => {
      const got = tensors[i]?.shape ?? [];
      if (got.length !== w.shape.length || got.some((d, j) => d !== w.shape[j])) {
        throw new CheckpointError(`${file}: weight ${i} (${w.name}) has shape [${got.join(", ")}], the model expects [${w.shape.join(", ")}]`);
      }
    });
    model.setWeights(tensors);
  } finally {
    tf.dispose(Object.values(named));
  }
}

/**
 * Adam's running powers β1^t and β2^t. tfjs keeps them as variables it multiplies every step but
 * rebuilds them as `pow(β, t + 1)` in `setWeights`, which differs in the last bits; saving them
 * makes a resumed run bit-identical to an uninterrupted one.
 */
interface AdamPowers {
  accBeta1?: tf.Variable;
  accBeta2?: tf.Variable;
}

/** Saves an optimizer's state (`getWeights`: iteration count, moments…) as `<dir>/<name>.json` + `.bin`. */
export async function saveOptimizer(optimizer: tf.Optimizer, dir: string, name: string): Promise<void> {
  const weights = await optimizer.getWeights();
  const { data, specs } = await tf.io.encodeWeights(weights);
  // getWeights returns the optimizer's own variables plus fresh tensors (the iteration count)
  tf.dispose(weights.map((w) => w.tensor).filter((t) => !(t instanceof tf.Variable)));
  const { accBeta1, accBeta2 } = optimizer as unknown as AdamPowers;
  const powers = accBeta1 instanceof tf.Variable && accBeta2 instanceof tf.Variable
    ? { accBeta1: (await accBeta1.data())[0], accBeta2: (await accBeta2.data())[0] }
    : {};
  await writeFileAtomic(join(dir, `${name}.bin`), new Uint8Array(data));
  await writeFileAtomic(join(dir, `${name}.json`), JSON.stringify({ className: optimizer.getClassName(), specs, ...powers }));
}

/** Restores an optimizer's state saved by {@link saveOptimizer} (the optimizer must have the same variables). */
export async function loadOptimizer(optimizer: tf.Optimizer, dir: string, name: string): Promise<void> {
  const file = join(dir, `${name}.json`);
  const meta = await readJson<{ className: string; specs: tf.io.WeightsManifestEntry[]; accBeta1?: number; accBeta2?: number }>(file);
  if (meta.className !== optimizer.getClassName()) {
    throw new CheckpointError(`${join(dir, name)}: saved optimizer is ${meta.className}, the model uses ${optimizer.getClassName()}`);
  }
  const named = decode(await readBytes(join(dir, `${name}.bin`)), meta.specs, file);
  try {
    await optimizer.setWeights(meta.specs.map((s) => ({ name: s.name, tensor: named[s.name] as tf.Tensor })));
  } catch (err) {
    throw new CheckpointError(`${file}: its state does not fit the optimizer (${err instanceof Error ? err.message : String(err)})`);
  } finally {
    tf.dispose(Object.values(named));
  }
  const { accBeta1, accBeta2 } = optimizer as unknown as AdamPowers;
  if (typeof meta.accBeta1 === "number" && typeof meta.accBeta2 === "number" && accBeta1 instanceof tf.Variable && accBeta2 instanceof tf.Variable) {
    const [b1, b2] = [tf.scalar(meta.accBeta1), tf.scalar(meta.accBeta2)];
    accBeta1.assign(b1);
    accBeta2.assign(b2);
    tf.dispose([b1, b2]);
  }
}

/** A saved folder's file, or a {@link CheckpointError} saying it is missing or unreadable. @internal */
export async function readSavedFile(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new CheckpointError(`${path}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "missing" : `unreadable (${(err as Error).message})`}`);
  }
}

async function readBytes(path: string): Promise<ArrayBuffer> {
  const bytes = await readSavedFile(path);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** tfjs's decodeWeights, with a size check first and its errors turned into a {@link CheckpointError} naming `file`. */
function decode(buffer: ArrayBuffer, specs: readonly tf.io.WeightsManifestEntry[], file: string): tf.NamedTensorMap {
  const sizes: Record<string, number> = { float32: 4, int32: 4, bool: 1, float16: 2, uint8: 1, uint16: 2 };
  let need = 0;
  for (const s of specs) {
    const dtype = s.quantization?.dtype ?? s.dtype;
    need += s.shape.reduce((a, b) => a * b, 1) * (sizes[dtype] ?? 4);
  }
  if (buffer.byteLength !== need) {
    throw new CheckpointError(`${file}: its weights file holds ${buffer.byteLength} bytes, the manifest's weights need ${need}`);
  }
  try {
    return tf.io.decodeWeights(buffer, [...specs]);
  } catch (err) {
    throw new CheckpointError(`${file}: weights cannot be decoded (${err instanceof Error ? err.message : String(err)})`);
  }
}

/** Writes a JSON file atomically. */
export const writeJson = writeJsonAtomic;

export { readJson };

/**
 * Cleans up after a {@link writeDirAtomic} that a crash interrupted: when the crash fell between
 * moving the old `dir` aside and moving the new one in, the new one (complete, since the old one
 * is moved aside only after it was written) is moved in, or else the old one is moved back;
 * leftover temporary folders are removed.
 * @internal
 */
export async function recoverDirAtomic(dir: string): Promise<void> {
  const parent = dirname(dir);
  if (!existsSync(parent)) return;
  const prefix = `.${basename(dir)}.`;
  const leftovers = (await readdir(parent)).filter((name) => name.startsWith(prefix) && TEMPORARY_NAME.test(name));
  const old = leftovers.find((name) => name.endsWith(".tmp.old"));
  if (!existsSync(dir) && old !== undefined) {
    const complete = old.slice(0, -".old".length);
    await rename(join(parent, leftovers.includes(complete) ? complete : old), dir);
  }
  for (const name of leftovers) await rm(join(parent, name), { recursive: true, force: true });
}

/**
 * Fills a fresh temporary folder beside `dir` with `write`, then swaps it into place, so `dir`
 * is always either the previous complete version or the new complete one.
 */
export async function writeDirAtomic(dir: string, write: (tmp: string) => Promise<void>): Promise<void> {
  const parent = dirname(dir);
  await mkdir(parent, { recursive: true });
  await recoverDirAtomic(dir);
  const tmp = temporaryPath(join(parent, `.${basename(dir)}`));
  await mkdir(tmp);
  try {
    await write(tmp);
    if (existsSync(dir)) {
      const old = `${tmp}.old`;
      await rename(dir, old);
      await rename(tmp, dir);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(tmp, dir);
    }
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}
