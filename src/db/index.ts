export { createDatabase, dialectOf, isReachable, resolveDatabaseTarget, type Dialect } from './connection';
export { fromDbTime, insertIgnore, insertReturningId, toDbTime, forUpdate } from './dialect';
export { migrateDown, migrateLatest, migrateNext, migrationStatus } from './migrate';
export { withTransaction } from './transaction';
