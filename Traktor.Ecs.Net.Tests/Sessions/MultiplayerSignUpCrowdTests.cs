using Microsoft.Extensions.DependencyInjection;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.Storage;
using Traktor.Ecs.Net.Tests.Online;
using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Net.Tests.Sessions.Directory;
using Traktor.Ecs.Net.Tests.Transport;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// New players behind one address (a LAN party, the demo's bots against a deployed backend) signing up at once. The
/// facade logged in first and registered only when that failed: every new account cost a failed login against the shared
/// address, a busy answer (503) was thrown at once, and the callers that asked again soon spent more failed logins, until
/// the address's free failures were gone and the rest of the crowd was locked out (DEPLOY.md's last command: 7 of 8 bots
/// failed). The facade now registers first and waits out busy and rate-limited answers as the backend says.
/// </summary>
public sealed class MultiplayerSignUpCrowdTests
{
    private const string Password = "correct horse battery";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Eight_new_players_behind_one_address_sign_up_at_once_through_a_busy_backend_without_a_failed_login()
    {
        // One hashing slot and a queue of one: most of the crowd is answered 503 busy at first. Two free failed logins per
        // address: the old login-first path locked the address out at its third new account.
        await using var server = await BackendTestServer.StartAsync(null, null,
            "--Online:MaxConcurrentPasswordHashes=1", "--Online:MaxQueuedPasswordHashes=1",
            "--Online:LoginFreeFailuresPerAddress=2", "--Online:AuthRequestsPerMinutePerAddress=600");
        var players = Enumerable.Range(1, 8).Select(i => new Player(server, $"lan-player-{i}")).ToList();
        try
        {
            var ids = await Task.WhenAll(players.Select(p => p.Multiplayer.LogInAsync(Cancel)));

            Assert.Equal(8, ids.Distinct().Count());
            Assert.All(players, p => Assert.NotNull(p.Multiplayer.UserId));
            Assert.Equal(0, await FailedLoginsAsync(server));
        }
        finally
        {
            players.ForEach(p => p.Dispose());
        }
    }

    [Fact]
    public async Task A_returning_player_with_RegisterIfMissing_logs_in_and_a_name_taken_by_another_is_refused_as_a_wrong_password()
    {
        await using var server = await BackendTestServer.StartAsync();
        using (var first = new Player(server, "returning"))
        {
            await first.Multiplayer.LogInAsync(Cancel);
        }

        using var again = new Player(server, "returning");
        long id = await again.Multiplayer.LogInAsync(Cancel);
        Assert.Equal(id, again.Multiplayer.UserId);

        using var impostor = new Player(server, "returning", "another password");
        var refused = await Assert.ThrowsAsync<OnlineException>(() => impostor.Multiplayer.LogInAsync(Cancel));
        Assert.Equal(OnlineError.Unauthorized, refused.Error);
        Assert.Equal(1, await FailedLoginsAsync(server));   // only the impostor's, and no counter else
    }

    [Fact]
    public async Task A_returning_player_with_RegisterIfMissing_signs_in_with_one_unit_of_the_addresss_sign_in_budget()
    {
        // Two sign-ins a minute per address: the account's registration takes one, the returning player's sign-in the other.
        // Register → 409 → login took two, and the login was refused as rate-limited.
        await using var server = await BackendTestServer.StartAsync(null, null, "--Online:AuthRequestsPerMinutePerAddress=2");
        long id = (await new HttpAuthentication(server.CreateBackendClient(asServer: false)).RegisterAsync("returning", Password, Cancel)).UserId;

        using var player = new Player(server, "returning", options: new MultiplayerOptions { LogInWait = TimeSpan.Zero });
        Assert.Equal(id, await player.Multiplayer.LogInAsync(Cancel));

        // The budget is spent: one more sign-in from this address is refused, so the one above really was a single unit.
        using var third = new Player(server, "another", options: new MultiplayerOptions { LogInWait = TimeSpan.Zero });
        var refused = await Assert.ThrowsAsync<OnlineException>(() => third.Multiplayer.LogInAsync(Cancel));
        Assert.Equal(OnlineError.RateLimited, refused.Error);
    }

    [Fact]
    public async Task A_new_player_with_RegisterIfMissing_signs_up_and_in_with_one_request()
    {
        await using var server = await BackendTestServer.StartAsync(null, null, "--Online:AuthRequestsPerMinutePerAddress=1");
        using var player = new Player(server, "newcomer", options: new MultiplayerOptions { LogInWait = TimeSpan.Zero });
        long id = await player.Multiplayer.LogInAsync(Cancel);
        Assert.Equal(id, player.Multiplayer.UserId);
        Assert.Equal(0, await FailedLoginsAsync(server));
    }

    private static async Task<long> FailedLoginsAsync(BackendTestServer server)
    {
        var database = server.Services.GetRequiredService<OnlineDatabase>();
        var counts = await database.ReadAsync(connection => connection.QueryAsync(null,
            "SELECT failures FROM login_throttle", reader => reader.GetInt64(0), Cancel), Cancel);
        return counts.Sum();
    }

    private sealed class Player : IDisposable
    {
        private readonly World world = World.Create();

        public Player(BackendTestServer server, string name, string password = Password, MultiplayerOptions? options = null)
        {
            var client = new NetworkClient(world, new NetClient(new InMemoryNetwork().CreateTransport(),
                new NetClientOptions { ProtocolId = DirectoryTestSettings.ProtocolId, SchemaHash = ReplicationWorld.Registry.ProtocolHash }, ownsTransport: true),
                ReplicationWorld.Registry);
            Multiplayer = Multiplayer.OverBackend(client, server.CreateBackendClient(asServer: false), new MultiplayerAccount(name, password, RegisterIfMissing: true), options);
        }

        public Multiplayer Multiplayer { get; }

        public void Dispose()
        {
            Multiplayer.Dispose();
            world.Dispose();
        }
    }
}
