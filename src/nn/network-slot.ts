import { join } from "node:path";
import * as tfl from "@tensorflow/tfjs-layers";
import { InvalidArgumentError } from "../errors.js";
import { buildNetwork } from "./build.js";
import type { ImageShape } from "./model.js";
import { CheckpointError, readJson } from "./persist.js";
import type { NetworkSpec } from "./spec.js";

/** What a function-valued network slot is given to build its network. */
export interface NetworkContext {
  /** The model's latent size. */
  readonly latentDim: number;
  /** The model's image shape. */
  readonly imageShape: ImageShape;
  /** Number of classes (conditional models take a one-hot `[B, numClasses]` label input). */
  readonly numClasses: number;
  /** Whether the network takes the label as a second input. */
  readonly conditional: boolean;
  /** The model's seed (for initialisers the function may seed). */
  readonly seed: number;
}

/**
 * A network slot of a model config (`generator`, `discriminator`, `encoder`, `decoder`):
 * - a {@link NetworkSpec}: plain data, the serialisable default;
 * - a tfjs-layers `LayersModel` (any layers: upsampling, residual blocks, custom layers), trained
 *   in place and disposed with the model;
 * - a function that builds one from the model's {@link NetworkContext}.
 *
 * A `LayersModel` is saved with the model (tfjs's layers-model topology and weights) and rebuilt
 * from the saved topology on load; custom layer classes must be registered with tfjs's
 * `serialization.registerClass` before loading. Seed its initialisers from
 * `NetworkContext.seed` for reproducible starting weights; its tfjs `dropout` layers draw from
 * `Math.random` (only networks given as specs get gen-mnist's seeded dropout), so a run with them
 * is not bit-identical on resume.
 *
 * @example
 * ```ts
 * const generator = (c: NetworkContext) => {
 *   const z = tf.input({ shape: [c.latentDim] });
 *   let x = tf.layers.dense({ units: 7 * 7 * 64, activation: "relu" }).apply(z) as tf.SymbolicTensor;
 *   x = tf.layers.reshape({ targetShape: [7, 7, 64] }).apply(x) as tf.SymbolicTensor;
 *   x = tf.layers.upSampling2d({ size: [4, 4] }).apply(x) as tf.SymbolicTensor;
 *   x = tf.layers.conv2d({ filters: 1, kernelSize: 3, padding: "same", activation: "tanh" }).apply(x) as tf.SymbolicTensor;
 *   return tf.model({ inputs: z, outputs: x });
 * };
 * const gan = new DCGAN({ generator });
 * ```
 */
export type NetworkInput = NetworkSpec | tfl.LayersModel | ((context: NetworkContext) => tfl.LayersModel);

/**
 * What a resolved config holds for a network given as a `LayersModel`: JSON-serialisable; the
 * network itself is rebuilt from the topology saved beside the weights (`<file>.json`).
 */
export interface LayersModelRef {
  /** Discriminant. */
  readonly type: "layers-model";
  /** The saved network's file name (its role), e.g. `"generator"`. */
  readonly file: string;
  /** The model's name. */
  readonly name: string;
  /** Shape of each input, batch axis first (`null`). */
  readonly inputShapes: readonly (readonly (number | null)[])[];
  /** Shape of each output, batch axis first (`null`). */
  readonly outputShapes: readonly (readonly (number | null)[])[];
}

/** A network slot of a resolved config: a spec, or a reference to a `LayersModel`. */
export type ResolvedNetwork = NetworkSpec | LayersModelRef;

/** Whether `value` is a tfjs-layers `LayersModel` (from any copy of tfjs-layers). */
export function isLayersModel(value: unknown): value is tfl.LayersModel {
  if (value instanceof tfl.LayersModel) return true;
  const v = value as { getClassName?: unknown; apply?: unknown; layers?: unknown } | null;
  return typeof v === "object" && v !== null && typeof v.getClassName === "function" && typeof v.apply === "function" && Array.isArray(v.layers);
}

/** Whether `value` is a {@link LayersModelRef}. */
export function isLayersModelRef(value: unknown): value is LayersModelRef {
  return typeof value === "object" && value !== null && (value as { type?: unknown }).type === "layers-model";
}

const shapesOf = (shapes: tfl.Shape | tfl.Shape[]): (number | null)[][] =>
  (Array.isArray(shapes[0]) || shapes.length === 0 ? (shapes as tfl.Shape[]) : [shapes as tfl.Shape]).map((s) => [...s]);

/**
 * A network slot as its model sees it: the spec (`undefined` for the architecture's default) or the
 * `LayersModel` (a function is called with `context`; a {@link LayersModelRef} of a resolved
 * config without its model is an error naming the slot).
 * @internal
 */
export function materializeNetwork(
  owner: string,
  slot: string,
  value: NetworkInput | LayersModelRef | undefined,
  context: NetworkContext,
): NetworkSpec | tfl.LayersModel | undefined {
  if (value === undefined || isLayersModel(value)) return value;
  if (typeof value === "function") {
    const built: unknown = value(context);
    if (!isLayersModel(built)) throw new InvalidArgumentError(`${owner}: config.${slot} is a function that must return a tfjs LayersModel, it returned ${describe(built)}`);
    return built;
  }
  if (isLayersModelRef(value)) {
    throw new InvalidArgumentError(
      `${owner}: config.${slot} refers to a saved LayersModel ('${value.name}'); load the model with load(dir) to rebuild it, or pass the LayersModel itself`,
    );
  }
  if (typeof value !== "object" || value === null || !Array.isArray((value as NetworkSpec).layers)) {
    throw new InvalidArgumentError(`${owner}: config.${slot} must be a NetworkSpec, a tfjs LayersModel or a function returning one, found ${describe(value)}`);
  }
  return value;
}

/** The serialisable form of a materialized network slot. @internal */
export function resolvedNetwork(value: NetworkSpec | tfl.LayersModel, file: string): ResolvedNetwork {
  if (!isLayersModel(value)) return value;
  return { type: "layers-model", file, name: value.name, inputShapes: shapesOf(value.inputs.map((i) => i.shape)), outputShapes: shapesOf(value.outputs.map((o) => o.shape)) };
}

/**
 * Disposes the networks that function-valued slots of `given` built into `prepared` (a config
 * resolved only for its data needs none of them).
 * @internal
 */
export function disposeFunctionBuilt(given: object, prepared: object, slots: readonly string[]): void {
  for (const slot of slots) {
    const built = (prepared as Record<string, unknown>)[slot];
    if (typeof (given as Record<string, unknown>)[slot] === "function" && isLayersModel(built)) built.dispose();
  }
}

/** Builds a spec, or returns a given `LayersModel`. @internal */
export function buildSlot(value: NetworkSpec | tfl.LayersModel, seed: number): tfl.LayersModel {
  return isLayersModel(value) ? value : buildNetwork(value, { seed });
}

/** The inputs and outputs a network slot needs, batch axis left out (`null` for any size). */
export interface NetworkShapes {
  /** Shape of each input. */
  readonly inputs: readonly (readonly (number | null)[])[];
  /** Shape of each output. */
  readonly outputs: readonly (readonly (number | null)[])[];
}

/**
 * Builds each materialized network of a model (specs with `seed`, models as they are) and checks
 * every one against its shapes; on failure disposes what it built (and what a slot function
 * built) and throws.
 * @internal
 */
export function buildCheckedNetworks<K extends string>(
  owner: string,
  given: Readonly<Record<K, unknown>>,
  materialized: Readonly<Record<K, NetworkSpec | tfl.LayersModel>>,
  shapes: Readonly<Record<K, NetworkShapes>>,
  seed: number,
): Record<K, tfl.LayersModel> {
  const built = {} as Record<K, tfl.LayersModel>;
  const slots = Object.keys(materialized) as K[];
  try {
    for (const slot of slots) {
      built[slot] = buildSlot(materialized[slot], seed);
      checkNetworkShapes(owner, slot, built[slot], shapes[slot]);
    }
    return built;
  } catch (err) {
    for (const slot of slots) {
      const net = built[slot] ?? materialized[slot];
      // the caller's own LayersModel stays theirs; what gen-mnist built (from a spec or a slot function) goes
      if (isLayersModel(net) && given[slot] !== net) net.dispose();
    }
    throw err;
  }
}

/**
 * Checks a `LayersModel`'s inputs and outputs (batch axis left out; `null` in `expected` accepts
 * any size), so a wrong network fails at construction with a message naming the slot, not deep
 * inside a training step.
 * @internal
 */
export function checkNetworkShapes(
  owner: string,
  slot: string,
  model: tfl.LayersModel,
  expected: NetworkShapes,
): void {
  const fmt = (shapes: readonly (readonly (number | null)[])[]): string => shapes.map((s) => `[${s.map((d) => d ?? "?").join(", ")}]`).join(" and ");
  const fits = (got: readonly (number | null)[], want: readonly (number | null)[]): boolean =>
    got.length === want.length + 1 && want.every((d, i) => d === null || got[i + 1] === d);
  const inputs = model.inputs.map((i) => i.shape);
  const outputs = model.outputs.map((o) => o.shape);
  const check = (what: string, got: (number | null)[][], want: readonly (readonly (number | null)[])[]): void => {
    if (got.length !== want.length || !got.every((g, i) => fits(g, want[i] ?? []))) {
      const batchless = got.map((g) => g.slice(1));
      throw new InvalidArgumentError(`${owner}: config.${slot} ('${model.name}') must have ${want.length} ${what}${want.length === 1 ? "" : "s"} of shape ${fmt(want)} (batch axis left out), found ${fmt(batchless)}`);
    }
  };
  check("input", inputs, expected.inputs);
  check("output", outputs, expected.outputs);
}

/** A spec's input and (declared) output shapes against the model's, before it is built. @internal */
export function checkSpecShapes(owner: string, slot: string, spec: NetworkSpec, input: readonly number[], output: readonly number[] | undefined): void {
  const same = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);
  if (!same(spec.inputShape, input)) {
    throw new InvalidArgumentError(`${owner}: the ${slot}'s inputShape must be [${input.join(", ")}], found [${spec.inputShape.join(", ")}]`);
  }
  if (output !== undefined && spec.outputShape !== undefined && !same(spec.outputShape, output)) {
    throw new InvalidArgumentError(`${owner}: the ${slot}'s outputShape must be the image shape [${output.join(", ")}], found [${spec.outputShape.join(", ")}]`);
  }
}

/**
 * Replaces every {@link LayersModelRef} at the top level of a saved config by the network rebuilt
 * from its topology in `dir` (weights are restored afterwards, with the rest of the model).
 * @internal
 */
export async function materializeNetworkRefs(config: Record<string, unknown>, dir: string, skip: readonly string[] = []): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = { ...config };
  for (const [key, value] of Object.entries(config)) {
    if (!isLayersModelRef(value) || skip.includes(key)) continue;
    const file = join(dir, `${value.file}.json`);
    const { modelTopology } = await readJson<{ modelTopology?: unknown }>(file);
    try {
      out[key] = await tfl.models.modelFromJSON({ modelTopology } as Parameters<typeof tfl.models.modelFromJSON>[0]);
    } catch (err) {
      throw new CheckpointError(
        `${file}: the saved network '${value.name}' cannot be rebuilt (${err instanceof Error ? err.message : String(err)}); register custom layer classes with tf.serialization.registerClass before loading`,
      );
    }
  }
  return out;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object that is neither" : typeof value;
}

/** What {@link networkSlot} returns. */
export interface NetworkSlot {
  /** The network to train. */
  readonly network: tfl.LayersModel;
  /** Its serialisable form, for the model's config. */
  readonly resolved: ResolvedNetwork;
}

/** Options of {@link networkSlot}: the slot's shapes, and what builds it. */
export interface NetworkSlotOptions extends NetworkShapes {
  /** What a function-valued slot is given. */
  readonly context: NetworkContext;
  /** The spec built when the slot is empty. */
  readonly fallback: () => NetworkSpec;
}

/**
 * A custom model's network slot, the way `GAN` and `VAE` treat theirs: builds a
 * {@link NetworkSpec} (or `fallback()` when the slot is empty) with the context's seed, takes a
 * `LayersModel` as it is, calls a function; checks the network's inputs and outputs; and returns
 * the network with the config's serialisable form of it (store `resolved` in the model's config,
 * and name the network `slot` in `networks()`: a `LayersModel` is then rebuilt on load).
 * @throws {@link InvalidArgumentError} naming the slot when the value or its shapes are wrong.
 *
 * @example
 * ```ts
 * const { network, resolved } = networkSlot("InfoGAN", "generator", config.generator, {
 *   context, fallback: () => mlpGenerator({ latentDim }), inputs: [[latentDim]], outputs: [[28, 28, 1]],
 * });
 * ```
 */
export function networkSlot(
  owner: string,
  slot: string,
  value: NetworkInput | LayersModelRef | undefined,
  options: NetworkSlotOptions,
): NetworkSlot {
  const given = materializeNetwork(owner, slot, value, options.context) ?? options.fallback();
  const { [slot]: network } = buildCheckedNetworks(owner, { [slot]: value }, { [slot]: given }, { [slot]: options }, options.context.seed);
  return { network: network as tfl.LayersModel, resolved: resolvedNetwork(given, slot) };
}
