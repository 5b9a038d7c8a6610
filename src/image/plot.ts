import { InvalidArgumentError } from "../errors.js";
import { writeFileAtomic } from "../_internals/fs.js";
import { axes, circle, colour, escapeXml, legend, legendWidth, linePath, linearScale, svgDocument, TABLEAU10, tickLabelWidth, translate } from "./svg.js";

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
 * Renders loss curves (one line per named loss, against the step) as a standalone SVG document:
 * the raw curves, faint, under their moving averages, with axes and a legend.
 *
 * @example
 * ```ts
 * const svg = await lossCurvesSvg(history.steps, { title: "MLP GAN" });
 * ```
 */
export async function lossCurvesSvg(points: readonly LossPoint[], options: LossPlotOptions = {}): Promise<string> {
  if (points.length === 0) throw new InvalidArgumentError("lossCurvesSvg: no points to plot");
  const { title = "training losses", width = 640, height = 320, smooth = 25 } = options;
  const curves = new Map<string, [number, number][]>();
  for (const { step, losses } of points) {
    for (const [name, loss] of Object.entries(losses)) {
      if (!Number.isFinite(loss) || !Number.isFinite(step)) continue;
      const curve = curves.get(name) ?? [];
      curve.push([step, loss]);
      curves.set(name, curve);
    }
  }
  for (const curve of curves.values()) curve.sort((a, b) => a[0] - b[0]);
  const all = [...curves.values()].flat();
  const x = linearScale(all.map(([step]) => step), [0, width], { zero: true, ticks: Math.ceil(width / 40) });
  const y = linearScale(all.map(([, loss]) => loss), [height, 0], { zero: true, ticks: Math.ceil(height / 40) });
  const pixels = (curve: readonly (readonly [number, number])[]): [number, number][] => curve.map(([s, v]) => [x.map(s), y.map(v)]);
  const names = [...curves.keys()];
  const body: string[] = [axes({ x, y, width, height }, { x: "step", y: "loss" })];
  names.forEach((name, i) => {
    const curve = curves.get(name) ?? [];
    const stroke = colour(TABLEAU10, i);
    body.push(linePath(pixels(curve), stroke, `data-name="${escapeXml(name)}"${smooth > 0 ? ' stroke-opacity="0.3"' : ""}`));
    if (smooth > 0) body.push(linePath(pixels(movingAverage(curve, smooth)), stroke, `data-name="${escapeXml(name)}" data-smoothed="${smooth}"`));
  });
  const left = tickLabelWidth(y) + 32;
  const top = 36;
  const key = legend(names.map((name, i) => ({ label: name, colour: colour(TABLEAU10, i) })), "line");
  return svgDocument(left + width + 20 + legendWidth(names), top + height + 44, title, translate(left, top, body.join("")) + translate(left + width + 20, top, key));
}

/** Mean of each point's value and the `window - 1` before it (Vega-Lite's window frame `[-window + 1, 0]`). */
function movingAverage(curve: readonly (readonly [number, number])[], window: number): [number, number][] {
  let sum = 0;
  return curve.map(([step, value], i) => {
    sum += value;
    if (i >= window) sum -= curve[i - window]?.[1] ?? 0;
    return [step, sum / Math.min(i + 1, window)];
  });
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
 * own y scale (FID in the tens beside precision in [0, 1]) and a shared x scale, as a standalone
 * SVG document. Points with a `series` are drawn one colour per series, with a legend, to compare
 * runs.
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
  const coloured = points.some((p) => p.series !== undefined);
  const seriesNames = [...new Set(points.map((p) => p.series ?? ""))];
  // per metric (in the order asked; those with a finite value), per series: [step, value] by step
  const charts = names.flatMap((name) => {
    const bySeries = new Map<string, [number, number][]>();
    for (const { step, metrics, series = "" } of points) {
      const value = metrics[name];
      if (value === undefined || !Number.isFinite(value) || !Number.isFinite(step)) continue;
      const curve = bySeries.get(series) ?? [];
      curve.push([step, value]);
      bySeries.set(series, curve);
    }
    for (const curve of bySeries.values()) curve.sort((a, b) => a[0] - b[0]);
    return bySeries.size === 0 ? [] : [{ name, bySeries }];
  });
  const steps = charts.flatMap((c) => [...c.bySeries.values()].flat().map(([step]) => step));
  const x = linearScale(steps, [0, width], { zero: true, ticks: Math.ceil(width / 40) });
  const panels = charts.map(({ name, bySeries }) => {
    const y = linearScale([...bySeries.values()].flat().map(([, v]) => v), [height, 0], { ticks: Math.ceil(height / 40) });
    const body: string[] = [`<text class="chart-title" x="${width / 2}" y="-10" text-anchor="middle" font-size="12" font-weight="bold">${escapeXml(name)}</text>`];
    body.push(axes({ x, y, width, height }, { x: xTitle }));
    for (const [series, curve] of bySeries) {
      const fill = colour(TABLEAU10, coloured ? seriesNames.indexOf(series) : 0);
      const data = `data-metric="${escapeXml(name)}"${coloured ? ` data-series="${escapeXml(series)}"` : ""}`;
      body.push(linePath(curve.map(([s, v]) => [x.map(s), y.map(v)]), fill, data));
      for (const [s, v] of curve) body.push(circle(x.map(s), y.map(v), 3, fill, data));
    }
    return { left: tickLabelWidth(y) + 14, body: body.join("") };
  });
  const left = Math.max(0, ...panels.map((p) => p.left));
  const [cellWidth, cellHeight] = [left + width + 16, height + 74];
  const cols = Math.max(1, Math.min(columns, panels.length));
  const top = 56;
  const grid = panels.map((p, i) => translate((i % cols) * cellWidth + left, top + Math.floor(i / cols) * cellHeight, p.body)).join("");
  const legendX = cols * cellWidth + 4;
  const key = coloured ? translate(legendX, top, legend(seriesNames.map((series, i) => ({ label: series, colour: colour(TABLEAU10, i) })), "line")) : "";
  const rows = Math.max(1, Math.ceil(panels.length / cols));
  return svgDocument(legendX + (coloured ? legendWidth(seriesNames) : 0), top + rows * cellHeight - 20, title, grid + key);
}

/** Writes {@link lossCurvesSvg}'s chart to a file, atomically. */
export async function writeLossPlot(path: string, points: readonly LossPoint[], options: LossPlotOptions = {}): Promise<void> {
  await writeFileAtomic(path, await lossCurvesSvg(points, options));
}

/** Writes {@link metricCurvesSvg}'s charts to a file, atomically. */
export async function writeMetricPlot(path: string, points: readonly MetricPoint[], options: MetricPlotOptions = {}): Promise<void> {
  await writeFileAtomic(path, await metricCurvesSvg(points, options));
}
