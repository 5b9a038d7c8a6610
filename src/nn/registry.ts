import { join } from "node:path";
import { InvalidArgumentError } from "../errors.js";
import type { GenerativeModel } from "./model.js";
import { CheckpointError, readJson } from "./persist.js";
import { KIND, loadSavedModel, MANIFEST_FILE } from "./saved-model.js";

/**
 * How a model kind is built and loaded: what {@link registerModel} takes.
 * @typeParam C - the config the kind's constructor takes.
 */
export interface ModelFactory<C = Record<string, unknown>> {
  /** Builds a model from a config (a saved model's resolved config on load). */
  create(config: C): GenerativeModel;
  /**
   * Loads a saved folder; by default the saved config is passed to `create` and the weights,
   * optimizer states and training state are restored into the result.
   */
  load?(dir: string, overrides?: Partial<C>): Promise<GenerativeModel>;
}

const registry = new Map<string, ModelFactory<never>>();

/**
 * Registers a model kind, so that {@link loadModel} and `Trainer.resume` can rebuild any saved
 * model of that kind (its manifest records `model.kind`). gen-mnist registers `"gan"` and
 * `"vae"`; register your own before loading or resuming one of your models.
 *
 * @throws {@link InvalidArgumentError} when `kind` is not a name (letters, digits, `.`, `_`, `-`)
 *   or is registered already with another factory (pass `{ replace: true }` to replace it).
 *
 * @example
 * ```ts
 * registerModel("infogan", { create: (config) => new InfoGAN(config) });
 * const trainer = await Trainer.resume("runs/infogan/checkpoints/epoch-0003", data);
 * ```
 */
export function registerModel<C>(kind: string, factory: ModelFactory<C>, options: { readonly replace?: boolean } = {}): void {
  if (typeof kind !== "string" || !KIND.test(kind)) {
    throw new InvalidArgumentError(`registerModel: kind must be a name of letters, digits, '.', '_' or '-', found ${JSON.stringify(kind)}`);
  }
  if (typeof factory?.create !== "function") {
    throw new InvalidArgumentError(`registerModel: the factory of '${kind}' must have a create(config) function`);
  }
  const known = registry.get(kind);
  if (known !== undefined && known !== (factory as unknown) && options.replace !== true) {
    throw new InvalidArgumentError(`registerModel: kind '${kind}' is registered already; pass { replace: true } to replace it`);
  }
  registry.set(kind, factory as ModelFactory<never>);
}

/** The registered model kinds, in registration order. */
export function registeredModelKinds(): string[] {
  return [...registry.keys()];
}

/**
 * The factory registered for `kind`.
 * @throws {@link InvalidArgumentError} naming the registered kinds when `kind` is not one.
 */
export function modelFactory(kind: string): ModelFactory {
  const factory = registry.get(kind);
  if (factory === undefined) {
    throw new InvalidArgumentError(
      `no model kind '${kind}' is registered (registered: ${registeredModelKinds().join(", ") || "none"}); call registerModel('${kind}', { create }) before loading it`,
    );
  }
  return factory as unknown as ModelFactory;
}

/**
 * Loads any model saved with `model.save(dir)` (or a checkpoint folder) whose kind is registered:
 * the manifest's `kind` picks the factory. Every file is checked first.
 *
 * @param overrides - config fields to replace, e.g. a custom objective function.
 * @throws {@link CheckpointError} when the folder is not a valid saved model, or its kind is not registered.
 *
 * @example
 * ```ts
 * const model = await loadModel("runs/mlp-gan/model");
 * const images = model.sample(16);
 * ```
 */
export async function loadModel(dir: string, overrides: Record<string, unknown> = {}): Promise<GenerativeModel> {
  // only the kind, to pick the factory: loading checks the manifest and every file, once
  const head = (await readJson<{ kind?: unknown; family?: unknown } | null>(join(dir, MANIFEST_FILE))) ?? {};
  const kind = typeof head.kind === "string" ? head.kind : head.family;
  if (typeof kind !== "string") throw new CheckpointError(`${join(dir, MANIFEST_FILE)}: names no model kind`);
  let factory: ModelFactory;
  try {
    factory = modelFactory(kind);
  } catch (err) {
    throw new CheckpointError(`${dir}: ${(err as Error).message}`);
  }
  if (factory.load !== undefined) return factory.load(dir, overrides);
  return loadSavedModel((config) => factory.create(config), dir, kind, overrides);
}
