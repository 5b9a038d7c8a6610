// The open model registry: kinds are strings, loadModel and Trainer.resume resolve any registered
// kind, unknown kinds and bad registrations say what is wrong, and version-2 manifests still load.
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CheckpointError, DCGAN, GAN, InvalidArgumentError, loadModel, type GANConfig, MANIFEST_FILE, MlpVAE, modelFactory, registeredModelKinds, registerModel, useBackend, VAE,
} from "../../src/index.js";

let dir: string;
beforeAll(async () => {
  await useBackend("cpu");
  dir = await mkdtemp(join(tmpdir(), "gen-mnist-registry-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("registerModel", () => {
  it("knows the built-in kinds and refuses bad or clashing registrations", () => {
    expect(registeredModelKinds()).toEqual(expect.arrayContaining(["gan", "vae"]));
    expect(() => registerModel("no spaces", { create: () => new GAN() })).toThrow(InvalidArgumentError);
    expect(() => registerModel("gan", { create: () => new GAN() })).toThrow("kind 'gan' is registered already; pass { replace: true } to replace it");
    expect(() => registerModel("thing", {} as never)).toThrow("the factory of 'thing' must have a create(config) function");
    expect(() => modelFactory("nothing")).toThrow("no model kind 'nothing' is registered (registered: gan, vae");
  });

  it("loads a folder through the factory of its kind, with config overrides", async () => {
    const vae = new MlpVAE({ latentDim: 3, seed: 1 });
    await vae.save(join(dir, "vae"));
    let created = 0;
    const factory = modelFactory("vae");
    registerModel("vae", { create: (config) => (created++, factory.create(config as Record<string, unknown>)) }, { replace: true });
    try {
      const loaded = await loadModel(join(dir, "vae"), { name: "renamed" });
      expect(created).toBe(1);
      expect(loaded).toBeInstanceOf(VAE);
      expect(loaded.name).toBe("renamed");
      loaded.dispose();
    } finally {
      registerModel("vae", factory, { replace: true });
    }
    vae.dispose();
  });

  it("a folder of an unregistered kind names the kind and the fix", async () => {
    const gan = new GAN({ seed: 1 });
    await gan.save(join(dir, "odd"));
    await rewriteManifest(join(dir, "odd"), (m) => ({ ...m, kind: "vq-vae" }));
    await expect(loadModel(join(dir, "odd"))).rejects.toBeInstanceOf(CheckpointError);
    await expect(loadModel(join(dir, "odd"))).rejects.toThrow("no model kind 'vq-vae' is registered (registered: gan, vae");
    await expect(GAN.load(join(dir, "odd"))).rejects.toThrow("holds a model of kind 'vq-vae', expected 'gan'");
    gan.dispose();
  });

  it("a subclass of GAN with its own kind loads through its own load and through loadModel", async () => {
    class MyGAN extends GAN {
      override readonly kind: string = "my-gan-test";
    }
    registerModel<GANConfig>("my-gan-test", { create: (config) => new MyGAN(config) });
    const mine = new MyGAN({ seed: 4 });
    await mine.save(join(dir, "mine"));
    const [a, b] = [await MyGAN.load(join(dir, "mine")), await loadModel(join(dir, "mine"))];
    expect([a, b].every((m) => m instanceof MyGAN && m.kind === "my-gan-test")).toBe(true);
    for (const m of [mine, a, b]) m.dispose();
  });

  it("a failed load leaves a network given in overrides to its owner", async () => {
    const gan = new GAN({ seed: 5 });
    await gan.save(join(dir, "owned"));
    // the same inputs and outputs as the saved MLP generator, other weights: the load fails
    const z = tfl.input({ shape: [100] });
    const flat = tfl.layers.dense({ units: 784, activation: "tanh" }).apply(z) as tfl.SymbolicTensor;
    const mine = tfl.model({ inputs: z, outputs: tfl.layers.reshape({ targetShape: [28, 28, 1] }).apply(flat) as tfl.SymbolicTensor });
    await expect(GAN.load(join(dir, "owned"), { generator: mine })).rejects.toThrow(CheckpointError);
    const out = mine.predict(tf.zeros([1, 100])) as tf.Tensor;
    expect(out.shape).toEqual([1, 28, 28, 1]);
    tf.dispose(out);
    mine.dispose();
    gan.dispose();
  });

  it("refuses to save names a folder could not be loaded with, before writing anything", async () => {
    class Odd extends GAN {
      override readonly kind: string = "My GAN";
    }
    const odd = new Odd();
    await expect(odd.save(join(dir, "odd-kind"))).rejects.toThrow(`cannot save: the model's kind "My GAN" must be letters, digits`);
    expect(existsSync(join(dir, "odd-kind"))).toBe(false);
    odd.dispose();
    class Roles extends GAN {
      override networks() {
        return { "decoder.ema": this.generator, discriminator: this.discriminator };
      }
    }
    const roles = new Roles();
    await expect(roles.save(join(dir, "odd-role"))).rejects.toThrow(`cannot save: network role "decoder.ema" of gan must be letters, digits, '_' or '-'`);
    roles.dispose();
  });

  it("preset classes check a folder's kind before building", async () => {
    const vae = new MlpVAE({ seed: 1 });
    await vae.save(join(dir, "a-vae"));
    await expect(DCGAN.load(join(dir, "a-vae"))).rejects.toThrow("holds a model of kind 'vae', expected 'gan'");
    vae.dispose();
  });

  it("reads version-2 manifests, whose family is the kind", async () => {
    const gan = new GAN({ seed: 2 });
    await gan.save(join(dir, "v2"));
    await rewriteManifest(join(dir, "v2"), ({ kind, ...m }) => ({ ...m, version: 2, family: kind }));
    const loaded = await loadModel(join(dir, "v2"));
    expect(loaded.kind).toBe("gan");
    const [a, b] = [gan.sample(2, { seed: 1 }), loaded.sample(2, { seed: 1 })];
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([a, b]);
    gan.dispose();
    loaded.dispose();
  });
});

/** Rewrites a saved manifest (and its checksum, so only the edit differs). */
async function rewriteManifest(folder: string, edit: (m: Record<string, unknown>) => Record<string, unknown>): Promise<void> {
  const path = join(folder, MANIFEST_FILE);
  const body = JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
  delete body.checksum;
  const next = edit(body);
  await writeFile(path, JSON.stringify({ ...next, checksum: createHash("sha256").update(JSON.stringify(next)).digest("hex") }));
}
