/** A count as the screens and the command line write it (981,665): one place, so a number reads the same across a flow. */
export const thousands = (n: number): string => n.toLocaleString('en-US');
