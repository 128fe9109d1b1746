// The shape of one `tandem` subcommand. Commands get their arguments and an IO object (so tests
// can capture output) and return the process exit code: 0 done, 1 error, 2 usage, 3 waiting for
// the user (DESIGN.md, "The `tandem` command").

export interface CliIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  /** Reads all of standard input (for passwords); undefined when stdin is a terminal. */
  readStdin: () => Promise<string | undefined>;
  env: NodeJS.ProcessEnv;
  /** Resolves when the user asks the process to stop (Ctrl-C, SIGTERM). */
  stopSignal: Promise<void>;
}

export const EXIT = { ok: 0, error: 1, usage: 2, waitingForUser: 3 } as const;

export interface CliCommand {
  /** The words that select this command, e.g. ['server', 'add-user']. */
  path: string[];
  /** One line for `tandem --help`. */
  summary: string;
  /** The usage line(s) shown by `tandem <command> --help` and after a usage error. */
  usage: string;
  run(args: string[], io: CliIo): Promise<number>;
}
