// The custom models of examples/ keep the same contract as the presets: a user's InfoGAN, written
// against BaseGenerativeModel and registered by kind, trains, checkpoints, resumes bit for bit
// through the registry, saves, loads and samples alike, without tensor growth. So does a DCGAN
// with the custom-loss example's objective.
import { beforeAll, describe, it } from "vitest";
import { DCGAN, loadMnist, registerGanObjective, useBackend, type Dataset } from "../../src/index.js";
import { logisticLoss } from "../../examples/custom-loss.js";
import { InfoGAN } from "../../examples/infogan.js";
import { checkModelContract } from "./contract.js";

let data: Dataset;

beforeAll(async () => {
  await useBackend("gen-mnist");
  data = await loadMnist({ split: "train", limit: 64 });
});

describe("the examples' custom models keep the model contract", () => {
  it("InfoGAN (examples/infogan.ts)", async () => {
    await checkModelContract("infogan", () => new InfoGAN({ seed: 3 }), data);
  }, 120_000);

  it("DCGAN with the custom loss (examples/custom-loss.ts)", async () => {
    registerGanObjective(logisticLoss.name ?? "logistic", logisticLoss, { replace: true });
    await checkModelContract("custom-loss", () => new DCGAN({ objective: logisticLoss, labelSmoothing: 0, seed: 3 }), data);
  }, 120_000);
});
