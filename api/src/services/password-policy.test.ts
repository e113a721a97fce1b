import test from 'ava';
import { passwordProblem } from './password-policy.js';

test('a long uncommon password is accepted', (t) => {
  t.is(passwordProblem('correct horse battery staple', 'alice'), undefined);
  t.is(passwordProblem('k7#Qm2!vR9pz', 'alice'), undefined);
});

test('fewer than 10 characters is refused, counting characters not bytes', (t) => {
  t.regex(passwordProblem('Xk7#Qm2!v', 'alice') ?? '', /at least 10/);
  t.is(passwordProblem('ünïcödé✓✓✓', 'alice'), undefined);
});

test('passwords on the bundled common list are refused, whatever their case', (t) => {
  for (const common of ['password123', 'qwertyuiop', '1234567890', 'PASSWORD123', 'Basketball']) {
    t.regex(passwordProblem(common, 'alice') ?? '', /common passwords/, common);
  }
});

test('a password that is mostly the user name is refused', (t) => {
  t.regex(passwordProblem('Wintermute!!', 'wintermute') ?? '', /user name/);
  t.is(passwordProblem('bob-likes-long-walks', 'bob'), undefined);
});

test('a bound on length keeps hashing cheap', (t) => {
  t.regex(passwordProblem('x'.repeat(257), 'alice') ?? '', /at most 256/);
  t.is(passwordProblem('x1'.repeat(128), 'alice'), undefined);
});
