// The messages between the console (root, the screen) and its core worker (the API's user, the database), over
// the IPC channel of child_process.fork. Plain JSON: a call names a ConsoleBackend method and its arguments.

export interface CoreCall {
  id: number;
  method: string;
  args: unknown[];
}

export type CoreAnswer =
  { id: number; ok: true; value: unknown } | { id: number; ok: false; code: string; message: string };

/** The worker's first message: its core is open, or why it could not be. */
export type CoreReady = { ready: true } | { ready: false; message: string };

export function isCoreCall(message: unknown): message is CoreCall {
  return (
    typeof message === 'object' &&
    message !== null &&
    typeof (message as CoreCall).id === 'number' &&
    typeof (message as CoreCall).method === 'string' &&
    Array.isArray((message as CoreCall).args)
  );
}
