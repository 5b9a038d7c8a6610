import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { extname, join } from "node:path";
import { FASHION_MNIST_CLASSES } from "../data/mnist.js";
import { metricCurvesSvg, type MetricPoint } from "../image/plot.js";
import { escapeXml } from "../image/svg.js";
import type { StudyRunResult } from "./evaluate-run.js";
import { describeBudget } from "./options.js";
import { stat, STUDY_METRICS, type StudyModelSummary, type StudyStat } from "./results.js";
import type { StudyResults } from "./run-study.js";

const escape = escapeXml;

/** A number to about 4 significant digits (integers as they are). */
const num = (v: number | undefined, digits = 4): string => (v === undefined || !Number.isFinite(v) ? "–" : Number.isInteger(v) ? String(v) : Math.abs(v) >= 1000 ? v.toFixed(0) : v.toPrecision(digits));

/** `mean ± std` (the std left out for one seed). */
const pm = (s: StudyStat | undefined, digits = 4): string => (s === undefined || s.n === 0 ? "–" : s.n > 1 ? `${num(s.mean, digits)} ± ${num(s.std, 2)}` : num(s.mean, digits));

/** A file of the study folder as a data URI, or `undefined` when it is missing. */
async function dataUri(out: string, file: string | undefined): Promise<string | undefined> {
  if (file === undefined) return undefined;
  const path = join(out, file);
  if (!existsSync(path)) return undefined;
  const mime = extname(path) === ".svg" ? "image/svg+xml" : "image/png";
  return `data:${mime};base64,${(await readFile(path)).toString("base64")}`;
}

const img = async (out: string, file: string | undefined, alt: string, cls = ""): Promise<string> => {
  const uri = await dataUri(out, file);
  return uri === undefined ? `<p class="missing">(${escape(alt)}: not available)</p>` : `<img src="${uri}" alt="${escape(alt)}"${cls === "" ? "" : ` class="${cls}"`}>`;
};

const svgUri = (svg: string): string => `data:image/svg+xml;base64,${Buffer.from(svg).toString("base64")}`;

const table = (head: readonly string[], rows: readonly (readonly string[])[], cls = ""): string =>
  `<table${cls === "" ? "" : ` class="${cls}"`}><thead><tr>${head.map((h) => `<th>${h}</th>`).join("")}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("")}</tbody></table>`;

/** The seed-0 run of a model (the one whose pictures the report shows), else its first. */
const shownRun = (runs: readonly StudyRunResult[], model: string): StudyRunResult | undefined =>
  runs.find((r) => r.model === model && r.seed === 0 && r.status === "finished") ?? runs.find((r) => r.model === model);

/** The winners table, and one sentence for the GAN-vs-VAE question where both kinds ran. */
function summarySection(results: StudyResults): string {
  const rows = results.winners.map((w) => [
    escape(w.label),
    w.better === "lower" ? "lower" : "higher",
    [w.model, ...w.tiedWith].map((m) => `<b>${escape(m)}</b>`).join(", "),
    pm(w.value),
    w.runnerUp === undefined ? "–" : `${escape(w.runnerUp.model)}: ${pm(w.runnerUp.value)}`,
    w.margin === "clear" ? "clear" : w.margin === "within noise" ? "<i>within noise</i>" : escape(w.margin),
  ]);
  const best = (kind: string): StudyModelSummary | undefined =>
    results.models.filter((m) => m.kind === kind && Number.isFinite(m.metrics.fid?.mean)).sort((a, b) => (a.metrics.fid?.mean ?? 0) - (b.metrics.fid?.mean ?? 0))[0];
  const [gan, vae] = [best("gan"), best("vae")];
  const verdict = gan !== undefined && vae !== undefined
    ? `<p class="verdict">By FID the best GAN, <b>${escape(gan.model)}</b> (${pm(gan.metrics.fid)}), ${(gan.metrics.fid?.mean ?? 0) < (vae.metrics.fid?.mean ?? 0) ? "beats" : "loses to"} the best VAE, <b>${escape(vae.model)}</b> (${pm(vae.metrics.fid)}), under the same budget of ${escape(describeBudget(results.options.budget))}; ` +
      `by recall (diversity) ${escape(gan.model)} ${pm(gan.metrics.recall, 3)} vs ${escape(vae.model)} ${pm(vae.metrics.recall, 3)}.</p>`
    : "";
  return `<section id="summary"><h2>Summary: which model wins</h2>${verdict}${table(["metric", "better", "winner", "mean ± std", "runner-up", "margin"], rows)}
<p class="note">"clear": the gap to the runner-up exceeds both standard deviations added; "within noise": it does not; "tie": the same mean; with one seed there is no noise estimate. Run more seeds (<code>--seeds</code>) before trusting a narrow win.</p></section>`;
}

function modelsSection(results: StudyResults): string {
  const rows = results.models.map((m) => [
    escape(m.model),
    escape(m.kind),
    `${m.parameters.toLocaleString("en-US")}<br><small>${Object.entries(m.parametersByNetwork).map(([k, v]) => `${escape(k)} ${v.toLocaleString("en-US")}`).join(", ")}</small>`,
    `${m.finished} / ${m.runs}`,
    pm(m.training.steps, 5),
    `${pm({ ...m.training.seconds, mean: m.training.seconds.mean / 60, std: m.training.seconds.std / 60 }, 3)} min`,
    pm(m.training.imagesPerSecond, 4),
    Object.entries(m.losses).map(([k, v]) => `${escape(k)} ${pm(v, 3)}`).join("<br>"),
  ]);
  return `<section id="models"><h2>Models and training</h2>${table(["model", "kind", "parameters", "runs finished", "steps", "training time", "images / s", "losses (mean of last 50 steps)"], rows)}</section>`;
}

function metricsSection(results: StudyResults): string {
  const columns = STUDY_METRICS.filter((c) => results.models.some((m) => m.metrics[c.metric] !== undefined));
  const winners = new Map(results.winners.map((w) => [w.metric, [w.model, ...w.tiedWith]]));
  const rows = results.models.map((m) => [
    escape(m.model),
    ...columns.map((c) => {
      const cell = pm(m.metrics[c.metric]);
      return winners.get(c.metric)?.includes(m.model) === true ? `<b>${cell}</b>` : cell;
    }),
  ]);
  const head = ["model", ...columns.map((c) => `${escape(c.label)} <small>${c.better === "lower" ? "↓" : "↑"}</small>`)];
  const { evaluation } = results.options;
  return `<section id="metrics"><h2>Sample quality, diversity and likelihood</h2>${table(head, rows, "wide")}
<p class="note">Final evaluation: ${evaluation.n} samples against ${evaluation.n} ${escape(results.options.data)} test images, features of the shipped ${escape(results.options.data)} classifier (the oracle). VAE rows add reconstruction error and ELBO on the test images and the importance-weighted NLL (k = ${evaluation.nll.k}, ${evaluation.nll.n} images). Best per column in bold; mean ± std over seeds.</p></section>`;
}

async function timelineSection(results: StudyResults, out: string): Promise<string> {
  const blocks: string[] = [];
  for (const m of results.models) {
    const run = shownRun(results.runs, m.model);
    if (run === undefined || run.timeline.length === 0) continue;
    const cells: string[] = [];
    for (const p of run.timeline) {
      cells.push(`<figure>${await img(out, p.grid, `${m.model} at ${Math.round(p.share * 100)}%`, "grid")}<figcaption>${Math.round(p.share * 100)}% · ${num(p.minutes, 2)} min · step ${p.step}</figcaption></figure>`);
    }
    blocks.push(`<h3>${escape(m.model)} <small>(seed ${run.seed})</small></h3><div class="row">${cells.join("")}</div>`);
  }
  return `<section id="samples"><h2>Samples over training time</h2><p class="note">The same latents each time, at shares of the budget.</p>${blocks.join("") || "<p>No snapshots yet.</p>"}</section>`;
}

/** Metric curves against training minutes, one colour per model (means over seeds at each share). */
async function curvesSection(results: StudyResults): Promise<string> {
  const points: MetricPoint[] = [];
  for (const m of results.models) {
    const runs = results.runs.filter((r) => r.model === m.model && r.status === "finished");
    const shares = [...new Set(runs.flatMap((r) => r.timeline.map((p) => p.share)))].sort((a, b) => a - b);
    for (const share of shares) {
      const at = runs.flatMap((r) => r.timeline.filter((p) => p.share === share));
      const names = [...new Set(at.flatMap((p) => Object.keys(p.metrics)))];
      const metrics = Object.fromEntries(names.map((n) => [n, mean(at.map((p) => p.metrics[n]))]));
      points.push({ step: mean(at.map((p) => p.minutes)), metrics, series: m.model });
    }
  }
  const shown = ["fid", "kid", "precision", "recall", "coverage", "classes_covered"].filter((n) => points.some((p) => Number.isFinite(p.metrics[n])));
  if (points.length === 0 || shown.length === 0) return `<section id="curves"><h2>Metrics against training time</h2><p>No evaluations during training yet.</p></section>`;
  const svg = await metricCurvesSvg(points, { title: "metrics against training time", metrics: shown, xTitle: "training minutes", width: 260, height: 130 });
  return `<section id="curves"><h2>Metrics against training time</h2><img src="${svgUri(svg)}" alt="metric curves" class="chart"><p class="note">Evaluations during training use ${results.options.evaluation.snapshotN} samples (fewer than the final evaluation, so their FIDs run higher).</p></section>`;
}

/** The mean of the values present and finite (NaN for none), as {@link stat} takes it. */
const mean = (values: readonly (number | undefined)[]): number => stat(values.filter((x): x is number => x !== undefined)).mean;

async function lossSection(results: StudyResults, out: string): Promise<string> {
  const figures: string[] = [];
  for (const m of results.models) {
    const run = shownRun(results.runs, m.model);
    if (run?.files.lossPlot !== undefined) figures.push(`<figure>${await img(out, run.files.lossPlot, `${m.model} losses`, "chart")}</figure>`);
  }
  return `<section id="losses"><h2>Loss curves</h2><div class="row">${figures.join("") || "<p>No losses yet.</p>"}</div></section>`;
}

/** Class histograms of the final samples (summed over seeds), as bars against the uniform share. */
function classSection(results: StudyResults): string {
  const names = results.options.data === "fashion-mnist" ? FASHION_MNIST_CLASSES : undefined;
  const blocks = results.models.flatMap((m) => {
    const runs = results.runs.filter((r) => r.model === m.model && r.classCounts.length > 0);
    if (runs.length === 0) return [];
    const k = Math.max(...runs.map((r) => r.classCounts.length));
    const counts = Array.from({ length: k }, (_, c) => runs.reduce((s, r) => s + (r.classCounts[c] ?? 0), 0));
    const total = counts.reduce((s, v) => s + v, 0);
    const top = Math.max(...counts, 1);
    const bars = counts.map((c, i) => {
      const label = names?.[i] ?? String(i);
      return `<div class="bar"><span class="label">${escape(label)}</span><span class="fill" style="width:${((100 * c) / top).toFixed(1)}%"></span><span class="value">${(100 * c / Math.max(total, 1)).toFixed(1)}%</span></div>`;
    });
    return [`<div class="hist"><h3>${escape(m.model)}</h3>${bars.join("")}</div>`];
  });
  return `<section id="classes"><h2>Class histograms</h2><p class="note">The oracle's label of every final sample (all seeds); a model that covers the data evenly shows about 10% a class.</p><div class="row">${blocks.join("") || "<p>No evaluations yet.</p>"}</div></section>`;
}

async function interpolationSection(results: StudyResults, out: string): Promise<string> {
  const column = async (kind: string, title: string): Promise<string> => {
    const parts: string[] = [];
    for (const m of results.models.filter((x) => x.kind === kind)) {
      const run = shownRun(results.runs, m.model);
      if (run?.files.interpolation !== undefined) parts.push(`<figure>${await img(out, run.files.interpolation, `${m.model} interpolation`, "strip")}<figcaption>${escape(m.model)}</figcaption></figure>`);
    }
    return `<div class="col"><h3>${title}</h3>${parts.join("") || "<p>none</p>"}</div>`;
  };
  return `<section id="interpolations"><h2>Interpolations</h2><p class="note">Spherical interpolation, ten images a path: GANs between two seeded latents, VAEs between two encoded test digits of different classes.</p><div class="row">${await column("gan", "GANs")}${await column("vae", "VAEs")}</div></section>`;
}

async function latentSection(results: StudyResults, out: string): Promise<string> {
  const figures: string[] = [];
  for (const m of results.models.filter((x) => x.kind === "vae")) {
    const run = shownRun(results.runs, m.model);
    if (run?.files.latentMap !== undefined) figures.push(`<figure>${await img(out, run.files.latentMap, `${m.model} latent map`, "chart")}<figcaption>${escape(m.model)}</figcaption></figure>`);
    if (run?.files.manifold !== undefined) figures.push(`<figure>${await img(out, run.files.manifold, `${m.model} manifold`, "grid")}<figcaption>${escape(m.model)}: decoded manifold</figcaption></figure>`);
  }
  return `<section id="latent-maps"><h2>Latent maps</h2><p class="note">Test images encoded to their posterior means, coloured by class (the first two principal components above two dimensions).</p><div class="row">${figures.join("") || "<p>No VAE in this study.</p>"}</div></section>`;
}

async function lsaSection(results: StudyResults, out: string): Promise<string> {
  const names = ["fid", "precision", "recall", "coverage", "classes_covered"];
  const rows = results.models.flatMap((m) => (m.lsa === undefined ? [] : names.map((n) => {
    const [b, a] = [m.lsa?.before[n], m.lsa?.after[n]];
    const better = STUDY_METRICS.find((c) => c.metric === n)?.better ?? "higher";
    const improved = b !== undefined && a !== undefined && (better === "lower" ? a.mean < b.mean : a.mean > b.mean);
    return [escape(m.model), escape(n), pm(b), pm(a), b === undefined || a === undefined ? "–" : `${improved ? "better" : "worse or equal"} (${num(a.mean - b.mean, 3)})`];
  })));
  const blocks: string[] = [];
  for (const m of results.models.filter((x) => x.kind === "gan")) {
    const run = shownRun(results.runs, m.model);
    if (run?.lsa === undefined) continue;
    if ("error" in run.lsa) {
      blocks.push(`<h3>${escape(m.model)}</h3><p>Latent Space Adaptation could not run: ${escape(run.lsa.error)}</p>`);
      continue;
    }
    const perClass = table(["class", "candidates", "kept", "threshold", "dims normal (Shapiro–Wilk, α = 0.05)", "mean p"], run.lsa.classes.map((c) => [String(c.label), String(c.candidates), String(c.kept), num(c.threshold, 3), `${num(100 * c.normalShare, 3)}%`, num(c.meanP, 3)]));
    blocks.push(`<h3>${escape(m.model)} <small>(seed ${run.seed})</small></h3><div class="row"><figure>${await img(out, run.files.samples, "prior samples", "grid")}<figcaption>latents from N(0, I)</figcaption></figure><figure>${await img(out, run.lsa.grid, "LSA samples", "grid")}<figcaption>latents from the adapted sampler</figcaption></figure><div>${perClass}</div></div>`);
  }
  const conditional = results.models.filter((m) => m.kind === "gan" && m.lsa === undefined).map((m) => m.model);
  return `<section id="lsa"><h2>Latent Space Adaptation (GANs)</h2>
<p class="note">Candidates from the prior are labelled by the oracle, scored by cosine similarity to their nearest real image of that class, the best half per class kept, each latent dimension tested for normality, and a diagonal Gaussian per class fitted and sampled evenly over the classes. The published study reports FID 27.96 → 24.17 and precision 0.54 → 0.56.</p>
${rows.length === 0 ? "<p>No GAN with Latent Space Adaptation in this study.</p>" : table(["model", "metric", "before (prior)", "after (LSA)", "change"], rows)}
${blocks.join("")}${conditional.length > 0 ? `<p class="note">Not adapted: ${conditional.map(escape).join(", ")} (conditional or failed).</p>` : ""}</section>`;
}

const STYLE = `body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1200px;padding:1em 2em;color:#222;line-height:1.4}
h1{margin-bottom:.2em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}h3{margin:.8em 0 .3em}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}th,td{border:1px solid #ddd;padding:.25em .5em;text-align:right;vertical-align:top}th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}
table.wide{display:block;overflow-x:auto}.note{color:#555;font-size:.9em}.verdict{font-size:1.05em;background:#f6f8ff;padding:.6em;border-left:4px solid #4a6cf7}
.row{display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start}figure{margin:0}figcaption{font-size:.8em;color:#555;text-align:center}
img.grid{width:168px;image-rendering:pixelated}img.strip{width:420px;image-rendering:pixelated}img.chart{max-width:100%}
.col{flex:1;min-width:440px}.hist{width:260px}.bar{display:flex;align-items:center;font-size:.8em;height:1.2em}.bar .label{width:5.5em;text-align:right;padding-right:.4em;overflow:hidden;white-space:nowrap}
.bar .fill{background:#4a6cf7;height:.9em;display:inline-block}.bar .value{padding-left:.3em;color:#555}.missing{color:#a00;font-size:.8em}nav a{margin-right:.8em}`;

/**
 * The study's report as one self-contained HTML page: every picture inlined (PNG and SVG as data
 * URIs), no script, no request to anything outside it. `out` is the study folder its file paths are
 * relative to.
 */
export async function studyReportHtml(results: StudyResults, out: string): Promise<string> {
  const o = results.options;
  const m = results.machine;
  const sections = [
    summarySection(results),
    modelsSection(results),
    metricsSection(results),
    await timelineSection(results, out),
    await curvesSection(results),
    await lossSection(results, out),
    classSection(results),
    await interpolationSection(results, out),
    await latentSection(results, out),
    await lsaSection(results, out),
  ];
  const nav = [["summary", "summary"], ["models", "training"], ["metrics", "metrics"], ["samples", "samples"], ["curves", "curves"], ["losses", "losses"], ["classes", "classes"], ["interpolations", "interpolations"], ["latent-maps", "latent maps"], ["lsa", "LSA"]]
    .map(([id, label]) => `<a href="#${id}">${label}</a>`).join("");
  const status = results.complete ? "" : `<p class="missing">Partial results: ${results.runs.length} of ${o.models.length * o.seeds} runs are done. Continue with <code>gen-mnist study --out … --resume</code>.</p>`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>gen-mnist study: ${escape(o.models.join(", "))}</title><style>${STYLE}</style></head>
<body><h1>GANs vs VAEs on ${escape(o.data === "mnist" ? "MNIST" : "Fashion-MNIST")}</h1>
<p>${o.models.length} models × ${o.seeds} seed${o.seeds === 1 ? "" : "s"}, each trained for ${escape(describeBudget(o.budget))}${o.limit === null ? "" : ` on the first ${o.limit} training images`}${o.quick ? " (quick study: small evaluations, for a first look)" : ""}.
Machine: ${m.cores} × ${escape(m.cpu)}, Node ${escape(m.node)}, tfjs backend <code>${escape(m.backend)}</code>. Started ${escape(results.startedAt)}, updated ${escape(results.updatedAt)}.</p>
${status}<nav>${nav}</nav>
${sections.join("\n")}
<footer><p class="note">Written by gen-mnist's <code>runStudy</code>; the numbers are in results.json and results.csv beside this file, each run's files under runs/.</p></footer>
</body></html>
`;
}
