import test from 'ava';
import { characterCount, isMostlyUsername, passwordLengthProblem, PASSWORD_PROBLEMS } from './password-rules.js';

test('the length rule counts characters', (t) => {
  t.is(characterCount('🦡🦡'), 2);
  t.is(passwordLengthProblem('123456789'), PASSWORD_PROBLEMS.tooShort);
  t.is(passwordLengthProblem('🦡'.repeat(10)), undefined);
  t.is(passwordLengthProblem('x'.repeat(257)), PASSWORD_PROBLEMS.tooLong);
});

test('a password is mostly the name when fewer than 10 letters or digits remain without it', (t) => {
  t.true(isMostlyUsername('sam-sam-sam-sam', 'sam'));
  t.true(isMostlyUsername('Sam123456789', 'sam'), '9 digits besides the name');
  t.false(isMostlyUsername('Sam1234567890', 'sam'), '10 digits besides the name');
  t.false(isMostlyUsername('quiet meadow', 'sam'), 'no name, no concern');
  t.false(isMostlyUsername('anything at all', ''), 'no name typed yet');
});
