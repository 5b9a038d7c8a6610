import * as tf from "@tensorflow/tfjs-core";
import { InvalidArgumentError } from "../errors.js";

/** Adam (Kingma & Ba 2015). */
export interface AdamSpec {
  /** Discriminant. */
  readonly type: "adam";
  /** Step size. */
  readonly learningRate: number;
  /** @defaultValue 0.9 */
  readonly beta1?: number;
  /** @defaultValue 0.999 */
  readonly beta2?: number;
  /** @defaultValue 1e-8 (PyTorch's default; tfjs's own is 1e-7) */
  readonly epsilon?: number;
}

/** RMSProp (Tieleman & Hinton 2012), the optimizer of the original WGAN. */
export interface RmsPropSpec {
  /** Discriminant. */
  readonly type: "rmsprop";
  /** Step size. */
  readonly learningRate: number;
  /** @defaultValue 0.99 (PyTorch's alpha) */
  readonly decay?: number;
  /** @defaultValue 1e-8 */
  readonly epsilon?: number;
}

/** Plain stochastic gradient descent. */
export interface SgdSpec {
  /** Discriminant. */
  readonly type: "sgd";
  /** Step size. */
  readonly learningRate: number;
}

/** An optimizer as data, so it can be stored in a config and rebuilt on load. */
export type OptimizerSpec = AdamSpec | RmsPropSpec | SgdSpec;

/**
 * Creates the tfjs optimizer an {@link OptimizerSpec} describes.
 * @throws {@link InvalidArgumentError} on a non-positive learning rate or an unknown type.
 */
export function createOptimizer(spec: OptimizerSpec, owner = "createOptimizer"): tf.Optimizer {
  if (!(spec.learningRate > 0) || !Number.isFinite(spec.learningRate)) {
    throw new InvalidArgumentError(`${owner}: learningRate must be a positive number, found ${spec.learningRate}`);
  }
  switch (spec.type) {
    case "adam":
      return tf.train.adam(spec.learningRate, spec.beta1 ?? 0.9, spec.beta2 ?? 0.999, spec.epsilon ?? 1e-8);
    case "rmsprop":
      return tf.train.rmsprop(spec.learningRate, spec.decay ?? 0.99, 0, spec.epsilon ?? 1e-8);
    case "sgd":
      return tf.train.sgd(spec.learningRate);
    default:
      throw new InvalidArgumentError(
        `${owner}: optimizer type must be "adam", "rmsprop" or "sgd", found ${JSON.stringify((spec as { type: unknown }).type)}`,
      );
  }
}

/** The current learning rate of a tfjs optimizer (Adam, RMSProp, SGD and the other built-ins). */
export function getLearningRate(optimizer: tf.Optimizer): number {
  const lr = (optimizer as unknown as { learningRate?: unknown }).learningRate;
  if (typeof lr !== "number") {
    throw new InvalidArgumentError(`getLearningRate: optimizer ${optimizer.getClassName()} has no numeric learningRate`);
  }
  return lr;
}

/** Sets the learning rate of a tfjs optimizer in place (for schedules). */
export function setLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  if (!(learningRate > 0) || !Number.isFinite(learningRate)) {
    throw new InvalidArgumentError(`setLearningRate: learningRate must be a positive number, found ${learningRate}`);
  }
  const withSetter = optimizer as unknown as { setLearningRate?: (lr: number) => void; learningRate: number };
  if (typeof withSetter.setLearningRate === "function") withSetter.setLearningRate(learningRate);
  else withSetter.learningRate = learningRate;
}
