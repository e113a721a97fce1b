// Limits on what a request body may be, checked before validation ever looks at it.
import { type NextFunction, type Request, type Response } from 'express';
import { DomainError } from '../services/domain-error.js';

/** The largest JSON body any route reads: settings, users and certificate chains all fit well inside it. */
export const JSON_BODY_LIMIT_KIB = 64;

/**
 * The deepest nesting of arrays and objects a body may have; no route reads more than two levels. Validation
 * (class-transformer) walks a body recursively and overflows the stack at ~1,500 levels, so deeper bodies are
 * refused before it runs.
 */
export const MAX_JSON_DEPTH = 32;

/**
 * Whether a parsed JSON value nests arrays and objects more than `limit` deep (a top-level `{}` is 1 deep).
 * Iterative, each value visited at most once, and it stops at the first value too deep. It looks at the parsed
 * value rather than the raw text, so every charset the parser accepts is measured the same way (V8's JSON.parse
 * itself does not recurse).
 */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const pending: Array<{ container: object; depth: number }> = [];
  if (typeof value === 'object' && value !== null) {
    pending.push({ container: value, depth: 1 });
  }
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (next.depth > limit) {
      return true;
    }
    for (const child of Object.values(next.container)) {
      if (typeof child === 'object' && child !== null) {
        pending.push({ container: child as object, depth: next.depth + 1 });
      }
    }
  }
  return false;
}

/** Refuses, with a 400 `body_too_deep`, a parsed JSON body nested deeper than MAX_JSON_DEPTH. After the parser. */
export function refuseDeepJson(request: Request, _response: Response, next: NextFunction): void {
  if (nestsDeeperThan(request.body, MAX_JSON_DEPTH)) {
    next(
      new DomainError(
        'invalid',
        'body_too_deep',
        `The JSON body is nested more than ${MAX_JSON_DEPTH} levels deep; no request needs that. Nothing was changed.`,
      ),
    );
    return;
  }
  next();
}
