// Runs one command to completion, by argv (never through a shell), with a time limit, on the host or
// inside a network namespace (`ip netns exec NS ...`).
import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

const DEFAULT_TIMEOUT_MS = 15_000;
/** Enough output to explain a failure without flooding a test report. */
const OUTPUT_TAIL_CHARS = 2000;

export interface RunOptions {
  /** Kills the command (SIGKILL) after this long; the result then counts as a failure. */
  timeoutMs?: number;
  /** Written to the command's stdin, which is then closed; stdin is empty otherwise. */
  input?: string;
  /** When false, a non-zero exit is returned instead of thrown; a timeout or spawn error still throws. */
  check?: boolean;
}

export interface RunResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A command that failed: its argv, exit and output tails travel with the error. */
export class CommandError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly result: RunResult | undefined,
    reason: string,
  ) {
    super(
      `${reason}: ${argv.join(' ')}` +
        (result
          ? `\n--- stderr ---\n${result.stderr.slice(-OUTPUT_TAIL_CHARS)}\n--- stdout ---\n${result.stdout.slice(-OUTPUT_TAIL_CHARS)}`
          : ''),
    );
    this.name = 'CommandError';
  }
}

/** Runs argv[0] with the remaining arguments and collects its output. */
export async function run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const [file, ...args] = argv;
  if (file === undefined) {
    throw new Error('run() needs at least a program name');
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // A command that exits before reading its input must not turn into an unhandled EPIPE.
  child.stdin.on('error', () => undefined);
  child.stdin.end(options.input ?? '');

  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new CommandError(argv, undefined, `Could not start (${error.message})`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? (signal ? 128 : 1));
    });
  });

  const result = { exitCode, stdout, stderr };
  if (timedOut) {
    throw new CommandError(argv, result, `Timed out after ${timeoutMs} ms`);
  }
  if (exitCode !== 0 && options.check !== false) {
    throw new CommandError(argv, result, `Exited with code ${exitCode}`);
  }
  return result;
}

/** Runs argv inside network namespace `ns`. */
export async function runInNamespace(
  ns: string,
  argv: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  return run(['ip', 'netns', 'exec', ns, ...argv], options);
}

/** Which of `programs` are not found as executables on PATH. */
export async function findMissingPrograms(programs: readonly string[]): Promise<string[]> {
  const directories = (process.env.PATH ?? '').split(delimiter).filter((directory) => directory !== '');
  const missing: string[] = [];
  for (const program of programs) {
    let found = false;
    for (const directory of directories) {
      try {
        await access(join(directory, program), constants.X_OK);
        found = true;
        break;
      } catch {
        // Not in this directory; try the next one.
      }
    }
    if (!found) {
      missing.push(program);
    }
  }
  return missing;
}
