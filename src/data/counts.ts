/**
 * A count as the screens and the command line write it (981,665): one place, so a number reads the same across a
 * flow. Integers are grouped by hand: the first toLocaleString of a process loads ICU's number data, some 30 ms
 * of the main thread (a CLI plan's summary, a screen's first counts).
 */
export const thousands = (n: number): string => (Number.isSafeInteger(n) ? String(n).replace(/\B(?=(\d{3})+$)/g, ',') : n.toLocaleString('en-US'));
