using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Online.Achievements;
using Traktor.Ecs.Net.Online.Authentication;
using Traktor.Ecs.Net.Online.CloudSave;
using Traktor.Ecs.Net.Online.Leaderboards;
using Traktor.Ecs.Net.Online.Sessions;
using Traktor.Ecs.Net.Online.Storage;

namespace Traktor.Ecs.Net.Online;

/// <summary>
/// The four online services over one migrated store: what a single-player game, a development setup
/// or a small server embeds in-process, and what the backend serves over HTTP.
/// Add them to a world as resources: <c>world.Resources.Add&lt;ILeaderboards&gt;(services.Leaderboards)</c>.
/// </summary>
public sealed class OnlineServices : IAsyncDisposable
{
    private OnlineServices(OnlineDatabase database, OnlineServicesOptions options)
    {
        Database = database;
        var loggers = options.LoggerFactory;
        Authentication = options.Authentication is { } authentication
            ? new AuthenticationService(database, authentication, options.Time, options.ConnectTokenIssuer, loggers?.CreateLogger<AuthenticationService>())
            : AuthenticationService.WithoutSigningKey(database, options.Time, loggers?.CreateLogger<AuthenticationService>());
        Leaderboards = new LeaderboardService(database, options.Time, loggers?.CreateLogger<LeaderboardService>(), options.MaxIdempotencyKeysPerPlayer);
        Achievements = new AchievementService(database, options.Time, loggers?.CreateLogger<AchievementService>(), options.MaxIdempotencyKeysPerPlayer);
        CloudSave = new CloudSaveService(database, options.CloudSave, options.Time, loggers?.CreateLogger<CloudSaveService>());
        Maintenance = new OnlineMaintenance(database, options.Time, loggers?.CreateLogger<OnlineMaintenance>())
        {
            LeaderboardPastPeriodsKept = options.LeaderboardPastPeriodsKept,
        };
        Sessions = options.Sessions is { } sessions ? new SessionDirectory(database, sessions, options.Time, loggers?.CreateLogger<SessionDirectory>()) : null;
    }

    /// <summary>The store the services share.</summary>
    public OnlineDatabase Database { get; }

    /// <summary>Accounts and sessions (without <see cref="OnlineServicesOptions.Authentication"/>: accounts only, no tokens).</summary>
    public AuthenticationService Authentication { get; }

    /// <summary>Leaderboards.</summary>
    public LeaderboardService Leaderboards { get; }

    /// <summary>Achievements.</summary>
    public AchievementService Achievements { get; }

    /// <summary>Cloud saves.</summary>
    public CloudSaveService CloudSave { get; }

    /// <summary>The session directory and game-server fleet, when <see cref="OnlineServicesOptions.Sessions"/> was given.</summary>
    public SessionDirectory? Sessions { get; }

    /// <summary>Pruning of expired tokens, counters and idempotency keys.</summary>
    public OnlineMaintenance Maintenance { get; }

    /// <summary>Opens (creating and migrating if needed) the embedded SQLite store at a file path.</summary>
    /// <param name="path">The database file.</param>
    /// <param name="options">Service settings.</param>
    /// <param name="cancellationToken">Cancels the migration.</param>
    public static Task<OnlineServices> OpenSqliteAsync(string path, OnlineServicesOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return OpenAsync(new SqliteOnlineDatabase(path, logger: options.LoggerFactory?.CreateLogger<SqliteOnlineDatabase>()), options, cancellationToken);
    }

    /// <summary>
    /// Opens a throwaway SQLite store in a new file under the temporary folder, deleted (with its WAL and
    /// shared-memory files) when the services are disposed, on every way out of an <c>await using</c>: for samples,
    /// tests and one-process tools that would otherwise leave a database file behind each run.
    /// </summary>
    /// <param name="name">Starts the file's name, <c>{name}-{process id}-{random}.db</c>, so that a file a killed process left
    /// behind says whose it was: a plain file name of at most 64 characters.</param>
    /// <param name="options">Service settings.</param>
    /// <param name="cancellationToken">Cancels the migration.</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty, too long or not a plain file name.</exception>
    public static Task<OnlineServices> OpenTemporarySqliteAsync(string name, OnlineServicesOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return OpenAsync(SqliteOnlineDatabase.CreateTemporary(name, options.LoggerFactory?.CreateLogger<SqliteOnlineDatabase>()), options, cancellationToken);
    }

    /// <summary>Connects to (and migrates) a PostgreSQL store.</summary>
    /// <param name="connectionString">An Npgsql connection string.</param>
    /// <param name="options">Service settings.</param>
    /// <param name="cancellationToken">Cancels the migration.</param>
    public static Task<OnlineServices> OpenPostgresAsync(string connectionString, OnlineServicesOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return OpenAsync(new PostgresOnlineDatabase(connectionString, options.LoggerFactory?.CreateLogger<PostgresOnlineDatabase>()), options, cancellationToken);
    }

    /// <summary>Migrates a store and builds the services over it; the services own the store afterwards.</summary>
    /// <param name="database">The store.</param>
    /// <param name="options">Service settings.</param>
    /// <param name="cancellationToken">Cancels the migration.</param>
    public static async Task<OnlineServices> OpenAsync(OnlineDatabase database, OnlineServicesOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            await database.MigrateAsync(cancellationToken).ConfigureAwait(false);
            return new OnlineServices(database, options);
        }
        catch
        {
            await database.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => Database.DisposeAsync();
}
