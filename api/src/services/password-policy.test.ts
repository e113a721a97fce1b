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

test('copies of the user name and the separators between them count for nothing', (t) => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ['sam-sam-sam-sam', 'sam'],
    ['SAM.sam!Sam sam', 'sam'],
    ['sam🦡sam🦡sam🦡sam', 'sam'],
    ['jose\u0301-jose\u0301-jose\u0301', 'Jos\u00e9'],
    ['alice2024!!', 'alice'],
  ];
  for (const [password, username] of cases) {
    t.regex(passwordProblem(password, username) ?? '', /mostly the user name/, `${password} for ${username}`);
  }
  // What is left besides the name must pass the length rule on its own.
  t.is(passwordProblem('sam: quiet meadow', 'sam'), undefined);
  t.is(passwordProblem('sam-sam-sam-sam', 'alice'), undefined);
});

test('a bound on length keeps hashing cheap', (t) => {
  t.regex(passwordProblem('x'.repeat(257), 'alice') ?? '', /at most 256/);
  t.is(passwordProblem('x1'.repeat(128), 'alice'), undefined);
});
