import test from 'ava';
import { type Request } from 'express';
import { readSessionToken } from './session-cookie.js';

const withCookie = (cookie: string | undefined) => ({ headers: { cookie } }) as unknown as Request;

test('finds the session cookie among others', (t) => {
  t.is(readSessionToken(withCookie('theme=dark; burrow_session=abc_DEF-1; lang=en')), 'abc_DEF-1');
  t.is(readSessionToken(withCookie('burrow_session=only')), 'only');
});

test('no cookie, another cookie, or a name that only starts the same is no session', (t) => {
  t.is(readSessionToken(withCookie(undefined)), undefined);
  t.is(readSessionToken(withCookie('session=abc')), undefined);
  t.is(readSessionToken(withCookie('burrow_session_old=abc')), undefined);
  t.is(readSessionToken(withCookie('xburrow_session=abc')), undefined);
});

test('with the cookie sent twice, the first counts', (t) => {
  t.is(readSessionToken(withCookie('burrow_session=first; burrow_session=second')), 'first');
});
