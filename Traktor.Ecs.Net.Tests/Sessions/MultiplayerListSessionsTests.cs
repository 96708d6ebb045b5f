using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Net.Tests.Sessions.Directory;
using Traktor.Ecs.Net.Tests.Transport;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// A player finds a session to join through the facade it joins with. docs/sessions.md's player listed sessions with an
/// <see cref="HttpSessions"/> of its backend connection before its first join, which is before the facade logs in: the
/// backend answers that with 401, so the documented "find it, join it by id" failed on every run. The facade now lists
/// itself, logging in first.
/// </summary>
public sealed class MultiplayerListSessionsTests
{
    private const string Password = "correct horse battery";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_player_lists_sessions_through_the_facade_before_its_first_join()
    {
        var time = new FakeTimeProvider(TransportHarness.Start);
        await using var directory = await new HttpSqliteDirectoryHarness().StartAsync(time, nodes: 1);
        await directory.Node.Fleet.RegisterServerAsync(new GameServerRegistration(["127.0.0.1:40300"], 16, 4, "gs"), Cancel);
        var (hostAuth, hostSessions) = directory.Node.ConnectPlayer();
        await hostAuth.RegisterAsync("creator", Password, Cancel);
        await hostAuth.LoginAsync("creator", Password, Cancel);
        var created = await hostSessions.CreateSessionAsync(new SessionOptions("friday-night", 4), Cancel);

        var (auth, sessions) = directory.Node.ConnectPlayer();
        var filter = new SessionFilter { NameContains = "friday", OnlyWithFreeSlots = true };
        var refused = await Assert.ThrowsAsync<OnlineException>(() => sessions.ListSessionsAsync(filter, cancellationToken: Cancel));
        Assert.Equal(OnlineError.Unauthorized, refused.Error);   // what the documented listing met: no login yet

        using var world = World.Create();
        var client = new NetworkClient(world, new NetClient(new InMemoryNetwork().CreateTransport(),
            new NetClientOptions { ProtocolId = DirectoryTestSettings.ProtocolId, SchemaHash = ReplicationWorld.Registry.ProtocolHash }, ownsTransport: true),
            ReplicationWorld.Registry);
        using var multiplayer = new Multiplayer(client, auth, sessions, new MultiplayerAccount("lister", Password, RegisterIfMissing: true));
        Assert.Null(multiplayer.UserId);

        var page = await multiplayer.ListSessionsAsync(filter, cancellationToken: Cancel);

        Assert.Equal([created.Id], page.Sessions.Select(s => s.Id));
        Assert.NotNull(multiplayer.UserId);                       // registered and logged in on the way
        Assert.Null(multiplayer.CurrentSession);                  // listing takes no seat
        var again = await multiplayer.ListSessionsAsync(new SessionFilter { NameContains = "nothing-like-it" }, cancellationToken: Cancel);
        Assert.Empty(again.Sessions);
    }
}
