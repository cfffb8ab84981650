/**
 * Keys held by any number of holders: each hold returns its own release, which counts once however
 * often it is called. What garbage collection must leave alone while a holder still needs it.
 */
export class Holds {
  private readonly counts = new Map<string, number>();

  hold(key: string): () => void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      const left = (this.counts.get(key) ?? 1) - 1;
      if (left === 0) this.counts.delete(key);
      else this.counts.set(key, left);
    };
  }

  /** The keys held now. */
  keys(): IterableIterator<string> {
    return this.counts.keys();
  }
}
