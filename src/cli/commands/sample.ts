import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { Command, Option } from "commander";
import type * as tf from "@tensorflow/tfjs-core";
import {
  BACKEND_REQUESTS,
  CheckpointError,
  GaussianMixtureSampler,
  InvalidArgumentError,
  LatentSpaceAdaptation,
  loadOracle,
  imageGrid,
  imageSetFromTensor,
  loadModel,
  useBackend,
  writeIdx,
  writePng,
  VAE,
  type BackendRequest,
} from "../../index.js";
import { CliError, EXIT_CODES, EXIT_CODES_HELP } from "../errors.js";
import { findModelDir, integer, loadData, reportBackend, threadsOption, verboseOption } from "../options.js";

interface SampleOptions {
  count: number;
  sampler: "prior" | "gmm" | "lsa";
  data: string;
  out?: string;
  label?: number;
  format: "png" | "idx";
  seed: number;
  backend: BackendRequest;
  threads?: number;
  verbose?: boolean;
}

async function sample(dir: string, opts: SampleOptions): Promise<void> {
  const defaultName = opts.format === "idx" ? "samples-idx3-ubyte" : "samples.png";
  const out = opts.out ?? defaultName;
  if (existsSync(out) && statSync(out).isDirectory()) {
    throw new CliError(`--out ${out}: is a folder; expected a file name, e.g. ${join(out, defaultName)}`, EXIT_CODES.usage);
  }
  reportBackend(await useBackend(opts.backend, opts.threads === undefined ? {} : { threads: opts.threads }), opts);
  const modelDir = await findModelDir(dir);
  const model = await loadModel(modelDir);
  if (opts.label !== undefined && !model.conditional) {
    throw new CheckpointError(`--label: ${model.name} is not conditional; it cannot generate a chosen class`);
  }
  const labels = opts.label === undefined ? undefined : new Array<number>(opts.count).fill(opts.label);
  let latents: tf.Tensor2D | undefined;
  if (opts.sampler === "gmm") {
    // a Gaussian mixture fitted to the VAE's encodings of the test split (10 components)
    if (!(model instanceof VAE)) throw new InvalidArgumentError(`--sampler gmm: needs a VAE's encoder; ${model.name} is a ${model.kind} model (try --sampler lsa for a GAN)`);
    const gmm = new GaussianMixtureSampler();
    await gmm.fit(model, await loadData(opts.data, "test"));
    console.log(`fitted a ${gmm.components.length}-component Gaussian mixture to ${model.name}'s encodings of the ${opts.data} test split (${gmm.iterations} EM iterations)`);
    latents = gmm.sample(opts.count, { seed: opts.seed });
  } else if (opts.sampler === "lsa") {
    // Latent Space Adaptation: the GAN's candidates the data's oracle finds closest to real images, per class
    if (model.conditional) throw new InvalidArgumentError(`--sampler lsa: ${model.name} is conditional; Latent Space Adaptation is for unconditional GANs`);
    if (opts.data !== "mnist" && opts.data !== "fashion-mnist") {
      throw new InvalidArgumentError(`--sampler lsa: labels candidates with a shipped oracle, which knows mnist and fashion-mnist, not ${opts.data}`);
    }
    const oracle = await loadOracle(opts.data);
    try {
      const lsa = new LatentSpaceAdaptation({ oracle });
      await lsa.fit(model, await loadData(opts.data, "test"));
      const kept = lsa.classes.reduce((s, c) => s + c.kept, 0);
      const shares = lsa.classes.map((c) => c.normalShare).filter(Number.isFinite);
      const normal = shares.length === 0 ? "no class kept enough latents to test normality" : `${(100 * (shares.reduce((s, v) => s + v, 0) / shares.length)).toFixed(0)}% of the per-class latent dimensions pass Shapiro–Wilk at 0.05`;
      console.log(`Latent Space Adaptation (${opts.data} oracle): kept ${kept} of 10000 candidates over ${lsa.classes.length} classes; ${normal}`);
      latents = lsa.sample(opts.count, { seed: opts.seed });
    } finally {
      oracle.dispose();
    }
  }
  const images = model.sample(opts.count, { seed: opts.seed, ...(labels ? { labels } : {}), ...(latents ? { latents } : {}) });
  latents?.dispose();
  if (!images.dataSync().every(Number.isFinite)) {
    images.dispose();
    model.dispose();
    throw new CheckpointError(`${modelDir}: the model generates NaN or infinite pixels (its weights diverged); sample an earlier checkpoint`);
  }
  if (opts.format === "png") {
    await writePng(out, imageGrid(images, { range: model.pixelRange }));
  } else {
    const set = imageSetFromTensor(images, model.pixelRange);
    await writeIdx(out, { dtype: "uint8", dims: [set.size, set.height, set.width], data: set.pixels });
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
    .option("-n, --count <n>", "number of images", integer("-n", 1, 100_000), 64)
    .option("--out <file>", "output file (default: samples.png, or samples-idx3-ubyte with --format idx)")
    .option("--label <class>", "class of every sample (conditional models)", integer("--label", 0))
    .addOption(new Option("--format <format>", "png grid or IDX file (uint8, for evaluation)").choices(["png", "idx"]).default("png"))
    .option("--seed <n>", "seed of the latent draw", integer("--seed", 0), 0)
    .addOption(new Option("--sampler <name>", "latents from the prior N(0, I); gmm: a Gaussian mixture fitted to a VAE's encodings of the --data test split; lsa: Latent Space Adaptation of a GAN against that split").choices(["prior", "gmm", "lsa"]).default("prior"))
    .option("--data <name>", "data whose test split --sampler gmm/lsa fits to: mnist, fashion-mnist or a folder of IDX files", "mnist")
    .addOption(new Option("--backend <name>", "tfjs backend").choices([...BACKEND_REQUESTS]).default("auto"))
    .addOption(threadsOption())
    .addOption(verboseOption())
    .action((dir: string, opts: SampleOptions) => sample(dir, opts))
    .addHelpText("after", EXIT_CODES_HELP);
}
