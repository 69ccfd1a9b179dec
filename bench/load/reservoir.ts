/** A uniform random sample of at most `size` values from a stream of any length (Algorithm R). */
export function createReservoir(size: number): { add(value: number): void; values(): number[] } {
  const kept: number[] = [];
  let seen = 0;
  return {
    add(value) {
      seen++;
      if (kept.length < size) {
        kept.push(value);
        return;
      }
      const slot = Math.floor(Math.random() * seen);
      if (slot < size) {
        kept[slot] = value;
      }
    },
    values: () => kept,
  };
}
