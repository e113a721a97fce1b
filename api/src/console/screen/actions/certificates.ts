// 7. The web page's certificate: re-issue it under the same CA, or replace a damaged CA (every device must then
// trust the new one). The result lines carry the new fingerprint.
import { type MenuEntry } from '../context.js';

const TITLE = "The web page's certificate";

export const certificates: MenuEntry = {
  key: '7',
  label: 'Certificates',
  async run({ ui, backend }) {
    const choice = await ui.choose(
      TITLE,
      [],
      ["Re-issue the web page's certificate (same CA)", 'Reset a damaged CA (every device must trust the new one)'],
    );
    if (choice === 0) {
      await ui.confirm(TITLE, [
        "The web page gets a new certificate from the router's CA; browsers that trust",
        'the CA notice nothing.',
      ]);
      const outcome = await ui.working(TITLE, () => backend.reissueCertificate());
      await ui.show(TITLE, outcome.lines);
      return;
    }
    await ui.confirm(TITLE, [
      'WARNING: this makes a NEW certificate authority. Every browser and device that',
      'trusted the old one will warn about the web page until you install the new CA',
      'on it again. Do this only if the CA is damaged or its key was exposed.',
    ]);
    const outcome = await ui.working(TITLE, () => backend.resetAuthority());
    await ui.show(TITLE, outcome.lines);
  },
};
