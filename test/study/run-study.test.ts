// runStudy end to end on a tiny budget: every file a study promises (ordinary run folders,
// results.csv/json, report.html), an interrupted study resumed without retraining what finished,
// options that cannot change on resume, no tensor left behind, and the report opened in headless
// Chromium (no console error, no network request, every section and picture).
import * as tf from "@tensorflow/tfjs-core";
import { existsSync, statSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodePng, loadModel, readStepLog, runStudy, useBackend, type StudyEvent, type StudyOptions, type StudyResults } from "../../src/index.js";
import { readTimeLog } from "../../src/study/budget.js";

const CHROMIUM = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => p !== undefined && existsSync(p));

let dir: string;
let out: string;
let results: StudyResults;
let interrupted: StudyResults;
const tiny = (o: Partial<StudyOptions> = {}): StudyOptions => ({
  out,
  models: ["mlp-gan", "vae"],
  budget: { steps: 6 },
  seeds: 2,
  limit: 512,
  evaluation: { n: 100, snapshotN: 50, lsaCandidates: 200, nll: { k: 3, n: 20 }, latentMapN: 100, snapshots: [0.5, 1] },
  ...o,
});

beforeAll(async () => {
  await useBackend("gen-mnist");
  dir = await mkdtemp(join(tmpdir(), "gen-mnist-study-"));
  out = join(dir, "study");
  const before = tf.memory().numTensors;
  // stopped during the third run (vae, seed 0), after its third step
  const abort = new AbortController();
  const onProgress = (e: StudyEvent): void => {
    if (e.type === "train" && e.model === "vae" && e.seed === 0 && e.step === 3) abort.abort("test");
  };
  interrupted = await runStudy(tiny({ signal: abort.signal, onProgress }));
  results = await runStudy(tiny({ resume: true }));
  expect(tf.memory().numTensors).toBe(before);
}, 300_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("runStudy", () => {
  it("stops when interrupted with partial results, and resume finishes the interrupted run from its checkpoint", async () => {
    expect(interrupted.complete).toBe(false);
    expect(interrupted.runs.map((r) => `${r.model}-${r.seed}`)).toEqual(["mlp-gan-0", "mlp-gan-1"]);
    expect(results.complete).toBe(true);
    expect(results.runs.map((r) => `${r.model}-${r.seed}`)).toEqual(["mlp-gan-0", "mlp-gan-1", "vae-0", "vae-1"]);
    // the resumed run has each of its 6 steps once, in the history and in the time log
    const vae0 = join(out, "runs", "vae-seed0");
    expect((await readStepLog(join(vae0, "history.jsonl"))).map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect((await readTimeLog(join(vae0, "train-time.jsonl"))).map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(results.runs.every((r) => r.status === "finished" && r.steps === 6)).toBe(true);
  });

  it("writes ordinary run folders: a loadable model, sample grids over time, losses, evaluations", async () => {
    for (const run of results.runs) {
      const folder = join(out, run.folder);
      const model = await loadModel(join(folder, "model"));
      expect(model.name).toBe(run.model);
      const images = model.sample(3, { seed: 1 });
      expect(images.shape).toEqual([3, 28, 28, 1]);
      tf.dispose(images);
      model.dispose();
      expect(run.timeline.map((p) => [p.share, p.step])).toEqual([[0.5, 3], [1, 6]]);
      for (const p of run.timeline) {
        expect(decodePng(new Uint8Array(await readFile(join(out, p.grid)))).width).toBeGreaterThan(8 * 28);
        expect(p.metrics.fid).toBeGreaterThan(0);
      }
      const strip = decodePng(new Uint8Array(await readFile(join(out, run.files.interpolation ?? "missing"))));
      expect([strip.width > strip.height, strip.width]).toEqual([true, strip.width]);
      expect(existsSync(join(out, run.files.lossPlot ?? "missing"))).toBe(true);
      expect(run.metrics.fid).toBeGreaterThan(0);
      expect(run.classCounts.reduce((s, c) => s + c, 0)).toBe(100);
      expect(run.totalParameters).toBe(Object.values(run.parameters).reduce((s, v) => s + v, 0));
    }
    const [gan, vae] = [results.runs[0], results.runs[2]];
    expect(gan?.lsa !== undefined && !("error" in gan.lsa) ? gan.lsa.classes.length : 0).toBe(10);
    expect(vae?.metrics).toMatchObject({ recon_bce: expect.any(Number), elbo: expect.any(Number), nll: expect.any(Number) });
    expect(vae?.files.latentMap).toBe("runs/vae-seed0/latent-map.svg");
    expect(await readFile(join(out, vae?.files.latentMap ?? ""), "utf8")).toMatch(/^<svg|^<\?xml/);
  });

  it("writes results.json (what it returns), results.csv (a row a run) and per-model means over seeds", async () => {
    expect(JSON.parse(await readFile(join(out, "results.json"), "utf8"))).toEqual(JSON.parse(JSON.stringify(results)));
    const csv = (await readFile(join(out, "results.csv"), "utf8")).trim().split("\n");
    expect(csv).toHaveLength(5);
    expect(csv[0]?.split(",").slice(0, 8)).toEqual(["model", "seed", "status", "parameters", "steps", "train_seconds", "images_per_second", "fid"]);
    const gan = results.models.find((m) => m.model === "mlp-gan");
    const fids = results.runs.filter((r) => r.model === "mlp-gan").map((r) => r.metrics.fid ?? NaN);
    expect(gan?.metrics.fid?.mean).toBeCloseTo(((fids[0] ?? 0) + (fids[1] ?? 0)) / 2, 9);
    expect(gan?.metrics.fid?.std).toBeCloseTo(Math.abs((fids[0] ?? 0) - (fids[1] ?? 0)) / Math.SQRT2, 9);
    expect(results.winners.map((w) => w.metric)).toContain("fid");
    expect(results.winners.find((w) => w.metric === "elbo")).toMatchObject({ model: "vae", margin: "only model" });
  });

  it("does not train or evaluate finished runs again on resume", async () => {
    const history = join(out, "runs", "mlp-gan-seed0", "history.jsonl");
    const result = join(out, "runs", "mlp-gan-seed0", "study-run.json");
    const [h, r] = [statSync(history).mtimeMs, statSync(result).mtimeMs];
    const events: StudyEvent[] = [];
    const again = await runStudy({ out, resume: true, onProgress: (e) => events.push(e) });
    expect(again.runs).toEqual(results.runs);
    expect(events.filter((e) => e.type === "train" || e.type === "evaluate")).toEqual([]);
    expect(events.filter((e) => e.type === "run-end").every((e) => e.type === "run-end" && e.skipped)).toBe(true);
    expect([statSync(history).mtimeMs, statSync(result).mtimeMs]).toEqual([h, r]);
  }, 120_000);

  it("refuses a used folder without resume, and options a started study cannot change", async () => {
    await expect(runStudy(tiny())).rejects.toThrow(`runStudy: ${out} already holds a study; continue it with resume: true, or choose another folder`);
    await expect(runStudy({ out, resume: true, budget: { steps: 8 } })).rejects.toThrow("resume: true: the budget (8 steps) differs from the study's (6 steps); these cannot change");
    await expect(runStudy({ out: join(dir, "none"), resume: true })).rejects.toThrow("holds no study (no study.json); start one without resume: true");
  });

  it.skipIf(CHROMIUM === undefined)("report.html opens in headless Chromium with every section, no console error and no network request (skipped where no Chromium is installed: apt-get install chromium, or set CHROMIUM_PATH)", async () => {
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      const requests: string[] = [];
      page.on("console", (m) => void (m.type() === "error" && errors.push(m.text())));
      page.on("pageerror", (e) => void errors.push(e.message));
      page.on("request", (r) => void (!r.url().startsWith("data:") && !r.url().startsWith("file:") && requests.push(r.url())));
      await page.goto(`file://${join(out, "report.html")}`, { waitUntil: "load" });
      const sections = await page.$$eval("section", (all) => all.map((s) => s.id));
      expect(sections).toEqual(["summary", "models", "metrics", "samples", "curves", "losses", "classes", "interpolations", "latent-maps", "lsa"]);
      // every picture decoded (none broken), and each kind there
      const images = await page.$$eval("img", (all) => all.map((i) => ({ ok: i.complete && i.naturalWidth > 0, alt: i.alt })));
      expect(images.filter((i) => !i.ok)).toEqual([]);
      for (const alt of ["mlp-gan at 50%", "vae at 100%", "metric curves", "mlp-gan losses", "vae interpolation", "vae latent map", "LSA samples"]) expect(images.map((i) => i.alt)).toContain(alt);
      const text = await page.textContent("body");
      expect(text).toContain("Summary: which model wins");
      expect(text).toContain("FID 27.96 → 24.17");
      expect([errors, requests]).toEqual([[], []]);
      await page.screenshot({ path: join(out, "report.png"), fullPage: true });
      expect(decodePng(new Uint8Array(await readFile(join(out, "report.png")))).height).toBeGreaterThan(2000);
    } finally {
      await browser.close();
    }
  }, 120_000);

  it("a resume that adds seeds keeps every finished run in its results from its first write", async () => {
    const abort = new AbortController();
    abort.abort("test"); // stops before the first new run
    const more = await runStudy({ out, resume: true, seeds: 3, signal: abort.signal });
    expect(more.complete).toBe(false);
    expect(more.options.seeds).toBe(3);
    expect(more.runs.map((r) => `${r.model}-${r.seed}`)).toEqual(["mlp-gan-0", "mlp-gan-1", "vae-0", "vae-1"]);
    expect(await readFile(join(out, "report.html"), "utf8")).toContain("Partial results: 4 of 6 runs are done.");
  });
});
