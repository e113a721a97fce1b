/**
 * History API routing: real paths such as /status and /tunnel. The API answers every non-/api
 * path with index.html, so a reload or a bookmark lands on the same page.
 */
export class Router {
  path = $state(window.location.pathname);
  /** How many in-app navigations happened; pages move focus to their heading when it is > 0. */
  navigations = $state(0);

  /** Follows the browser's back and forward buttons; returns the function that stops it. */
  start(): () => void {
    const onPopState = (): void => {
      this.path = window.location.pathname;
      this.navigations += 1;
    };
    window.addEventListener('popstate', onPopState);
    return () => window.removeEventListener('popstate', onPopState);
  }

  navigate(path: string): void {
    if (path === this.path) {
      return;
    }
    window.history.pushState(null, '', path);
    this.path = path;
    this.navigations += 1;
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
}
