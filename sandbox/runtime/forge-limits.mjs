// Forge's platform limits that the local runtime enforces, in one place, each
// with the page it comes from. A change that would break in production fails
// here the same way: the same error code, the same status, the same number.
//
// Sizes are bytes, times milliseconds unless the name says otherwise.

const KVS_LIMITS = 'https://developer.atlassian.com/platform/forge/limits-kvs-ce/';
const KVS_ERRORS = 'https://developer.atlassian.com/platform/forge/storage-reference/handling-errors-kvs/';
const CES_ERRORS = 'https://developer.atlassian.com/platform/forge/storage-reference/handling-errors-customentities/';
const CES_DEFINE = 'https://developer.atlassian.com/platform/forge/runtime-reference/custom-entities/';
const CES_TYPES = 'https://developer.atlassian.com/platform/forge/storage-reference/storage-api-custom-entities/';
const KVS_QUERY = 'https://developer.atlassian.com/platform/forge/runtime-reference/storage-api-query/';
const TRANSACTIONS = 'https://developer.atlassian.com/platform/forge/storage-reference/transactions/';
const BATCH = 'https://developer.atlassian.com/platform/forge/storage-reference/batchops/';
const INVOCATION = 'https://developer.atlassian.com/platform/forge/limits-invocation/';
const ASYNC_EVENTS = 'https://developer.atlassian.com/platform/forge/limits-async-events/';

/** Every source page, by topic, for error messages and the docs. */
export const SOURCES = { KVS_LIMITS, KVS_ERRORS, CES_ERRORS, CES_DEFINE, CES_TYPES, KVS_QUERY, TRANSACTIONS, BATCH, INVOCATION, ASYNC_EVENTS };

// --- Keys and values (KVS, secrets and Custom Entity Store alike) ---

/** Longest key, in characters (KEY_TOO_LONG). Source: KVS_LIMITS, KVS_ERRORS. */
export const KEY_MAX_LENGTH = 500;
/** Keys must match this, exactly as documented (INVALID_KEY). Source: KVS_LIMITS. */
export const KEY_PATTERN = /^(?!\s+$)[a-zA-Z0-9:._\s-#]+$/;
/** Largest persisted value: 240 KiB of its JSON (MAX_SIZE). Source: KVS_LIMITS. */
export const VALUE_MAX_BYTES = 240 * 1024;
/**
 * Deepest nesting of a value (MAX_DEPTH); a scalar is depth 0, `{a: 1}` is 1.
 * Source: KVS_LIMITS ("Object depth 31"; the error page's text says 32, the
 * limits table is the later and stricter of the two).
 */
export const VALUE_MAX_DEPTH = 31;

// --- Queries ---

/** Results per page when a query gives no limit. Source: KVS_QUERY. */
export const QUERY_DEFAULT_LIMIT = 10;
/** Most results per page; Custom Entity Store queries refuse limits outside 1..100 (COMPLEX_QUERY_PAGE_LIMIT_NOT_IN_RANGE). Source: KVS_QUERY, CES_ERRORS. */
export const QUERY_MAX_LIMIT = 100;

// --- Transactions and batches ---

/** Most operations (set + delete + check) in one `kvs.transact()`. Source: TRANSACTIONS. */
export const TRANSACTION_MAX_OPERATIONS = 25;
/** Largest request body of one transaction or batch: 4 MB. Source: TRANSACTIONS, BATCH. */
export const TRANSACTION_MAX_BYTES = 4 * 1024 * 1024;
/** Most items in one `kvs.batchSet`/`batchGet`/`batchDelete`. Source: BATCH. */
export const BATCH_MAX_ITEMS = 25;

// --- Custom Entity Store ---

/** Entity names: 3..60 characters of a-z 0-9 : - . (ENTITY_TYPE_TOO_SHORT / _TOO_LARGE / INVALID_ENTITY_TYPE). Source: CES_ERRORS, CES_DEFINE. */
export const ENTITY_NAME_MIN_LENGTH = 3;
/** See ENTITY_NAME_MIN_LENGTH. */
export const ENTITY_NAME_MAX_LENGTH = 60;
/** See ENTITY_NAME_MIN_LENGTH; the pattern as the error page gives it. */
export const ENTITY_NAME_PATTERN = /^(?![.-])(?!.*\.{2})[a-z0-9:\-.]*(?<![.])$/;
/** Attribute names (INVALID_ENTITY_ATTRIBUTE). Source: CES_DEFINE. */
export const ATTRIBUTE_NAME_PATTERN = /^[_A-Za-z][_0-9A-Za-z]*$/;
/** Longest attribute name. Source: CES_DEFINE. */
export const ATTRIBUTE_NAME_MAX_LENGTH = 64;
/** Attribute types a manifest may declare. Source: CES_DEFINE. */
export const ATTRIBUTE_TYPES = ['string', 'integer', 'float', 'boolean', 'any'];
/** `integer` attributes are 32-bit signed. Source: CES_TYPES. */
export const INTEGER_MIN = -2_147_483_648;
/** See INTEGER_MIN. */
export const INTEGER_MAX = 2_147_483_647;
/** `float` attributes are 0 or a magnitude within [1e-130, 1e126). Source: CES_TYPES. */
export const FLOAT_MIN_MAGNITUDE = 1e-130;
/** See FLOAT_MIN_MAGNITUDE. */
export const FLOAT_MAX_MAGNITUDE = 1e126;

// --- Storage rate per installation ---

/** Storage requests per second per installation (RATE_LIMIT_EXCEEDED, 429). Source: KVS_LIMITS. */
export const STORAGE_REQUESTS_PER_SECOND = 1000;
/** Reads per minute, counted in 10 KB units of request size. Source: KVS_LIMITS. */
export const STORAGE_READ_UNITS_PER_MINUTE = 4000;
/** Writes per minute, counted in 10 KB units of request size. Source: KVS_LIMITS. */
export const STORAGE_WRITE_UNITS_PER_MINUTE = 4000;
/** The unit the two per-minute budgets count in: a request of n bytes costs ceil(n / 10 KB), at least 1. Source: KVS_LIMITS. */
export const STORAGE_RATE_UNIT_BYTES = 10 * 1024;

// --- Async events (queues) ---

/** Most events in one `queue.push`. Source: ASYNC_EVENTS. */
export const QUEUE_MAX_EVENTS_PER_PUSH = 50;
/** Most events pushed per installation per minute (429, RateLimitError). Source: ASYNC_EVENTS. */
export const QUEUE_MAX_EVENTS_PER_MINUTE = 500;
/** Largest combined payload of one push: 200 KB of the events' JSON (413, PayloadTooBigError). Source: ASYNC_EVENTS. */
export const QUEUE_MAX_PUSH_BYTES = 200 * 1024;
/** Largest single event when its consumer's function sets `timeoutSeconds` above 55. Source: ASYNC_EVENTS. */
export const QUEUE_MAX_EVENT_BYTES_LONG_RUNNING = 100 * 1024;

// --- Invocation time ---

/**
 * Longest run of one invocation, in seconds, by module kind. Source:
 * INVOCATION ("Runtime seconds": 25 for UI modules/resolvers and product
 * events; 55 for web triggers; consumers and scheduled triggers default to
 * 55 and may set `timeoutSeconds` up to 900).
 */
export const INVOCATION_SECONDS = Object.freeze({
  resolver: 25,
  trigger: 25,
  action: 25,
  webtrigger: 55,
  consumer: 55,
  scheduledTrigger: 55,
});
/** Highest `timeoutSeconds` a consumer or scheduled trigger function may set. Source: INVOCATION. */
export const INVOCATION_MAX_TIMEOUT_SECONDS = 900;
/** Module kinds whose function may extend its run time with `timeoutSeconds`. Source: INVOCATION. */
export const EXTENDABLE_KINDS = ['consumer', 'scheduledTrigger'];
