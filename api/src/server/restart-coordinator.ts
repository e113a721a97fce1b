import { Injectable } from '@nestjs/common';

/**
 * How a request asks the API to restart itself in-process once a restore is staged (backups/restore-journal.ts):
 * the code that runs the app (ApiServer) says how to restart; the restore route calls `restartAfterStaging()`
 * after `stageRestore()` and answers its request. The restart closes the listeners, which first lets open requests
 * finish (that answer among them), then the app and its database; creating the app again applies the staged
 * restore before the database opens. No outside supervisor is needed.
 */
@Injectable()
export class RestartCoordinator {
  private restart: (() => void) | undefined;

  /** Set by whoever runs the app; without it the process cannot restart itself. */
  setRestartHandler(restart: () => void): void {
    this.restart = restart;
  }

  /** Whether `restartAfterStaging()` will restart this process (an app created by a test or a tool may not). */
  get canRestart(): boolean {
    return this.restart !== undefined;
  }

  /**
   * Schedules the restart and returns at once. Throws when nothing can restart this process: the staged restore
   * then waits for the next start, which a caller must say rather than claim it happened.
   */
  restartAfterStaging(): void {
    const restart = this.restart;
    if (restart === undefined) {
      throw new Error('this process cannot restart itself; the staged restore is applied when the API next starts');
    }
    // After the current call stack, so the caller finishes its work and its answer is under way before closing starts.
    setImmediate(restart);
  }
}
