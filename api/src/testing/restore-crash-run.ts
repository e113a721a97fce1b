// Runs restore-crash-child.js for the crash tests of restores and factory resets, and reports the steps it walked.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./restore-crash-child.js', import.meta.url));

export interface ChildOptions {
  dataDir: string;
  /** Stage a restore of this extracted content first. */
  extractedDir?: string;
  /** Stage a factory reset with this marker text first. */
  wipeMarker?: string;
  killAtStep?: number;
  slowSteps?: boolean;
}

export interface ChildRun {
  steps: string[];
  signal: NodeJS.Signals | null;
  code: number | null;
  stderr: string;
  /** From the child's first line to its exit. */
  elapsedMs: number;
}

/** Runs the child; `killAfterMs` sends SIGKILL from outside that long after the child says it begins. */
export function runChild(options: ChildOptions, killAfterMs?: number): Promise<ChildRun> {
  const child = spawn(process.execPath, [CHILD, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let wentAt = Date.now();
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    if (stdout === '' && chunk.startsWith('go\n')) {
      wentAt = Date.now();
      if (killAfterMs !== undefined) {
        setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
    }
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) =>
    child.once('close', (code, signal) =>
      resolve({
        steps: stdout
          .split('\n')
          .filter((line) => line.startsWith('step '))
          .map((line) => line.slice('step '.length)),
        signal,
        code,
        stderr,
        elapsedMs: Date.now() - wentAt,
      }),
    ),
  );
}
