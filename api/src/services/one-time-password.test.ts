import test from 'ava';
import { CryptoRepository } from '../repositories/crypto.repository.js';
import { ONE_TIME_PASSWORD_ALPHABET, oneTimePassword, oneTimePasswordBits } from './one-time-password.js';

test('a one-time password has at least 80 bits, in four groups of typeable characters without look-alikes', (t) => {
  t.true(oneTimePasswordBits() >= 80, `${oneTimePasswordBits()} bits`);
  t.is(new Set(ONE_TIME_PASSWORD_ALPHABET).size, ONE_TIME_PASSWORD_ALPHABET.length);
  for (const lookAlike of '01ilo') {
    t.false(ONE_TIME_PASSWORD_ALPHABET.includes(lookAlike), lookAlike);
  }
  const crypto = new CryptoRepository();
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const password = oneTimePassword((alphabet, length) => crypto.randomString(alphabet, length));
    t.regex(password, /^[2-9a-hjkmnp-z]{5}-[2-9a-hjkmnp-z]{5}-[2-9a-hjkmnp-z]{5}-[2-9a-hjkmnp-z]{5}$/);
    seen.add(password);
  }
  t.is(seen.size, 200);
});
