import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Scenario } from './types';

function isScenario(value: unknown): value is Scenario {
  const s = value as Partial<Scenario> | null;
  return (
    typeof s === 'object' &&
    s !== null &&
    typeof s.name === 'string' &&
    typeof s.description === 'string' &&
    typeof s.run === 'function' &&
    typeof s.target === 'object'
  );
}

/**
 * Every scenario in `dir` (compiled `bench/scenarios/*.js`): a module exports `scenario`, or
 * `scenarios` (an array, for one file that defines a family such as search at 10k and 100k).
 * Ordered by file name, then by position in the file.
 */
export async function loadScenarios(dir: string): Promise<Scenario[]> {
  const files = (await readdir(dir))
    .filter((f) => f.endsWith('.js') && !f.endsWith('.spec.js'))
    .sort();
  const found: Scenario[] = [];
  for (const file of files) {
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as {
      scenario?: unknown;
      scenarios?: unknown;
    };
    const exported = [mod.scenario, ...(Array.isArray(mod.scenarios) ? mod.scenarios : [])];
    const scenarios = exported.filter((s) => s !== undefined);
    if (scenarios.length === 0) throw new Error(`${file} exports no "scenario" or "scenarios"`);
    for (const s of scenarios) {
      if (!isScenario(s)) throw new Error(`${file} exports something that is not a Scenario`);
      if (!/^[a-z0-9][a-z0-9-]*$/.test(s.name)) {
        throw new Error(`${file}: scenario name "${s.name}" must be lowercase, digits, dashes`);
      }
      if (found.some((f) => f.name === s.name)) throw new Error(`duplicate scenario "${s.name}"`);
      found.push(s);
    }
  }
  return found;
}

/** Identity with type checking, for scenario files: `export const scenario = defineScenario({…})`. */
export function defineScenario(scenario: Scenario): Scenario {
  return scenario;
}
