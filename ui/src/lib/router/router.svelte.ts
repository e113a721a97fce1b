/**
 * History API routing: real paths such as /status and /tunnel. The API answers every non-/api
 * path with index.html, so a reload or a bookmark lands on the same page.
 */
export class Router {
  path = $state(window.location.pathname);
  /** The query string, with its leading `?` (or empty): `/sign-in?next=/users` keeps where to go back to. */
  search = $state(window.location.search);
  /** How many in-app navigations happened; pages move focus to their heading when it is > 0. */
  navigations = $state(0);

  /** Follows the browser's back and forward buttons; returns the function that stops it. */
  start(): () => void {
    const onPopState = (): void => {
      this.#readLocation();
      this.navigations += 1;
    };
    window.addEventListener('popstate', onPopState);
    return () => window.removeEventListener('popstate', onPopState);
  }

  /** `target` is a path on this site, optionally with a query string. */
  navigate(target: string): void {
    if (target === this.path + this.search) {
      return;
    }
    window.history.pushState(null, '', target);
    this.#readLocation();
    this.navigations += 1;
  }

  /**
   * Like `navigate`, but the page being left does not stay in the history (redirects). A redirect while
   * the app starts is part of the first page load, so it does not count as a navigation that moves focus.
   */
  replace(target: string, countAsNavigation = true): void {
    window.history.replaceState(null, '', target);
    this.#readLocation();
    if (countAsNavigation) {
      this.navigations += 1;
    }
  }

  /** A query parameter of the current location, or null. */
  query(name: string): string | null {
    // A throw-away parser for one read: nothing keeps or mutates it, so it needs no reactivity.
    // eslint-disable-next-line svelte/prefer-svelte-reactivity
    return new URLSearchParams(this.search).get(name);
  }

  /**
   * Click handler for in-app links: a plain left click navigates without a page load; a click
   * with a modifier (new tab, new window, download) is left to the browser.
   */
  followLink(event: MouseEvent, path: string): void {
    if (
      event.defaultPrevented ||
      event.button !== 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey ||
      event.altKey
    ) {
      return;
    }
    event.preventDefault();
    this.navigate(path);
  }

  #readLocation(): void {
    this.path = window.location.pathname;
    this.search = window.location.search;
  }
}
