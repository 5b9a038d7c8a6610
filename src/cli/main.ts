#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { GenMnistError } from "../index.js";
import { dataGridCommand } from "./commands/data-grid.js";
import { evalCommand } from "./commands/eval.js";
import { sampleCommand } from "./commands/sample.js";
import { trainCommand } from "./commands/train.js";

/** Exit codes: 0 success, 1 a gen-mnist error (bad data, missing files…), 2 bad command-line usage. */
async function main(argv: readonly string[]): Promise<number> {
  const program = new Command("gen-mnist")
    .description("Train, sample and evaluate GANs and VAEs on MNIST-like data with TensorFlow.js.")
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text.split("\n")[0] + "\n") });
  for (const command of [trainCommand(), sampleCommand(), evalCommand(), dataGridCommand()]) {
    program.addCommand(command.exitOverride().configureOutput({ outputError: (text, write) => write(text.split("\n")[0] + "\n") }));
  }
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === "commander.helpDisplayed" || err.code === "commander.help" || err.code === "commander.version" ? 0 : 2;
    }
    if (err instanceof GenMnistError) {
      console.error(`gen-mnist: ${err.message}`);
      return 1;
    }
    throw err;
  }
}

process.exitCode = await main(process.argv);
