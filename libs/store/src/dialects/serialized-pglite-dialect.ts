import {
  PGliteAdapter,
  PGliteDriver,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type PGliteDialectConfig,
  type QueryCompiler,
  type TransactionSettings,
} from 'kysely';
import { FifoMutex } from './fifo-mutex';

/** Kysely does not export its PGlite connection class; the only connections we see are its own. */
type InnerConnection = Parameters<PGliteDriver['beginTransaction']>[0];

/**
 * PGlite has one connection, and Kysely's `PGliteDriver` hands that same connection to every
 * caller; while a transaction is open the connection routes every query into it. Without a lock
 * a plain query issued elsewhere would run inside someone else's transaction, and two concurrent
 * `db.transaction()` calls would clobber each other's commit handles.
 *
 * This driver wraps `PGliteDriver` and holds a FIFO mutex from `acquireConnection` to
 * `releaseConnection`: a transaction owns the connection until it commits or rolls back, plain
 * queries wait their turn, in arrival order.
 *
 * (Kysely 0.29 also takes a mutex of its own when the adapter says it has a single connection;
 * that one is not FIFO and is an internal detail. The adapter below turns it off so this driver
 * is the one, explicit place where PGlite access is serialised.)
 */
export class SerializedPGliteDriver implements Driver {
  readonly #inner: PGliteDriver;
  readonly #mutex = new FifoMutex();

  constructor(config: PGliteDialectConfig) {
    this.#inner = new PGliteDriver(config);
  }

  async init(): Promise<void> {
    await this.#inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#mutex.lock();
    try {
      return await this.#inner.acquireConnection();
    } catch (error) {
      this.#mutex.unlock();
      throw error;
    }
  }

  async releaseConnection(): Promise<void> {
    try {
      await this.#inner.releaseConnection();
    } finally {
      this.#mutex.unlock();
    }
  }

  /** PGlite ignores isolation levels: with one serialised connection every transaction is alone. */
  async beginTransaction(connection: DatabaseConnection, _settings: TransactionSettings): Promise<void> {
    await this.#inner.beginTransaction(connection as InnerConnection);
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await this.#inner.commitTransaction(connection as InnerConnection);
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await this.#inner.rollbackTransaction(connection as InnerConnection);
  }

  async savepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await this.#inner.savepoint(connection, name, compile);
  }

  async rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await this.#inner.rollbackToSavepoint(connection, name, compile);
  }

  async releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await this.#inner.releaseSavepoint(connection, name, compile);
  }

  async destroy(): Promise<void> {
    // Wait for whoever holds the connection (a transaction in flight) before closing PGlite.
    await this.#mutex.lock();
    try {
      await this.#inner.destroy();
    } finally {
      this.#mutex.unlock();
    }
  }
}

/** PGlite semantics (no-op migration lock: the migrator's transaction holds the only connection). */
class SerializedPGliteAdapter extends PGliteAdapter {
  /** Serialisation is done by {@link SerializedPGliteDriver}; see its comment. */
  override get supportsMultipleConnections(): boolean {
    return true;
  }
}

/** Kysely's PGlite dialect with connection access serialised (see {@link SerializedPGliteDriver}). */
export class SerializedPGliteDialect implements Dialect {
  readonly #config: PGliteDialectConfig;

  constructor(config: PGliteDialectConfig) {
    this.#config = config;
  }

  createAdapter(): DialectAdapter {
    return new SerializedPGliteAdapter();
  }

  createDriver(): Driver {
    return new SerializedPGliteDriver(this.#config);
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }

  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }
}
