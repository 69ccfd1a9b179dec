/** Fixed-point text for a figure; a dash for a figure that could not be measured. */
export function fixed(value: number, digits = 1): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '–';
}

export function ms(value: number): string {
  return `${fixed(value, value < 10 ? 2 : 1)} ms`;
}

/** A difference with its sign. */
export function signedMs(value: number): string {
  return `${value >= 0 ? '+' : ''}${ms(value)}`;
}

export function ratio(value: number): string {
  return `${fixed(value, 2)}x`;
}

export function kib(valueKiB: number): string {
  return `${fixed(valueKiB, 1)} KiB`;
}

export function mib(valueKiB: number): string {
  return `${fixed(valueKiB / 1024, 0)} MiB`;
}

export function count(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '–';
}

export function p50p99(summary: { p50: number; p99: number }): string {
  return `p50 ${ms(summary.p50)}, p99 ${ms(summary.p99)}`;
}
