// Fuzz of the checkpoint loader: truncated, garbage, bit-flipped, emptied and missing files in a
// checkpoint are all caught by verifyCheckpoint with a CheckpointError naming the file;
// latestCheckpoint then skips that checkpoint with a warning and returns the newest valid one,
// and with none valid it throws one clear error. Nothing else is ever thrown.
import { cp, mkdir, mkdtemp, readdir, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  CheckpointError,
  Dataset,
  GAN,
  MANIFEST_FILE,
  Trainer,
  latestCheckpoint,
  loadModel,
  saveCheckpoint,
  useBackend,
  verifyCheckpoint,
  type TrainerState,
} from "../../src/index.js";
import { writeModelFiles } from "../../src/nn/saved-model.js";
import { tinyGanConfig } from "../helpers.js";

const state = (step: number): TrainerState => ({ epoch: 0, stepInEpoch: step, step, options: { epochs: 1, steps: null, batchSize: 32, seed: 0, dropRemainder: true } });

let template = "";
let files: string[] = [];

beforeAll(async () => {
  await useBackend("cpu");
  template = await mkdtemp(join(tmpdir(), "gen-mnist-fuzz-"));
  const model = new GAN(tinyGanConfig);
  await saveCheckpoint(join(template, "older"), model, state(5));
  await saveCheckpoint(join(template, "newer"), model, state(9));
  model.dispose();
  files = (await readdir(join(template, "newer"))).sort();
});

async function copyDir(from: string, to: string): Promise<void> {
  await rm(to, { recursive: true, force: true });
  await cp(from, to, { recursive: true });
}

type Damage = { kind: "truncate"; at: number } | { kind: "garbage"; seed: number } | { kind: "flip"; at: number } | { kind: "empty" } | { kind: "delete" } | { kind: "append" };

async function damage(path: string, d: Damage): Promise<void> {
  const bytes = await readFile(path);
  switch (d.kind) {
    case "truncate": return truncate(path, Math.floor(d.at * bytes.length));
    case "garbage": return writeFile(path, Buffer.from(Array.from({ length: bytes.length }, (_, i) => (i * 131 + d.seed) & 255)));
    case "flip": {
      const i = Math.floor(d.at * bytes.length);
      bytes[i] = (bytes[i] ?? 0) ^ 0x10;
      return writeFile(path, bytes);
    }
    case "empty": return writeFile(path, "");
    case "delete": return rm(path);
    case "append": return writeFile(path, Buffer.concat([bytes, Buffer.from("x")]));
  }
}

const damages: fc.Arbitrary<Damage> = fc.oneof(
  fc.record({ kind: fc.constant("truncate" as const), at: fc.double({ min: 0, max: 0.999, noNaN: true }) }),
  fc.record({ kind: fc.constant("garbage" as const), seed: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant("flip" as const), at: fc.double({ min: 0, max: 0.999, noNaN: true }) }),
  fc.constant({ kind: "empty" as const }),
  fc.constant({ kind: "delete" as const }),
  fc.constant({ kind: "append" as const }),
);

describe("reliability: checkpoint loader fuzz", () => {
  it("a checkpoint holds every file listed in its manifest, trainer.json included", async () => {
    expect(files).toEqual(expect.arrayContaining([MANIFEST_FILE, "trainer.json", "generator.weights.bin", "optimizer-discriminator.bin"]));
    const manifest = JSON.parse(await readFile(join(template, "newer", MANIFEST_FILE), "utf8")) as { files: Record<string, { bytes: number }> };
    expect(Object.keys(manifest.files).sort()).toEqual(files.filter((f) => f !== MANIFEST_FILE));
    expect(await verifyCheckpoint(join(template, "newer"))).toEqual(state(9));
  });

  it("any damage to any file is caught, named, skipped for the older checkpoint, or reported when none is valid", async () => {
    const work = await mkdtemp(join(tmpdir(), "gen-mnist-fuzz-run-"));
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 100 }), damages, async (pick, d) => {
        const file = files[pick % files.length] ?? "";
        await copyDir(join(template, "newer"), join(work, "newer"));
        await copyDir(join(template, "older"), join(work, "older"));
        await damage(join(work, "newer", file), d);
        // the damaged checkpoint: one CheckpointError naming the file at fault (or the manifest listing it)
        const error = await verifyCheckpoint(join(work, "newer")).then(() => undefined, (e: unknown) => e);
        expect(error).toBeInstanceOf(CheckpointError);
        expect((error as Error).message).toMatch(new RegExp(`newer/(${file.replace(/\./g, "\\.")}|${MANIFEST_FILE})`));
        // loading it as a model fails the same way
        await expect(loadModel(join(work, "newer"))).rejects.toBeInstanceOf(CheckpointError);
        // the newest valid one is used, with a warning naming the bad one
        const skipped: string[] = [];
        expect(await latestCheckpoint(work, { onInvalid: (dir) => void skipped.push(dir) })).toBe(join(work, "older"));
        expect(skipped).toEqual([join(work, "newer")]);
        // none valid: one error naming every checkpoint
        await damage(join(work, "older", file), d);
        const none = await latestCheckpoint(work, { onInvalid: () => undefined }).then(() => undefined, (e: unknown) => e);
        expect(none).toBeInstanceOf(CheckpointError);
        expect((none as Error).message).toMatch(/no valid checkpoint.*(newer.*older|older.*newer)/);
        expect((none as Error).message).not.toMatch(/\n/);
      }),
      { numRuns: 60, seed: 20261123 },
    );
  }, 120_000);

  it("Trainer.resume refuses a damaged checkpoint before building anything", async () => {
    const work = await mkdtemp(join(tmpdir(), "gen-mnist-fuzz-resume-"));
    await copyDir(join(template, "newer"), join(work, "c"));
    await truncate(join(work, "c", "optimizer-generator.bin"), 10);
    const data = new Dataset(new Uint8Array(64 * 784), new Uint8Array(64));
    await expect(Trainer.resume(join(work, "c"), data)).rejects.toThrow(/optimizer-generator\.bin: 10 bytes, the manifest says \d+ \(truncated or replaced\)/);
  });

  it("trainer.json is checked against its schema, even with a consistent manifest", async () => {
    const work = await mkdtemp(join(tmpdir(), "gen-mnist-fuzz-schema-"));
    const model = new GAN(tinyGanConfig);
    for (const [name, value] of [["empty", {}], ["negative", { ...state(3), step: -1 }], ["text", { ...state(3), options: { ...state(3).options, batchSize: "32" } }]] as const) {
      const dir = join(work, name);
      await mkdir(dir);
      await writeModelFiles(model, dir, { "trainer.json": value });
      await expect(verifyCheckpoint(dir)).rejects.toThrow(/trainer\.json: not a trainer state \(/);
    }
    // a saved model (no trainer.json) is not a checkpoint
    await model.save(join(work, "model"));
    await expect(verifyCheckpoint(join(work, "model"))).rejects.toThrow(/lists no trainer\.json; this is a saved model, not a checkpoint/);
    model.dispose();
  });
});
