import test from 'ava';
import { type OpenAPIObject } from '@nestjs/swagger';
import { serializeOpenApiDocument } from './openapi.js';

const document = (value: object) => value as OpenAPIObject;

test('keys are sorted at every depth; arrays keep their order', (t) => {
  const text = serializeOpenApiDocument(
    document({ paths: { '/b': { get: {} }, '/a': { post: {}, get: {} } }, openapi: '3.0.0', tags: ['z', 'a'] }),
  );
  t.is(
    text,
    [
      '{',
      '  "openapi": "3.0.0",',
      '  "paths": {',
      '    "/a": {',
      '      "get": {},',
      '      "post": {}',
      '    },',
      '    "/b": {',
      '      "get": {}',
      '    }',
      '  },',
      '  "tags": [',
      '    "z",',
      '    "a"',
      '  ]',
      '}',
      '',
    ].join('\n'),
  );
});

test('the same content in a different insertion order serializes identically', (t) => {
  const one = serializeOpenApiDocument(document({ info: { title: 'x', version: '1' }, openapi: '3.0.0' }));
  const two = serializeOpenApiDocument(document({ openapi: '3.0.0', info: { version: '1', title: 'x' } }));
  t.is(one, two);
});
