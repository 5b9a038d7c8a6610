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
  const raw = { mark: { type: "line" as const, opacity: smooth > 0 ? 0.3 : 1 }, encoding: { x: { field: "step", type: "quantitative" as const, title: "step" }, y: { field: "loss", type: "quantitative" as const, title: "loss" }, color: { field: "name", type: "nominal" as const, title: "" } } };
  const averaged = {
    transform: [{ window: [{ op: "mean" as const, field: "loss", as: "smoothed" }], frame: [-smooth + 1, 0], groupby: ["name"], sort: [{ field: "step" }] }],
    mark: { type: "line" as const },
    encoding: { x: { field: "step", type: "quantitative" as const }, y: { field: "smoothed", type: "quantitative" as const }, color: { field: "name", type: "nominal" as const } },
  };
  return renderSvg({ title, width, height, background: "white", data: { values }, layer: smooth > 0 ? [raw, averaged] : [raw] });
}

/** Compiles a Vega-Lite spec and renders it headless to an SVG document. @internal */
export async function renderSvg(spec: Record<string, unknown>): Promise<string> {
  const [vega, vl] = await Promise.all([import("vega"), import("vega-lite")]);
  const compiled = vl.compile({ $schema: "https://vega.github.io/schema/vega-lite/v5.json", ...spec } as Parameters<typeof vl.compile>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** One point of metric curves: `{ step, metrics }` (an `EvaluationRecord` fits). */
export interface MetricPoint {
  /** x value. */
  readonly step: number;
  /** Named y values. */
  readonly metrics: Readonly<Record<string, number>>;
  /** The run the point belongs to, to compare runs in one chart (one colour per series). */
  readonly series?: string;
}

/** Options of {@link metricCurvesSvg}. */
export interface MetricPlotOptions {
  /** Title above the charts. @defaultValue "metrics during training" */
  readonly title?: string;
  /** Pixel width of each chart. @defaultValue 300 */
  readonly width?: number;
  /** Pixel height of each chart. @defaultValue 140 */
  readonly height?: number;
  /** Charts per row. @defaultValue 3 */
  readonly columns?: number;
  /** Only these metrics (in this order). @defaultValue every metric in the points */
  readonly metrics?: readonly string[];
  /** Title of the x axis (e.g. `"training minutes"` when each point's `step` holds minutes). @defaultValue "step" */
  readonly xTitle?: string;
}

/**
 * Renders metrics against the training step as small multiples, one chart per metric with its
 * own y scale (FID in the tens beside precision in [0, 1]), as an SVG document. Points with a
 * `series` are drawn one colour per series, to compare runs.
 *
 * @example
 * ```ts
 * const svg = await metricCurvesSvg(history.evaluations, { metrics: ["fid", "kid", "precision", "recall"] });
 * ```
 */
export async function metricCurvesSvg(points: readonly MetricPoint[], options: MetricPlotOptions = {}): Promise<string> {
  if (points.length === 0) throw new InvalidArgumentError("metricCurvesSvg: no points to plot");
  const { title = "metrics during training", width = 300, height = 140, columns = 3, xTitle = "step" } = options;
  const names = options.metrics ?? [...new Set(points.flatMap((p) => Object.keys(p.metrics)))];
  const values = points.flatMap(({ step, metrics, series }) =>
    names.filter((name) => Number.isFinite(metrics[name])).map((name) => ({ step, name, value: metrics[name], series: series ?? "" })),
  );
  const color = points.some((p) => p.series !== undefined) ? { color: { field: "series", type: "nominal", title: null } } : {};
  return renderSvg({
    title,
    background: "white",
    data: { values },
    facet: { field: "name", type: "nominal", title: null, sort: [...names] },
    columns,
    resolve: { scale: { y: "independent" } },
    spec: {
      width,
      height,
      layer: [
        { mark: { type: "line" }, encoding: { x: { field: "step", type: "quantitative", title: xTitle }, y: { field: "value", type: "quantitative", title: null, scale: { zero: false }, axis: { format: "~r" } }, ...color } },
        { mark: { type: "point", filled: true, size: 30 }, encoding: { x: { field: "step", type: "quantitative" }, y: { field: "value", type: "quantitative" }, ...color } },
      ],
    },
  });
}

/** Writes {@link lossCurvesSvg}'s chart to a file, atomically. */
export async function writeLossPlot(path: string, points: readonly LossPoint[], options: LossPlotOptions = {}): Promise<void> {
  await writeFileAtomic(path, await lossCurvesSvg(points, options));
}

/** Writes {@link metricCurvesSvg}'s charts to a file, atomically. */
export async function writeMetricPlot(path: string, points: readonly MetricPoint[], options: MetricPlotOptions = {}): Promise<void> {
  await writeFileAtomic(path, await metricCurvesSvg(points, options));
}
