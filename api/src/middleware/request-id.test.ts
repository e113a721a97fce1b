import test from 'ava';
import { chooseRequestId } from './request-id.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('keeps a plain token sent by a proxy', (t) => {
  t.is(chooseRequestId('edge-1.42_abc-DEF'), 'edge-1.42_abc-DEF');
  t.is(chooseRequestId('a'.repeat(64)), 'a'.repeat(64));
});

test('makes a fresh UUID when none is sent', (t) => {
  t.regex(chooseRequestId(undefined), UUID);
});

test('never passes on text that could forge a log line', (t) => {
  for (const incoming of ['a b', 'x\n{"level":60}', '', 'é', 'a'.repeat(65), 'edge:1', 'a/b', ['one', 'two']]) {
    t.regex(chooseRequestId(incoming), UUID, JSON.stringify(incoming));
  }
});

test('fresh ids differ', (t) => {
  t.not(chooseRequestId(undefined), chooseRequestId(undefined));
});
