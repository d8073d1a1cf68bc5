import { LRUCache } from 'lru-cache';
import type { Dec } from '../../common/money/decimal';

/**
 * e^x and ln x at the full 50 digits, remembered by argument.
 *
 * Each costs decimal.js 100–150 µs at 50 digits. A buy's quote and reported probabilities
 * are mostly decided in float64 now (`quoteMultiBuyInFloat`, `fixedPricesInFloat`); sells
 * and what the floats leave undecided still need them, most of them seen before: the state
 * after one trade is the state before the next, and a trade on one outcome of an N-outcome
 * market leaves the other outcomes' exponentials as they were. Both are pure functions of their argument, so
 * remembering them changes no digit; the key is the argument's exact decimal string.
 * `lru-cache` bounds the memory (4,096 entries of each, about 1 MB).
 */
const ENTRIES = 4096;
const exps = new LRUCache<string, Dec>({ max: ENTRIES });
const logs = new LRUCache<string, Dec>({ max: ENTRIES });

function remembered(memo: LRUCache<string, Dec>, x: Dec, compute: (x: Dec) => Dec): Dec {
  const key = x.toString();
  let value = memo.get(key);
  if (value === undefined) {
    value = compute(x);
    memo.set(key, value);
  }
  return value;
}

/** e^x, exactly as `x.exp()` computes it. */
export function exp(x: Dec): Dec {
  return remembered(exps, x, (v) => v.exp());
}

/** ln x, exactly as `x.ln()` computes it. */
export function ln(x: Dec): Dec {
  return remembered(logs, x, (v) => v.ln());
}
