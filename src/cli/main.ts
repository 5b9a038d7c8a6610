#!/usr/bin/env node
import { createRequire } from "node:module";
import { Command, CommanderError } from "commander";
import { GenMnistError, InvalidArgumentError } from "../index.js";
import { CliError, describeFsError, EXIT_CODES, EXIT_CODES_HELP } from "./errors.js";
import { dataGridCommand } from "./commands/data-grid.js";
import { evalCommand } from "./commands/eval.js";
import { interpolateCommand, latentMapCommand } from "./commands/latent.js";
import { sampleCommand } from "./commands/sample.js";
import { studyCommand } from "./commands/study.js";
import { trainCommand } from "./commands/train.js";

/** The installed package's version: its own package.json, found by self-reference (from src/ under tsx as from dist/). */
function packageVersion(): string {
  const pkg: unknown = createRequire(import.meta.url)("gen-mnist/package.json");
  return typeof pkg === "object" && pkg !== null && "version" in pkg && typeof pkg.version === "string" ? pkg.version : "unknown";
}

/** Runs the CLI and returns the exit code (see {@link EXIT_CODES}): every error becomes one line on stderr. */
async function main(argv: readonly string[]): Promise<number> {
  const program = new Command("gen-mnist")
    .description("Train, sample and evaluate GANs and VAEs on MNIST-like data with TensorFlow.js.")
    .version(packageVersion(), "-V, --version", "print gen-mnist's version")
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text.split("\n")[0] + "\n") })
    .addHelpText("after", EXIT_CODES_HELP);
  for (const command of [trainCommand(), sampleCommand(), evalCommand(), interpolateCommand(), latentMapCommand(), studyCommand(), dataGridCommand()]) {
    program.addCommand(command.exitOverride().configureOutput({ outputError: (text, write) => write(text.split("\n")[0] + "\n") }));
  }
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      const ok = err.code === "commander.helpDisplayed" || err.code === "commander.help" || err.code === "commander.version";
      return ok ? EXIT_CODES.ok : EXIT_CODES.usage;
    }
    if (err instanceof GenMnistError) {
      console.error(`gen-mnist: ${err.message}`);
      // a value out of range (for this model, this data…) is bad usage
      return err instanceof CliError ? err.exitCode : err instanceof InvalidArgumentError ? EXIT_CODES.usage : EXIT_CODES.error;
    }
    const kernel = err instanceof Error ? /Kernel '(\w+)' not registered for backend '(\w+)'/.exec(err.message) : null;
    if (kernel !== null) {
      console.error(`gen-mnist: the '${kernel[2]}' backend lacks the ${kernel[1]} kernel this model needs; use --backend gen-mnist (the default) or cpu`);
      return EXIT_CODES.error;
    }
    const fs = describeFsError(err);
    if (fs !== undefined) {
      console.error(`gen-mnist: ${fs}`);
      return EXIT_CODES.error;
    }
    // a bug, or an error of tfjs that gen-mnist did not foresee: one line unless asked for more
    const message = err instanceof Error ? `${err.name}: ${err.message.split("\n")[0] ?? ""}` : String(err);
    console.error(`gen-mnist: unexpected error: ${message}`);
    if (process.env.GEN_MNIST_DEBUG === "1") console.error(err);
    else console.error("gen-mnist: set GEN_MNIST_DEBUG=1 to see the stack trace, and please report it");
    return EXIT_CODES.error;
  }
}

process.exitCode = await main(process.argv);
