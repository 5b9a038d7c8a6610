import * as tf from "@tensorflow/tfjs-core";
import { InvalidArgumentError } from "../errors.js";
import { adamUpdate, onGenMnistBackend } from "../kernels/ops.js";

/** The state of tfjs's AdamOptimizer (private in its types). */
interface AdamState {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly accBeta1: tf.Variable;
  readonly accBeta2: tf.Variable;
  readonly accumulatedFirstMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
  readonly accumulatedSecondMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
  incrementIterations(): void;
}

/**
 * tfjs's `AdamOptimizer` whose update runs as one gen-mnist kernel per variable on the
 * `gen-mnist` backend (tfjs runs a dozen elementwise ops per variable, each a dispatch and a pass
 * over memory), with tfjs's arithmetic in tfjs's order: the same values to float32 rounding. Its state, serialization
 * (`Adam`) and every other backend are tfjs's.
 * @internal
 */
export class FusedAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer["applyGradients"]>[0]): void {
    if (!onGenMnistBackend()) {
      super.applyGradients(variableGradients);
      return;
    }
    const state = this as unknown as AdamState;
    const list = Array.isArray(variableGradients) ? variableGradients : Object.entries(variableGradients).map(([name, tensor]) => ({ name, tensor }));
    tf.tidy(() => {
      // 1 − βᵗ in float32, as tfjs's sub(1, accBeta) gives it
      const oneMinusAccBeta1 = Math.fround(1 - (state.accBeta1.dataSync()[0] ?? 0));
      const oneMinusAccBeta2 = Math.fround(1 - (state.accBeta2.dataSync()[0] ?? 0));
      const attrs = { beta1: state.beta1, beta2: state.beta2, oneMinusAccBeta1, oneMinusAccBeta2, epsilon: state.epsilon, learningRate: state.learningRate };
      list.forEach(({ name, tensor: gradient }, i) => {
        const value = tf.engine().registeredVariables[name] as tf.Variable;
        state.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        state.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        if (gradient === null || gradient === undefined) return;
        const m = state.accumulatedFirstMoment[i].variable;
        const v = state.accumulatedSecondMoment[i].variable;
        if (value.dtype !== "float32" || gradient.dtype !== "float32") {
          throw new InvalidArgumentError(`FusedAdamOptimizer: variable ${name} is ${value.dtype} with a ${gradient.dtype} gradient; expected float32`);
        }
        const [newValue, newM, newV] = adamUpdate(value, m, v, gradient, attrs);
        m.assign(newM);
        v.assign(newV);
        value.assign(newValue);
      });
      state.accBeta1.assign(tf.mul(state.accBeta1, state.beta1));
      state.accBeta2.assign(tf.mul(state.accBeta2, state.beta2));
    });
    state.incrementIterations();
  }
}

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
      return new FusedAdamOptimizer(spec.learningRate, spec.beta1 ?? 0.9, spec.beta2 ?? 0.999, spec.epsilon ?? 1e-8);
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
