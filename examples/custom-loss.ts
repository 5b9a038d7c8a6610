/**
 * A custom GAN loss on DCGAN.
 *
 * Writes the "logistic" GAN loss (the softplus form of the non-saturating loss, as StyleGAN's
 * `D_logistic` / `G_logistic_ns` name it) as a `GanLoss` object, registers it by name with
 * `registerGanObjective`, trains a DCGAN with it, saves the model, loads it back with `loadModel`
 * (the saved config names the objective "logistic": the registration is what lets it load) and
 * writes a grid of samples of the reloaded model.
 *
 *   npx tsx examples/custom-loss.ts                               # 1 epoch on 10,000 digits
 *   GEN_MNIST_EXAMPLE_STEPS=3 npx tsx examples/custom-loss.ts     # 3 steps on 256 digits
 *
 * The loss functions are exported: examples/loss-property.test.ts tests their properties.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import {
  DCGAN,
  InvalidArgumentError,
  Trainer,
  imageGrid,
  loadMnist,
  loadModel,
  reduceLoss,
  registerGanObjective,
  splitPairedOptions,
  useBackend,
  writePng,
  type DiscriminatorLossOptions,
  type GanLoss,
  type LossOptions,
} from "gen-mnist";

/**
 * Discriminator loss on logits: `softplus(−D(x)) + softplus(D(G(z)))` per example, i.e.
 * `−log σ(real) − log(1 − σ(fake))`. With one-sided label smoothing `s` the real target is
 * `1 − s`, whose cross-entropy is `softplus(−real) + s · real`.
 *
 * `splitPairedOptions` gives the real and the fake term their own weights (`realWeights`,
 * `fakeWeights`) and `reduceLoss` applies the weights and the reduction, so the loss accepts
 * every option the library's own losses accept.
 */
export function logisticDiscriminatorLoss(real: tf.Tensor, fake: tf.Tensor, options: DiscriminatorLossOptions = {}): tf.Tensor {
  const { labelSmoothing = 0, ...rest } = options;
  if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
    throw new InvalidArgumentError(`logisticDiscriminatorLoss: options.labelSmoothing must be in [0, 1), found ${labelSmoothing}`);
  }
  const [onReal, onFake] = splitPairedOptions(rest);
  return tf.tidy(() => {
    const realTerm = tf.add(tf.softplus(tf.neg(real)), tf.mul(labelSmoothing, real));
    const fakeTerm = tf.softplus(fake);
    return tf.add(reduceLoss("logisticDiscriminatorLoss", realTerm, onReal), reduceLoss("logisticDiscriminatorLoss", fakeTerm, onFake));
  });
}

/** Generator loss on logits: `softplus(−D(G(z)))` = `−log σ(fake)` (non-saturating). */
export function logisticGeneratorLoss(fake: tf.Tensor, options: LossOptions = {}): tf.Tensor {
  return tf.tidy(() => reduceLoss("logisticGeneratorLoss", tf.softplus(tf.neg(fake)), options));
}

/**
 * The pair as a `GanLoss`. `labelSmoothing: true` declares that the discriminator loss honours
 * `options.labelSmoothing`, so models may set `labelSmoothing > 0` with it.
 */
export const logisticLoss: GanLoss = {
  name: "logistic",
  labelSmoothing: true,
  discriminator: logisticDiscriminatorLoss,
  generator: logisticGeneratorLoss,
};

// Registered when the module loads: `new DCGAN({ objective: "logistic" })` works, and any model
// saved with it loads again in a process that imported this module.
registerGanObjective("logistic", logisticLoss);

async function main(): Promise<void> {
  await useBackend("gen-mnist");
  // GEN_MNIST_EXAMPLE_STEPS (CI) trains that many steps on 256 digits at batch 16: DCGAN takes
  // about a second per step on a CPU. Without it: one epoch on 10,000 digits at batch 64.
  const quickSteps = Number(process.env.GEN_MNIST_EXAMPLE_STEPS ?? "") || undefined;
  const out = join("runs", "examples", "custom-loss");
  const data = await loadMnist({ split: "train", limit: quickSteps === undefined ? 10_000 : 256 });

  const model = new DCGAN({ name: "dcgan-logistic", objective: "logistic", labelSmoothing: 0.1, batchSize: quickSteps === undefined ? 64 : 16, seed: 1 });
  const history = await new Trainer(model, data, quickSteps === undefined ? { epochs: 1 } : { steps: quickSteps }).fit();
  const last = history.steps[history.steps.length - 1]?.losses ?? {};

  // Save, forget the model, and load it back by kind: the manifest says "gan", the config says
  // objective "logistic", which the registry above resolves to our functions.
  await model.save(join(out, "model"));
  model.dispose();
  const reloaded = await loadModel(join(out, "model"));

  const images = reloaded.sample(64, { seed: 7 });
  await writePng(join(out, "samples.png"), imageGrid(images, { cols: 8, range: reloaded.pixelRange }));
  images.dispose();
  reloaded.dispose();
  console.log(
    `custom-loss: trained ${history.totalSteps} steps with the "logistic" objective (dLoss ${last.dLoss?.toFixed(3)}, gLoss ${last.gLoss?.toFixed(3)}); ` +
      `wrote ${join(out, "model")}/ and ${join(out, "samples.png")} (64 samples of the reloaded model)`,
  );
}

// Run only as a script: the property test imports the losses without training anything.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
