import test from 'ava';
import { type Request, type Response } from 'express';
import { clearSessionCookie, readSessionToken, SESSION_COOKIE, setSessionCookie } from './session-cookie.js';

const withCookie = (cookie: string | undefined) => ({ headers: { cookie }, secure: false }) as unknown as Request;

test('the cookie is a __Host- cookie: Secure, Path=/, no Domain, even when the request looked plain', (t) => {
  t.is(SESSION_COOKIE, '__Host-burrow_session');
  const set: Array<[string, string, Record<string, unknown>]> = [];
  const response = {
    cookie: (name: string, value: string, options: Record<string, unknown>) => set.push([name, value, options]),
    clearCookie: (name: string, options: Record<string, unknown>) => set.push([name, '', options]),
  } as unknown as Response;
  setSessionCookie(withCookie(undefined), response, 'abc');
  clearSessionCookie(withCookie(undefined), response);
  for (const [name, , options] of set) {
    t.is(name, '__Host-burrow_session');
    t.like(options, { secure: true, path: '/', httpOnly: true, sameSite: 'strict' });
    t.false('domain' in options);
  }
});

test('finds the session cookie among others', (t) => {
  t.is(readSessionToken(withCookie('theme=dark; __Host-burrow_session=abc_DEF-1; lang=en')), 'abc_DEF-1');
  t.is(readSessionToken(withCookie('__Host-burrow_session=only')), 'only');
});

test('no cookie, another cookie, or a name that only starts or ends the same is no session', (t) => {
  t.is(readSessionToken(withCookie(undefined)), undefined);
  t.is(readSessionToken(withCookie('session=abc')), undefined);
  t.is(readSessionToken(withCookie('__Host-burrow_session_old=abc')), undefined);
  t.is(readSessionToken(withCookie('x__Host-burrow_session=abc')), undefined);
  // Without the prefix a sibling host or a plain-HTTP page could have planted it: it is not ours.
  t.is(readSessionToken(withCookie('burrow_session=abc')), undefined);
});

test('with the cookie sent twice, the first counts', (t) => {
  t.is(readSessionToken(withCookie('__Host-burrow_session=first; __Host-burrow_session=second')), 'first');
});
