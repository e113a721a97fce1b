// The API contract: built from the controllers' and DTOs' decorators, served at /api/openapi.json and
// committed as api/openapi.json, from which the UI generates its typed client.
import { type INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { ErrorResponseDto } from './dtos/error.dto.js';
import { METRICS_TOKEN_SECURITY_SCHEME, SESSION_SECURITY_SCHEME } from './middleware/access.decorator.js';
import { SESSION_COOKIE } from './middleware/session-cookie.js';
import { BURROW_VERSION } from './version.js';

export const OPENAPI_PATH = '/api/openapi.json';

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Burrow API')
    .setDescription(
      [
        "The router's JSON API. Errors are ErrorResponseDto; every response carries X-Request-Id.",
        `Signing in sets the HttpOnly cookie \`${SESSION_COOKIE}\`. Every POST, PUT, PATCH and DELETE made with a`,
        'session also needs the `X-CSRF-Token` header (the `csrfToken` of the sign-in answer), a JSON body if any,',
        'and no cross-site `Origin` or `Sec-Fetch-Site`. `x-burrow-permission` on each operation says who may call it:',
        '`public`, `read` (any signed-in user), `self` (any signed-in user, on their own account), `admin`, or',
        '`metrics` (GET /metrics: a metrics bearer token or an admin session).',
      ].join(' '),
    )
    .setVersion(BURROW_VERSION)
    .addGlobalResponse({ status: 'default', description: 'Any error.', type: ErrorResponseDto })
    .addCookieAuth(SESSION_COOKIE, { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE }, SESSION_SECURITY_SCHEME)
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: 'A metrics token (burrow_mt_…).' },
      METRICS_TOKEN_SECURITY_SCHEME,
    )
    .build();
  // Operation ids are the controller method names, which are unique across the API (getHealth, getSystemStatus, …).
  return SwaggerModule.createDocument(app, config, { operationIdFactory: (_controller, method) => method });
}

/** Deterministic JSON: keys sorted at every level, 2-space indent, trailing newline, so diffs show only real changes. */
export function serializeOpenApiDocument(document: OpenAPIObject): string {
  return `${JSON.stringify(sortKeys(document), null, 2)}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(sortKeys);
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([key, item]) => [key, sortKeys(item)]));
  }
  return value;
}
