/**
 * A gate that opens at most once per `intervalMs`: for warnings that would otherwise repeat
 * on every retry of a dependency that is down (one line per 10 s says enough).
 */
export function onceEvery(intervalMs = 10_000): () => boolean {
  let last = 0;
  return () => {
    const now = Date.now();
    if (now - last < intervalMs) return false;
    last = now;
    return true;
  };
}
