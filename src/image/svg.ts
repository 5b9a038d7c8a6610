// Plain SVG charts: linear scales with nice ticks, axes, lines, points and legends, written as
// strings (the loss and metric plots and the latent map). Internal: the public functions are in
// plot.ts and latent/latent-map.ts.

/** Tableau 10, the default colours of categories (one per loss, series or class). @internal */
export const TABLEAU10 = ["#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b", "#eeca3b", "#b279a2", "#ff9da6", "#9d755d", "#bab0ac"] as const;

/** d3's category10, the latent map's class colours. @internal */
export const CATEGORY10 = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"] as const;

/** The `i`-th colour of a palette, cycling. @internal */
export const colour = (palette: readonly string[], i: number): string => palette[i % palette.length] ?? "#000";

/** Font size of tick labels and legends, and the width of one of their characters (an estimate for layout). */
const FONT = 11;
const CHAR = 6.2;

/** Text for SVG character data and attribute values. @internal */
export function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}

/** Estimated pixel width of `text` in the labels' font. @internal */
export const textWidth = (text: string, size = FONT): number => (text.length * CHAR * size) / FONT;

/** A number for a coordinate: at most two decimals, no trailing zeros. */
const px = (v: number): string => String(Math.round(v * 100) / 100);

/** The tick spacing d3 and Vega choose: 1, 2 or 5 times a power of ten, about `count` ticks over [start, stop]. */
function tickStep(start: number, stop: number, count: number): number {
  const raw = Math.abs(stop - start) / Math.max(1, count);
  let step = 10 ** Math.floor(Math.log10(raw));
  const error = raw / step;
  if (error >= Math.sqrt(50)) step *= 10;
  else if (error >= Math.sqrt(10)) step *= 5;
  else if (error >= Math.sqrt(2)) step *= 2;
  return step;
}

/** A linear map of a domain onto pixels, with its ticks and their labels. @internal */
export interface LinearScale {
  /** The (nice) domain. */
  readonly domain: readonly [number, number];
  /** Tick values inside the domain. */
  readonly ticks: readonly number[];
  /** Pixel of a value. */
  map(value: number): number;
  /** Label of a tick. */
  format(value: number): string;
}

/** Options of {@link linearScale}. @internal */
export interface ScaleOptions {
  /** Include 0 in the domain. @defaultValue false */
  readonly zero?: boolean;
  /** About this many ticks. @defaultValue 5 */
  readonly ticks?: number;
}

/**
 * A linear scale over the finite `values` onto `[from, to]` pixels, its domain extended to
 * multiples of the tick step (Vega's `nice`), with ticks and labels of as many decimals as the step
 * needs. @internal
 */
export function linearScale(values: Iterable<number>, range: readonly [number, number], options: ScaleOptions = {}): LinearScale {
  const count = options.ticks ?? 5;
  let [lo, hi] = [Infinity, -Infinity];
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo > hi) [lo, hi] = [0, 1];
  if (options.zero === true) [lo, hi] = [Math.min(lo, 0), Math.max(hi, 0)];
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) / 10;
    [lo, hi] = [lo - pad, hi + pad];
  }
  let step = tickStep(lo, hi, count);
  for (let i = 0; i < 10; i++) {
    const [nlo, nhi] = [Math.floor(lo / step) * step, Math.ceil(hi / step) * step];
    const next = tickStep(nlo, nhi, count);
    [lo, hi] = [nlo, nhi];
    if (next === step) break;
    step = next;
  }
  // ticks as integer multiples of the step, divided rather than multiplied when the step is below 1 (exact decimals)
  const inverse = step < 1 ? Math.round(1 / step) : 0;
  const at = (k: number): number => (inverse > 0 ? k / inverse : k * step);
  const ticks: number[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); at(k) <= hi + step * 1e-9; k++) ticks.push(at(k));
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const [from, to] = range;
  return {
    domain: [lo, hi],
    ticks,
    map: (value) => from + ((value - lo) / (hi - lo)) * (to - from),
    format: (value) => (Math.abs(value) < step / 2 ? 0 : value).toFixed(decimals),
  };
}

/** Widest tick label of a scale, in pixels. @internal */
export const tickLabelWidth = (scale: LinearScale): number => Math.max(0, ...scale.ticks.map((t) => textWidth(scale.format(t))));

/** A plot area's two scales and size, for {@link axes}. @internal */
export interface Frame {
  /** x scale, onto [0, width]. */
  readonly x: LinearScale;
  /** y scale, onto [height, 0]. */
  readonly y: LinearScale;
  /** Pixel width of the plot area. */
  readonly width: number;
  /** Pixel height of the plot area. */
  readonly height: number;
}

/**
 * Grid lines, both axes with their tick labels and titles, and the frame, for a plot area at the
 * origin (wrap it in a translated `<g>`). @internal
 */
export function axes(frame: Frame, titles: { readonly x?: string | undefined; readonly y?: string | undefined }): string {
  const { x, y, width, height } = frame;
  const out: string[] = ['<g class="grid" stroke="#ddd" stroke-width="1">'];
  for (const t of x.ticks) out.push(`<line x1="${px(x.map(t))}" y1="0" x2="${px(x.map(t))}" y2="${px(height)}"/>`);
  for (const t of y.ticks) out.push(`<line x1="0" y1="${px(y.map(t))}" x2="${px(width)}" y2="${px(y.map(t))}"/>`);
  out.push("</g>");
  out.push(`<g class="axis x-axis" font-size="${FONT}" fill="#000" text-anchor="middle">`);
  out.push(`<line x1="0" y1="${px(height)}" x2="${px(width)}" y2="${px(height)}" stroke="#888"/>`);
  for (const t of x.ticks) {
    out.push(`<line x1="${px(x.map(t))}" y1="${px(height)}" x2="${px(x.map(t))}" y2="${px(height + 5)}" stroke="#888"/>`);
    out.push(`<text class="tick-label" x="${px(x.map(t))}" y="${px(height + 17)}">${escapeXml(x.format(t))}</text>`);
  }
  if (titles.x !== undefined && titles.x !== "") {
    out.push(`<text class="axis-title" x="${px(width / 2)}" y="${px(height + 34)}" font-weight="bold">${escapeXml(titles.x)}</text>`);
  }
  out.push("</g>");
  out.push(`<g class="axis y-axis" font-size="${FONT}" fill="#000" text-anchor="end">`);
  out.push(`<line x1="0" y1="0" x2="0" y2="${px(height)}" stroke="#888"/>`);
  for (const t of y.ticks) {
    out.push(`<line x1="-5" y1="${px(y.map(t))}" x2="0" y2="${px(y.map(t))}" stroke="#888"/>`);
    out.push(`<text class="tick-label" x="-8" y="${px(y.map(t) + 4)}">${escapeXml(y.format(t))}</text>`);
  }
  if (titles.y !== undefined && titles.y !== "") {
    const at = -(tickLabelWidth(y) + 18);
    out.push(`<text class="axis-title" transform="translate(${px(at)},${px(height / 2)}) rotate(-90)" text-anchor="middle" font-weight="bold">${escapeXml(titles.y)}</text>`);
  }
  out.push("</g>");
  return out.join("");
}

/** A `<path>` through the points (in pixels), or "" for none. @internal */
export function linePath(points: readonly (readonly [number, number])[], stroke: string, attributes = ""): string {
  if (points.length === 0) return "";
  const d = points.map(([x, y], i) => `${i === 0 ? "M" : "L"}${px(x)},${px(y)}`).join("");
  return `<path class="line" d="${d}" fill="none" stroke="${stroke}" stroke-width="2" stroke-linejoin="round"${attributes === "" ? "" : ` ${attributes}`}/>`;
}

/** A filled `<circle>` of class `point`. @internal */
export const circle = (x: number, y: number, r: number, fill: string, attributes = ""): string =>
  `<circle class="point" cx="${px(x)}" cy="${px(y)}" r="${px(r)}" fill="${fill}"${attributes === "" ? "" : ` ${attributes}`}/>`;

/** Height of one legend entry. @internal */
export const LEGEND_ROW = 16;

/** Pixel width of a legend of these entries (and title). @internal */
export const legendWidth = (labels: readonly string[], title?: string): number =>
  Math.max(title === undefined ? 0 : textWidth(title) + 4, ...labels.map((l) => 18 + textWidth(l))) + 10;

/** A legend at the origin: an optional title, then one swatch (a line or a dot) and label per entry. @internal */
export function legend(entries: readonly { readonly label: string; readonly colour: string }[], symbol: "line" | "dot", title?: string): string {
  const out: string[] = [`<g class="legend" font-size="${FONT}" fill="#000">`];
  let y = 0;
  if (title !== undefined) {
    out.push(`<text class="legend-title" x="0" y="${y + 10}" font-weight="bold">${escapeXml(title)}</text>`);
    y += LEGEND_ROW;
  }
  for (const { label, colour: c } of entries) {
    out.push(`<g class="legend-entry" transform="translate(0,${y})">`);
    out.push(symbol === "line" ? `<line x1="0" y1="6" x2="12" y2="6" stroke="${c}" stroke-width="2"/>` : `<rect x="2" y="2" width="8" height="8" rx="4" fill="${c}"/>`);
    out.push(`<text class="legend-label" x="18" y="10">${escapeXml(label)}</text></g>`);
    y += LEGEND_ROW;
  }
  out.push("</g>");
  return out.join("");
}

/** A standalone SVG document of this size on a white background, with a title at the top left. @internal */
export function svgDocument(width: number, height: number, title: string, body: string): string {
  const [w, h] = [Math.ceil(width), Math.ceil(height)];
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif">` +
    `<title>${escapeXml(title)}</title>` +
    `<rect width="${w}" height="${h}" fill="white"/>` +
    `<text class="title" x="10" y="20" font-size="14" font-weight="bold" fill="#000">${escapeXml(title)}</text>` +
    body +
    "</svg>\n"
  );
}

/** `<g transform="translate(x,y)">…</g>`. @internal */
export const translate = (x: number, y: number, body: string): string => `<g transform="translate(${px(x)},${px(y)})">${body}</g>`;
