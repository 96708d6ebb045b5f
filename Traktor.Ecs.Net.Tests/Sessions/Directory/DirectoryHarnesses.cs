using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.Authentication;
using Traktor.Ecs.Net.Online.Sessions;
using Traktor.Ecs.Net.Online.Storage;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Online;

namespace Traktor.Ecs.Net.Tests.Sessions.Directory;

/// <summary>One backend node of a directory under test: the directory as players and game servers see it, and its sweep.</summary>
public sealed record DirectoryNode(ISessions Sessions, IGameServerFleet Fleet, IAuthentication Authentication, Func<Task<SessionSweepReport>> Sweep)
{
    /// <summary>A new connection as a player (its own bearer token over HTTP; the services themselves in process).</summary>
    public Func<(IAuthentication Authentication, ISessions Sessions)> ConnectPlayer { get; init; } = () => (Authentication, Sessions);
}

/// <summary>A directory on one store, reached through one or more nodes sharing it.</summary>
public sealed class DirectoryContext(IReadOnlyList<DirectoryNode> nodes, FakeTimeProvider time, Func<ValueTask> dispose) : IAsyncDisposable
{
    public IReadOnlyList<DirectoryNode> Nodes { get; } = nodes;

    public DirectoryNode Node => Nodes[0];

    public FakeTimeProvider Time { get; } = time;

    public ValueTask DisposeAsync() => dispose();
}

/// <summary>Starts a directory on one kind of store or transport.</summary>
public interface IDirectoryHarness
{
    Task<DirectoryContext> StartAsync(FakeTimeProvider time, int nodes);
}

/// <summary>The settings every directory test runs with.</summary>
public static class DirectoryTestSettings
{
    public static readonly byte[] GameServerKey = RandomNumberGenerator.GetBytes(32);
    public const ulong ProtocolId = 0x5E55_1011;
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan DeadAfter = TimeSpan.FromSeconds(5);

    public static SessionDirectoryOptions Options => new()
    {
        Tokens = new SessionTokenOptions { ServerKey = GameServerKey, ProtocolId = ProtocolId, TokenLifetime = TokenLifetime, ConnectionTimeoutSeconds = 3 },
        HeartbeatInterval = HeartbeatInterval,
        DeadAfter = DeadAfter,
        EmptySessionTimeout = TimeSpan.FromSeconds(60),
        MemberIdleTimeout = TimeSpan.FromSeconds(60),
        MaxSessionsPerPlayer = 2,
        // Player hosts in these tests run on this machine and publish 127.0.0.1 (JoinableAddressContract checks the refusal).
        AllowLoopbackHostAddresses = true,
    };

    /// <summary>The same settings as backend command-line arguments.</summary>
    public static string[] BackendArgs =>
    [
        $"--Online:Sessions:GameServerKey={Convert.ToBase64String(GameServerKey)}",
        $"--Online:Sessions:ProtocolId=0x{ProtocolId:X}",
        $"--Online:Sessions:TokenLifetimeSeconds={(int)TokenLifetime.TotalSeconds}",
        "--Online:Sessions:ConnectionTimeoutSeconds=3",
        $"--Online:Sessions:HeartbeatIntervalMs={(int)HeartbeatInterval.TotalMilliseconds}",
        $"--Online:Sessions:DeadAfterMs={(int)DeadAfter.TotalMilliseconds}",
        "--Online:Sessions:MaxSessionsPerPlayer=2",
        "--Online:Sessions:AllowLoopbackHostAddresses=true",
        // The facade tests' players log in and refresh from one address while the fake clock runs minutes ahead.
        "--Online:AuthRequestsPerMinutePerAddress=600",
        "--Online:AccountsPerAddressPerDay=10000",
        // The tests sweep explicitly on their fake clock; the nodes' own sweep would race them for the counts.
        "--Online:Sessions:SweepIntervalMs=86400000",
    ];
}

/// <summary>Several directory instances on one SQLite file, as several processes would share it.</summary>
public sealed class SqliteDirectoryHarness : IDirectoryHarness
{
    public Task<DirectoryContext> StartAsync(FakeTimeProvider time, int nodes) => StartAsync(time, nodes, DirectoryTestSettings.Options);

    /// <summary>A directory with other options than the tests' usual ones.</summary>
    public static async Task<DirectoryContext> StartAsync(FakeTimeProvider time, int nodes, SessionDirectoryOptions sessions)
    {
        string folder = OnlineTestSettings.TempDirectory();
        var services = new List<OnlineServices>();
        for (int i = 0; i < nodes; i++)
        {
            services.Add(await OnlineServices.OpenAsync(new SqliteOnlineDatabase(Path.Combine(folder, "online.db"), SqliteDurability.Normal), Options(time, sessions)));
        }

        return new DirectoryContext(services.Select(Node).ToList(), time, async () =>
        {
            foreach (var service in services)
            {
                await service.DisposeAsync();
            }

            OnlineTestSettings.DeleteDirectory(folder);
        });
    }

    internal static OnlineServicesOptions Options(TimeProvider time, SessionDirectoryOptions? sessions = null) => new()
    {
        Authentication = OnlineTestSettings.Authentication(),
        Time = time,
        Sessions = sessions ?? DirectoryTestSettings.Options,
    };

    internal static DirectoryNode Node(OnlineServices services) =>
        new(services.Sessions!, services.Sessions!, services.Authentication, () => services.Sessions!.SweepAsync());
}

/// <summary>Several directory instances on one PostgreSQL schema (skipped with the reason when PostgreSQL is not available).</summary>
public sealed class PostgresDirectoryHarness : IDirectoryHarness
{
    public async Task<DirectoryContext> StartAsync(FakeTimeProvider time, int nodes)
    {
        var (connectionString, drop) = await PostgresSchema.CreateAsync();
        var services = new List<OnlineServices>();
        for (int i = 0; i < nodes; i++)
        {
            services.Add(await OnlineServices.OpenAsync(new PostgresOnlineDatabase(connectionString), SqliteDirectoryHarness.Options(time)));
        }

        return new DirectoryContext(services.Select(SqliteDirectoryHarness.Node).ToList(), time, async () =>
        {
            foreach (var service in services)
            {
                await service.DisposeAsync();
            }

            await drop();
        });
    }
}

/// <summary>A private schema on the test PostgreSQL server.</summary>
public static class PostgresSchema
{
    public static async Task<(string ConnectionString, Func<Task> Drop)> CreateAsync()
    {
        string baseConnectionString = PostgresHarness.RequireConnectionString();
        string schema = "t_" + Guid.NewGuid().ToString("N");
        await using (var admin = new NpgsqlConnection(baseConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE SCHEMA {schema}", admin);
            await create.ExecuteNonQueryAsync();
        }

        string connectionString = new NpgsqlConnectionStringBuilder(baseConnectionString) { SearchPath = schema, MaxPoolSize = 40 }.ConnectionString;
        return (connectionString, async () =>
        {
            NpgsqlConnection.ClearAllPools();
            await using var admin = new NpgsqlConnection(baseConnectionString);
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP SCHEMA {schema} CASCADE", admin);
            await drop.ExecuteNonQueryAsync();
        });
    }
}

/// <summary>Several backend nodes (Kestrel on 127.0.0.1) sharing one store, reached through the HTTP clients with the server key.</summary>
public abstract class HttpDirectoryHarness : IDirectoryHarness
{
    protected abstract Task<(string[] Args, Func<Task> Cleanup)> StoreAsync();

    public async Task<DirectoryContext> StartAsync(FakeTimeProvider time, int nodes)
    {
        var (storeArgs, cleanup) = await StoreAsync();
        var servers = new List<BackendTestServer>();
        for (int i = 0; i < nodes; i++)
        {
            servers.Add(await BackendTestServer.StartAsync(time, null, [.. storeArgs, .. DirectoryTestSettings.BackendArgs]));
        }

        var list = servers.Select(server =>
        {
            var client = server.CreateBackendClient();
            var directory = server.Services.GetRequiredService<SessionDirectory>();
            return new DirectoryNode(new HttpSessions(client), new HttpGameServerFleet(client), new HttpAuthentication(client), () => directory.SweepAsync())
            {
                ConnectPlayer = () =>
                {
                    var player = server.CreateBackendClient(asServer: false);
                    return (new HttpAuthentication(player), new HttpSessions(player));
                },
            };
        }).ToList();
        return new DirectoryContext(list, time, async () =>
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }

            await cleanup();
        });
    }
}

/// <summary>Backend nodes on one SQLite file.</summary>
public sealed class HttpSqliteDirectoryHarness : HttpDirectoryHarness
{
    protected override Task<(string[] Args, Func<Task> Cleanup)> StoreAsync()
    {
        string folder = OnlineTestSettings.TempDirectory();
        return Task.FromResult<(string[], Func<Task>)>(([$"--Online:ConnectionString={Path.Combine(folder, "shared.db")}"], () =>
        {
            OnlineTestSettings.DeleteDirectory(folder);
            return Task.CompletedTask;
        }));
    }
}

/// <summary>Backend nodes on one PostgreSQL schema.</summary>
public sealed class HttpPostgresDirectoryHarness : HttpDirectoryHarness
{
    protected override async Task<(string[] Args, Func<Task> Cleanup)> StoreAsync()
    {
        var (connectionString, drop) = await PostgresSchema.CreateAsync();
        return (["--Online:Database=postgres", $"--Online:ConnectionString={connectionString}"], drop);
    }
}
