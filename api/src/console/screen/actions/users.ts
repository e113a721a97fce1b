// 2. Reset an admin's password (or create the first admin); 3. turn off two-factor sign-in for a user.
import { type MenuEntry } from '../context.js';

const RESET_TITLE = "Reset an admin's password";
const TWO_FACTOR_TITLE = 'Turn off two-factor sign-in';

export const resetAdminPassword: MenuEntry = {
  key: '2',
  label: "Reset an admin's password",
  async run({ ui, backend }) {
    const admins = (await ui.working(RESET_TITLE, () => backend.listUsers())).filter((user) => user.role === 'admin');
    let userId: number | null = null;
    if (admins.length === 0) {
      await ui.confirm(RESET_TITLE, [
        'There is no admin account. This creates one with a one-time password,',
        'which must be changed at the first sign-in.',
      ]);
    } else {
      const admin =
        admins[
          await ui.choose(
            RESET_TITLE,
            ['Whose password?'],
            admins.map((user) => user.username),
          )
        ]!;
      await ui.confirm(RESET_TITLE, [
        `This gives ${admin.username} a one-time password and signs them out everywhere.`,
        'The old password stops working now.',
      ]);
      userId = admin.id;
    }
    const result = await ui.working(RESET_TITLE, () => backend.resetAdminPassword(userId));
    await ui.show(RESET_TITLE, [
      result.created ? `Created the admin account: ${result.username}` : `Account: ${result.username}`,
      '',
      `One-time password:  ${result.oneTimePassword}`,
      '',
      'Write it down now: it is shown only this once.',
      'It must be changed at the next sign-in. Earlier sessions were ended.',
    ]);
  },
};

export const disableTwoFactor: MenuEntry = {
  key: '3',
  label: 'Turn off two-factor sign-in',
  async run({ ui, backend }) {
    const users = (await ui.working(TWO_FACTOR_TITLE, () => backend.listUsers())).filter((user) => user.totpEnabled);
    if (users.length === 0) {
      await ui.show(TWO_FACTOR_TITLE, ['No user has two-factor sign-in turned on.']);
      return;
    }
    const labels = users.map((user) => `${user.username} (${user.role})`);
    const user = users[await ui.choose(TWO_FACTOR_TITLE, ['For which user?'], labels)]!;
    await ui.confirm(TWO_FACTOR_TITLE, [
      `${user.username} will sign in with the password alone until they turn it on again.`,
    ]);
    const outcome = await ui.working(TWO_FACTOR_TITLE, () => backend.disableTwoFactor(user.id));
    await ui.show(TWO_FACTOR_TITLE, outcome.lines);
  },
};
