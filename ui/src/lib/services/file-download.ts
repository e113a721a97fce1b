import type { DownloadedFile } from '$lib/api/request';

/**
 * Hands a file the page received to the browser's downloads, as a link to it would: a Blob behind an object
 * URL, clicked once and revoked right after, so the text (which may hold keys) does not stay reachable.
 */
export function saveFile(file: DownloadedFile, type = 'text/plain;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([file.text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = file.filename;
  link.hidden = true;
  document.body.append(link);
  try {
    link.click();
  } finally {
    link.remove();
    // The click starts the download at once; the next task is late enough to let go of the URL.
    setTimeout(() => URL.revokeObjectURL(url), 0);
  }
}
