// Every preset keeps the model contract (test/models/contract.ts): checkpoint, resume
// (bit-identical to an uninterrupted run), save, load, sample, no tensor growth.
import { beforeAll, describe, it } from "vitest";
import { createModel, loadMnist, MODEL_NAMES, useBackend, type Dataset } from "../../src/index.js";
import { checkModelContract } from "./contract.js";

let data: Dataset;

beforeAll(async () => {
  await useBackend("gen-mnist");
  data = await loadMnist({ split: "train", limit: 64 }); // 4 steps of 16 an epoch
});

describe("every preset keeps the model contract", () => {
  it.each(MODEL_NAMES.map((name) => [name]))("%s", async (name) => {
    await checkModelContract(name, () => createModel(name, { seed: 3 }), data);
  }, 120_000);
});
