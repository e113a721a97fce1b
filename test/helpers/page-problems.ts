// Collects everything a page does wrong while a test drives it: console errors, uncaught
// exceptions, Content-Security-Policy violations and failed requests.
import { type Page, type Request } from 'playwright-core';

export interface CspViolation {
  directive: string;
  blockedUri: string;
  sample: string;
}

/** Window property the init script fills; read back with page.evaluate. */
const VIOLATIONS_KEY = '__burrowCspViolations';

/**
 * What the page reads by itself, whatever the person does (the Status page also reads the exit check's setting and
 * the events, the System page its Prometheus tokens and console password, the Backups page its list and settings;
 * every page reads the LAN's devices for the "direct" banner, the Remote access page its devices' handshakes).
 */
const BACKGROUND_POLLS = new Set([
  '/api/system/status',
  '/api/gateway',
  '/api/status/stream',
  '/api/gateway/exit-check',
  '/api/events',
  '/api/events/webhook',
  '/api/metrics/tokens',
  '/api/backups',
  '/api/backups/settings',
  '/api/system/console-password',
  '/api/devices',
  '/api/remote-access',
  '/api/remote-access/devices',
  '/api/lan',
]);
/** The Tunnel page's traffic card polls its profile's chart. */
const BACKGROUND_POLL_PATTERNS = [/^\/api\/tunnels\/\d+\/traffic$/, /^\/api\/remote-access\/devices\/\d+\/traffic$/];

function isBackgroundPoll(pathname: string): boolean {
  return BACKGROUND_POLLS.has(pathname) || BACKGROUND_POLL_PATTERNS.some((pattern) => pattern.test(pathname));
}

export class PageProblems {
  readonly consoleErrors: string[] = [];
  readonly pageErrors: string[] = [];
  readonly failedRequests: string[] = [];

  private constructor(private readonly page: Page) {}

  /** Starts watching `page`; call before the first navigation so nothing is missed. */
  static async watch(page: Page): Promise<PageProblems> {
    const problems = new PageProblems(page);
    page.on('console', (message) => {
      if (message.type() === 'error') {
        problems.consoleErrors.push(message.text());
      }
    });
    page.on('pageerror', (error) => problems.pageErrors.push(error.stack ?? error.message));
    // Navigations of the page itself (a reload, a link): the previous document's reads still in flight are
    // cancelled by the browser, whatever they were.
    let navigations = 0;
    const startedAfter = new WeakMap<Request, number>();
    page.on('request', (request) => {
      if (request.isNavigationRequest() && request.frame() === page.mainFrame()) {
        navigations += 1;
      } else {
        startedAfter.set(request, navigations);
      }
    });
    page.on('requestfailed', (request) => {
      const reason = request.failure()?.errorText ?? '?';
      const cutByNavigation = (startedAfter.get(request) ?? navigations) < navigations;
      // The browser aborts a background poll (status, gateway) still in flight, or the live status stream, when the
      // page navigates: by design, not a fault.
      // Likewise a page chunk loaded on demand (the traffic chart) that is still on its way when the page goes.
      const path = new URL(request.url()).pathname;
      if (
        reason === 'net::ERR_ABORTED' &&
        request.method() === 'GET' &&
        (isBackgroundPoll(path) || path.startsWith('/assets/') || cutByNavigation)
      ) {
        return;
      }
      problems.failedRequests.push(`${request.method()} ${request.url()}: ${reason}`);
    });
    page.on('response', (response) => {
      if (response.status() >= 400) {
        problems.failedRequests.push(`${response.request().method()} ${response.url()}: HTTP ${response.status()}`);
      }
    });
    // Runs in the page before its own scripts. Chromium also prints violations to the console, but
    // the event carries the directive, which makes a failure easy to act on.
    await page.addInitScript((key: string) => {
      const violations: unknown[] = [];
      Object.defineProperty(window, key, { value: violations });
      document.addEventListener('securitypolicyviolation', (event) => {
        violations.push({
          directive: event.violatedDirective,
          blockedUri: event.blockedURI,
          sample: event.sample,
        });
      });
    }, VIOLATIONS_KEY);
    return problems;
  }

  async cspViolations(): Promise<CspViolation[]> {
    return this.page.evaluate((key: string) => {
      const violations = (window as unknown as Record<string, unknown>)[key];
      return Array.isArray(violations) ? (violations as CspViolation[]) : [];
    }, VIOLATIONS_KEY);
  }

  /** Every problem as one list of lines; empty when the page behaved. */
  async all(): Promise<string[]> {
    const violations = await this.cspViolations();
    return [
      ...this.consoleErrors.map((text) => `console error: ${text}`),
      ...this.pageErrors.map((text) => `uncaught: ${text}`),
      ...this.failedRequests.map((text) => `request failed: ${text}`),
      ...violations.map((v) => `CSP violation: ${v.directive} blocked ${v.blockedUri} ${v.sample}`),
    ];
  }
}
