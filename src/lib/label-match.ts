/** Docker's label filter term: `key` matches when the label is present, `key=value` when it has that value. */
export function matchesLabel(labels: Record<string, string>, want: string): boolean {
  const eq = want.indexOf('=');
  if (eq === -1) return want in labels;
  return labels[want.slice(0, eq)] === want.slice(eq + 1);
}
