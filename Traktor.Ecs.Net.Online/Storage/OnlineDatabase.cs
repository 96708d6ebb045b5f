using System.Data.Common;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Traktor.Ecs.Net.Online.Storage;

/// <summary>
/// The store the online services run on: connections, transactions and the few places where SQLite
/// and PostgreSQL differ. The services are written once against this class with parameterized SQL
/// that both databases accept.
/// </summary>
public abstract class OnlineDatabase : IAsyncDisposable
{
    private const int MaxTransientRetries = 8;

    /// <summary>Creates the store.</summary>
    /// <param name="logger">Where migration and retry events are logged.</param>
    protected OnlineDatabase(ILogger? logger) => Logger = logger ?? NullLogger.Instance;

    /// <summary>The logger for store events.</summary>
    protected ILogger Logger { get; }

    /// <summary>The database's name, for logs ("sqlite", "postgresql").</summary>
    public abstract string ProviderName { get; }

    /// <summary>The column type for byte arrays.</summary>
    internal abstract string BlobType { get; }

    /// <summary>The column definition of an auto-numbered 64-bit primary key.</summary>
    internal abstract string IdentityPrimaryKey { get; }

    /// <summary>Appended to a SELECT inside a write transaction to lock the rows it reads (empty where writers are already serialized).</summary>
    internal abstract string ForUpdate { get; }

    /// <summary>
    /// Takes a lock named by (<paramref name="space"/>, <paramref name="key"/>) until the write transaction ends, for work that
    /// must not run twice at once even though it locks no existing row (deciding to create one). A no-op where writers are
    /// already serialized.
    /// </summary>
    /// <param name="connection">The write transaction's connection.</param>
    /// <param name="transaction">The write transaction.</param>
    /// <param name="space">Which kind of work (a constant per caller).</param>
    /// <param name="key">Which instance of it.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    internal abstract Task LockNameAsync(DbConnection connection, DbTransaction transaction, int space, int key, CancellationToken cancellationToken);

    /// <summary>Whether a failure is a unique-constraint violation (for example a taken username).</summary>
    /// <param name="exception">The failure.</param>
    internal abstract bool IsUniqueViolation(DbException exception);

    /// <summary>Opens a connection with the store's per-connection settings applied.</summary>
    /// <param name="cancellationToken">Cancels the open.</param>
    protected abstract ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken);

    /// <summary>Begins a write transaction (and whatever serialization the database needs for it).</summary>
    /// <param name="connection">An open connection.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    protected abstract ValueTask<DbTransaction> BeginWriteTransactionAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>Waits for this process's turn to write, where the database allows only one writer. Returns what to dispose afterwards.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    protected abstract ValueTask<IDisposable?> EnterWriterAsync(CancellationToken cancellationToken);

    /// <summary>Whether a failure is worth retrying the whole transaction for (busy, deadlock, serialization failure).</summary>
    /// <param name="exception">The failure.</param>
    protected abstract bool IsTransient(DbException exception);

    /// <summary>Takes the lock that keeps two processes from migrating the same database at once.</summary>
    /// <param name="connection">The migration's connection.</param>
    /// <param name="transaction">The migration's transaction.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    protected abstract Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken);

    /// <summary>Brings the schema up to date; safe to call from several processes at once.</summary>
    /// <param name="cancellationToken">Cancels the migration.</param>
    public Task MigrateAsync(CancellationToken cancellationToken = default) =>
        WriteAsync(async (connection, transaction) =>
        {
            await LockForMigrationAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            await connection.ExecuteAsync(transaction,
                "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
                cancellationToken).ConfigureAwait(false);
            long current = await connection.ScalarAsync<long>(transaction,
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", cancellationToken).ConfigureAwait(false);
            foreach (var migration in OnlineMigrations.All)
            {
                if (migration.Version <= current)
                {
                    continue;
                }
                foreach (string statement in migration.Statements(this))
                {
                    await connection.ExecuteAsync(transaction, statement, cancellationToken).ConfigureAwait(false);
                }
                if (migration.Data is { } data)
                {
                    await data(connection, transaction, cancellationToken).ConfigureAwait(false);
                }
                await connection.ExecuteAsync(transaction, "INSERT INTO schema_migrations (version, applied_at) VALUES (@v, @t)", cancellationToken,
                    ("@v", migration.Version), ("@t", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())).ConfigureAwait(false);
                Logger.LogInformation("Applied online-store migration {Version} ({Name}) on {Provider}", migration.Version, migration.Name, ProviderName);
            }
            return 0;
        }, cancellationToken);

    /// <summary>Checks that the store answers: opens a connection and runs a trivial query (readiness checks).</summary>
    /// <param name="cancellationToken">Cancels the check; bound it with a timeout.</param>
    public Task PingAsync(CancellationToken cancellationToken = default) =>
        ReadAsync(connection => connection.ScalarAsync<long>(null, "SELECT 1", cancellationToken), cancellationToken);

    /// <summary>Runs read-only work on a connection.</summary>
    internal async Task<T> ReadAsync<T>(Func<DbConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            await using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            return await work(connection).ConfigureAwait(false);
        }
        finally
        {
            Timed(started, "read");
        }
    }

    /// <summary>
    /// Runs work in a write transaction and commits it; rolls back on any exception. Transient
    /// database failures retry the whole work, so it must not have side effects outside the transaction.
    /// </summary>
    internal async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            return await WriteWithRetriesAsync(work, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Timed(started, "write");
        }
    }

    // Failed work is timed too: a store that answers slowly with errors is what the operator is looking for.
    private void Timed(long started, string operation) =>
        OnlineMetrics.StoreDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds,
            new KeyValuePair<string, object?>(OnlineMetrics.StoreTag, ProviderName),
            new KeyValuePair<string, object?>(OnlineMetrics.OperationTag, operation));

    private async Task<T> WriteWithRetriesAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            using var writer = await EnterWriterAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                await using var transaction = await BeginWriteTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
                T result = await work(connection, transaction).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return result;
            }
            catch (DbException exception) when (IsTransient(exception) && attempt < MaxTransientRetries)
            {
                Logger.LogDebug(exception, "Transient {Provider} failure, retrying (attempt {Attempt})", ProviderName, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(5 * attempt * attempt), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc/>
    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}
