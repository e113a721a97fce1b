/**
 * An operating-system error from the I/O layer, named like Node's own: `code` is the errno name
 * (`'EPERM'`, `'EADDRINUSE'`, `'EBADFD'`), `syscall` the call that failed. The memory twins throw
 * the same errors the kernel would, so callers handle one kind of failure.
 */
export class IoError extends Error {
  override readonly name = 'IoError';

  constructor(
    readonly code: string,
    readonly syscall: string,
    message = `${syscall}: ${code}`,
  ) {
    super(message);
  }

  /** The addon throws plain Errors carrying `code` and `syscall`; this gives them their type. Others pass through. */
  static from(error: unknown): unknown {
    if (error instanceof IoError || !(error instanceof Error)) {
      return error;
    }
    const { code, syscall } = error as Error & { code?: unknown; syscall?: unknown };
    if (typeof code === 'string' && /^E[A-Z0-9]+$/.test(code)) {
      return new IoError(code, typeof syscall === 'string' ? syscall : 'unknown', error.message);
    }
    return error;
  }
}

/** Runs a call into the addon, turning its errno errors into IoError. */
export function native<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw IoError.from(error);
  }
}
