import type * as tf from "@tensorflow/tfjs-core";
import { InvalidArgumentError } from "../errors.js";
import {
  hingeDiscriminatorLoss,
  hingeGeneratorLoss,
  leastSquaresDiscriminatorLoss,
  leastSquaresGeneratorLoss,
  minimaxDiscriminatorLoss,
  minimaxGeneratorLoss,
  nonSaturatingGeneratorLoss,
  wassersteinDiscriminatorLoss,
  wassersteinGeneratorLoss,
  type DiscriminatorLossOptions,
} from "../losses/gan.js";
import type { LossOptions } from "../losses/reduction.js";

/**
 * The built-in adversarial objectives of a GAN:
 * - `"non-saturating"`: BCE discriminator, generator minimises `−log D(G(z))` (Goodfellow 2014);
 * - `"minimax"`: BCE discriminator, generator minimises `log(1 − D(G(z)))`;
 * - `"wasserstein"`: critic `E[D(fake)] − E[D(real)]` (WGAN, WGAN-GP);
 * - `"hinge"`: hinge discriminator, generator `−E[D(G(z))]`;
 * - `"least-squares"`: LSGAN.
 *
 * Any name registered with {@link registerGanObjective} works too, and `GANConfig.objective`
 * also takes a {@link GanLoss} object.
 */
export type GanObjective = "non-saturating" | "minimax" | "wasserstein" | "hinge" | "least-squares";

/** The built-in {@link GanObjective} names. */
export const GAN_OBJECTIVES: readonly GanObjective[] = ["non-saturating", "minimax", "wasserstein", "hinge", "least-squares"];

/**
 * A GAN objective as a pair of loss functions (TF-GAN's `gan_loss(generator_loss_fn=…,
 * discriminator_loss_fn=…)`): each takes the discriminator's outputs (logits or critic scores,
 * `[B, 1]`) and returns a scalar. Pass one as `GANConfig.objective`, or register it by name with
 * {@link registerGanObjective} so that saved models name it and load it again.
 *
 * @example
 * ```ts
 * const softplusLoss: GanLoss = {
 *   name: "softplus",
 *   discriminator: (real, fake, options) => tf.add(reduceLoss("d", tf.softplus(tf.neg(real)), options), reduceLoss("d", tf.softplus(fake), options)),
 *   generator: (fake, options) => reduceLoss("g", tf.softplus(tf.neg(fake)), options),
 * };
 * const gan = new DCGAN({ objective: softplusLoss }); // the preset's label smoothing is dropped: this loss has none
 * ```
 */
export interface GanLoss {
  /**
   * Name saved in the model's config; loading needs it registered (or the objective passed again).
   * @defaultValue "custom"
   */
  readonly name?: string;
  /**
   * Whether `discriminator` implements one-sided label smoothing (`options.labelSmoothing`); a
   * model with `labelSmoothing > 0` and an objective without it is an error.
   * @defaultValue false
   */
  readonly labelSmoothing?: boolean;
  /**
   * Whether `generator` needs the discriminator's outputs on the real batch too
   * (`options.realOutputs`), as relativistic losses (RaSGAN, RaLSGAN) do; the generator step then
   * runs the discriminator on the real batch as well.
   * @defaultValue false
   */
  readonly generatorUsesReal?: boolean;
  /** The discriminator (critic) loss to minimise, a scalar. */
  discriminator(realOutputs: tf.Tensor, fakeOutputs: tf.Tensor, options: DiscriminatorLossOptions): tf.Tensor;
  /** The generator loss to minimise, a scalar. */
  generator(fakeOutputs: tf.Tensor, options: GeneratorLossOptions): tf.Tensor;
}

/** What {@link GanLoss.generator} is given besides the fake outputs. */
export interface GeneratorLossOptions extends LossOptions {
  /** The discriminator's outputs on the real batch; given when the loss sets `generatorUsesReal`. */
  readonly realOutputs?: tf.Tensor;
}

const BUILT_IN: Readonly<Record<GanObjective, GanLoss>> = {
  "non-saturating": { name: "non-saturating", labelSmoothing: true, discriminator: minimaxDiscriminatorLoss, generator: nonSaturatingGeneratorLoss },
  minimax: { name: "minimax", labelSmoothing: true, discriminator: minimaxDiscriminatorLoss, generator: minimaxGeneratorLoss },
  wasserstein: { name: "wasserstein", discriminator: wassersteinDiscriminatorLoss, generator: wassersteinGeneratorLoss },
  hinge: { name: "hinge", discriminator: hingeDiscriminatorLoss, generator: hingeGeneratorLoss },
  "least-squares": { name: "least-squares", discriminator: leastSquaresDiscriminatorLoss, generator: leastSquaresGeneratorLoss },
};

const registered = new Map<string, GanLoss>(Object.entries(BUILT_IN));
/** The objects registered, by name, as given (the map above holds user objects' named wrappers). */
const originals = new Map<string, GanLoss>(Object.entries(BUILT_IN));

/**
 * Registers a GAN objective by name: `GANConfig.objective` then takes the name, and saved models
 * whose objective has that name load again.
 * @throws {@link InvalidArgumentError} when the name is taken by another objective (built-ins
 *   cannot be replaced; others with `{ replace: true }`) or `loss` lacks a function.
 *
 * @example
 * ```ts
 * registerGanObjective("softplus", softplusLoss);
 * const gan = new DCGAN({ objective: "softplus" });
 * ```
 */
export function registerGanObjective(name: string, loss: GanLoss, options: { readonly replace?: boolean } = {}): void {
  if (typeof name !== "string" || name.length === 0) throw new InvalidArgumentError(`registerGanObjective: name must be a non-empty string, found ${JSON.stringify(name)}`);
  checkGanLoss(`registerGanObjective('${name}')`, loss);
  const known = registered.get(name);
  // registering the same object again (a module evaluated twice) is no change
  if (known !== undefined && originals.get(name) === loss) return;
  if (known !== undefined && (name in BUILT_IN || options.replace !== true)) {
    throw new InvalidArgumentError(
      `registerGanObjective: '${name}' is registered already${name in BUILT_IN ? " (a built-in objective)" : "; pass { replace: true } to replace it"}`,
    );
  }
  // a wrapper, not a spread: a class instance's methods live on its prototype
  registered.set(name, {
    name,
    ...(loss.labelSmoothing === undefined ? {} : { labelSmoothing: loss.labelSmoothing }),
    ...(loss.generatorUsesReal === undefined ? {} : { generatorUsesReal: loss.generatorUsesReal }),
    discriminator: (real, fake, options) => loss.discriminator(real, fake, options),
    generator: (fake, options) => loss.generator(fake, options),
  });
  originals.set(name, loss);
}

/** Every registered objective name, the built-ins first. */
export function ganObjectiveNames(): string[] {
  return [...registered.keys()];
}

/**
 * Resolves `GANConfig.objective` to its loss functions and the name the config saves.
 * @throws {@link InvalidArgumentError} naming the registered objectives for an unknown name.
 * @internal
 */
export function resolveObjective(owner: string, objective: string | GanLoss): { readonly name: string; readonly loss: GanLoss } {
  if (typeof objective === "string") {
    const loss = registered.get(objective);
    if (loss === undefined) {
      throw new InvalidArgumentError(
        `${owner}: config.objective must be one of ${ganObjectiveNames().map((o) => `"${o}"`).join(", ")} (or registered with registerGanObjective, or a { discriminator, generator } object), found ${JSON.stringify(objective)}` +
          "; a model saved with an unregistered objective loads with load(dir, { objective }) or Trainer.resume(dir, data, { modelOverrides: { objective } })",
      );
    }
    return { name: objective, loss };
  }
  checkGanLoss(`${owner}: config.objective`, objective);
  const name = objective.name ?? "custom";
  // a loss saved under another objective's name would load as that objective
  const original = originals.get(name);
  if (original !== undefined && !sameFunctions(original, objective)) {
    throw new InvalidArgumentError(
      `${owner}: config.objective is named "${name}", the name of another registered objective; give it its own name (saved models record it)`,
    );
  }
  return { name, loss: objective };
}

const sameFunctions = (a: GanLoss, b: GanLoss): boolean => a.discriminator === b.discriminator && a.generator === b.generator;

function checkGanLoss(owner: string, loss: GanLoss): void {
  if (typeof loss !== "object" || loss === null || typeof loss.discriminator !== "function" || typeof loss.generator !== "function") {
    throw new InvalidArgumentError(`${owner}: an objective needs discriminator(real, fake, options) and generator(fake, options) functions`);
  }
}

/** Whether an objective (a name or a {@link GanLoss}) implements label smoothing; unknown names count as yes (resolving them fails later, with the list). @internal */
export function objectiveHasLabelSmoothing(objective: string | GanLoss): boolean {
  const loss = typeof objective === "string" ? registered.get(objective) : objective;
  return loss === undefined || loss.labelSmoothing === true;
}
