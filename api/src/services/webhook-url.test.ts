import test from 'ava';
import { checkWebhookUrl } from './webhook-url.js';

test('http and https URLs are kept, an empty one means none', (t) => {
  t.is(checkWebhookUrl('https://ntfy.example/burrow-alerts'), 'https://ntfy.example/burrow-alerts');
  t.is(
    checkWebhookUrl('  http://192.168.1.10:8123/api/webhook/abc?x=1 '),
    'http://192.168.1.10:8123/api/webhook/abc?x=1',
  );
  t.is(checkWebhookUrl(''), null);
  t.is(checkWebhookUrl('   '), null);
});

test('anything else is refused with webhook_url_invalid, without quoting the input', (t) => {
  for (const input of [
    'ftp://example/x',
    'javascript:alert(1)',
    'file:///etc/passwd',
    'not a url',
    'example.com/hook',
    'https://user:secret-token@example.com/hook',
    'https://example.com/a\nb',
    `https://example.com/${'a'.repeat(2048)}`,
  ]) {
    const error = t.throws(() => checkWebhookUrl(input), undefined, input);
    t.like(error, { code: 'webhook_url_invalid', kind: 'invalid' });
    t.false(error.message.includes('secret-token'));
  }
});
