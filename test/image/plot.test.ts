import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { InvalidArgumentError, lossCurvesSvg, metricCurvesSvg, reconstructionStrip, useBackend, writeLossPlot } from "../../src/index.js";
import { checkSvgDocument } from "../helpers.js";

beforeAll(async () => {
  await useBackend("cpu");
});

/** The numbers of an SVG's tick labels, in document order. */
const tickLabels = (svg: string, axis: "x-axis" | "y-axis"): string[] => {
  const group = new RegExp(`<g class="axis ${axis}"[^>]*>(.*?)</g>`).exec(svg)?.[1] ?? "";
  return [...group.matchAll(/<text class="tick-label"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1] ?? "");
};

describe("loss plot", () => {
  it("renders raw and smoothed lines per loss, axes with ticks and a legend into a standalone SVG file", async () => {
    const points = Array.from({ length: 60 }, (_, i) => ({ step: i + 1, losses: { dLoss: 1.4 - i / 100, gLoss: 0.7 + i / 200 } }));
    const dir = await mkdtemp(join(tmpdir(), "gen-mnist-plot-"));
    await writeLossPlot(join(dir, "loss.svg"), points, { title: "my run" });
    const svg = await readFile(join(dir, "loss.svg"), "utf8");
    const elements = checkSvgDocument(svg);
    expect(svg).toContain(">my run</text>");
    // two raw lines (faint) and two smoothed ones, one colour per loss
    const paths = elements.get("path") ?? [];
    expect(paths).toHaveLength(4);
    expect(paths.filter((p) => p.includes('stroke-opacity="0.3"'))).toHaveLength(2);
    expect(paths.filter((p) => p.includes('data-smoothed="25"'))).toHaveLength(2);
    expect(new Set(paths.map((p) => /stroke="([^"]+)"/.exec(p)?.[1])).size).toBe(2);
    // legend entries, axis titles and nice ticks: steps from 0 to 60, losses from 0 (the scale includes zero)
    expect([...svg.matchAll(/<text class="legend-label"[^>]*>([^<]*)</g)].map((m) => m[1])).toEqual(["dLoss", "gLoss"]);
    expect(svg).toContain(">step</text>");
    expect(svg).toContain(">loss</text>");
    expect(tickLabels(svg, "x-axis")).toEqual(["0", "5", "10", "15", "20", "25", "30", "35", "40", "45", "50", "55", "60"]);
    expect(tickLabels(svg, "y-axis")).toEqual(["0.0", "0.2", "0.4", "0.6", "0.8", "1.0", "1.2", "1.4"]);
    // no smoothing: the raw lines alone, opaque
    const raw = checkSvgDocument(await lossCurvesSvg(points, { smooth: 0 })).get("path") ?? [];
    expect(raw).toHaveLength(2);
    expect(raw.some((p) => p.includes("stroke-opacity"))).toBe(false);
  });

  it("smooths with a trailing moving average over `smooth` steps", async () => {
    // a loss alternating 0 and 2: every 2-step mean from the second point on is 1
    const points = Array.from({ length: 10 }, (_, i) => ({ step: i, losses: { loss: i % 2 === 0 ? 0 : 2 } }));
    const svg = await lossCurvesSvg(points, { smooth: 2, height: 200 });
    const smoothed = /<path [^>]*d="([^"]+)"[^>]*data-smoothed="2"/.exec(svg)?.[1] ?? "";
    const ys = [...smoothed.matchAll(/[ML][\d.]+,([\d.]+)/g)].map((m) => Number(m[1]));
    expect(ys).toHaveLength(10);
    // y scale [0, 2] onto [200, 0]: the first point is the loss itself (0 → 200), then means of 1 (→ 100)
    expect(ys).toEqual([200, ...Array.from({ length: 9 }, () => 100)]);
  });

  it("escapes names and titles, and skips non-finite losses", async () => {
    const svg = await lossCurvesSvg([{ step: 1, losses: { "a<b": 1, nan: Number.NaN } }, { step: 2, losses: { "a<b": 2, nan: 1 } }], { title: "R&D \"run\"" });
    checkSvgDocument(svg);
    expect(svg).toContain("R&amp;D &quot;run&quot;");
    expect(svg).toContain(">a&lt;b</text>");
    const nan = /<path [^>]*d="([^"]+)"[^>]*data-name="nan"/.exec(svg)?.[1] ?? "";
    expect(nan.match(/[ML]/g)).toHaveLength(1);
  });

  it("rejects an empty history", async () => {
    await expect(lossCurvesSvg([])).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});

describe("metric plot", () => {
  const evaluations = Array.from({ length: 5 }, (_, i) => ({ step: (i + 1) * 100, metrics: { fid: 150 - 10 * i, precision: 0.5 + 0.05 * i, recall: 0.3 } }));

  it("draws one chart per metric, each with its own y scale, one line and one point per evaluation", async () => {
    const svg = await metricCurvesSvg(evaluations, { metrics: ["fid", "precision"], xTitle: "training minutes", title: "two metrics" });
    const elements = checkSvgDocument(svg);
    expect([...svg.matchAll(/<text class="chart-title"[^>]*>([^<]*)</g)].map((m) => m[1])).toEqual(["fid", "precision"]);
    expect(svg).not.toContain(">recall<");
    expect(elements.get("path")).toHaveLength(2);
    expect(elements.get("circle")).toHaveLength(10);
    expect(svg.match(/>training minutes<\/text>/g)).toHaveLength(2);
    // independent y scales (not from 0): FID 110–150, precision 0.5–0.7; a shared x scale
    const yTicks = [...svg.matchAll(/<g class="axis y-axis"[^>]*>(.*?)<\/g>/g)].map((m) => [...(m[1] ?? "").matchAll(/class="tick-label"[^>]*>([^<]*)</g)].map((t) => t[1]));
    expect(yTicks).toEqual([["110", "120", "130", "140", "150"], ["0.50", "0.55", "0.60", "0.65", "0.70"]]);
    const xTicks = [...svg.matchAll(/<g class="axis x-axis"[^>]*>(.*?)<\/g>/g)].map((m) => [...(m[1] ?? "").matchAll(/class="tick-label"[^>]*>([^<]*)</g)].map((t) => t[1]));
    expect(xTicks[0]).toEqual(Array.from({ length: 11 }, (_, i) => String(50 * i)));
    expect(xTicks[1]).toEqual(xTicks[0]);
    // one series: one colour, no legend
    expect(new Set((elements.get("circle") ?? []).map((c) => /fill="([^"]+)"/.exec(c)?.[1])).size).toBe(1);
    expect(svg).not.toContain('class="legend"');
  });

  it("colours points by series, with a legend, and lays out `columns` charts per row", async () => {
    const points = [...evaluations.map((e) => ({ ...e, series: "published" })), ...evaluations.map((e) => ({ ...e, metrics: { fid: e.metrics.fid - 30 }, series: "default" }))];
    const svg = await metricCurvesSvg(points, { columns: 1 });
    const elements = checkSvgDocument(svg);
    expect([...svg.matchAll(/<text class="legend-label"[^>]*>([^<]*)</g)].map((m) => m[1])).toEqual(["published", "default"]);
    // fid: both series; precision and recall: only "published"
    expect(elements.get("path")).toHaveLength(4);
    expect(elements.get("circle")).toHaveLength(20);
    const fills = (series: string): Set<string | undefined> => new Set((elements.get("circle") ?? []).filter((c) => c.includes(`data-series="${series}"`)).map((c) => /fill="([^"]+)"/.exec(c)?.[1]));
    expect(fills("published").size).toBe(1);
    expect(fills("default").size).toBe(1);
    expect([...fills("published")]).not.toEqual([...fills("default")]);
    // one column: the three charts stacked
    const offsets = [...svg.matchAll(/<g transform="translate\(([\d.]+),([\d.]+)\)"><text class="chart-title"/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(offsets).toHaveLength(3);
    expect(new Set(offsets.map(([x]) => x)).size).toBe(1);
    expect(new Set(offsets.map(([, y]) => y)).size).toBe(3);
  });

  it("rejects no points", async () => {
    await expect(metricCurvesSvg([])).rejects.toBeInstanceOf(InvalidArgumentError);
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
