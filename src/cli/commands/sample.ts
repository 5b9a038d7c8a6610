import { existsSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { Command, Option } from "commander";
import {
  BACKEND_REQUESTS,
  CheckpointError,
  MANIFEST_FILE,
  imageGrid,
  latestCheckpoint,
  loadModel,
  useBackend,
  writeIdx,
  writePng,
  type BackendRequest,
} from "../../index.js";
import { integer } from "../options.js";

interface SampleOptions {
  count: number;
  out?: string;
  label?: number;
  format: "png" | "idx";
  seed: number;
  backend: BackendRequest;
  threads?: number;
}

/** A model folder: `dir` itself, its `model/`, or its latest checkpoint. */
async function findModelDir(dir: string): Promise<string> {
  if (existsSync(join(dir, MANIFEST_FILE))) return dir;
  if (existsSync(join(dir, "model", MANIFEST_FILE))) return join(dir, "model");
  const checkpoint = await latestCheckpoint(join(dir, "checkpoints"));
  if (checkpoint !== undefined) return checkpoint;
  throw new CheckpointError(`${dir}: no saved model here (looked for ${MANIFEST_FILE}, model/${MANIFEST_FILE} and checkpoints/)`);
}

async function sample(dir: string, opts: SampleOptions): Promise<void> {
  console.log((await useBackend(opts.backend, opts.threads === undefined ? {} : { threads: opts.threads })).summary);
  const modelDir = await findModelDir(dir);
  const model = await loadModel(modelDir);
  if (opts.label !== undefined && !model.conditional) {
    throw new CheckpointError(`--label: ${model.name} is not conditional; it cannot generate a chosen class`);
  }
  const labels = opts.label === undefined ? undefined : new Array<number>(opts.count).fill(opts.label);
  const images = model.sample(opts.count, { seed: opts.seed, ...(labels ? { labels } : {}) });
  const out = opts.out ?? (opts.format === "idx" ? "samples-idx3-ubyte" : "samples.png");
  if (opts.format === "png") {
    await writePng(out, imageGrid(images, { range: model.pixelRange }));
  } else {
    const bytes = tf.tidy(() => {
      const unit = model.pixelRange === "[-1,1]" ? tf.div(tf.add(images, 1), 2) : images;
      return tf.cast(tf.round(tf.mul(tf.clipByValue(unit, 0, 1), 255)), "int32");
    });
    await writeIdx(out, { dtype: "uint8", dims: [opts.count, 28, 28], data: Uint8Array.from(bytes.dataSync()) });
    bytes.dispose();
  }
  images.dispose();
  model.dispose();
  console.log(`wrote ${opts.count} samples of ${modelDir} to ${out}`);
}

/** `gen-mnist sample <run-or-model-dir>`. */
export function sampleCommand(): Command {
  return new Command("sample")
    .description("generate images from a trained model (a run folder, a model folder or a checkpoint)")
    .argument("<dir>", "run folder, model folder or checkpoint folder")
    .option("-n, --count <n>", "number of images", integer("-n", 1), 64)
    .option("--out <file>", "output file (default: samples.png, or samples-idx3-ubyte with --format idx)")
    .option("--label <class>", "class of every sample (conditional models)", integer("--label", 0))
    .addOption(new Option("--format <format>", "png grid or IDX file (uint8, for evaluation)").choices(["png", "idx"]).default("png"))
    .option("--seed <n>", "seed of the latent draw", integer("--seed", 0), 0)
    .addOption(new Option("--backend <name>", "tfjs backend").choices([...BACKEND_REQUESTS]).default("auto"))
    .option("--threads <n>", "threads of the gen-mnist backend's kernels (default: every core, or GEN_MNIST_THREADS)", integer("--threads", 1))
    .action((dir: string, opts: SampleOptions) => sample(dir, opts));
}
