/** The frame every bench's run(argv) shares around its own option parser. */
import { BenchUsageError } from "../../src/modules/synthetic/synthetic.bench";

/**
 * The parsed options, or the exit code when there is nothing to run: 0 after printing the help
 * for --help, 2 after printing the message and the help for a usage error (a BenchUsageError
 * from the bench's own checks, a TypeError from node:util parseArgs). Any other error is a bug
 * and propagates.
 */
export async function optionsOrExitCode<O extends object>(
  argv: string[],
  parse: (argv: string[]) => Promise<O | "help">,
  help: string,
): Promise<O | number> {
  try {
    const options = await parse(argv);
    if (options !== "help") return options;
    console.log(help);
    return 0;
  } catch (error) {
    if (!(error instanceof BenchUsageError) && !(error instanceof TypeError)) throw error;
    console.error(error.message);
    console.error(help);
    return 2;
  }
}
