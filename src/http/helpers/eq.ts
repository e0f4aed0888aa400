/** `{{#if (eq a b)}}`: strict equality, for choosing a class or a label in a template. */
export function eq(a: unknown, b: unknown): boolean {
  return a === b;
}
