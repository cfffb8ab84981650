/**
 * Docker's `filters.Args.Match` for one value: the value itself, else the value as a regular
 * expression found anywhere in `source` (`name=^web` anchors, `name=db` is a substring); a value
 * that is no valid expression matches only itself, as Go's skips it.
 */
export function filterMatches(value: string, source: string): boolean {
  if (value === source) return true;
  try {
    return new RegExp(value).test(source);
  } catch {
    return false;
  }
}
