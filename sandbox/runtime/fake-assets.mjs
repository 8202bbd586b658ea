// A fake JSM Assets workspace for the local Forge runtime: the external
// import API a `jiraServiceManagement:assetsImportType` app calls through
// `requestJira` (paths under /jsm/assets/workspace/{workspaceId}/v1), and
// the AQL object search, answered in Assets' shapes. Mounted by FakeJira
// (option `assets`).
//
// Sources (each behaviour below names the one it follows):
// - OPENAPI: the Assets Cloud REST OpenAPI (developer.atlassian.com/cloud/assets/rest/,
//   "OpenAPI" button), the importsource operations: paths, bodies, status codes, 409 error codes.
// - GUIDE: "External Imports – Schema and mapping",
//   https://developer.atlassian.com/cloud/assets/imports-rest-api-guide/schema-and-mapping/
//   (external-id rules, PATCH rules, `${locator}` interpolation in objectMappingIQL).
// - REF: Atlassian's reference import app ibuchanan/forge-assets-import (its fixtures are in
//   ../shared/reference/assets/forge-assets-import-fixtures/): execution states
//   INGESTING -> PROCESSING -> DONE | CANCELLED, the data chunk shape.
// - DC: Assets Data Center import docs ("Import Concept – Object type reference",
//   "Create objects from data using object type mapping"): references are resolved after the
//   objects are written; "Missing objects" handling per object type mapping (Remove / Update / Ignore);
//   empty values with IGNORE keep the existing value.
// - AQL: "Assets Query Language" (https://support.atlassian.com/jira-service-management-cloud/docs/use-assets-query-language-aql/).
//
// Deliberately stricter than Assets in one place, by the three engineers'
// contract (tests/node/fake-assets.test.mjs): a data record key that no
// attribute locator of its object type mapping names is refused (400),
// so a drift between the app's chunk builder and its mapping document
// fails a test instead of silently dropping a column. Atlassian's own
// fixture (data-submission.json) carries unmapped keys, which Assets
// ignores: `acceptUnmappedKeys: true` behaves like that.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2019Module from 'ajv/dist/2019.js';

const Ajv2019 = Ajv2019Module.default ?? Ajv2019Module;
const SCHEMA_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'assets-schemas');
const loadSchema = (version) => JSON.parse(readFileSync(path.join(SCHEMA_DIR, `imports-schema-and-mapping.${version}.schema.json`), 'utf8'));

/** The official schema-and-mapping JSON Schemas (assets-schemas/README.md), compiled once. */
const validators = (() => {
  const ajv = new Ajv2019({ allErrors: true, strict: false });
  return { '2023_10_19': ajv.compile(loadSchema('2023_10_19')), '2021_09_15': ajv.compile(loadSchema('2021_09_15')) };
})();

/**
 * Largest request body the fake accepts, in bytes (413 above it). Assets
 * documents no limit for import data chunks (spec §2.4); this is Atlassian's
 * REST request limit of 5,242,880 bytes ("Request too large. Requests for
 * this resource can be at most 5242880 bytes", Atlassian KB
 * "REST call gives Request too large", the same number as Forge's GraphQL
 * gateway limit reported on the developer community), an assumption until
 * measured on a real site.
 */
export const MAX_BODY_BYTES = 5 * 1024 * 1024;

/** Where HATEOAS links point (an absolute URL, as Assets answers; REF fixture imports-info.response.json). */
const LINK_ORIGIN = 'https://api.atlassian.com';

/** Execution states (REF `ImportExecutionStatus`). */
export const EXECUTION_STATUS = Object.freeze({ INGESTING: 'INGESTING', PROCESSING: 'PROCESSING', DONE: 'DONE', CANCELLED: 'CANCELLED' });

export class FakeAssets {
  /**
   * @param {object} options
   * @param {string} options.workspaceId the site's one Assets workspace
   * @param {string} [options.appModuleKey] the module key of the app's import type; sources of another key answer INVALID_IMPORT_MODULE_KEY
   * @param {string} [options.site] the site's base URL, for objects' `_links.self`
   * @param {number} [options.processingReads] status reads that still answer PROCESSING after the last chunk (then processing finishes)
   * @param {boolean} [options.acceptUnmappedKeys] ignore record keys no locator names, as Assets does (default: refuse them, see the file comment)
   * @param {number} [options.maxBodyBytes]
   * @param {() => number} [options.now] clock, Unix milliseconds
   */
  constructor({ workspaceId, appModuleKey = 'entra-assets-import', site = 'https://local.atlassian.net', processingReads = 1, acceptUnmappedKeys = false, maxBodyBytes = MAX_BODY_BYTES, now = Date.now } = {}) {
    if (!workspaceId) throw new Error('FakeAssets needs a workspaceId');
    Object.assign(this, { workspaceId, appModuleKey, site, processingReads, acceptUnmappedKeys, maxBodyBytes, now });
    /** importId -> import source */
    this.sources = new Map();
    /** schemaId -> {schemaId, name, key, objectTypes: Map<name, objectType>} */
    this.schemas = new Map();
    /** every request answered, for tests: {method, path, status, bytes} */
    this.requests = [];
    this.faults = [];
    this.nextObjectId = 1;
    this.nextTypeId = 1;
    this.nextAttributeId = 1;
    this.nextProgressId = 1;
  }

  /**
   * An import source in the workspace, as the Assets admin creates one by
   * picking the app's import type (spec §1.2): no mapping yet, so its
   * configstatus is MISSING_MAPPING until one is saved.
   */
  addImportSource({ importId = randomUUID(), schemaId = '1', name = 'Entra ID users and groups', moduleKey = this.appModuleKey } = {}) {
    const source = {
      id: importId, schemaId: String(schemaId), name, moduleKey,
      mapping: null, disabled: false, executions: [], progress: new Map(),
      defaultHandleEmptyValues: 'IGNORE', defaultConcatenator: '-',
      // objectTypeName -> {action: 'IGNORE'|'REMOVE'|'UPDATE', threshold, attributeName, value}
      missingObjects: {},
    };
    this.sources.set(importId, source);
    return source;
  }

  /** "Missing objects" of an object type mapping, as the admin sets it in Assets' "Edit mapping" (DC; not settable by REST, spec §3.1). */
  setMissingObjects(importId, objectTypeName, { action = 'IGNORE', threshold = 1, attributeName, value } = {}) {
    if (!['IGNORE', 'REMOVE', 'UPDATE'].includes(action)) throw new Error(`Missing objects action ${action}: one of IGNORE, REMOVE, UPDATE`);
    this.#source(importId).missingObjects[objectTypeName] = { action, threshold, attributeName, value };
  }

  /** Enables or disables an import source (configstatus DISABLED; starting answers 409 DISABLED). */
  setDisabled(importId, disabled = true) {
    this.#source(importId).disabled = disabled;
  }

  /**
   * The next `times` requests matching `method` (any when absent) and `path`
   * (a substring of the request path, or a RegExp) answer `status` with
   * `body` (JSON) instead of being served.
   */
  failNext({ method, path: match, status = 500, times = 1, body = { errorMessages: [`Injected failure ${status}`] }, headers = {} }) {
    this.faults.push({ method, match, status, times, body, headers });
  }

  /** Object types of every schema: `[{id, name, externalId, schemaId, attributes: [{id, name, type, externalId, referenceObjectTypeName?}]}]`. */
  objectTypes() {
    return [...this.schemas.values()].flatMap((schema) => [...schema.objectTypes.values()].map((t) => ({
      id: t.id, name: t.name, externalId: t.externalId, schemaId: schema.schemaId,
      attributes: t.attributes.map((a) => ({ id: a.id, name: a.name, type: a.type, externalId: a.externalId, ...(a.referenceTypeName ? { referenceObjectTypeName: a.referenceTypeName } : {}) })),
    })));
  }

  /**
   * Objects by object type name: `{<type>: [{id, objectKey, label, externalId, attributes: {<name>: value}}]}`;
   * a reference attribute's value is a list of `{objectKey, label}`.
   */
  objects() {
    const out = {};
    for (const schema of this.schemas.values()) {
      for (const type of schema.objectTypes.values()) {
        out[type.name] = [...type.objects.values()].map((o) => this.#present(o, type));
      }
    }
    return out;
  }

  /** Executions of every import source, oldest first. */
  executions() {
    return [...this.sources.values()].flatMap((s) => s.executions.map((e) => ({
      id: e.id, importId: s.id, status: e.status, startedAt: iso(e.startedMs), endedAt: e.endedMs ? iso(e.endedMs) : null,
      chunks: e.chunks.length, records: e.chunks.reduce((n, c) => n + c.records, 0), clientGeneratedIds: e.chunks.map((c) => c.clientGeneratedId),
      largestChunkBytes: Math.max(0, ...e.chunks.map((c) => c.bytes)), largestChunkRecords: Math.max(0, ...e.chunks.map((c) => c.records)),
      progress: e.progress, failureReason: e.failureReason ?? null, progressResult: e.progressResult ?? null,
    })));
  }

  /** Finishes processing of every execution waiting in PROCESSING now (as if Assets' worker ran). */
  settle() {
    for (const source of this.sources.values()) {
      for (const execution of source.executions) if (execution.status === EXECUTION_STATUS.PROCESSING) this.#process(source, execution);
    }
  }

  /** Answers one request in FakeJira's shape: `{status, headers, body}` (body a JSON string or ''). */
  handle = async ({ method, path: requestPath, body }) => {
    const url = new URL(requestPath, 'http://jira.local');
    const bytes = body === undefined || body === null ? 0 : Buffer.byteLength(String(body));
    const answer = this.#answer(method, url, body, bytes);
    this.requests.push({ method, path: url.pathname + url.search, status: answer.status, bytes });
    return answer;
  };

  #answer(method, url, body, bytes) {
    const fault = this.faults.find((f) => (!f.method || f.method === method) && (f.match instanceof RegExp ? f.match.test(url.pathname) : url.pathname.includes(f.match)));
    if (fault) {
      fault.times -= 1;
      if (fault.times <= 0) this.faults.splice(this.faults.indexOf(fault), 1);
      return { status: fault.status, headers: { 'content-type': 'application/json', ...fault.headers }, body: fault.body === undefined ? '' : JSON.stringify(fault.body) };
    }
    const base = url.pathname.match(/^\/jsm\/assets\/workspace\/([^/]+)\/v1(\/.*)$/);
    if (!base || decodeURIComponent(base[1]) !== this.workspaceId) return json(404, { errorMessages: [`No Assets workspace at ${url.pathname}`] });
    if (bytes > this.maxBodyBytes) return json(413, { errorMessages: [`Request too large. Requests for this resource can be at most ${this.maxBodyBytes} bytes`] });
    let parsed;
    if (bytes) {
      try {
        parsed = JSON.parse(String(body));
      } catch {
        return json(400, { errorMessages: ['The request body is not JSON'] });
      }
    }
    const rest = base[2];
    for (const [verb, pattern, handler] of this.#routes) {
      const match = method === verb && rest.match(pattern);
      if (!match) continue;
      try {
        return handler(match.slice(1).map(decodeURIComponent), parsed, url);
      } catch (error) {
        if (error instanceof AssetsError) return json(error.status, error.body);
        throw error;
      }
    }
    return json(404, { errorMessages: [`The fake Assets site does not serve ${method} ${rest}`] });
  }

  #routes = [
    ['GET', /^\/importsource\/([^/]+)$/, ([id]) => json(200, this.#importSourceResponse(this.#found(id)))],
    // OPENAPI: {"status": "IDLE" | "DISABLED" | "MISSING_MAPPING" | "RUNNING"}.
    ['GET', /^\/importsource\/([^/]+)\/configstatus$/, ([id]) => json(200, { status: this.#configStatus(this.#found(id)) })],
    ['GET', /^\/importsource\/([^/]+)\/schema-and-mapping$/, ([id]) => {
      const source = this.#found(id);
      if (!source.mapping) throw new AssetsError(400, { errorMessages: ['No schema and mapping has been submitted for this import'] });
      return json(200, source.mapping);
    }],
    ['PUT', /^\/importsource\/([^/]+)\/mapping$/, ([id], doc, url) => this.#putMapping(this.#found(id), doc, url)],
    ['PATCH', /^\/importsource\/([^/]+)\/mapping$/, ([id], doc, url) => this.#patchMapping(this.#found(id), doc, url)],
    ['GET', /^\/importsource\/([^/]+)\/mapping\/progress\/([^/]+)$/, ([id, resourceId]) => {
      const progress = this.#found(id).progress.get(resourceId);
      if (!progress) throw new AssetsError(400, { errorMessages: [`No mapping progress ${resourceId}`] });
      return json(200, progress);
    }],
    ['POST', /^\/importsource\/([^/]+)\/executions$/, ([id]) => this.#startExecution(this.#found(id))],
    ['GET', /^\/importsource\/([^/]+)\/executions\/status$/, ([id]) => {
      const latest = this.#found(id).executions.at(-1);
      if (!latest) throw new AssetsError(400, { errorMessages: ['This import has no execution'] });
      return json(200, { executionId: latest.id, ...this.#status(this.#found(id), latest) });
    }],
    ['POST', /^\/importsource\/([^/]+)\/executions\/([^/]+)\/data$/, ([id, exec], chunk) => this.#submitData(this.#found(id), this.#execution(id, exec), chunk)],
    ['PUT', /^\/importsource\/([^/]+)\/executions\/([^/]+)\/progress$/, ([id, exec], progress) => {
      this.#execution(id, exec).progress = progress ?? null;
      return json(200, {});
    }],
    ['GET', /^\/importsource\/([^/]+)\/executions\/([^/]+)\/status$/, ([id, exec]) => json(200, this.#status(this.#found(id), this.#execution(id, exec)))],
    ['DELETE', /^\/importsource\/([^/]+)\/executions\/([^/]+)$/, ([id, exec]) => this.#cancel(this.#execution(id, exec))],
    ['POST', /^\/importsource\/([^/]+)\/executions\/([^/]+)\/history\/failed$/, ([id, exec], body) => {
      const execution = this.#execution(id, exec);
      if (typeof body?.failureReason !== 'string') throw new AssetsError(400, { errorMessages: ['failureReason is required'] });
      execution.failureReason = body.failureReason;
      return empty(204);
    }],
    ['POST', /^\/object\/aql$/, (_m, body, url) => this.#aqlSearch(body, url)],
  ];

  // --- import sources -------------------------------------------------

  #source(importId) {
    const source = this.sources.get(importId);
    if (!source) throw new Error(`No import source ${importId}`);
    return source;
  }

  #found(importId) {
    const source = this.sources.get(importId);
    if (!source) throw new AssetsError(404, { errorMessages: [`No import source ${importId}`] });
    return source;
  }

  #execution(importId, executionId) {
    const execution = this.#found(importId).executions.find((e) => e.id === executionId);
    if (!execution) throw new AssetsError(404, { errorMessages: [`No execution ${executionId} of import source ${importId}`] });
    return execution;
  }

  #configStatus(source) {
    if (source.disabled) return 'DISABLED';
    if (!source.mapping) return 'MISSING_MAPPING';
    return source.executions.some(running) ? 'RUNNING' : 'IDLE';
  }

  #importSourceResponse(source) {
    const schema = this.schemas.get(source.schemaId);
    return {
      id: source.id, name: source.name, objectSchemaId: source.schemaId, importSourceModuleKey: source.moduleKey,
      defaultConcatenator: source.defaultConcatenator, defaultHandleEmptyValues: source.defaultHandleEmptyValues, defaultHandleUnknownValues: 'IGNORE',
      importStatus: { configurationStatusType: source.disabled ? 'DISABLED' : 'ENABLED', validationStatusType: 'VALID' },
      importSourceOTEntries: (source.mapping?.mapping.objectTypeMappings ?? []).map((m) => {
        const type = schema?.objectTypes.get(m.objectTypeName);
        return { objectType: { id: type?.id, name: m.objectTypeName }, selector: m.selector, emptyValues: source.defaultHandleEmptyValues, unknownValues: 'IGNORE' };
      }),
    };
  }

  // --- schema and mapping --------------------------------------------

  // OPENAPI: PUT answers 204, or 409 "A mapping already exists for this import".
  #putMapping(source, doc, url) {
    if (source.mapping) throw new AssetsError(409, { errorMessages: ['A mapping already exists for this import'] });
    const checked = this.#validate(source, doc, { patch: false });
    this.#apply(source, checked);
    source.mapping = checked;
    return this.#mappingAnswer(source, url, 'Schema and mapping successfully created');
  }

  // GUIDE: PATCH can add object types and attributes and overwrite mapping
  // definitions; it cannot rename, retype or delete; entities are matched by external id.
  #patchMapping(source, doc, url) {
    if (!source.mapping) throw new AssetsError(400, { errorMessages: ['No mapping exists for this import: create one with PUT first'] });
    const checked = this.#validate(source, doc, { patch: true });
    this.#apply(source, checked);
    const byKey = (m) => m.objectTypeExternalId ?? m.objectTypeName;
    const mappings = new Map(source.mapping.mapping.objectTypeMappings.map((m) => [byKey(m), m]));
    for (const m of checked.mapping.objectTypeMappings) mappings.set(byKey(m), m);
    const types = new Map(source.mapping.schema.objectSchema.objectTypes.map((t) => [t.externalId ?? t.name, t]));
    for (const t of checked.schema.objectSchema.objectTypes) {
      const old = types.get(t.externalId ?? t.name);
      const attributes = new Map([...(old?.attributes ?? []), ...(t.attributes ?? [])].map((a) => [a.externalId ?? a.name, a]));
      types.set(t.externalId ?? t.name, { ...old, ...t, attributes: [...attributes.values()] });
    }
    source.mapping = {
      ...source.mapping,
      schema: { ...source.mapping.schema, ...checked.schema, objectSchema: { ...checked.schema.objectSchema, objectTypes: [...types.values()] } },
      mapping: { objectTypeMappings: [...mappings.values()] },
    };
    return this.#mappingAnswer(source, url, 'Schema and mapping successfully updated');
  }

  // OPENAPI: `?async=true` answers 303 with a Location to poll
  // (`.../mapping/progress/{resourceId}`); otherwise 204.
  #mappingAnswer(source, url, message) {
    if (url.searchParams.get('async') !== 'true') return empty(204);
    const resourceId = String(this.nextProgressId++);
    source.progress.set(resourceId, { progressStatus: 'FINISHED', result: 'OK', resultMessage: message });
    return { status: 303, headers: { location: `${LINK_ORIGIN}/jsm/assets/workspace/${this.workspaceId}/v1/importsource/${source.id}/mapping/progress/${resourceId}` }, body: '' };
  }

  /** Validates a schema-and-mapping document; answers a copy with Assets-generated external ids where it had none. */
  #validate(source, doc, { patch }) {
    // GUIDE: "any externalId in the payload" selects 2023_10_19; none, the legacy 2021_09_15.
    const version = JSON.stringify(doc ?? null).includes('"externalId"') || JSON.stringify(doc ?? null).includes('ExternalId"') ? '2023_10_19' : '2021_09_15';
    const validate = validators[version];
    if (!validate(doc)) {
      const errors = validate.errors.map((e) => ({ code: 'SCHEMA_VALIDATION_ERROR', path: e.instancePath || '/', message: e.message }));
      throw new AssetsError(400, { errorMessages: errors.map((e) => `${e.path}: ${e.message}`), dataValidationErrors: errors, schemaVersion: version });
    }
    const problems = [];
    const types = flattenTypes(doc.schema.objectSchema.objectTypes);
    const attributes = types.flatMap((t) => t.attributes ?? []);
    // GUIDE: "We require either every Object Type and Object Type attribute to have an External Id set or none at all".
    const withIds = [...types, ...attributes].filter((e) => e.externalId !== undefined).length;
    if (withIds && withIds !== types.length + attributes.length) {
      problems.push({ code: 'EXTERNAL_ID_ALL_OR_NONE', message: 'We require either every Object Type and Object Type attribute to have an External Id set or none at all' });
    }
    // GUIDE: external ids "must be unique across all Object Schemas".
    const seen = new Set();
    for (const e of [...types, ...attributes]) {
      if (e.externalId === undefined) continue;
      if (seen.has(e.externalId)) problems.push({ code: 'DUPLICATE_EXTERNAL_ID', message: `External id ${e.externalId} is used twice` });
      seen.add(e.externalId);
      const owner = this.#externalIdOwner(e.externalId);
      if (owner && owner !== source.schemaId) problems.push({ code: 'DUPLICATE_EXTERNAL_ID', message: `External id ${e.externalId} is already used in object schema ${owner}` });
    }
    const existing = this.schemas.get(source.schemaId);
    const known = new Map([...(existing?.objectTypes.values() ?? [])].map((t) => [t.name, t]));
    for (const t of types) {
      const old = [...known.values()].find((k) => t.externalId !== undefined && k.externalId === t.externalId);
      if (old && old.name !== t.name) problems.push({ code: 'NAME_CHANGE_NOT_SUPPORTED', message: `Object type ${old.name} cannot be renamed to ${t.name}` });
      for (const a of t.attributes ?? []) {
        const oldAttribute = old?.attributes.find((x) => a.externalId !== undefined && x.externalId === a.externalId);
        if (oldAttribute && oldAttribute.name !== a.name) problems.push({ code: 'NAME_CHANGE_NOT_SUPPORTED', message: `Attribute ${old.name}.${oldAttribute.name} cannot be renamed to ${a.name}` });
        if (oldAttribute && oldAttribute.type !== a.type) problems.push({ code: 'TYPE_CHANGE_NOT_SUPPORTED', message: `Attribute ${old.name}.${a.name} cannot change type from ${oldAttribute.type} to ${a.type}` });
      }
    }
    const typeNamed = (name, externalId) => types.find((t) => (externalId !== undefined ? t.externalId === externalId : t.name === name)) ?? (patch || existing ? [...known.values()].find((t) => (externalId !== undefined ? t.externalId === externalId : t.name === name)) : undefined);
    for (const t of types) {
      for (const a of (t.attributes ?? []).filter((x) => x.type === 'referenced_object')) {
        if (!typeNamed(a.referenceObjectTypeName, a.referenceObjectTypeExternalId)) {
          problems.push({ code: 'UNKNOWN_REFERENCE_TYPE', message: `Attribute ${t.name}.${a.name} references an object type that is not in the schema` });
        }
      }
    }
    for (const [i, m] of doc.mapping.objectTypeMappings.entries()) {
      const type = typeNamed(m.objectTypeName, m.objectTypeExternalId);
      if (!type) {
        problems.push({ code: 'UNKNOWN_EXTERNAL_ID_MAPPING', message: `mapping.objectTypeMappings[${i}]: no object type ${m.objectTypeExternalId ?? m.objectTypeName}` });
        continue;
      }
      const typeAttributes = [...(type.attributes ?? [])];
      for (const [j, am] of (m.attributesMapping ?? []).entries()) {
        const found = typeAttributes.find((a) => (am.attributeExternalId !== undefined ? a.externalId === am.attributeExternalId : a.name === am.attributeName));
        if (!found) problems.push({ code: 'UNKNOWN_EXTERNAL_ID_MAPPING', message: `mapping.objectTypeMappings[${i}].attributesMapping[${j}]: ${type.name} has no attribute ${am.attributeExternalId ?? am.attributeName}` });
        if (found?.type === 'referenced_object' && !am.objectMappingIQL) problems.push({ code: 'MISSING_OBJECT_MAPPING_IQL', message: `mapping.objectTypeMappings[${i}].attributesMapping[${j}]: the reference ${found.name} needs an objectMappingIQL` });
      }
    }
    if (problems.length) throw new AssetsError(400, { errorMessages: problems.map((p) => p.message), dataValidationErrors: problems, schemaVersion: version });
    // GUIDE: without external ids, Assets generates them (`cmdb::externalId/<uuid>`, REF fixture).
    const copy = structuredClone(doc);
    if (!withIds) {
      for (const t of flattenTypes(copy.schema.objectSchema.objectTypes)) {
        t.externalId = `cmdb::externalId/${randomUUID()}`;
        for (const a of t.attributes ?? []) a.externalId = `cmdb::externalId/${randomUUID()}`;
      }
    }
    return copy;
  }

  #externalIdOwner(externalId) {
    for (const schema of this.schemas.values()) {
      for (const t of schema.objectTypes.values()) {
        if (t.externalId === externalId || t.attributes.some((a) => a.externalId === externalId)) return schema.schemaId;
      }
    }
    return null;
  }

  /** Creates the object types and attributes a document adds to the import source's object schema. */
  #apply(source, doc) {
    let schema = this.schemas.get(source.schemaId);
    if (!schema) {
      const name = doc.schema.objectSchema.name;
      schema = { schemaId: source.schemaId, name, key: schemaKey(name), objectTypes: new Map() };
      this.schemas.set(source.schemaId, schema);
    }
    const types = flattenTypes(doc.schema.objectSchema.objectTypes);
    for (const t of types) {
      let type = [...schema.objectTypes.values()].find((x) => x.externalId === t.externalId || x.name === t.name);
      if (!type) {
        type = { id: String(this.nextTypeId++), name: t.name, externalId: t.externalId, attributes: [], objects: new Map() };
        schema.objectTypes.set(t.name, type);
      }
      for (const a of t.attributes ?? []) {
        let attribute = type.attributes.find((x) => x.externalId === a.externalId || x.name === a.name);
        if (!attribute) {
          attribute = { id: String(this.nextAttributeId++), name: a.name, externalId: a.externalId };
          type.attributes.push(attribute);
        }
        Object.assign(attribute, { type: a.type, label: !!a.label, max: a.maximumCardinality ?? 1, typeValues: a.typeValues, refExternalId: a.referenceObjectTypeExternalId, refName: a.referenceObjectTypeName });
      }
    }
    for (const type of schema.objectTypes.values()) {
      for (const a of type.attributes.filter((x) => x.type === 'referenced_object')) {
        a.referenceTypeName = [...schema.objectTypes.values()].find((x) => (a.refExternalId !== undefined ? x.externalId === a.refExternalId : x.name === a.refName))?.name;
      }
    }
  }

  // --- executions -----------------------------------------------------

  // OPENAPI: 200 {links, result: "success"}; 409 {result: "error", errorCode}
  // with MISSING_MAPPING, DISABLED, INVALID_IMPORT_MODULE_KEY or IN_PROGRESS
  // (one execution at a time per import source).
  #startExecution(source) {
    const refuse = (errorCode) => json(409, { result: 'error', errorCode });
    if (source.moduleKey !== this.appModuleKey) return refuse('INVALID_IMPORT_MODULE_KEY');
    if (source.disabled) return refuse('DISABLED');
    if (!source.mapping) return refuse('MISSING_MAPPING');
    if (source.executions.some(running)) return refuse('IN_PROGRESS');
    const execution = { id: randomUUID(), status: EXECUTION_STATUS.INGESTING, startedMs: this.now(), chunks: [], processingReads: 0, progress: null };
    source.executions.push(execution);
    const base = `${LINK_ORIGIN}/jsm/assets/workspace/${this.workspaceId}/v1/importsource/${source.id}/executions/${execution.id}`;
    return json(200, { links: { submitProgress: `${base}/progress`, submitResults: `${base}/data`, getExecutionStatus: `${base}/status`, cancel: base }, result: 'success' });
  }

  // OPENAPI + REF: {"data": {<selector>: [records]}, "clientGeneratedId", "completed"};
  // the chunk with completed: true ends ingestion (PROCESSING).
  #submitData(source, execution, chunk) {
    if (execution.status !== EXECUTION_STATUS.INGESTING) {
      throw new AssetsError(400, { errorMessages: [`Execution ${execution.id} is ${execution.status}: it accepts no more data`] });
    }
    const problems = this.#chunkProblems(source, chunk);
    if (problems.length) throw new AssetsError(400, { errorMessages: problems });
    const records = Object.values(chunk.data).reduce((n, list) => n + list.length, 0);
    execution.chunks.push({ data: structuredClone(chunk.data), clientGeneratedId: chunk.clientGeneratedId ?? null, completed: chunk.completed === true, records, bytes: Buffer.byteLength(JSON.stringify(chunk)) });
    if (chunk.completed === true) execution.status = EXECUTION_STATUS.PROCESSING;
    return json(200, {});
  }

  #chunkProblems(source, chunk) {
    if (!chunk || typeof chunk !== 'object' || Array.isArray(chunk)) return ['The body must be a JSON object {"data": {...}, "clientGeneratedId": "...", "completed": false}'];
    // GUIDE: payloads are case-sensitive ("using 'Data' instead of 'data' ... may produce an error").
    if (!chunk.data || typeof chunk.data !== 'object' || Array.isArray(chunk.data)) return ['"data" is required: an object keyed by the mapping\'s selectors'];
    const problems = [];
    if ('completed' in chunk && typeof chunk.completed !== 'boolean') problems.push('"completed" must be true or false');
    if ('clientGeneratedId' in chunk && typeof chunk.clientGeneratedId !== 'string') problems.push('"clientGeneratedId" must be a string');
    const mappings = source.mapping.mapping.objectTypeMappings;
    for (const [selector, records] of Object.entries(chunk.data)) {
      const mapping = mappings.find((m) => m.selector === selector);
      if (!mapping) {
        problems.push(`Unknown selector "${selector}": the mapping's selectors are ${mappings.map((m) => m.selector).join(', ')}`);
        continue;
      }
      if (!Array.isArray(records)) {
        problems.push(`data.${selector} must be an array of records`);
        continue;
      }
      const locators = new Set((mapping.attributesMapping ?? []).flatMap((a) => a.attributeLocators));
      records.forEach((record, i) => {
        if (!record || typeof record !== 'object' || Array.isArray(record)) {
          problems.push(`data.${selector}[${i}] must be an object`);
          return;
        }
        if (this.acceptUnmappedKeys) return;
        for (const key of Object.keys(record)) {
          if (!locators.has(key)) problems.push(`Unknown locator "${key}" in data.${selector}[${i}]: the mapping of ${mapping.objectTypeName} has no attribute locator of that name`);
        }
      });
    }
    return problems.slice(0, 20);
  }

  // OPENAPI: DELETE on the execution (its `cancel` link) answers 200.
  #cancel(execution) {
    if (execution.status === EXECUTION_STATUS.DONE) throw new AssetsError(400, { errorMessages: [`Execution ${execution.id} has finished: it cannot be cancelled`] });
    if (execution.status !== EXECUTION_STATUS.CANCELLED) {
      execution.status = EXECUTION_STATUS.CANCELLED;
      execution.endedMs = this.now();
    }
    return json(200, {});
  }

  #status(source, execution) {
    if (execution.status === EXECUTION_STATUS.PROCESSING) {
      if (execution.processingReads >= this.processingReads) this.#process(source, execution);
      else execution.processingReads += 1;
    }
    return execution.status === EXECUTION_STATUS.DONE ? { status: execution.status, progressResult: execution.progressResult } : { status: execution.status };
  }

  // --- processing -----------------------------------------------------

  /**
   * Turns the execution's records into objects (DC, OPENAPI status example):
   * per object type mapping, each record's identity is its externalIdPart
   * values; objects are created, updated or found identical; references are
   * resolved after every object is written, by the mapping's objectMappingIQL
   * against the referenced object type; then "Missing objects" handling.
   */
  #process(source, execution) {
    const started = this.now();
    const schema = this.schemas.get(source.schemaId);
    const results = {};
    const pendingRefs = [];
    let total = 0;
    for (const mapping of source.mapping.mapping.objectTypeMappings) {
      const type = [...schema.objectTypes.values()].find((t) => (mapping.objectTypeExternalId !== undefined ? t.externalId === mapping.objectTypeExternalId : t.name === mapping.objectTypeName));
      const result = { objectTypeName: type.name, objectTypeId: Number(type.id), objectsUpdated: 0, objectsCreated: 0, objectsIdentical: 0, objectsMissingUpdated: 0, objectsMissingDeleted: 0, entriesInSource: 0, duplicateEnries: 0, emptyLabelEntries: 0, emptyExternalIdEntries: 0, errorMessages: null, objectsWithUpdatedReferences: 0, executionTimeInMs: 0 };
      results[type.id] = result;
      const records = execution.chunks.flatMap((c) => c.data[mapping.selector] ?? []);
      result.entriesInSource = records.length;
      total += records.length;
      const attributeOf = (am) => type.attributes.find((a) => (am.attributeExternalId !== undefined ? a.externalId === am.attributeExternalId : a.name === am.attributeName));
      const identityParts = (mapping.attributesMapping ?? []).filter((am) => am.externalIdPart);
      const labelAttribute = type.attributes.find((a) => a.label);
      const seen = new Set();
      for (const record of records) {
        const identity = identityParts.map((am) => this.#value(source, record, am.attributeLocators));
        if (!identity.length || identity.some(isEmpty)) {
          result.emptyExternalIdEntries += 1;
          continue;
        }
        const externalId = identity.join('|');
        if (seen.has(externalId)) result.duplicateEnries += 1;
        seen.add(externalId);
        const values = {};
        for (const am of mapping.attributesMapping ?? []) {
          const attribute = attributeOf(am);
          if (attribute.type === 'referenced_object') {
            pendingRefs.push({ type, externalId, attribute, iql: am.objectMappingIQL, value: this.#rawValue(record, am.attributeLocators), result });
            continue;
          }
          const value = this.#value(source, record, am.attributeLocators);
          if (isEmpty(value) && source.defaultHandleEmptyValues === 'IGNORE') continue;
          const typed = typedValue(attribute, value);
          if (typed.error) addError(result, `${type.name} ${externalId}: ${typed.error}`);
          else values[attribute.name] = typed.value;
        }
        const existing = type.objects.get(externalId);
        const label = labelAttribute ? (values[labelAttribute.name] ?? existing?.attributes[labelAttribute.name]) : externalId;
        if (isEmpty(label)) {
          result.emptyLabelEntries += 1;
          continue;
        }
        if (!existing) {
          const id = String(this.nextObjectId++);
          type.objects.set(externalId, { id, objectKey: `${schema.key}-${id}`, externalId, importId: source.id, attributes: values, refs: {}, label: String(label), missingCycles: 0, seenIn: execution.id });
          result.objectsCreated += 1;
          continue;
        }
        const merged = { ...existing.attributes, ...values };
        if (sameJson(merged, existing.attributes) && existing.seenIn !== execution.id) result.objectsIdentical += 1;
        else if (existing.seenIn !== execution.id) result.objectsUpdated += 1;
        Object.assign(existing, { attributes: merged, label: String(label), missingCycles: 0, seenIn: execution.id });
      }
    }
    // DC: "object references are handled separately after the object is created or updated".
    const changedRefs = new Set();
    for (const ref of pendingRefs) {
      const object = ref.type.objects.get(ref.externalId);
      if (!object) continue;
      if (isEmpty(ref.value) && source.defaultHandleEmptyValues === 'IGNORE') continue;
      const target = [...schema.objectTypes.values()].find((t) => t.name === ref.attribute.referenceTypeName);
      const ids = [];
      for (const query of interpolate(ref.iql, ref.value)) {
        let found;
        try {
          found = evaluateAql(query, [target], this);
        } catch (error) {
          addError(ref.result, `${ref.attribute.name}: ${error.message}`);
          continue;
        }
        if (!found.length) addError(ref.result, `${ref.type.name} ${ref.externalId}: no ${target.name} matches ${query} for ${ref.attribute.name}`);
        for (const o of found) if (!ids.includes(o.id)) ids.push(o.id);
      }
      const next = ref.attribute.max === 1 ? ids.slice(0, 1) : ref.attribute.max > 0 ? ids.slice(0, ref.attribute.max) : ids;
      if (!sameJson(object.refs[ref.attribute.name] ?? [], next)) {
        object.refs[ref.attribute.name] = next;
        if (!changedRefs.has(object)) {
          changedRefs.add(object);
          ref.result.objectsWithUpdatedReferences += 1;
        }
      }
    }
    this.#missingObjects(source, execution, schema, results);
    for (const r of Object.values(results)) r.executionTimeInMs = Math.max(0, this.now() - started);
    const ended = this.now();
    const errors = Object.values(results).flatMap((r) => r.errorMessages ?? []);
    execution.status = EXECUTION_STATUS.DONE;
    execution.endedMs = ended;
    execution.progressResult = {
      type: 'IMPORT', id: Number(execution.startedMs % 100000), started: iso(execution.startedMs), ended: iso(ended), objectSchemaId: Number(source.schemaId) || source.schemaId,
      result: 'OK', status: 'FINISHED', infoMessage: total ? null : 'No data to import', importSourceId: source.id,
      populatedObjectTypes: Object.values(results).filter((r) => r.entriesInSource).map((r) => r.objectTypeName),
      objectTypeResultMap: results, errorMessages: errors.length ? errors : null, totalNumberEntriesInImport: total,
    };
  }

  // DC "Missing objects", per object type mapping: IGNORE leaves them; UPDATE
  // sets an attribute to a value; REMOVE deletes them after `threshold`
  // executions in a row without them. Objects another import source created
  // are never touched.
  #missingObjects(source, execution, schema, results) {
    for (const mapping of source.mapping.mapping.objectTypeMappings) {
      const type = schema.objectTypes.get(mapping.objectTypeName) ?? [...schema.objectTypes.values()].find((t) => t.externalId === mapping.objectTypeExternalId);
      const rule = source.missingObjects[type.name] ?? { action: 'IGNORE' };
      if (rule.action === 'IGNORE') continue;
      const result = results[type.id];
      for (const [externalId, object] of [...type.objects]) {
        if (object.importId !== source.id || object.seenIn === execution.id) continue;
        if (rule.action === 'UPDATE') {
          if (object.attributes[rule.attributeName] !== rule.value) {
            object.attributes[rule.attributeName] = rule.value;
            result.objectsMissingUpdated += 1;
          }
          continue;
        }
        object.missingCycles += 1;
        if (object.missingCycles >= (rule.threshold ?? 1)) {
          type.objects.delete(externalId);
          result.objectsMissingDeleted += 1;
          for (const t of schema.objectTypes.values()) for (const o of t.objects.values()) for (const [name, ids] of Object.entries(o.refs)) o.refs[name] = ids.filter((id) => id !== object.id);
        }
      }
    }
  }

  #rawValue(record, locators) {
    const values = locators.map((l) => record[l]).filter((v) => !isEmpty(v));
    if (!values.length) return null;
    return values.length === 1 ? values[0] : values.flat();
  }

  // Several locators are joined with the import source's concatenator (OPENAPI `defaultConcatenator`).
  #value(source, record, locators) {
    const values = locators.map((l) => record[l]).filter((v) => !isEmpty(v));
    if (!values.length) return null;
    return values.length === 1 ? values[0] : values.join(source.defaultConcatenator);
  }

  // --- AQL ------------------------------------------------------------

  // POST /object/aql {qlQuery} ?startAt&maxResults -> {startAt, maxResults, total, isLast, values: [ObjectEntry]}.
  #aqlSearch(body, url) {
    if (typeof body?.qlQuery !== 'string' || !body.qlQuery.trim()) throw new AssetsError(400, { errorMessages: ['qlQuery is required'] });
    const startAt = Math.max(0, Number.parseInt(url.searchParams.get('startAt') ?? '0', 10) || 0);
    const maxResults = Math.min(1000, Math.max(1, Number.parseInt(url.searchParams.get('maxResults') ?? '25', 10) || 25));
    let found;
    try {
      found = evaluateAql(body.qlQuery, [...this.schemas.values()].flatMap((s) => [...s.objectTypes.values()]), this);
    } catch (error) {
      throw new AssetsError(400, { errorMessages: [`AQL: ${error.message}`] });
    }
    const values = found.slice(startAt, startAt + maxResults).map((o) => this.#entry(o));
    return json(200, { startAt, maxResults, total: found.length, isLast: startAt + maxResults >= found.length, values });
  }

  #entry(object) {
    const { type, schema } = this.#where(object);
    return {
      id: object.id, label: object.label, objectKey: object.objectKey,
      objectType: { id: type.id, name: type.name, objectSchemaId: schema.schemaId },
      _links: { self: `${this.site}/jira/servicedesk/assets/object-schema/${schema.schemaId}?typeId=${type.id}&objectId=${object.id}` },
    };
  }

  #where(object) {
    for (const schema of this.schemas.values()) for (const type of schema.objectTypes.values()) if (type.objects.get(object.externalId) === object) return { schema, type };
    throw new Error(`object ${object.id} is in no object type`);
  }

  /** An object by its id (for reference presentation). */
  objectById(id) {
    for (const schema of this.schemas.values()) for (const type of schema.objectTypes.values()) for (const o of type.objects.values()) if (o.id === id) return o;
    return null;
  }

  #present(object, type) {
    const attributes = { ...object.attributes };
    for (const [name, ids] of Object.entries(object.refs)) {
      attributes[name] = ids.map((id) => this.objectById(id)).filter(Boolean).map((o) => ({ objectKey: o.objectKey, label: o.label }));
    }
    const ordered = Object.fromEntries(type.attributes.filter((a) => a.name in attributes).map((a) => [a.name, attributes[a.name]]));
    return { id: object.id, objectKey: object.objectKey, label: object.label, externalId: object.externalId, attributes: ordered };
  }
}

/** An error answered as an Assets error response. */
class AssetsError extends Error {
  constructor(status, body) {
    super(body?.errorMessages?.[0] ?? `Assets answered ${status}`);
    this.status = status;
    this.body = body;
  }
}

/**
 * The AQL queries a reference's objectMappingIQL becomes for a record's
 * value (GUIDE: `${os}` with "macOS Big Sur" "will be interpolated to:
 * Name Like \"macOS Big Sur\"", the value quoted by the engine). A list
 * value inside `IN (${x})` becomes one quoted list; elsewhere each element
 * gives its own query (spec §3.5: Assets' behaviour with list locators is
 * unverified; both forms resolve every element here).
 */
export function interpolate(iql, value) {
  const values = Array.isArray(value) ? value.filter((v) => !isEmpty(v)) : isEmpty(value) ? [] : [value];
  if (!values.length) return [];
  const inList = /IN\s*\(\s*\$\{[^}]+\}\s*\)/i.test(iql);
  const fill = (v) => iql.replace(/\$\{([^}]+)\}/g, () => (Array.isArray(v) ? v.map(quote).join(', ') : quote(v)));
  return inList ? [fill(values)] : values.map(fill);
}

function quote(value) {
  return `"${String(value).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * Objects of `types` matching an AQL query: clauses joined by AND, each
 * `<attribute> <op> <value>` with `=`, `!=`, `IN (...)` or `LIKE`;
 * `objectType`, `Key` (objectKey) and `Label` are the object's own fields,
 * any other name an attribute (quoted when it has spaces, AQL). Throws on
 * anything else.
 */
export function evaluateAql(query, types, assets) {
  const clauses = splitAnd(query).map(parseClause);
  const out = [];
  for (const type of types) {
    for (const object of type.objects.values()) {
      if (clauses.every((c) => matches(c, object, type, assets))) out.push(object);
    }
  }
  return out;
}

function splitAnd(query) {
  const parts = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < query.length; i += 1) {
    const ch = query[i];
    if (ch === '\\' && quoted) {
      current += ch + (query[i + 1] ?? '');
      i += 1;
      continue;
    }
    if (ch === '"') quoted = !quoted;
    if (!quoted && /^\sAND\s/i.test(query.slice(i, i + 5))) {
      parts.push(current);
      current = '';
      i += 4;
      continue;
    }
    current += ch;
  }
  if (quoted) throw new Error(`unbalanced quotes in ${query}`);
  parts.push(current);
  return parts.map((p) => p.trim());
}

const TOKEN = /\s*("(?:[^"\\]|\\.)*"|\(|\)|,|!=|=|[^\s(),="]+)/y;

function tokens(text) {
  const out = [];
  TOKEN.lastIndex = 0;
  let match;
  while (TOKEN.lastIndex < text.length && (match = TOKEN.exec(text))) out.push(match[1]);
  if (TOKEN.lastIndex < text.trimEnd().length) throw new Error(`cannot read ${text}`);
  return out;
}

const unquote = (t) => (t.startsWith('"') ? t.slice(1, -1).replace(/\\(.)/g, '$1') : t);

function parseClause(text) {
  const t = tokens(text);
  if (t.length < 3) throw new Error(`expected <attribute> <operator> <value> in "${text}"`);
  const attribute = unquote(t[0]);
  const op = t[1].toUpperCase();
  if (op === '=' || op === '!=' || op === 'LIKE') {
    if (t.length !== 3) throw new Error(`unexpected ${t.slice(3).join(' ')} in "${text}"`);
    return { attribute, op, values: [unquote(t[2])] };
  }
  if (op === 'IN') {
    if (t[2] !== '(' || t.at(-1) !== ')') throw new Error(`IN needs a list in parentheses in "${text}"`);
    const values = t.slice(3, -1).filter((x) => x !== ',').map(unquote);
    return { attribute, op, values };
  }
  throw new Error(`unsupported operator ${t[1]} in "${text}"`);
}

function matches({ attribute, op, values }, object, type, assets) {
  let actual;
  if (/^objectType$/i.test(attribute)) actual = [type.name];
  else if (/^(Key|objectKey)$/i.test(attribute)) actual = [object.objectKey];
  else if (/^Label$/i.test(attribute)) actual = [object.label];
  else if (attribute in object.refs) actual = object.refs[attribute].map((id) => assets.objectById(id)?.label);
  else actual = [object.attributes[attribute]].filter((v) => v !== undefined && v !== null).map(String);
  if (op === '=' || op === 'IN') return actual.some((a) => values.includes(String(a)));
  if (op === '!=') return !actual.some((a) => values.includes(String(a)));
  return actual.some((a) => String(a).toLowerCase().includes(values[0].toLowerCase()));
}

// --- helpers -----------------------------------------------------------

function flattenTypes(types) {
  return (types ?? []).flatMap((t) => [t, ...flattenTypes(t.children)]);
}

function running(execution) {
  return execution.status === EXECUTION_STATUS.INGESTING || execution.status === EXECUTION_STATUS.PROCESSING;
}

function isEmpty(value) {
  return value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0);
}

function typedValue(attribute, value) {
  switch (attribute.type) {
    case 'boolean':
      if (typeof value === 'boolean') return { value };
      if (value === 'true' || value === 'false') return { value: value === 'true' };
      return { error: `${attribute.name}: ${JSON.stringify(value)} is not a boolean` };
    case 'integer':
      return Number.isInteger(Number(value)) ? { value: Number(value) } : { error: `${attribute.name}: ${JSON.stringify(value)} is not an integer` };
    case 'double':
      return Number.isFinite(Number(value)) ? { value: Number(value) } : { error: `${attribute.name}: ${JSON.stringify(value)} is not a number` };
    case 'date':
    case 'date_time':
      return Number.isNaN(Date.parse(value)) ? { error: `${attribute.name}: ${JSON.stringify(value)} is not a date` } : { value: String(value) };
    case 'status':
      return attribute.typeValues && !attribute.typeValues.includes(String(value)) ? { error: `${attribute.name}: ${value} is not one of ${attribute.typeValues.join(', ')}` } : { value: String(value) };
    default:
      return typeof value === 'object' ? { value: JSON.stringify(value) } : { value };
  }
}

function addError(result, message) {
  result.errorMessages = [...(result.errorMessages ?? []), message];
}

function sameJson(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

// An object schema's key: its name's capitals and digits, as Assets suggests one ("Entra ID" -> "EI").
function schemaKey(name) {
  const letters = String(name).replace(/[^A-Za-z0-9 ]/g, '').split(/\s+/).map((w) => w[0] ?? '').join('').toUpperCase();
  return letters.length >= 2 ? letters : `${letters}${String(name).replace(/[^A-Za-z]/g, '').toUpperCase()}`.slice(0, 3) || 'OBJ';
}

function iso(ms) {
  return new Date(ms).toISOString();
}

function json(status, value) {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) };
}

// No content: no body at all, as Jira and Assets answer a 204.
function empty(status) {
  return { status, headers: {}, body: null };
}
