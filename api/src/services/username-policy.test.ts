import test from 'ava';
import { checkUsername, usernameKey } from './username-policy.js';

test('ordinary names pass, with a case-folded key', (t) => {
  t.deepEqual(checkUsername('Alice'), { username: 'Alice', key: 'alice' });
  t.deepEqual(checkUsername('jörg.müller-2'), { username: 'jörg.müller-2', key: 'jörg.müller-2' });
  t.deepEqual(checkUsername('<img src=x onerror=alert(1)>'), {
    username: '<img src=x onerror=alert(1)>',
    key: '<img src=x onerror=alert(1)>',
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
