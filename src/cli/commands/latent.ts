import { existsSync, statSync } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { Command, Option } from "commander";
import {
  BACKEND_REQUESTS,
  FASHION_MNIST_CLASSES,
  imageGrid,
  interpolate,
  InvalidArgumentError,
  latentEmbedding,
  latentManifold,
  latentMapSvg,
  loadModel,
  useBackend,
  VAE,
  writeFileAtomic,
  writePng,
  type BackendRequest,
  type InterpolationMethod,
} from "../../index.js";
import { CliError, EXIT_CODES, EXIT_CODES_HELP } from "../errors.js";
import { findModelDir, integer, loadData, reportBackend, threadsOption, verboseOption } from "../options.js";

interface Common {
  out?: string;
  data: string;
  backend: BackendRequest;
  threads?: number;
  verbose?: boolean;
}

interface InterpolateOptions extends Common {
  steps: number;
  paths: number;
  method: InterpolationMethod;
  seed: number;
  label: number;
}

interface LatentMapOptions extends Common {
  count: number;
}

function outFile(out: string | undefined, fallback: string): string {
  const path = out ?? fallback;
  if (existsSync(path) && statSync(path).isDirectory()) {
    throw new CliError(`--out ${path}: is a folder; expected a file name, e.g. ${join(path, fallback)}`, EXIT_CODES.usage);
  }
  return path;
}

async function start(dir: string, opts: Common): Promise<{ modelDir: string; model: Awaited<ReturnType<typeof loadModel>> }> {
  reportBackend(await useBackend(opts.backend, opts.threads === undefined ? {} : { threads: opts.threads }), opts);
  const modelDir = await findModelDir(dir);
  return { modelDir, model: await loadModel(modelDir) };
}

async function runInterpolate(dir: string, opts: InterpolateOptions): Promise<void> {
  const out = outFile(opts.out, "interpolation.png");
  const { modelDir, model } = await start(dir, opts);
  try {
    if (opts.label !== 0 && !model.conditional) throw new InvalidArgumentError(`--label: ${model.name} is not conditional; it cannot generate a chosen class`);
    let from: tf.Tensor;
    let to: tf.Tensor;
    let what: string;
    if (model instanceof VAE) {
      // between pairs of test images, encoded
      // a conditional VAE encodes images of the path's class (--label) with that label
      const data = (await loadData(opts.data, "test", model.conditional ? undefined : 2 * opts.paths)).withRange("[0,1]");
      const indices = Array.from({ length: data.size }, (_, i) => i).filter((i) => !model.conditional || data.labels[i] === opts.label).slice(0, 2 * opts.paths);
      if (indices.length < 2 * opts.paths) throw new CliError(`--paths ${opts.paths}: ${data.name} holds only ${indices.length} images${model.conditional ? ` of class ${opts.label}` : ""}`, EXIT_CODES.usage);
      const batch = data.batch(indices);
      [from, to] = tf.tidy(() => [tf.slice(batch.images, [0], [opts.paths]), tf.slice(batch.images, [opts.paths], [opts.paths])]);
      batch.dispose();
      what = `between pairs of ${data.name} images`;
    } else {
      [from, to] = [tf.randomNormal([opts.paths, model.latentDim], 0, 1, "float32", opts.seed), tf.randomNormal([opts.paths, model.latentDim], 0, 1, "float32", opts.seed + 1)];
      what = `between seeded latents (seed ${opts.seed})`;
    }
    const images = interpolate(model, from, to, { steps: opts.steps, method: opts.method, label: opts.label });
    tf.dispose([from, to]);
    await writePng(out, imageGrid(images, { cols: opts.steps, range: model.pixelRange }));
    images.dispose();
    console.log(`wrote ${opts.paths} ${opts.method} path(s) of ${opts.steps} images of ${modelDir}, ${what}, to ${out}`);
  } finally {
    model.dispose();
  }
}

async function runLatentMap(dir: string, opts: LatentMapOptions): Promise<void> {
  const out = outFile(opts.out, "latent-map.svg");
  const { modelDir, model } = await start(dir, opts);
  try {
    if (!(model instanceof VAE)) throw new InvalidArgumentError(`${modelDir} holds a ${model.kind} model; latent maps need a VAE's encoder (for a GAN, try gen-mnist interpolate)`);
    const data = await loadData(opts.data, "test", opts.count);
    const embedding = await latentEmbedding(model, data);
    const classNames = opts.data === "fashion-mnist" ? FASHION_MNIST_CLASSES : undefined;
    await writeFileAtomic(out, await latentMapSvg(embedding, { title: `${model.name}: ${data.name} in latent space`, ...(classNames ? { classNames } : {}) }));
    const how = embedding.method === "direct" ? "2-D latents" : `PCA, ${(100 * (embedding.explainedVariance[0] + embedding.explainedVariance[1])).toFixed(0)}% of the variance`;
    console.log(`wrote the latent map of ${embedding.n} ${data.name} images (${how}) to ${out}`);
    if (model.latentDim === 2) {
      const manifoldPath = join(dirname(out), `${basename(out, extname(out))}-manifold.png`);
      const grid = latentManifold(model, { size: 20 });
      await writePng(manifoldPath, imageGrid(grid, { cols: 20, range: "[0,1]" }));
      grid.dispose();
      console.log(`wrote the decoded 20x20 manifold over [-3, 3]² to ${manifoldPath}`);
    }
  } finally {
    model.dispose();
  }
}

const commonOptions = (command: Command): Command =>
  command
    .option("--data <name>", "mnist, fashion-mnist or a folder of IDX files (its test split)", "mnist")
    .addOption(new Option("--backend <name>", "tfjs backend").choices([...BACKEND_REQUESTS]).default("auto"))
    .addOption(threadsOption())
    .addOption(verboseOption())
    .addHelpText("after", EXIT_CODES_HELP);

/** `gen-mnist interpolate <dir>`: latent paths as a PNG grid, one path a row. */
export function interpolateCommand(): Command {
  return commonOptions(
    new Command("interpolate")
      .description("walk a model's latent space: a GAN between seeded latents, a VAE between encoded test images; one path per row")
      .argument("<dir>", "run folder, model folder or checkpoint folder")
      .option("--steps <n>", "images per path, both ends included", integer("--steps", 2, 100), 10)
      .option("--paths <n>", "paths (rows)", integer("--paths", 1, 100), 8)
      .addOption(new Option("--method <method>", "straight line or great circle").choices(["slerp", "linear"]).default("slerp"))
      .option("--seed <n>", "seed of a GAN's end latents", integer("--seed", 0), 0)
      .option("--label <class>", "class of every image (conditional models)", integer("--label", 0), 0)
      .option("--out <file>", "PNG file", "interpolation.png"),
  ).action((dir: string, opts: InterpolateOptions) => runInterpolate(dir, opts));
}

/** `gen-mnist latent-map <dir>`: a VAE's test split in latent space (and the manifold of a 2-D one). */
export function latentMapCommand(): Command {
  return commonOptions(
    new Command("latent-map")
      .description("a VAE's test images in latent space, coloured by class (PCA above 2-D); for latentDim 2 also the decoded manifold")
      .argument("<dir>", "run folder, model folder or checkpoint folder of a VAE")
      .option("-n, --count <n>", "test images to encode", integer("-n", 2, 100_000), 5000)
      .option("--out <file>", "SVG file (a 2-D VAE's manifold goes beside it as <name>-manifold.png)", "latent-map.svg"),
  ).action((dir: string, opts: LatentMapOptions) => runLatentMap(dir, opts));
}
