export { createDatabase, dialectOf, isReachable, resolveDatabaseTarget, type Dialect } from './connection';
export { canReturn, forUpdate, fromDbTime, insertIgnore, insertIgnoreIds, insertIgnoreReturning, insertReturningId, insertRows, insertRowsReturning, joinInOrder, toDbTime } from './dialect';
export { migrateDown, migrateLatest, migrateNext, migrationStatus } from './migrate';
export { type RawQuery, withRawTransaction, withTransaction } from './transaction';
