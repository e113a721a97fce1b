// The one way burrowd runs a command: `spawn` with an argv array (never a shell), a timeout that ends in SIGKILL,
// capped output, and failures surfaced as a typed ExecError. Secrets go on stdin only: argv is world-readable in
// /proc/PID/cmdline, and error messages never carry what was written to stdin.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const DEFAULT_TIMEOUT_MS = 10_000;
/** Between SIGTERM and SIGKILL on a timeout, and how long to wait for pipes a leftover grandchild keeps open. */
export const DEFAULT_KILL_GRACE_MS = 1_000;
/** Per stream. `nft -j list` of our table is a few kilobytes; anything near this is a runaway. */
export const DEFAULT_MAX_OUTPUT_BYTES = 16 * 1024 * 1024;
/** How much of stderr an error message quotes; the whole of it stays on ExecError.stderr. */
const MESSAGE_STDERR_CHARS = 2_000;
/** Lines of stdin shorter than this are syntax (`}`, `[Peer]`), not secrets, and are not searched for in stderr. */
const MIN_REDACTED_LINE_CHARS = 8;

export interface ExecOptions {
  /** Written to stdin, which is then closed (stdin is closed at once when absent). The place for secrets. */
  readonly input?: string | Buffer;
  /** The command is killed when it runs longer than this. */
  readonly timeoutMs?: number;
  readonly killGraceMs?: number;
  /** The child's whole environment (it replaces, not extends); default: this process's. */
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** The command is killed when stdout or stderr grows past this many bytes. */
  readonly maxOutputBytes?: number;
  /** Exit codes besides 0 that count as success (the result carries the code). */
  readonly okExitCodes?: readonly number[];
  /**
   * By default any line of `input` that a failing command echoes on stderr is replaced by "[stdin]" in the error.
   * Set this for input that is not secret (an nftables ruleset) so its diagnostics keep their context.
   */
  readonly inputIsPublic?: boolean;
}

export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

/** What runs commands. The reconciler takes one, so tests can hand it a recording or namespace-bound twin. */
export interface Executor {
  run(argv: readonly string[], options?: ExecOptions): Promise<ExecResult>;
}

/** Why a command failed: it exited non-zero, died of a signal, ran too long, talked too much, or never started. */
export type ExecFailure = 'exit' | 'signal' | 'timeout' | 'output-limit' | 'spawn';

export class ExecError extends Error {
  override readonly name = 'ExecError';

  constructor(
    readonly failure: ExecFailure,
    /** The full argv; it never holds secrets, which travel on stdin. */
    readonly argv: readonly string[],
    readonly code: number | null,
    readonly signal: NodeJS.Signals | null,
    /** The command's stderr, trimmed, with echoed stdin lines redacted unless the input was public. */
    readonly stderr: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  /** argv[0], as given (a name looked up in PATH, or an absolute path). */
  get command(): string {
    return this.argv[0] ?? '';
  }
}

/** Runs commands for real with child_process.spawn. Stateless: share one or make many. */
export class SpawnExecutor implements Executor {
  run(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    return run(argv, options);
  }
}

export interface ExecCall {
  readonly argv: readonly string[];
  readonly input: string | Buffer | undefined;
}

/** An Executor that remembers every call, then hands it to another one (a real one, or one bound to a namespace). */
export class RecordingExecutor implements Executor {
  readonly calls: ExecCall[] = [];

  constructor(private readonly inner: Executor) {}

  run(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    this.calls.push({ argv: [...argv], input: options.input });
    return this.inner.run(argv, options);
  }
}

/** iproute2's ip(8), by absolute path: see NFT_PATH in nft-apply.ts for why not by PATH. */
export const IP_PATH = '/usr/sbin/ip';

/** An Executor whose commands run inside a network namespace (`ip netns exec NAME ...`): labs and tests. */
export class NamespaceExecutor implements Executor {
  constructor(
    readonly namespace: string,
    private readonly inner: Executor = new SpawnExecutor(),
  ) {}

  run(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    return this.inner.run([IP_PATH, 'netns', 'exec', this.namespace, ...argv], options);
  }
}

/** Runs `argv` (argv[0] a name found in PATH, or an absolute path) and resolves with its output on success. */
export function run(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  const problem = argvProblem(argv);
  if (problem !== null) {
    return Promise.reject(new TypeError(problem));
  }
  return new Promise((resolve, reject) => new CommandRun(argv, options, resolve, reject).start());
}

/** A human-readable command line for messages: arguments with spaces or quotes are JSON-quoted. */
export function formatArgv(argv: readonly string[]): string {
  return argv.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : JSON.stringify(arg))).join(' ');
}

function argvProblem(argv: readonly string[]): string | null {
  const command = argv[0];
  if (command === undefined || command === '') {
    return 'a command needs a non-empty argv[0]';
  }
  // A relative path would depend on the daemon's working directory; PATH lookup or an absolute path only.
  if (command.includes('/') && !path.isAbsolute(command)) {
    return `argv[0] must be a command name or an absolute path, got ${JSON.stringify(command)}`;
  }
  if (argv.some((arg) => arg.includes('\0'))) {
    return 'an argument contains a NUL character';
  }
  return null;
}

/** One spawned command from start to settle; every exit path goes through settle() exactly once. */
class CommandRun {
  private child: ChildProcess | undefined;
  private readonly stdout: CappedOutput;
  private readonly stderr: CappedOutput;
  private failure: { kind: 'timeout' | 'output-limit' | 'spawn'; detail: string; cause?: unknown } | null = null;
  private readonly timers: NodeJS.Timeout[] = [];
  private settled = false;

  constructor(
    private readonly argv: readonly string[],
    private readonly options: ExecOptions,
    private readonly resolve: (result: ExecResult) => void,
    private readonly reject: (error: Error) => void,
  ) {
    const cap = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    this.stdout = new CappedOutput(cap);
    this.stderr = new CappedOutput(cap);
  }

  start(): void {
    const [command, ...args] = this.argv as [string, ...string[]];
    let child: ChildProcess;
    try {
      child = spawn(command, args, {
        shell: false,
        stdio: ['pipe', 'pipe', 'pipe'],
        env: this.options.env ?? process.env,
        cwd: this.options.cwd,
      });
    } catch (error) {
      this.fail('spawn', `cannot run ${formatArgv(this.argv)}: ${(error as Error).message}`, error);
      this.settle(null, null);
      return;
    }
    this.child = child;
    child.on('error', (error) => {
      // Emitted when the process could not be started (ENOENT, EACCES); later errors (a failed kill) change nothing.
      if (child.pid === undefined) {
        this.fail('spawn', `cannot run ${formatArgv(this.argv)}: ${error.message}`, error);
        this.settle(null, null);
      }
    });
    child.stdout!.on('data', (chunk: Buffer) => this.collect(this.stdout, chunk, 'stdout'));
    child.stderr!.on('data', (chunk: Buffer) => this.collect(this.stderr, chunk, 'stderr'));
    child.on('exit', () => {
      // A grandchild that inherited our pipes could keep them open forever; stop waiting for it after the grace.
      this.later(this.graceMs, () => {
        child.stdout?.destroy();
        child.stderr?.destroy();
      });
    });
    child.on('close', (code, signal) => this.settle(code, signal));
    this.writeInput(child);
    this.later(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS, () => {
      this.fail(
        'timeout',
        `${formatArgv(this.argv)} timed out after ${this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`,
      );
      this.terminate();
    });
  }

  private get graceMs(): number {
    return this.options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  }

  private writeInput(child: ChildProcess): void {
    const stdin = child.stdin!;
    stdin.on('error', (error: NodeJS.ErrnoException) => {
      // EPIPE: the command exited without reading all of its input; its exit status says whether that was fine.
      if (error.code !== 'EPIPE') {
        this.fail('spawn', `cannot write the input of ${formatArgv(this.argv)}: ${error.message}`, error);
        this.terminate();
      }
    });
    if (this.options.input === undefined) {
      stdin.end();
    } else {
      stdin.end(this.options.input);
    }
  }

  private collect(output: CappedOutput, chunk: Buffer, stream: 'stdout' | 'stderr'): void {
    if (!output.push(chunk) && this.failure === null) {
      this.fail('output-limit', `${formatArgv(this.argv)} wrote more than ${output.cap} bytes to ${stream}`);
      this.child?.kill('SIGKILL');
    }
  }

  /** SIGTERM, then SIGKILL after the grace. */
  private terminate(): void {
    this.child?.kill('SIGTERM');
    this.later(this.graceMs, () => this.child?.kill('SIGKILL'));
  }

  private fail(kind: 'timeout' | 'output-limit' | 'spawn', detail: string, cause?: unknown): void {
    this.failure ??= { kind, detail, cause };
  }

  private later(ms: number, action: () => void): void {
    const timer = setTimeout(action, ms);
    timer.unref();
    this.timers.push(timer);
  }

  private settle(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.settled) {
      return;
    }
    this.settled = true;
    for (const timer of this.timers) {
      clearTimeout(timer);
    }
    const stdout = this.stdout.text();
    const stderr = this.redact(this.stderr.text().trim());
    const error = this.errorFor(code, signal, stderr);
    if (error === null) {
      this.resolve({ stdout, stderr, code: code ?? 0 });
    } else {
      this.reject(error);
    }
  }

  private errorFor(code: number | null, signal: NodeJS.Signals | null, stderr: string): ExecError | null {
    const withStderr = (message: string) =>
      stderr === '' ? message : `${message}: ${stderr.slice(0, MESSAGE_STDERR_CHARS)}`;
    if (this.failure !== null) {
      const { kind, detail, cause } = this.failure;
      const message = kind === 'spawn' ? detail : `${detail}; killed`;
      return new ExecError(kind, this.argv, code, signal, stderr, withStderr(message), { cause });
    }
    if (signal !== null) {
      return new ExecError(
        'signal',
        this.argv,
        null,
        signal,
        stderr,
        withStderr(`${formatArgv(this.argv)} was killed by ${signal}`),
      );
    }
    if (code !== 0 && !(code !== null && this.options.okExitCodes?.includes(code))) {
      return new ExecError(
        'exit',
        this.argv,
        code,
        null,
        stderr,
        withStderr(`${formatArgv(this.argv)} exited with code ${code}`),
      );
    }
    return null;
  }

  /** Replaces every substantial line of a secret input that the command echoed back. */
  private redact(stderr: string): string {
    const input = this.options.input;
    if (input === undefined || this.options.inputIsPublic === true || stderr === '') {
      return stderr;
    }
    const lines = (typeof input === 'string' ? input : input.toString('utf8'))
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.length >= MIN_REDACTED_LINE_CHARS)
      .sort((a, b) => b.length - a.length);
    return lines.reduce((text, line) => text.split(line).join('[stdin]'), stderr);
  }
}

/** Collects a stream's chunks up to a byte cap. */
class CappedOutput {
  private readonly chunks: Buffer[] = [];
  private size = 0;

  constructor(readonly cap: number) {}

  /** False once the cap is passed; what came before the cap is kept. */
  push(chunk: Buffer): boolean {
    const room = this.cap - this.size;
    if (chunk.length > room) {
      this.chunks.push(chunk.subarray(0, Math.max(room, 0)));
      this.size = this.cap;
      return false;
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
    return true;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
