/** The items starting at `round` (mod length): rounds take turns going first, so no side always warms the other. */
export function rotate<T>(items: readonly T[], round: number): T[] {
  const start = round % items.length;
  return [...items.slice(start), ...items.slice(0, start)];
}
