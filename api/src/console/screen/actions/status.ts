// 1. Status details: interfaces, routes, peers, leases, as the core formats them.
import { type MenuEntry } from '../context.js';

const TITLE = 'Status details';

export const statusDetails: MenuEntry = {
  key: '1',
  label: 'Status details',
  async run({ ui, backend }) {
    const details = await ui.working(TITLE, () => backend.statusDetails());
    const lines = details.sections.flatMap((section) => [
      section.title,
      ...section.lines.map((line) => `  ${line}`),
      '',
    ]);
    await ui.show(TITLE, lines.length > 0 ? lines : ['Nothing to show.']);
  },
};
