using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Online;
using Traktor.Ecs.Net.Tests.Rpc;
using Traktor.Ecs.Net.Tests.Sessions.Directory;
using Traktor.Ecs.Net.Tests.Transport;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Sessions.Fleet;

/// <summary>
/// What a session is told of the directory's record when something goes wrong. A game's
/// <see cref="IHostedSession.OnListed"/> that threw used to cut the heartbeat's answer short: the exception left the
/// host's tick, and the sessions after it in the answer never learned their records (nor their departures and ends).
/// And a <see cref="SessionWorld"/> took any record it was handed as its own, another session's included.
/// </summary>
public sealed class HostedSessionListingFailureTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>Failed before the fix: the exception from the first OnListed came out of the rig's tick.</summary>
    [Fact]
    public async Task A_hosted_session_whose_OnListed_throws_is_logged_and_the_other_sessions_still_learn_their_records()
    {
        await using var directory = await new SqliteDirectoryHarness().StartAsync(new FakeTimeProvider(OnlineTestSettings.Start), 1);
        using var rig = new FleetRig(directory);
        var logger = new CapturingLogger();
        var games = new List<GameSession>();
        int told = 0;
        await rig.StartServerAsync(directory.Node, world =>
        {
            // Whichever session the answer lists first throws: the host must go on to the other.
            var game = new GameSession(world, () => Interlocked.Increment(ref told) == 1);
            games.Add(game);
            return game;
        }, logger);
        var server = rig.Servers[0];
        var sessions = new[]
        {
            await directory.Node.Sessions.CreateSessionAsync(new SessionOptions("derby", 4), Cancel),
            await directory.Node.Sessions.CreateSessionAsync(new SessionOptions("rally", 4), Cancel),
        };

        // Both opened from their players' tickets, before the heartbeat that lists them.
        foreach (var (session, name) in sessions.Zip(new[] { "alice", "bob" }))
        {
            long userId = (await directory.Node.Authentication.RegisterAsync(name, "correct horse battery", Cancel)).UserId;
            var join = await directory.Node.Sessions.JoinSessionAsync(session.Id, userId, Cancel);
            var player = rig.AddPlayer(userId);
            player.Client.Transport.Connect(join.ConnectInfo!.ConnectToken);
            Assert.True(await rig.TickUntilAsync(() => player.State == ClientState.Connected, 300), $"{name} did not connect");
        }

        Assert.Equal(0, server.Host.Heartbeats);
        Assert.Equal(2, games.Count);

        Assert.True(await rig.TickUntilAsync(() => server.Host.Heartbeats >= 3, 900), "no heartbeats answered");
        var thrower = Assert.Single(games, g => g.Threw);
        var other = Assert.Single(games, g => !g.Threw);
        var listed = Assert.Single(other.Listings); // told once, though the session after the thrower in the answer, or before
        Assert.Equal(other.Relay.Session, listed.Id);
        Assert.Empty(thrower.Listings);
        var error = Assert.Single(logger.Lines, l => l.Level == LogLevel.Error);
        Assert.Contains(thrower.Relay.Session.ToString(), error.Message);
        Assert.Contains("OnListed threw", error.Message);
    }

    /// <summary>Failed before the fix: the world took the other session's record (its name became "elsewhere").</summary>
    [Fact]
    public void A_session_world_told_another_sessions_record_keeps_its_own_and_logs_it()
    {
        var time = new FakeTimeProvider(TransportHarness.Start);
        using var router = new SessionRouter(new InMemoryNetwork().CreateTransport(), new NetServerOptions
        {
            ProtocolId = TransportHarness.ProtocolId,
            PrivateKey = ConnectTokenIssuer.GenerateServerKey(),
        }, time);
        var logger = new CapturingLogger();
        var own = new SessionInfo(SessionId.New(), "", 4, SessionVisibility.Public, new Dictionary<string, string>(), [], time.GetUtcNow());
        using var world = new SessionWorld(own, router.Open(own.Id), RpcWorld.Replicated, RpcWorld.Rpcs, time: time, logger: logger);
        var another = own with { Id = SessionId.New(), Name = "elsewhere" };

        world.OnListed(another);

        Assert.Same(own, world.Session);
        var warning = Assert.Single(logger.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains(another.Id.ToString()));
        Assert.Contains(own.Id.ToString(), warning.Message);

        var listed = own with { Name = "derby" };
        world.OnListed(listed);
        Assert.Same(listed, world.Session);
    }

    /// <summary>A game's own hosted session around a <see cref="SessionWorld"/>: records its listings, or throws when told to.</summary>
    private sealed class GameSession(SessionWorld world, Func<bool> shouldThrow) : IHostedSession
    {
        public List<SessionInfo> Listings { get; } = new();

        public bool Threw { get; private set; }

        public SessionRelay Relay => world.Relay;

        public void Tick(float deltaTime) => world.Tick(deltaTime);

        public void OnListed(SessionInfo session)
        {
            if (shouldThrow())
            {
                Threw = true;
                throw new InvalidOperationException("the game's listing handler failed");
            }

            Listings.Add(session);
        }

        public void Dispose() => world.Dispose();
    }
}
