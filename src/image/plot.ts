import { InvalidArgumentError } from "../errors.js";
import { writeFileAtomic } from "../_internals/fs.js";

/** One point of a loss curve: `{ step, losses }` (a `StepRecord` fits). */
export interface LossPoint {
  /** x value. */
  readonly step: number;
  /** Named y values. */
  readonly losses: Readonly<Record<string, number>>;
}

/** Options of {@link lossCurvesSvg}. */
export interface LossPlotOptions {
  /** Title above the chart. @defaultValue "training losses" */
  readonly title?: string;
  /** Pixel width of the plot area. @defaultValue 640 */
  readonly width?: number;
  /** Pixel height of the plot area. @defaultValue 320 */
  readonly height?: number;
  /**
   * Draw a moving average over this many steps on top of the raw curves (0: none).
   * @defaultValue 25
   */
  readonly smooth?: number;
}

/**
 * Renders loss curves (one line per named loss, against the step) as an SVG document, with
 * Vega-Lite rendered headless by Vega.
 *
 * @example
 * ```ts
 * const svg = await lossCurvesSvg(history.steps, { title: "MLP GAN" });
 * ```
 */
export async function lossCurvesSvg(points: readonly LossPoint[], options: LossPlotOptions = {}): Promise<string> {
  if (points.length === 0) throw new InvalidArgumentError("lossCurvesSvg: no points to plot");
  const { title = "training losses", width = 640, height = 320, smooth = 25 } = options;
  const values = points.flatMap(({ step, losses }) =>
    Object.entries(losses).filter(([, v]) => Number.isFinite(v)).map(([name, loss]) => ({ step, name, loss })),
  );
  const [vega, vl] = await Promise.all([import("vega"), import("vega-lite")]);
  const raw = { mark: { type: "line" as const, opacity: smooth > 0 ? 0.3 : 1 }, encoding: { x: { field: "step", type: "quantitative" as const, title: "step" }, y: { field: "loss", type: "quantitative" as const, title: "loss" }, color: { field: "name", type: "nominal" as const, title: "" } } };
  const averaged = {
    transform: [{ window: [{ op: "mean" as const, field: "loss", as: "smoothed" }], frame: [-smooth + 1, 0], groupby: ["name"], sort: [{ field: "step" }] }],
    mark: { type: "line" as const },
    encoding: { x: { field: "step", type: "quantitative" as const }, y: { field: "smoothed", type: "quantitative" as const }, color: { field: "name", type: "nominal" as const } },
  };
  const spec = vl.compile({
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title,
    width,
    height,
    background: "white",
    data: { values },
    layer: smooth > 0 ? [raw, averaged] : [raw],
  } as Parameters<typeof vl.compile>[0]).spec;
  const view = new vega.View(vega.parse(spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Writes {@link lossCurvesSvg}'s chart to a file, atomically. */
export async function writeLossPlot(path: string, points: readonly LossPoint[], options: LossPlotOptions = {}): Promise<void> {
  await writeFileAtomic(path, await lossCurvesSvg(points, options));
}
