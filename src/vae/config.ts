import type * as tfl from "@tensorflow/tfjs-layers";
import { InvalidArgumentError } from "../errors.js";
import { checkRange } from "../_internals/check.js";
import { resolveBaseConfig } from "../nn/base-model.js";
import type { ImageShape } from "../nn/model.js";
import {
  checkNetworkShapes,
  checkSpecShapes,
  disposeFunctionBuilt,
  isLayersModel,
  materializeNetwork,
  resolvedNetwork,
  type NetworkContext,
  type NetworkInput,
  type NetworkShapes,
  type ResolvedNetwork,
} from "../nn/network-slot.js";
import type { OptimizerSpec } from "../nn/optimizer.js";
import type { NetworkSpec } from "../nn/spec.js";
import { convDecoder, convEncoder, mlpDecoder, mlpEncoder, smallConvDecoder, smallConvEncoder } from "./architectures.js";

/** VAE backbones: the published MLP and convolutional tables, and the small convolutional one (latent 10). */
export type VaeArchitecture = "mlp" | "conv" | "conv-small";

/** Reconstruction likelihood: Bernoulli (pixel-wise BCE, the default) or Gaussian (MSE). */
export type ReconstructionLoss = "bce" | "mse";

/** Configuration of a {@link VAE}; every field is optional. */
export interface VAEConfig {
  /**
   * Name of the model, used in files and messages.
   * @defaultValue "vae"
   */
  readonly name?: string;
  /**
   * Backbone of encoder and decoder.
   * @defaultValue "mlp"
   */
  readonly architecture?: VaeArchitecture;
  /**
   * A custom encoder (overrides `architecture`): a {@link NetworkSpec}, a tfjs `LayersModel` or a
   * function building one (see {@link NetworkInput}). Input `imageShape` (and `[numClasses]` for
   * a conditional `LayersModel`), output `[2 * latentDim]` (means, then log-variances).
   */
  readonly encoder?: NetworkInput;
  /**
   * A custom decoder (overrides `architecture`), as for `encoder`: input `[latentDim]` (and
   * `[numClasses]`), output `imageShape` in [0, 1]. Ending in a sigmoid `Activation` layer lets
   * the BCE loss use the logits before it (stabler).
   */
  readonly decoder?: NetworkInput;
  /**
   * Shape of one image, `[height, width, channels]`; the convolutional decoders need height and
   * width divisible by 4.
   * @defaultValue [28, 28, 1]
   */
  readonly imageShape?: ImageShape;
  /**
   * Latent size.
   * @defaultValue 16 (10 for `"conv-small"`)
   */
  readonly latentDim?: number;
  /**
   * Weight β of the KL term (β-VAE, Higgins et al. 2017); 1 is the plain VAE.
   * @defaultValue 1
   */
  readonly beta?: number;
  /**
   * Reconstruction term.
   * @defaultValue "bce"
   */
  readonly reconstruction?: ReconstructionLoss;
  /**
   * Conditional VAE (Sohn et al. 2015): the label is fed to encoder and decoder.
   * @defaultValue false
   */
  readonly conditional?: boolean;
  /**
   * How labels enter the networks.
   * @defaultValue "onehot"
   */
  readonly labelMode?: "onehot" | "embedding";
  /**
   * Number of classes of a conditional VAE.
   * @defaultValue 10
   */
  readonly numClasses?: number;
  /**
   * Optimizer of encoder and decoder together.
   * @defaultValue `{ type: "adam", learningRate: 1e-3 }`
   */
  readonly optimizer?: OptimizerSpec;
  /**
   * Batch size of the preset; the Trainer and CLI use it when none is given.
   * @defaultValue 128
   */
  readonly batchSize?: number;
  /**
   * Seed of the starting weights (see {@link BuildNetworkOptions.seed}) and of the
   * reparameterization noise of training steps: two models built with one seed start and train
   * alike (tfjs-layers dropout aside). Give each run of a study its own seed.
   * @defaultValue 0
   */
  readonly seed?: number;
}

/** A {@link VAEConfig} with every field filled in (JSON-serialisable: it is saved with the model). */
export type ResolvedVAEConfig = Required<Omit<VAEConfig, "encoder" | "decoder" | "imageShape">> & {
  /** Shape of one image. */
  readonly imageShape: ImageShape;
  /** The encoder actually built (label input included for conditional models), or a reference to a given `LayersModel`. */
  readonly encoder: ResolvedNetwork;
  /** The decoder actually built (label input included for conditional models), or a reference to a given `LayersModel`. */
  readonly decoder: ResolvedNetwork;
};

/** A VAE config ready to build: the resolved config and the networks to build or use. @internal */
export interface PreparedVAE {
  readonly config: ResolvedVAEConfig;
  readonly encoder: NetworkSpec | tfl.LayersModel;
  readonly decoder: NetworkSpec | tfl.LayersModel;
  /** The inputs and outputs each network must have (checked again once specs are built). */
  readonly shapes: Readonly<Record<"encoder" | "decoder", NetworkShapes>>;
}

/**
 * Fills a {@link VAEConfig} with defaults and checks it.
 * @throws {@link InvalidArgumentError} naming the field at fault.
 */
export function resolveVAEConfig(config: VAEConfig = {}): ResolvedVAEConfig {
  const prepared = prepareVAE(config);
  disposeFunctionBuilt(config, prepared, ["encoder", "decoder"]);
  return prepared.config;
}

/** {@link resolveVAEConfig}, keeping the networks (specs or models). @internal */
export function prepareVAE(config: VAEConfig = {}): PreparedVAE {
  const owner = `VAE '${config.name ?? "vae"}'`;
  const { architecture = "mlp", beta = 1, reconstruction = "bce", conditional = false, labelMode = "onehot", optimizer = { type: "adam", learningRate: 1e-3 } } = config;
  const base = resolveBaseConfig(owner, config, { name: "vae", latentDim: architecture === "conv-small" ? 10 : 16, batchSize: 128 });
  const { latentDim, imageShape, numClasses } = base;
  const backbones = {
    mlp: () => ({ e: mlpEncoder({ latentDim, imageShape }), d: mlpDecoder({ latentDim, imageShape }) }),
    conv: () => ({ e: convEncoder({ latentDim, imageShape }), d: convDecoder({ latentDim, imageShape }) }),
    "conv-small": () => ({ e: smallConvEncoder({ latentDim, imageShape }), d: smallConvDecoder({ latentDim, imageShape }) }),
  };
  if (!(architecture in backbones)) {
    throw new InvalidArgumentError(`${owner}: config.architecture must be "mlp", "conv" or "conv-small", found ${JSON.stringify(architecture)}`);
  }
  if (reconstruction !== "bce" && reconstruction !== "mse") {
    throw new InvalidArgumentError(`${owner}: config.reconstruction must be "bce" or "mse", found ${JSON.stringify(reconstruction)}`);
  }
  checkRange(owner, "config.beta", beta, 0, Infinity, false);
  const context: NetworkContext = { latentDim, imageShape, numClasses, conditional, seed: base.seed };
  const givenEncoder = materializeNetwork(owner, "encoder", config.encoder, context);
  let givenDecoder: NetworkSpec | tfl.LayersModel | undefined;
  try {
    givenDecoder = materializeNetwork(owner, "decoder", config.decoder, context);
    const backbone = givenEncoder === undefined || givenDecoder === undefined ? backbones[architecture]() : undefined;
    let encoder = givenEncoder ?? (backbone as { e: NetworkSpec }).e;
    let decoder = givenDecoder ?? (backbone as { d: NetworkSpec }).d;
    const label = conditional ? [[numClasses]] : [];
    const shapes = {
      encoder: { inputs: [imageShape, ...label], outputs: [[2 * latentDim]] },
      decoder: { inputs: [[latentDim], ...label], outputs: [imageShape] },
    };
    if (isLayersModel(encoder)) {
      checkNetworkShapes(owner, "encoder", encoder, shapes.encoder);
    } else {
      const out = encoder.outputShape;
      if (out !== undefined && (out.length !== 1 || out[0] !== 2 * latentDim)) {
        throw new InvalidArgumentError(`${owner}: the encoder must output [2 * latentDim] = [${2 * latentDim}] (means, then log-variances), found [${out.join(", ")}]`);
      }
      if (encoder.inputShape.join() !== imageShape.join()) {
        throw new InvalidArgumentError(`${owner}: the encoder's inputShape must be the image shape [${imageShape.join(", ")}], found [${encoder.inputShape.join(", ")}]`);
      }
      if (conditional) encoder = { ...encoder, condition: { numClasses, mode: labelMode } };
    }
    if (isLayersModel(decoder)) {
      checkNetworkShapes(owner, "decoder", decoder, shapes.decoder);
    } else {
      checkSpecShapes(owner, "decoder", decoder, [latentDim], imageShape);
      if (conditional) decoder = { ...decoder, condition: { numClasses, mode: labelMode } };
    }
    const resolved: ResolvedVAEConfig = {
      ...base, architecture, beta, reconstruction, conditional, labelMode, optimizer,
      encoder: resolvedNetwork(encoder, "encoder"),
      decoder: resolvedNetwork(decoder, "decoder"),
    };
    return { config: resolved, encoder, decoder, shapes };
  } catch (err) {
    // what a slot function built is not the caller's to dispose
    disposeFunctionBuilt(config, { encoder: givenEncoder, decoder: givenDecoder }, ["encoder", "decoder"]);
    throw err;
  }
}
