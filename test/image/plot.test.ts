import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { InvalidArgumentError, lossCurvesSvg, reconstructionStrip, useBackend, writeLossPlot } from "../../src/index.js";

beforeAll(async () => {
  await useBackend("cpu");
});

describe("loss plot", () => {
  it("renders one line per loss into a standalone SVG file", async () => {
    const points = Array.from({ length: 60 }, (_, i) => ({ step: i + 1, losses: { dLoss: 1.4 - i / 100, gLoss: 0.7 + i / 200 } }));
    const dir = await mkdtemp(join(tmpdir(), "gen-mnist-plot-"));
    await writeLossPlot(join(dir, "loss.svg"), points, { title: "my run" });
    const svg = await readFile(join(dir, "loss.svg"), "utf8");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("my run");
    expect(svg).toContain("dLoss");
    expect(svg).toContain("gLoss");
    // two raw lines and two smoothed ones
    expect(svg.match(/aria-roledescription="line mark"/g)?.length).toBe(4);
  });

  it("rejects an empty history", async () => {
    await expect(lossCurvesSvg([])).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});

describe("reconstructionStrip", () => {
  it("puts inputs above reconstructions", () => {
    const inputs = tf.ones([3, 4, 4, 1]) as tf.Tensor4D;
    const recon = tf.zeros([3, 4, 4, 1]) as tf.Tensor4D;
    const strip = reconstructionStrip(inputs, recon, { padding: 1 });
    expect([strip.width, strip.height]).toEqual([3 * 5 + 1, 2 * 5 + 1]);
    expect(strip.pixels[1 * strip.width + 1]).toBe(255); // top row: inputs (white)
    expect(strip.pixels[6 * strip.width + 1]).toBe(0); // bottom row: reconstructions (black)
    expect(() => reconstructionStrip(inputs, tf.zeros([2, 4, 4, 1]) as tf.Tensor4D)).toThrow("inputs and reconstructions must have the same shape");
  });
});
