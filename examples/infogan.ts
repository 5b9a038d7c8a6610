/**
 * InfoGAN (Chen et al. 2016, "InfoGAN: Interpretable Representation Learning by Information
 * Maximizing Generative Adversarial Nets") as a model of your own, built on `BaseGenerativeModel`.
 *
 * The generator gets noise z and a categorical code c ~ Cat(10); the discriminator has a second
 * head Q(c | x) that guesses the code back from the image. Training also minimises the
 * cross-entropy of Q's guess (a lower bound on the mutual information I(c; G(z, c))), so the
 * generator learns to make the code visible in its images: on MNIST each code tends to become
 * one kind of digit, with no labels used.
 *
 * What a model of your own needs: a resolved, JSON-serialisable config (`resolveBaseConfig` fills
 * the shared fields), `kind`, `pixelRange`, `networks()`, `optimizers()`, `trainStep` and
 * `decodeLatents`, then `registerModel` so that `loadModel` and `Trainer.resume` can rebuild it.
 * Everything else (sample, save, load, checkpoints, random state, dispose) comes from the base.
 *
 *   npx tsx examples/infogan.ts                               # 1 epoch, then resumed for a 2nd
 *   GEN_MNIST_EXAMPLE_STEPS=3 npx tsx examples/infogan.ts     # 3 steps, then resumed for 3 more
 *
 * Importing this module only registers the kind "infogan"; running it trains.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import {
  BaseGenerativeModel,
  Checkpoint,
  InvalidArgumentError,
  Trainer,
  createOptimizer,
  imageGrid,
  latestCheckpoint,
  loadMnist,
  minimaxDiscriminatorLoss,
  minimizeWithParts,
  nonSaturatingGeneratorLoss,
  reduceLoss,
  registerModel,
  resolveBaseConfig,
  resolveScalars,
  trainableVariables,
  useBackend,
  writePng,
  type BaseModelConfig,
  type LossOptions,
  type OptimizerSpec,
  type StepLosses,
  type TrainBatch,
} from "gen-mnist";

/** The resolved config of an {@link InfoGAN}: plain JSON, saved with the model. */
export interface InfoGANConfig extends BaseModelConfig {
  /** Size of the incompressible noise z; `latentDim` is `noiseDim + categories`. */
  readonly noiseDim: number;
  /** Number of values of the categorical code c. */
  readonly categories: number;
  /** Width of the networks' hidden layers. */
  readonly hiddenUnits: number;
  /** Weight λ of the mutual-information term. */
  readonly infoWeight: number;
  /** Optimizer of the generator. */
  readonly generatorOptimizer: OptimizerSpec;
  /** Optimizer of the discriminator and its Q head. */
  readonly discriminatorOptimizer: OptimizerSpec;
}

/** What the constructor takes: any fields of {@link InfoGANConfig}, the rest defaulted. */
export type InfoGANOptions = Partial<InfoGANConfig>;

function checkInteger(field: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new InvalidArgumentError(`InfoGAN: config.${field} must be an integer >= ${min}, found ${value}`);
}

/**
 * Fills an {@link InfoGANOptions} with defaults (the paper's MNIST setup: 62 noise dimensions, 10
 * categories, λ = 1, Adam 2e-4 for D and 1e-3 for G, β1 = 0.5) and checks it. Resolving a
 * resolved config gives it back unchanged, which is what loading relies on.
 */
export function resolveInfoGANConfig(options: InfoGANOptions = {}): InfoGANConfig {
  const {
    noiseDim = 62,
    categories = 10,
    hiddenUnits = 256,
    infoWeight = 1,
    generatorOptimizer = { type: "adam", learningRate: 1e-3, beta1: 0.5 },
    discriminatorOptimizer = { type: "adam", learningRate: 2e-4, beta1: 0.5 },
  } = options;
  checkInteger("noiseDim", noiseDim, 1);
  checkInteger("categories", categories, 2);
  checkInteger("hiddenUnits", hiddenUnits, 1);
  if (!(infoWeight >= 0 && Number.isFinite(infoWeight))) throw new InvalidArgumentError(`InfoGAN: config.infoWeight must be a finite number >= 0, found ${infoWeight}`);
  const latentDim = noiseDim + categories;
  if (options.latentDim !== undefined && options.latentDim !== latentDim) {
    throw new InvalidArgumentError(`InfoGAN: config.latentDim is noiseDim + categories = ${latentDim}, found ${options.latentDim}; set noiseDim instead`);
  }
  // name, imageShape ([28, 28, 1]), numClasses, batchSize and seed: the fields every model shares
  const base = resolveBaseConfig("InfoGAN", { ...options, latentDim }, { name: "infogan", latentDim, batchSize: 64 });
  return { ...base, noiseDim, categories, hiddenUnits, infoWeight, generatorOptimizer, discriminatorOptimizer };
}

/**
 * The mutual-information term: the softmax cross-entropy `−Σ_k c_k log Q(k | x)` of the codes
 * `c` (one-hot `[B, K]`) under Q's logits `[B, K]`. `H(c) − loss` is the variational lower bound
 * L_I of the paper, so minimising it maximises the bound.
 */
export function infoLoss(codes: tf.Tensor, logits: tf.Tensor, options: LossOptions = {}): tf.Tensor {
  return tf.tidy(() => reduceLoss("infoLoss", tf.neg(tf.sum(tf.mul(codes, tf.logSoftmax(logits)), -1)), options));
}

const leaky = (x: tfl.SymbolicTensor): tfl.SymbolicTensor => tfl.layers.leakyReLU({ alpha: 0.2 }).apply(x) as tfl.SymbolicTensor;

/** Generator: `[noise, one-hot code]` → image in [-1, 1]; a small MLP with batch norm, fast on a CPU. */
function buildGenerator(c: InfoGANConfig): tfl.LayersModel {
  const init = (k: number) => tfl.initializers.glorotUniform({ seed: c.seed * 1000 + k });
  const [h, w, ch] = c.imageShape;
  const z = tfl.input({ shape: [c.latentDim] });
  // batch norm before each ReLU, as in the paper: without it the generator tends to ignore z
  const block = (x: tfl.SymbolicTensor, units: number, k: number): tfl.SymbolicTensor => {
    const dense = tfl.layers.dense({ units, kernelInitializer: init(k) }).apply(x);
    return tfl.layers.reLU().apply(tfl.layers.batchNormalization({ momentum: 0.9 }).apply(dense)) as tfl.SymbolicTensor;
  };
  let x = block(block(z, c.hiddenUnits, 1), c.hiddenUnits * 2, 2);
  x = tfl.layers.dense({ units: h * w * ch, activation: "tanh", kernelInitializer: init(3) }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.reshape({ targetShape: [h, w, ch] }).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: z, outputs: x, name: "infogan-generator" });
}

/** Discriminator: image → `[source logit [B, 1], code logits [B, K]]`, a shared trunk and two heads. */
function buildDiscriminator(c: InfoGANConfig): tfl.LayersModel {
  const init = (k: number) => tfl.initializers.glorotUniform({ seed: c.seed * 1000 + 100 + k });
  const image = tfl.input({ shape: [...c.imageShape] });
  let x = tfl.layers.flatten().apply(image) as tfl.SymbolicTensor;
  x = leaky(tfl.layers.dense({ units: c.hiddenUnits * 2, kernelInitializer: init(1) }).apply(x) as tfl.SymbolicTensor);
  x = leaky(tfl.layers.dense({ units: c.hiddenUnits, kernelInitializer: init(2) }).apply(x) as tfl.SymbolicTensor);
  const source = tfl.layers.dense({ units: 1, kernelInitializer: init(3), name: "source" }).apply(x) as tfl.SymbolicTensor;
  const q = leaky(tfl.layers.dense({ units: Math.max(c.categories, c.hiddenUnits / 2), kernelInitializer: init(4) }).apply(x) as tfl.SymbolicTensor);
  const code = tfl.layers.dense({ units: c.categories, kernelInitializer: init(5), name: "code" }).apply(q) as tfl.SymbolicTensor;
  return tfl.model({ inputs: image, outputs: [source, code], name: "infogan-discriminator" });
}

/**
 * InfoGAN with a categorical code. A latent vector `[latentDim]` is the noise (first `noiseDim`
 * entries) followed by `categories` code scores whose argmax is the code: a N(0, I) draw (what
 * `sample` and training draw) thus picks a uniformly random code, and latents whose code part is
 * a one-hot pick that code (see {@link InfoGAN.codeGridLatents}).
 *
 * @example
 * ```ts
 * const model = new InfoGAN({ seed: 1 });
 * await new Trainer(model, await loadMnist()).fit();
 * const grid = model.sample(100, { latents: model.codeGridLatents(10) }); // row r: code r
 * ```
 */
export class InfoGAN extends BaseGenerativeModel<InfoGANConfig> {
  /** The kind saved in the manifest; `InfoGAN.load` refuses other kinds up front. */
  static readonly kind = "infogan";
  readonly kind = "infogan";
  readonly pixelRange = "[-1,1]" as const;
  readonly generator: tfl.LayersModel;
  readonly discriminator: tfl.LayersModel;
  readonly generatorOptimizer: tf.Optimizer;
  readonly discriminatorOptimizer: tf.Optimizer;

  /** @param options - see {@link InfoGANConfig}; a saved model's resolved config too (on load). */
  constructor(options: InfoGANOptions = {}) {
    super(resolveInfoGANConfig(options));
    this.generator = buildGenerator(this.config);
    this.discriminator = buildDiscriminator(this.config);
    this.generatorOptimizer = createOptimizer(this.config.generatorOptimizer, "InfoGAN generatorOptimizer");
    this.discriminatorOptimizer = createOptimizer(this.config.discriminatorOptimizer, "InfoGAN discriminatorOptimizer");
  }

  /** The generator's input for latents `[n, latentDim]`: the noise, then the one-hot of the code scores' argmax. */
  generatorInput(latents: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const { noiseDim, categories } = this.config;
      const [noise, scores] = tf.split(latents, [noiseDim, categories], 1) as [tf.Tensor2D, tf.Tensor2D];
      const code = tf.cast(tf.oneHot(tf.argMax(scores, 1) as tf.Tensor1D, categories), "float32");
      return tf.concat([noise, code], 1) as tf.Tensor2D;
    });
  }

  /** Latents `[categories * columns, latentDim]` for a grid: row r has code r, column j the same seeded noise in every row. */
  codeGridLatents(columns: number, seed = 0): tf.Tensor2D {
    return tf.tidy(() => {
      const { noiseDim, categories } = this.config;
      const noise = tf.tile(tf.randomNormal([columns, noiseDim], 0, 1, "float32", seed), [categories, 1]);
      const codes = tf.oneHot(tf.tensor1d(Array.from({ length: categories * columns }, (_, i) => Math.floor(i / columns)), "int32"), categories);
      return tf.concat([noise, tf.cast(codes, "float32")], 1) as tf.Tensor2D;
    });
  }

  /** Q's guess of the code of images `[B, H, W, C]` in [-1, 1]: `[B]` code indices. */
  inferCodes(images: tf.Tensor4D): tf.Tensor1D {
    return tf.tidy(() => tf.argMax(this.discriminate(images, false)[1], 1) as tf.Tensor1D);
  }

  /** Runs the discriminator: `[source logits [B, 1], code logits [B, K]]`. */
  discriminate(images: tf.Tensor, training: boolean): [tf.Tensor, tf.Tensor] {
    return this.discriminator.apply(images, { training }) as [tf.Tensor, tf.Tensor];
  }

  /**
   * One discriminator update (real/fake BCE plus λ · info loss, which also trains Q) and one
   * generator update (non-saturating loss plus λ · info loss). Returns `dLoss`, `gLoss`,
   * `infoLoss` (Q's cross-entropy on the discriminator step's codes), `realScore`, `fakeScore`.
   */
  async trainStep(batch: TrainBatch): Promise<StepLosses> {
    const { images, size: n } = this.checkBatch("trainStep", batch);
    const { infoWeight, latentDim, categories } = this.config;
    // every draw of a step comes from the model's seeded generator: checkpoints resume exactly
    const [dSeed, gSeed] = [this.nextSeed(), this.nextSeed()];
    const fakeInputs = (seed: number): { input: tf.Tensor2D; code: tf.Tensor2D } => {
      const input = this.generatorInput(tf.randomNormal([n, latentDim], 0, 1, "float32", seed) as tf.Tensor2D);
      return { input, code: tf.slice(input, [0, latentDim - categories], [n, categories]) };
    };

    const d = tf.tidy(() =>
      minimizeWithParts(this.discriminatorOptimizer, trainableVariables(this.discriminator), () => {
        const { input, code } = fakeInputs(dSeed);
        const fake = this.generator.apply(input, { training: true }) as tf.Tensor;
        const [realLogits] = this.discriminate(images, true);
        const [fakeLogits, codeLogits] = this.discriminate(fake, true);
        const info = infoLoss(code, codeLogits) as tf.Scalar;
        const loss = tf.add(minimaxDiscriminatorLoss(realLogits, fakeLogits), tf.mul(infoWeight, info)) as tf.Scalar;
        return { loss, infoLoss: info, realScore: tf.mean(realLogits) as tf.Scalar, fakeScore: tf.mean(fakeLogits) as tf.Scalar };
      }),
    );
    const g = tf.tidy(() =>
      minimizeWithParts(this.generatorOptimizer, trainableVariables(this.generator), () => {
        const { input, code } = fakeInputs(gSeed);
        const [fakeLogits, codeLogits] = this.discriminate(this.generator.apply(input, { training: true }) as tf.Tensor, true);
        const loss = tf.add(nonSaturatingGeneratorLoss(fakeLogits), tf.mul(infoWeight, infoLoss(code, codeLogits))) as tf.Scalar;
        return { loss };
      }),
    );
    this.countStep();
    // one read of every scalar, which are disposed
    const { loss: dLoss, ...dParts } = d;
    return resolveScalars({ dLoss, gLoss: g.loss, ...dParts });
  }

  /** What `sample` decodes: the generator in inference mode. */
  protected decodeLatents(z: tf.Tensor2D): tf.Tensor4D {
    return this.generator.apply(this.generatorInput(z), { training: false }) as tf.Tensor4D;
  }

  /** Networks by role: saved as `generator.*` and `discriminator.*`. */
  networks(): Record<string, tfl.LayersModel> {
    return { generator: this.generator, discriminator: this.discriminator };
  }

  /** Optimizers by role: their state is saved in checkpoints, so a resumed run continues exactly. */
  optimizers(): Record<string, tf.Optimizer> {
    return { generator: this.generatorOptimizer, discriminator: this.discriminatorOptimizer };
  }
}

/** Builds an {@link InfoGAN}. */
export function createInfoGAN(config: InfoGANOptions = {}): InfoGAN {
  return new InfoGAN(config);
}

// The one side effect of importing this module: loadModel and Trainer.resume find "infogan" folders.
registerModel<InfoGANOptions>("infogan", { create: (config) => new InfoGAN(config) });

async function main(): Promise<void> {
  await useBackend("gen-mnist");
  const quickSteps = Number(process.env.GEN_MNIST_EXAMPLE_STEPS ?? "") || undefined;
  const out = join("runs", "examples", "infogan");
  const checkpoints = join(out, "checkpoints");
  // a fresh run: resuming must not pick up a checkpoint of an earlier, longer one
  await rm(checkpoints, { recursive: true, force: true });
  const data = await loadMnist({ split: "train", limit: quickSteps === undefined ? 60_000 : 256 });

  // 1. Train, saving a checkpoint at the end of each epoch (and `last/` at the end).
  const model = createInfoGAN({ seed: 1 });
  const firstRun = quickSteps === undefined ? { epochs: 1 } : { steps: quickSteps };
  await new Trainer(model, data, { ...firstRun, callbacks: [new Checkpoint({ dir: checkpoints, every: 1 })] }).fit();
  model.dispose();

  // 2. Resume from the newest checkpoint: its manifest says kind "infogan", the registry builds
  //    `new InfoGAN(savedConfig)`, then weights, optimizer moments, random state and the data
  //    position are restored: the run continues as if it had never stopped.
  const from = await latestCheckpoint(checkpoints);
  if (from === undefined) throw new Error(`no checkpoint under ${checkpoints}`);
  const more = quickSteps === undefined ? { epochs: 2 } : { steps: 2 * quickSteps };
  const trainer = await Trainer.resume(from, data, { ...more, callbacks: [new Checkpoint({ dir: checkpoints, every: 1 })] });
  const history = await trainer.fit();
  const resumed = trainer.model;
  if (!(resumed instanceof InfoGAN)) throw new Error(`resumed a ${resumed.kind}, expected an InfoGAN`);

  // 3. One row per code, the same noise down each column: a learnt code changes the digit.
  const columns = 10;
  const latents = resumed.codeGridLatents(columns, 5);
  const images = resumed.sample(resumed.config.categories * columns, { latents });
  await writePng(join(out, "codes.png"), imageGrid(images, { rows: resumed.config.categories, cols: columns, range: resumed.pixelRange }));
  // how often Q reads back the code each image was drawn with
  const agreement = tf.tidy(() => {
    const wanted = tf.argMax(tf.slice(latents, [0, resumed.config.noiseDim], [-1, resumed.config.categories]), 1);
    return tf.mean(tf.cast(tf.equal(resumed.inferCodes(images), wanted), "float32")).dataSync()[0] ?? Number.NaN;
  });
  tf.dispose([latents, images]);
  resumed.dispose();
  console.log(
    `infogan: trained, resumed from ${from} to step ${history.totalSteps}; wrote ${join(checkpoints, "last")}/ and ${join(out, "codes.png")} ` +
      `(row r = code r; Q recovers ${(agreement * 100).toFixed(0)}% of the codes)`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
