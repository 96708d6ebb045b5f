using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.Storage;

namespace Traktor.Ecs.Net.Tests.Online;

/// <summary>The embedded services on a temp SQLite file.</summary>
public sealed class SqliteHarness : IOnlineHarness
{
    public async Task<OnlineTestContext> StartAsync(FakeTimeProvider time, TestConnectTokenIssuer issuer)
    {
        string directory = OnlineTestSettings.TempDirectory();
        var services = await OnlineServices.OpenAsync(new SqliteOnlineDatabase(Path.Combine(directory, "online.db"), SqliteDurability.Normal), Options(time, issuer));
        return new OnlineTestContext(services.Authentication, services.Leaderboards, services.Achievements, services.CloudSave, time, async () =>
        {
            await services.DisposeAsync();
            OnlineTestSettings.DeleteDirectory(directory);
        }) { ConnectTokens = issuer, Embedded = services };
    }

    internal static OnlineServicesOptions Options(TimeProvider time, IConnectTokenIssuer issuer) => new()
    {
        Authentication = OnlineTestSettings.Authentication(),
        CloudSave = OnlineTestSettings.CloudSave,
        MaxIdempotencyKeysPerPlayer = OnlineTestSettings.MaxIdempotencyKeysPerPlayer,
        Time = time,
        ConnectTokenIssuer = issuer,
    };
}

/// <summary>
/// The embedded services on the PostgreSQL server named by TRAKTOR_TEST_POSTGRES (.ci/start-postgres sets it),
/// each test in a schema of its own that is dropped afterwards. Without the variable the test is reported skipped.
/// </summary>
public sealed class PostgresHarness : IOnlineHarness
{
    public const string EnvironmentVariable = "TRAKTOR_TEST_POSTGRES";

    public async Task<OnlineTestContext> StartAsync(FakeTimeProvider time, TestConnectTokenIssuer issuer)
    {
        var schema = await PostgresSchema.CreateAsync(maxPoolSize: 40);
        var services = await OnlineServices.OpenPostgresAsync(schema.ConnectionString, SqliteHarness.Options(time, issuer));
        return new OnlineTestContext(services.Authentication, services.Leaderboards, services.Achievements, services.CloudSave, time, async () =>
        {
            await services.DisposeAsync();
            await schema.DisposeAsync();
        }) { ConnectTokens = issuer, Embedded = services };
    }

    /// <summary>The connection string, or a skip with the reason when PostgreSQL is not available.</summary>
    public static string RequireConnectionString()
    {
        string? connectionString = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            Assert.Skip($"PostgreSQL tests need {EnvironmentVariable} (a Npgsql connection string); .ci/start-postgres sets it when it can start a server.");
        }
        return connectionString;
    }
}

/// <summary>The HTTP client implementations talking to the real backend on Kestrel, as a game server (server key).</summary>
public sealed class HttpHarness : IOnlineHarness
{
    public async Task<OnlineTestContext> StartAsync(FakeTimeProvider time, TestConnectTokenIssuer issuer)
    {
        var server = await BackendTestServer.StartAsync(time, issuer);
        var client = server.CreateBackendClient();
        return new OnlineTestContext(new HttpAuthentication(client), new HttpLeaderboards(client), new HttpAchievements(client), new HttpCloudSave(client),
            time, () => server.DisposeAsync()) { ConnectTokens = issuer };
    }
}
