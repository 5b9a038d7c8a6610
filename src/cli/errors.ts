import { GenMnistError } from "../index.js";

/**
 * Exit codes of the `gen-mnist` command, as `--help` and the README list them.
 */
export const EXIT_CODES = {
  /** Finished. */
  ok: 0,
  /** An error: bad or missing data, a corrupt checkpoint, a file that cannot be read or written. */
  error: 1,
  /** Bad usage: an unknown option, a value out of range, options that contradict each other or the run folder. */
  usage: 2,
  /** Training diverged (NaN or infinite losses, weights or optimizer state); the last good checkpoint was kept. */
  diverged: 3,
  /** Interrupted by SIGINT (Ctrl-C) after saving a checkpoint. */
  sigint: 130,
  /** Terminated by SIGTERM after saving a checkpoint. */
  sigterm: 143,
} as const;

/** The exit codes as `--help` prints them. */
export const EXIT_CODES_HELP = `
Exit codes:
  0    finished
  1    error (bad or missing data, corrupt checkpoint, unreadable or unwritable file)
  2    bad usage (unknown option, value out of range, options that contradict each other or the run folder)
  3    training diverged (NaN/Inf losses, weights or optimizer state); the last good checkpoint is kept
  130  interrupted by SIGINT (Ctrl-C) after saving a checkpoint; continue with --resume
  143  terminated by SIGTERM after saving a checkpoint; continue with --resume`;

/** An error the CLI reports in one line and exits with `exitCode`. */
export class CliError extends GenMnistError {
  /** The process's exit code, one of {@link EXIT_CODES}. */
  readonly exitCode: number;

  /** @param exitCode - defaults to 1. */
  constructor(message: string, exitCode: number = EXIT_CODES.error) {
    super(message);
    this.exitCode = exitCode;
  }
}

const FS_REASONS: Record<string, string> = {
  ENOENT: "no such file or folder",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EISDIR: "is a folder, expected a file",
  ENOTDIR: "a part of the path is a file, expected a folder",
  EEXIST: "already exists",
  ENOSPC: "no space left on the device",
  EROFS: "read-only file system",
  EMFILE: "too many open files",
  ENAMETOOLONG: "name too long",
  ENOTEMPTY: "folder not empty",
};

/** One line for a Node file-system error (`EACCES`, `ENOENT`…), naming the path; `undefined` for any other error. */
export function describeFsError(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const { code, path, dest, syscall } = err as NodeJS.ErrnoException & { dest?: string };
  if (typeof code !== "string" || !/^E[A-Z]+$/.test(code)) return undefined;
  const target = path ?? dest;
  const reason = code === "EEXIST" && syscall === "mkdir" ? "exists and is a file, expected a folder" : (FS_REASONS[code] ?? code);
  return target === undefined ? `${syscall ?? "file system"}: ${reason} (${code})` : `cannot ${syscall ?? "access"} ${target}: ${reason} (${code})`;
}
