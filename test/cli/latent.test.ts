// gen-mnist interpolate and latent-map: PNG paths for a GAN and a VAE, a latent map (and the
// manifold of a 2-D VAE), and a clear error for a GAN's latent map.
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodePng } from "../../src/index.js";
import { cli } from "./run-cli.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gen-mnist-cli-latent-"));
  for (const [model, extra] of [["vae", ["--latent-dim", "2"]], ["mlp-gan", []]] as const) {
    const run = cli("train", model, ...extra, "--steps", "2", "--limit", "256", "--batch-size", "64", "--no-progress", "--out", join(dir, model));
    expect(run.code, run.stderr).toBe(0);
  }
}, 240_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("gen-mnist interpolate / latent-map", () => {
  it("interpolate writes one path per row, steps per row, for a GAN and a VAE", async () => {
    for (const model of ["mlp-gan", "vae"]) {
      const out = join(dir, `${model}-paths.png`);
      const run = cli("interpolate", join(dir, model), "--steps", "5", "--paths", "3", "--method", "linear", "--out", out);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain(`wrote 3 linear path(s) of 5 images`);
      const png = decodePng(new Uint8Array(await readFile(out)));
      // 5 tiles of 28 across, 3 down (plus padding)
      expect(png.width).toBeGreaterThanOrEqual(5 * 28);
      expect(png.height).toBeGreaterThanOrEqual(3 * 28);
      expect(png.height).toBeLessThan(4 * 28);
    }
  }, 120_000);

  it("sample --sampler gmm fits a mixture to a VAE's test encodings; a GAN is refused", async () => {
    const out = join(dir, "gmm.png");
    const run = cli("sample", join(dir, "vae"), "-n", "16", "--sampler", "gmm", "--out", out);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("fitted a 10-component Gaussian mixture to vae's encodings of the mnist test split");
    expect(existsSync(out)).toBe(true);
    const gan = cli("sample", join(dir, "mlp-gan"), "--sampler", "gmm", "--out", join(dir, "x.png"));
    expect(gan.code).toBe(2);
    expect(gan.stderr).toContain("needs a VAE's encoder");
    // an untrained GAN draws one blob: Latent Space Adaptation says which class it never reaches
    const lsa = cli("sample", join(dir, "mlp-gan"), "--sampler", "lsa", "--out", join(dir, "lsa.png"));
    expect(lsa.code).toBe(2);
    expect(lsa.stderr).toMatch(/no candidate of mlp-gan looks like class \d to the oracle \(mode collapse\?\)/);
  }, 120_000);

  it("latent-map writes an SVG, and the manifold of a 2-D VAE beside it; a GAN is refused", async () => {
    const out = join(dir, "map.svg");
    const run = cli("latent-map", join(dir, "vae"), "-n", "200", "--out", out);
    expect(run.code, run.stderr).toBe(0);
    expect((await readFile(out, "utf8")).startsWith("<svg")).toBe(true);
    expect(existsSync(join(dir, "map-manifold.png"))).toBe(true);
    const gan = cli("latent-map", join(dir, "mlp-gan"), "--out", join(dir, "gan.svg"));
    expect(gan.code).toBe(2);
    expect(gan.stderr).toContain("latent maps need a VAE's encoder");
  }, 120_000);
});
