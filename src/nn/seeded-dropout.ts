import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { randomSeed, type Rng } from "../_internals/random.js";
import { onGenMnistBackend, seededDropout } from "../kernels/ops.js";

interface DropoutArgs {
  rate: number;
  name?: string;
  seed?: number;
}

type DropoutLayer = tfl.layers.Layer & { seed?: number; rate: number; noiseShape?: number[] | null };

// tfjs-layers does not export its Dropout class; its constructor is that of any dropout layer (the
// probe is named, so that it takes no automatic name from tfjs-layers' counters)
const DropoutBase = Object.getPrototypeOf(tfl.layers.dropout({ rate: 0.5, name: "gen_mnist_dropout_probe" })).constructor as new (args: DropoutArgs) => DropoutLayer;

/** A 31-bit mix of a seed and a counter (FNV-1a). */
function mix(seed: number, salt: string): number {
  let hash = 0x811c9dc5;
  for (const ch of `${seed}:${salt}`) hash = Math.imul(hash ^ (ch.codePointAt(0) ?? 0), 0x01000193);
  return (hash >>> 0) % 0x7fffffff;
}

/**
 * tfjs-layers' `Dropout`, with masks drawn from seeds rather than from `Math.random`: every call
 * gets its own seed, mixed from the step seed the model sets with {@link reseedDropout} and the
 * call's index. A model's runs therefore repeat exactly, and a resumed run continues exactly,
 * since the step seeds come from the model's own (checkpointed) random generator. On the
 * `gen-mnist` backend the mask comes from gen-mnist's dropout kernel (one pass, where tfjs draws
 * its uniform numbers in JavaScript and runs four more ops). It serializes as a plain `Dropout`,
 * so `tf.loadLayersModel` reads a saved network as before.
 * @internal
 */
export class SeededDropout extends DropoutBase {
  private stepSeed = 0;
  private calls = 0;

  /** Sets the seed of the next step's masks. */
  reseed(stepSeed: number): void {
    this.stepSeed = stepSeed;
    this.calls = 0;
  }

  /** Draws this call's mask from its own seed. */
  override call(inputs: Parameters<tfl.layers.Layer["call"]>[0], kwargs: Parameters<tfl.layers.Layer["call"]>[1]): ReturnType<tfl.layers.Layer["call"]> {
    this.seed = mix(this.stepSeed, `${this.name}:${this.calls++}`);
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    const fullMask = this.noiseShape === undefined || this.noiseShape === null;
    if (kwargs.training === true && onGenMnistBackend() && input !== undefined && input.dtype === "float32" && fullMask && this.rate > 0 && this.rate < 1) {
      const { rate, seed } = this;
      return tf.tidy(() => seededDropout(input, rate, seed));
    }
    return super.call(inputs, kwargs);
  }
}

/** The seeded dropout layers of networks, nested models included. */
function dropoutLayers(networks: readonly tfl.LayersModel[]): SeededDropout[] {
  const found: SeededDropout[] = [];
  const visit = (layers: readonly tfl.layers.Layer[]): void => {
    for (const layer of layers) {
      if (layer instanceof SeededDropout) found.push(layer);
      else if ("layers" in layer && Array.isArray((layer as { layers?: unknown }).layers)) visit((layer as unknown as tfl.LayersModel).layers);
    }
  };
  visit(networks.flatMap((n) => n.layers));
  return found;
}

/**
 * Gives the seeded dropout layers of `networks` a fresh step seed drawn from `rng`. Networks
 * without dropout draw nothing, so their random sequence is unchanged.
 * @internal
 */
export function reseedDropout(networks: readonly tfl.LayersModel[], rng: Rng): void {
  const layers = dropoutLayers(networks);
  if (layers.length === 0) return;
  const seed = randomSeed(rng);
  for (const layer of layers) layer.reseed(seed);
}
