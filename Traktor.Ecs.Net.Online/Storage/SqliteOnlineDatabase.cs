using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Traktor.Ecs.Net.Online.Storage;

/// <summary>
/// The embedded store: one SQLite file in WAL mode. Readers run concurrently; writers take turns
/// (SQLite allows one writer), first inside this process and then through BEGIN IMMEDIATE and the
/// busy timeout across processes. With <see cref="SqliteDurability.Full"/> a committed write survives
/// a power loss, not only a killed process.
/// </summary>
public sealed class SqliteOnlineDatabase : OnlineDatabase
{
    private readonly string _connectionString;
    private readonly string _pragmas;
    private readonly SemaphoreSlim _writer = new(1, 1);
    private readonly bool _deleteOnDispose;

    /// <summary>Opens (creating if needed) a database file. Call <see cref="OnlineDatabase.MigrateAsync"/> before use.</summary>
    /// <param name="path">The database file; ":memory:" is refused because every connection would see a different database.</param>
    /// <param name="durability">How hard each commit is pushed to disk.</param>
    /// <param name="busyTimeout">How long a writer waits for another process's write to finish; default 10 s.</param>
    /// <param name="logger">Where store events are logged.</param>
    public SqliteOnlineDatabase(string path, SqliteDurability durability = SqliteDurability.Full, TimeSpan? busyTimeout = null, ILogger<SqliteOnlineDatabase>? logger = null)
        : this(path, durability, busyTimeout, logger, deleteOnDispose: false)
    {
    }

    private SqliteOnlineDatabase(string path, SqliteDurability durability, TimeSpan? busyTimeout, ILogger<SqliteOnlineDatabase>? logger, bool deleteOnDispose)
        : base(logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (path.Trim() == ":memory:")
        {
            throw new ArgumentException("An in-memory SQLite database is private to one connection; use a file (a temp file for tests).", nameof(path));
        }
        var timeout = busyTimeout ?? TimeSpan.FromSeconds(10);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = Math.Max(1, (int)timeout.TotalSeconds),
        }.ToString();
        string synchronous = durability == SqliteDurability.Full ? "FULL" : "NORMAL";
        _pragmas = $"PRAGMA busy_timeout = {(int)timeout.TotalMilliseconds}; PRAGMA synchronous = {synchronous}; PRAGMA foreign_keys = ON;";
        Path = path;
        _deleteOnDispose = deleteOnDispose;
        // WAL is a property of the file, so setting it once here covers every later connection.
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode = WAL;";
        string mode = Convert.ToString(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) ?? "";
        if (!mode.Equals("wal", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"SQLite refused WAL mode for '{path}' (journal mode is '{mode}').");
        }
    }

    /// <summary>
    /// A throwaway store in a new file under the temporary folder, named <c>{name}-{process id}-{random}.db</c> so that
    /// a file a killed process left behind says whose it was; disposing the store deletes it with its WAL and shared-memory
    /// files. Commits are synced at checkpoints only (<see cref="SqliteDurability.Normal"/>): nothing in it outlives the process.
    /// </summary>
    internal static SqliteOnlineDatabase CreateTemporary(string name, ILogger<SqliteOnlineDatabase>? logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.Length > MaxTemporaryNameLength || name.IndexOfAny(System.IO.Path.GetInvalidFileNameChars()) >= 0)
        {
            throw new ArgumentException(
                $"A temporary store's name is a plain file name of at most {MaxTemporaryNameLength} characters (such as \"my-game\"); got \"{name}\".",
                nameof(name));
        }

        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"{name}-{Environment.ProcessId}-{Guid.NewGuid():N}.db");
        try
        {
            return new SqliteOnlineDatabase(path, SqliteDurability.Normal, busyTimeout: null, logger, deleteOnDispose: true);
        }
        catch
        {
            DeleteFiles(path, logger); // best effort: the exception that matters is the one being thrown
            throw;
        }
    }

    /// <summary>The longest name <see cref="CreateTemporary"/> takes.</summary>
    internal const int MaxTemporaryNameLength = 64;

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <inheritdoc/>
    public override string ProviderName => "sqlite";

    internal override string BlobType => "BLOB";

    internal override string IdentityPrimaryKey => "INTEGER PRIMARY KEY AUTOINCREMENT";

    // Writers are serialized by BEGIN IMMEDIATE, so rows read in a write transaction cannot change under it.
    internal override string ForUpdate => "";

    /// <inheritdoc/>
    protected override async ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.CommandText = _pragmas;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc/>
    protected override ValueTask<DbTransaction> BeginWriteTransactionAsync(DbConnection connection, CancellationToken cancellationToken) =>
        // deferred: false makes Microsoft.Data.Sqlite issue BEGIN IMMEDIATE: the write lock is taken up front,
        // so two writers never both read and then deadlock upgrading to write.
        ValueTask.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false));

    /// <inheritdoc/>
    protected override async ValueTask<IDisposable?> EnterWriterAsync(CancellationToken cancellationToken)
    {
        await _writer.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new WriterTurn(_writer);
    }

    /// <inheritdoc/>
    protected override bool IsTransient(DbException exception) =>
        exception is SqliteException { SqliteErrorCode: 5 or 6 }; // SQLITE_BUSY, SQLITE_LOCKED

    internal override bool IsUniqueViolation(DbException exception) =>
        exception is SqliteException { SqliteErrorCode: 19, SqliteExtendedErrorCode: 2067 or 1555 }; // SQLITE_CONSTRAINT_UNIQUE, _PRIMARYKEY

    // BEGIN IMMEDIATE already lets one writer at a time in.
    internal override Task LockNameAsync(DbConnection connection, DbTransaction transaction, int space, int key, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    /// <inheritdoc/>
    protected override Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) =>
        Task.CompletedTask; // BEGIN IMMEDIATE already excludes every other writer.

    /// <inheritdoc/>
    public override async ValueTask DisposeAsync()
    {
        _writer.Dispose();
        // Pooled connections outlive their users: without this the process would keep the file (and its WAL) open after
        // the database was disposed, even after the file was deleted.
        using (var pooled = new SqliteConnection(_connectionString)) SqliteConnection.ClearPool(pooled);
        await base.DisposeAsync().ConfigureAwait(false);
        if (_deleteOnDispose) DeleteFiles(Path, Logger);
    }

    /// <summary>
    /// Deletes a temporary store's files, best effort: a file still open elsewhere (a connection a caller kept, on Windows)
    /// or a folder made read-only is logged and left, never thrown out of <see cref="DisposeAsync"/> or over the exception
    /// <see cref="CreateTemporary"/> is already throwing.
    /// </summary>
    private static void DeleteFiles(string path, ILogger? logger)
    {
        foreach (string file in new[] { path, path + "-wal", path + "-shm", path + "-journal" })
        {
            try
            {
                File.Delete(file);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                logger?.LogWarning(exception, "Could not delete the temporary online store's file {File}; it stays in the temporary folder.", file);
            }
        }
    }

    private sealed class WriterTurn(SemaphoreSlim writer) : IDisposable
    {
        private SemaphoreSlim? _writer = writer;

        public void Dispose() => Interlocked.Exchange(ref _writer, null)?.Release();
    }
}
