/** A SOQL string literal: backslashes and quotes escaped. */
export const soqlString = (value: string) => `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
