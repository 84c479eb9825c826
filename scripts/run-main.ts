import { pathToFileURL } from 'node:url';

/**
 * Runs a script's `main` when the file is executed directly (not imported by a test), setting the
 * exit code from its answer and printing only the message of a failure.
 */
export function runMain(moduleUrl: string, main: (args: string[]) => Promise<number>): void {
  if (moduleUrl !== pathToFileURL(process.argv[1] ?? '').href) return;
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error((error as Error).message);
      process.exitCode = 1;
    },
  );
}
