import { messageForForm } from '$lib/api/errors';

/**
 * Data a page loads on demand (a list of users, sessions…): the last answer, or why there is none.
 * A reload that finishes after a newer one started is dropped, so the page never goes back in time.
 */
export class Resource<T> {
  data = $state<T | undefined>(undefined);
  error = $state<string | null>(null);
  loading = $state(false);
  readonly #fetch: () => Promise<T>;
  #latest = 0;

  constructor(fetch: () => Promise<T>) {
    this.#fetch = fetch;
  }

  async load(): Promise<void> {
    const request = ++this.#latest;
    this.loading = true;
    try {
      const data = await this.#fetch();
      if (request === this.#latest) {
        this.data = data;
        this.error = null;
      }
    } catch (error) {
      if (request === this.#latest) {
        this.error = messageForForm(error);
      }
    } finally {
      if (request === this.#latest) {
        this.loading = false;
      }
    }
  }
}
