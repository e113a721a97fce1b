import test from 'ava';
import { checkUsername, usernameKey, usernameSkeleton } from './username-policy.js';

test('ordinary names pass, with a case-folded key and a skeleton', (t) => {
  t.deepEqual(checkUsername('Alice'), { username: 'Alice', key: 'alice', skeleton: 'alice' });
  t.like(checkUsername('jörg.müller-2'), { username: 'jörg.müller-2', key: 'jörg.müller-2' });
  // The skeleton is for comparing only: "m" looks like "rn", "1" like "l".
  t.deepEqual(checkUsername('<img src=x onerror=alert(1)>'), {
    username: '<img src=x onerror=alert(1)>',
    key: '<img src=x onerror=alert(1)>',
    skeleton: '<irng src=x onerror=alert(l)>',
  });
});

test('the two Unicode spellings of one name are the same name', (t) => {
  const composed = checkUsername('Jos\u00e9');
  const decomposed = checkUsername('Jose\u0301');
  t.deepEqual(composed, decomposed);
});

test('1 to 32 characters, counted as characters rather than UTF-16 units', (t) => {
  t.true('problem' in checkUsername(''));
  t.true('problem' in checkUsername('a'.repeat(33)));
  t.false('problem' in checkUsername('a'.repeat(32)));
  t.false('problem' in checkUsername('🦡'.repeat(32)));
});

test('control and invisible characters are refused', (t) => {
  for (const name of ['bob\n', 'bo\tb', 'bob\u0000', 'b\u007fob', 'ad\u200bmin', 'admin\u202e', 'a\u2028b']) {
    t.regex((checkUsername(name) as { problem: string }).problem, /control or invisible/, JSON.stringify(name));
  }
});

test('leading or trailing spaces are refused rather than silently trimmed', (t) => {
  t.true('problem' in checkUsername(' bob'));
  t.true('problem' in checkUsername('bob '));
  t.false('problem' in checkUsername('bob smith'));
});

test('the key of any typed text matches the key of the stored name', (t) => {
  t.is(usernameKey('ADMIN'), 'admin');
  t.is(usernameKey('Jose\u0301'), usernameKey('JOS\u00c9'));
});

test('names that look alike share a skeleton; names that only differ in case too; others do not', (t) => {
  const admin = usernameSkeleton('admin');
  // Cyrillic а, Greek Α, fullwidth ａ, dotless ı, and "rn" for "m".
  for (const lookalike of ['\u0430dmin', '\u0391DMIN', '\uff41dmin', 'adm\u0131n', 'adrnin', 'ADMIN']) {
    t.is(usernameSkeleton(lookalike), admin, lookalike);
  }
  t.is(usernameSkeleton('B0B'), usernameSkeleton('bob'));
  for (const other of ['admins', 'José', 'Jose', 'alice']) {
    t.not(usernameSkeleton(other), admin, other);
  }
  t.not(usernameSkeleton('José'), usernameSkeleton('Jose'));
  // Sign-in keys stay apart: a look-alike is another name, not another spelling of this one.
  t.not(usernameKey('\u0430dmin'), usernameKey('admin'));
});
