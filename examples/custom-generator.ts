/**
 * A generator of your own tfjs layers inside a gen-mnist GAN.
 *
 * DCGAN's published generator uses transposed convolutions; this one upsamples by nearest
 * neighbour and convolves (the "resize-convolution" that avoids checkerboard artefacts, Odena et
 * al. 2016): dense → reshape 7x7 → upSampling2d → conv2d → upSampling2d → conv2d tanh. It is
 * given to `DCGAN` as a function of the model's `NetworkContext`, trained with the DCGAN
 * discriminator, saved, loaded back with `GAN.load` (the network is rebuilt from the topology
 * saved beside its weights: no code needed to load it) and checked to draw the same samples.
 *
 *   npx tsx examples/custom-generator.ts                              # 1 epoch on 6,400 digits
 *   GEN_MNIST_EXAMPLE_STEPS=3 npx tsx examples/custom-generator.ts    # 3 steps on 256 digits
 */
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { DCGAN, GAN, Trainer, imageGrid, loadMnist, useBackend, writePng, type NetworkContext } from "gen-mnist";

await useBackend("gen-mnist");
const quickSteps = Number(process.env.GEN_MNIST_EXAMPLE_STEPS ?? "") || undefined;
const out = join("runs", "examples", "custom-generator");

/**
 * Builds the generator for a model: `context` says the latent size, the image shape and the seed.
 * Seeding each initializer from `context.seed` makes two models of one seed start alike.
 */
function upsamplingGenerator(context: NetworkContext): tfl.LayersModel {
  const [height, width, channels] = context.imageShape; // [28, 28, 1]
  const init = (k: number) => tfl.initializers.glorotUniform({ seed: context.seed * 100 + k });
  const z = tfl.input({ shape: [context.latentDim] });
  let x = tfl.layers.dense({ units: (height / 4) * (width / 4) * 64, activation: "relu", kernelInitializer: init(1) }).apply(z) as tfl.SymbolicTensor;
  x = tfl.layers.reshape({ targetShape: [height / 4, width / 4, 64] }).apply(x) as tfl.SymbolicTensor; // 7x7x64
  x = tfl.layers.upSampling2d({ size: [2, 2] }).apply(x) as tfl.SymbolicTensor; // 14x14x64
  x = tfl.layers.conv2d({ filters: 32, kernelSize: 3, padding: "same", activation: "relu", kernelInitializer: init(2) }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.upSampling2d({ size: [2, 2] }).apply(x) as tfl.SymbolicTensor; // 28x28x32
  // tanh: GAN images live in [-1, 1]
  x = tfl.layers.conv2d({ filters: channels, kernelSize: 3, padding: "same", activation: "tanh", kernelInitializer: init(3) }).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: z, outputs: x, name: "upsampling-generator" });
}

// The slot takes the function; DCGAN checks the network's input [latentDim] and output [28, 28, 1].
const model = new DCGAN({ name: "dcgan-upsampling", generator: upsamplingGenerator, latentDim: 64, batchSize: quickSteps === undefined ? 64 : 16, seed: 3 });

// DCGAN's discriminator takes about a second per step of 64 on a CPU: 100 steps here.
const data = await loadMnist({ split: "train", limit: quickSteps === undefined ? 6_400 : 256 });
const history = await new Trainer(model, data, quickSteps === undefined ? { epochs: 1 } : { steps: quickSteps }).fit();

// Save, then load with the GAN class: the saved config refers to the generator's saved topology.
const dir = join(out, "model");
await model.save(dir);
const reloaded = await GAN.load(dir);

// The same seed must draw the same images from both.
const before = model.sample(64, { seed: 11 });
const after = reloaded.sample(64, { seed: 11 });
const maxAbsDiff = tf.tidy(() => tf.max(tf.abs(tf.sub(before, after))).dataSync()[0] ?? Number.NaN);
await writePng(join(out, "samples.png"), imageGrid(after, { cols: 8, range: reloaded.pixelRange }));
tf.dispose([before, after]);

const layers = reloaded.generator.layers.map((l) => l.getClassName()).join(" → ");
model.dispose();
reloaded.dispose();
console.log(
  `custom-generator: trained ${history.totalSteps} steps with generator ${layers}; wrote ${dir}/ and ${join(out, "samples.png")}; ` +
    `reloaded samples max abs diff ${maxAbsDiff}`,
);
if (maxAbsDiff !== 0) process.exitCode = 1;
