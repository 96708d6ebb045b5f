using Npgsql;
using Traktor.Ecs.Net.Online.Storage;

namespace Traktor.Ecs.Net.Tests.Online;

/// <summary>The one migration set applies once, whoever runs it and however many at a time.</summary>
public sealed class MigrationTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sqlite_migrates_once_even_when_several_stores_migrate_at_once()
    {
        string directory = OnlineTestSettings.TempDirectory();
        string path = Path.Combine(directory, "m.db");
        try
        {
            var stores = Enumerable.Range(0, 4).Select(_ => new SqliteOnlineDatabase(path, SqliteDurability.Normal)).ToList();
            await Task.WhenAll(stores.Select(store => store.MigrateAsync(Cancel)));
            await stores[0].MigrateAsync(Cancel);
            Assert.Equal(Expected(), await VersionsAsync(stores[0]));
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
        finally
        {
            OnlineTestSettings.DeleteDirectory(directory);
        }
    }

    [Fact]
    public async Task Postgres_migrates_once_even_when_several_instances_migrate_at_once()
    {
        string baseConnectionString = PostgresHarness.RequireConnectionString();
        string schema = "m_" + Guid.NewGuid().ToString("N");
        await ExecuteAsync(baseConnectionString, $"CREATE SCHEMA {schema}");
        try
        {
            string connectionString = new NpgsqlConnectionStringBuilder(baseConnectionString) { SearchPath = schema }.ConnectionString;
            var stores = Enumerable.Range(0, 4).Select(_ => new PostgresOnlineDatabase(connectionString)).ToList();
            await Task.WhenAll(stores.Select(store => store.MigrateAsync(Cancel)));
            await stores[0].MigrateAsync(Cancel);
            Assert.Equal(Expected(), await VersionsAsync(stores[0]));
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
        finally
        {
            await ExecuteAsync(baseConnectionString, $"DROP SCHEMA {schema} CASCADE");
        }
    }

    private static long[] Expected() => OnlineMigrations.All.Select(migration => migration.Version).ToArray();

    private static Task<long[]> VersionsAsync(OnlineDatabase store) =>
        store.ReadAsync(async connection => (await connection.QueryAsync(null, "SELECT version FROM schema_migrations ORDER BY version",
            reader => reader.GetInt64(0), Cancel)).ToArray(), Cancel);

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Cancel);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Cancel);
    }
}
