/**
 * `palisade-policy evaluate`: reads one JSON request per line on stdin and writes one JSON result
 * per line on stdout, in order. A bad line gets `{ "error": { "code", "message" } }` and the run
 * goes on. This is the only file in the package that does I/O.
 */
import { createInterface } from 'node:readline';
import { evaluateRequest } from './evaluate-request.ts';

const USAGE = 'usage: palisade-policy evaluate < requests.jsonl';

/** Runs the CLI with the given arguments; resolves to the exit code. */
export async function main(args: readonly string[]): Promise<number> {
  if (args[0] !== 'evaluate') {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    const answer = evaluateLine(line);
    if (!process.stdout.write(`${answer}\n`)) {
      await new Promise((resolve) => process.stdout.once('drain', resolve));
    }
  }
  return 0;
}

function evaluateLine(line: string): string {
  try {
    return JSON.stringify(evaluateRequest(line));
  } catch (error) {
    // evaluateRequest does not throw; this guards the contract (one answer per line) regardless.
    const message = error instanceof Error ? error.message : String(error);
    return JSON.stringify({ error: { code: 'request.invalid', message } });
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
