// What the recovery console's screen asks of the router: plain data in and out, so the screen (console/screen/)
// never imports a service and the same calls work whether the core runs in this process or in a worker that runs as
// the API's user. Every call that changes something is audited with `console` as its origin by the core.

/** The lines always at the top of the screen; a part that could not be read is null and shown as unknown. */
export interface ConsoleHeader {
  firmwareVersion: string;
  hostname: string;
  uptimeSeconds: number | null;
  wanAddresses: string[];
  lanAddresses: string[];
  /** The web page's address as a LAN device would open it. */
  webUrl: string | null;
  /** SHA-256 of the CA certificate, colon-separated hex, as browsers show it. */
  caFingerprint: string | null;
  tunnel: { name: string | null; state: string; lastHandshake: string | null } | null;
  killSwitch: { state: 'armed' | 'off' | 'disarmed'; disarmedUntil: string | null } | null;
  selfTest: { pass: boolean; at: string } | null;
  /** Whether burrowd's control socket answered; when false the header says so and firmware actions are refused. */
  burrowdUp: boolean;
  /** Whether the web service (the API) answered its health check. */
  apiUp: boolean;
}

export interface ConsoleStatusDetails {
  /** Preformatted sections, each a title and its lines, already cut to fit 78 columns. */
  sections: { title: string; lines: string[] }[];
}

export interface ConsoleUser {
  id: number;
  username: string;
  role: string;
  totpEnabled: boolean;
}

export interface PasswordResetResult {
  username: string;
  /** Shown once on the screen; must be changed at the next sign-in. */
  oneTimePassword: string;
  /** True when no admin existed and this one was created. */
  created: boolean;
}

export interface StoredBackup {
  id: number;
  createdAt: string;
  kind: string;
  sizeBytes: number;
  /** Whether it opens with the device key, without a passphrase. */
  deviceKey: boolean;
}

export interface BackupFileChoice {
  /** Path on the mounted stick, relative to its root. */
  name: string;
  sizeBytes: number;
}

export interface RestorePreview {
  /** Hands the preview to `applyRestore`; valid for a few minutes and once. */
  token: string;
  createdAt: string;
  hostname: string;
  firmwareVersion: string;
  /** What would change, as lines for the screen. */
  summary: string[];
}

export interface ActionOutcome {
  ok: boolean;
  /** What happened, in a sentence or a few lines for the screen. */
  lines: string[];
}

/** The core: everything the console does goes through the API's own services (see console/core/). */
export interface ConsoleBackend {
  header(): Promise<ConsoleHeader>;
  statusDetails(): Promise<ConsoleStatusDetails>;
  listUsers(): Promise<ConsoleUser[]>;
  /** Resets an admin's password (or creates an admin when none exists: `userId` null); ends their sessions. */
  resetAdminPassword(userId: number | null): Promise<PasswordResetResult>;
  disableTwoFactor(userId: number): Promise<ActionOutcome>;
  listStoredBackups(): Promise<StoredBackup[]>;
  previewStoredBackup(id: number, passphrase: string | null): Promise<RestorePreview>;
  previewBackupFile(path: string, passphrase: string | null): Promise<RestorePreview>;
  /** Stages the restore and has the web service apply it (restarting it); the old configuration stays whole on failure. */
  applyRestore(token: string): Promise<ActionOutcome>;
  factoryReset(): Promise<ActionOutcome>;
  disarmKillSwitch(minutes: number): Promise<ActionOutcome>;
  rearmKillSwitch(): Promise<ActionOutcome>;
  reissueCertificate(): Promise<ActionOutcome>;
  resetAuthority(): Promise<ActionOutcome>;
  /** Whether an admin set a console password for the shell on the System page. */
  shellPasswordSet(): Promise<boolean>;
  checkShellPassword(password: string): Promise<boolean>;
  /** Written to the audit log as the console's own events (shell opened, reboot, power off, diagnostics run). */
  recordConsoleEvent(
    action: 'console.shell' | 'console.reboot' | 'console.poweroff',
    details: Record<string, string>,
  ): Promise<void>;
  tunnelHandshake(): Promise<ActionOutcome>;
}

/** Raised by a backend call; `code` is a domain error code (services/domain-error.ts) or `unavailable`. */
export class ConsoleActionError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConsoleActionError';
  }
}
