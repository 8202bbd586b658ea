// The Custom Entity Store's declarations (manifest `app.storage.entities`),
// read once when the runtime starts, and the checks Forge makes of an entity
// value against them. Sources: forge-limits.mjs (CES_DEFINE, CES_TYPES).
import { readFileSync, existsSync } from 'node:fs';
import YAML from 'yaml';
import * as L from './forge-limits.mjs';

/**
 * @typedef {object} IndexDeclaration
 * @property {string} name
 * @property {string[]} partition attribute names, in order (may be empty)
 * @property {string} range the range attribute
 *
 * @typedef {object} EntityDeclaration
 * @property {string} name
 * @property {Record<string, {type: string}>} attributes
 * @property {IndexDeclaration[]} indexes
 */

/** Declarations from a manifest file's `app.storage.entities`; none when the file or the section is absent. */
export function entitiesFromManifest(manifestFile) {
  if (!manifestFile || !existsSync(manifestFile)) return new Map();
  const manifest = YAML.parse(readFileSync(manifestFile, 'utf8'));
  return declareEntities(manifest?.app?.storage?.entities ?? []);
}

/**
 * Normalises manifest-shaped declarations (an index is either an attribute
 * name, meaning an index of that name ranged on it, or `{name, partition,
 * range}` with `range` one attribute or a one-element list) into a Map by
 * entity name. Throws on a declaration Forge's manifest validation refuses.
 * @returns {Map<string, EntityDeclaration>}
 */
export function declareEntities(list) {
  const entities = new Map();
  for (const raw of list) {
    const name = raw?.name;
    if (typeof name !== 'string' || entityNameProblem(name)) {
      throw new Error(`app.storage.entities: invalid entity name ${JSON.stringify(name)} (${entityNameProblem(name)?.message ?? 'missing'})`);
    }
    if (entities.has(name)) throw new Error(`app.storage.entities: entity ${name} is declared twice`);
    const attributes = raw.attributes ?? {};
    for (const [attribute, spec] of Object.entries(attributes)) {
      if (!L.ATTRIBUTE_NAME_PATTERN.test(attribute) || attribute.length > L.ATTRIBUTE_NAME_MAX_LENGTH) {
        throw new Error(`app.storage.entities: ${name}.${attribute}: attribute names match ${L.ATTRIBUTE_NAME_PATTERN} and have at most ${L.ATTRIBUTE_NAME_MAX_LENGTH} characters`);
      }
      if (!L.ATTRIBUTE_TYPES.includes(spec?.type)) {
        throw new Error(`app.storage.entities: ${name}.${attribute}: type must be one of ${L.ATTRIBUTE_TYPES.join(', ')}`);
      }
    }
    const indexes = (raw.indexes ?? []).map((index) => {
      const spec = typeof index === 'string' ? { name: index, range: index, partition: [] } : index;
      const range = Array.isArray(spec.range) ? spec.range[0] : spec.range;
      const partition = spec.partition ?? [];
      for (const attribute of [range, ...partition]) {
        if (!attributes[attribute]) throw new Error(`app.storage.entities: ${name} index ${spec.name}: ${attribute} is not a declared attribute`);
      }
      return { name: spec.name, range, partition };
    });
    const names = new Set(indexes.map((i) => i.name));
    if (names.size !== indexes.length) throw new Error(`app.storage.entities: ${name} has two indexes of one name`);
    entities.set(name, { name, attributes, indexes });
  }
  return entities;
}

/** Why `name` is not a valid entity name, as `{code, message}`, or null. */
export function entityNameProblem(name) {
  if (typeof name !== 'string' || name.length < L.ENTITY_NAME_MIN_LENGTH) {
    return { code: 'ENTITY_TYPE_TOO_SHORT', message: `Entity names have at least ${L.ENTITY_NAME_MIN_LENGTH} characters` };
  }
  if (name.length > L.ENTITY_NAME_MAX_LENGTH) {
    return { code: 'ENTITY_TYPE_TOO_LARGE', message: `Entity names have at most ${L.ENTITY_NAME_MAX_LENGTH} characters` };
  }
  if (!L.ENTITY_NAME_PATTERN.test(name)) {
    return { code: 'INVALID_ENTITY_TYPE', message: `Entity names match ${L.ENTITY_NAME_PATTERN}` };
  }
  return null;
}

/**
 * Why `value` is not a valid value of `entity`, as a message, or null: it
 * must be an object whose attributes are all declared, each of its declared
 * type (integers 32-bit, floats 0 or within Forge's magnitude range).
 */
export function entityValueProblem(entity, value) {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `A value of entity ${entity.name} is an object of its attributes`;
  }
  for (const [attribute, v] of Object.entries(value)) {
    const spec = entity.attributes[attribute];
    if (!spec) return `${attribute} is not an attribute of entity ${entity.name} (manifest app.storage.entities)`;
    if (v === null || v === undefined) continue;
    const problem = typeProblem(spec.type, v);
    if (problem) return `${entity.name}.${attribute}: ${problem}`;
  }
  return null;
}

function typeProblem(type, v) {
  switch (type) {
    case 'string':
      return typeof v === 'string' ? null : 'expected a string';
    case 'boolean':
      return typeof v === 'boolean' ? null : 'expected a boolean';
    case 'integer':
      return Number.isInteger(v) && v >= L.INTEGER_MIN && v <= L.INTEGER_MAX ? null : `expected a 32-bit integer (${L.INTEGER_MIN}..${L.INTEGER_MAX})`;
    case 'float': {
      if (typeof v !== 'number' || !Number.isFinite(v)) return 'expected a number';
      const m = Math.abs(v);
      return v === 0 || (m >= L.FLOAT_MIN_MAGNITUDE && m < L.FLOAT_MAX_MAGNITUDE) ? null : `expected 0 or a magnitude within [${L.FLOAT_MIN_MAGNITUDE}, ${L.FLOAT_MAX_MAGNITUDE})`;
    }
    default:
      return null;
  }
}
