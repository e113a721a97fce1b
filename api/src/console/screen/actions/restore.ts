// 4. Restore a configuration, from the stored backups or a .burrowbackup file on a USB stick. The stick is mounted
// read-only only while its file is read and checked, and unmounted whatever happens; the apply is the core's own
// atomic restore, started only after the preview was read and `yes` typed.
import { ConsoleActionError, type RestorePreview } from '../../backend.js';
import { type ConsoleContext, type MenuEntry } from '../context.js';
import { formatBytes } from '../text.js';
import { Cancelled } from '../ui.js';

const TITLE = 'Restore a configuration';
/** The core's codes for "this file needs a passphrase". */
const NEEDS_PASSPHRASE = new Set(['password_required', 'no_slot_for_secret']);

export const restoreConfiguration: MenuEntry = {
  key: '4',
  label: 'Restore a configuration',
  async run(context) {
    const { ui, backend } = context;
    const source = await ui.choose(TITLE, ['Restore from:'], ['a stored backup on this router', 'a USB stick']);
    const preview = source === 0 ? await previewStored(context) : await previewFromStick(context);
    await ui.confirm(TITLE, [
      `Backup of ${preview.hostname}, made ${preview.createdAt} (firmware ${preview.firmwareVersion}).`,
      '',
      ...preview.summary,
      '',
      'This replaces the whole current configuration. The web page restarts.',
    ]);
    const outcome = await ui.working(TITLE, () => backend.applyRestore(preview.token));
    await ui.show(TITLE, outcome.lines);
  },
};

async function previewStored({ ui, backend }: ConsoleContext): Promise<RestorePreview> {
  const backups = (await ui.working(TITLE, () => backend.listStoredBackups())).sort((a, b) =>
    b.createdAt.localeCompare(a.createdAt),
  );
  if (backups.length === 0) {
    throw new Cancelled('There are no stored backups on this router.');
  }
  const labels = backups.map(
    (backup) =>
      `${backup.createdAt}  ${backup.kind}  ${formatBytes(backup.sizeBytes)}` +
      (backup.deviceKey ? '' : '  (needs its passphrase)'),
  );
  const backup = backups[await ui.choose(TITLE, ['Stored backups, newest first:'], labels)]!;
  const passphrase = backup.deviceKey ? null : await askPassphrase(ui, backup.createdAt);
  return ui.working(TITLE, () => backend.previewStoredBackup(backup.id, passphrase));
}

async function previewFromStick({ ui, backend, host }: ConsoleContext): Promise<RestorePreview> {
  const partitions = await ui.working(TITLE, () => host.listUsbPartitions());
  if (partitions.length === 0) {
    throw new Cancelled('No USB stick found. Plug one in and try again.');
  }
  const labels = partitions.map((part) => `${part.name}  ${part.size}  ${part.fsType}  ${part.label ?? ''}`.trim());
  const partition = partitions[await ui.choose(TITLE, ['Which stick?'], labels)]!;
  const mountDir = await ui.working(TITLE, () => host.mountReadOnly(partition.path));
  try {
    const files = await ui.working(TITLE, () => host.listBackupFiles(mountDir));
    if (files.length === 0) {
      throw new Cancelled(`No .burrowbackup file on ${partition.name}.`);
    }
    const names = files.map((file) => `${file.name}  ${formatBytes(file.sizeBytes)}`);
    const file = files[await ui.choose(TITLE, [`Backup files on ${partition.name}:`], names)]!;
    const fullPath = `${mountDir}/${file.name}`;
    try {
      return await ui.working(TITLE, () => backend.previewBackupFile(fullPath, null));
    } catch (error) {
      if (!(error instanceof ConsoleActionError && NEEDS_PASSPHRASE.has(error.code))) {
        throw error;
      }
    }
    const passphrase = await askPassphrase(ui, file.name);
    return await ui.working(TITLE, () => backend.previewBackupFile(fullPath, passphrase));
  } finally {
    await ui.working(TITLE, () => host.unmount(mountDir), { cleanup: true });
  }
}

function askPassphrase(ui: ConsoleContext['ui'], what: string): Promise<string> {
  return ui.secret(TITLE, [`${what} is protected by a passphrase.`, 'Typing does not show.'], 'Passphrase');
}
