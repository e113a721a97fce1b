// The package ships its types under a name TypeScript does not find (`index.ts.d`); these are the parts used.
declare module 'unicode-confusables' {
  /** Replaces each character by its UTS #39 prototype (confusables.txt) and drops zero-width characters. */
  export function rectifyConfusion(input: string): string;
}
