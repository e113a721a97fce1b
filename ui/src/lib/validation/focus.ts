export interface Focusable {
  focus(): void;
}

/** Puts the cursor on the first field that has a problem; true when one had. */
export function focusFirstProblem(
  fields: ReadonlyArray<readonly [problem: string | null | undefined, field: Focusable | undefined]>,
): boolean {
  const first = fields.find(([problem]) => problem);
  first?.[1]?.focus();
  return first !== undefined;
}
