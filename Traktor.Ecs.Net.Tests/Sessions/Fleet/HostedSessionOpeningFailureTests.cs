using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Diagnostics;
using Traktor.Ecs.Net.Tests.Online;
using Traktor.Ecs.Net.Tests.Sessions.Directory;
using Traktor.Ecs.Net.Tests.Transport;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Sessions.Fleet;

/// <summary>
/// A game's <see cref="HostedSessionFactory"/> that throws while a session opens. The exception used to leave the host's
/// tick: opening from a heartbeat's answer, it cut the answer short (the sessions after it never opened); opening from a
/// player's ticket, it came out of the router's receive. Now the host logs it, refuses that session's players and tries
/// again later, and everything else goes on.
/// </summary>
public sealed class HostedSessionOpeningFailureTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>Failed before the fix: the factory's exception came out of the rig's tick at the first heartbeat's answer.</summary>
    [Fact]
    public async Task A_session_whose_factory_throws_at_a_heartbeat_is_logged_the_others_open_and_it_is_tried_again()
    {
        await using var directory = await new SqliteDirectoryHarness().StartAsync(new FakeTimeProvider(OnlineTestSettings.Start), 1);
        using var rig = new FleetRig(directory);
        var logger = new CapturingLogger();
        int opened = 0;
        var server = await rig.StartServerAsync(directory.Node, world =>
            Interlocked.Increment(ref opened) == 1 ? throw new InvalidOperationException("the game's session setup failed") : world, logger);
        var sessions = new[]
        {
            await directory.Node.Sessions.CreateSessionAsync(new SessionOptions("derby", 4), Cancel),
            await directory.Node.Sessions.CreateSessionAsync(new SessionOptions("rally", 4), Cancel),
        };

        Assert.True(await rig.TickUntilAsync(() => server.Host.Sessions.Count >= 1, 900), "no session opened");
        var error = Assert.Single(logger.Lines, l => l.Level == LogLevel.Error);
        Assert.Contains("factory threw", error.Message);
        var failed = Assert.Single(sessions, s => error.Message.Contains(s.Id.ToString()));
        var other = Assert.Single(sessions, s => s != failed);
        Assert.Equal([other.Id], server.Host.Sessions); // in the same answer, whichever came first

        // The next heartbeat that lists it opens it (the factory works now).
        Assert.True(await rig.TickUntilAsync(() => server.Host.Sessions.Count == 2, 900), "the failed session was not tried again");
        Assert.Contains(failed.Id, server.Host.Sessions);
        Assert.Equal(GameServerState.Live, server.Host.State);
    }

    /// <summary>Failed before the fix: the factory's exception came out of the rig's tick while the server read bob's handshake.</summary>
    [Fact]
    public async Task A_session_whose_factory_throws_for_a_ticket_refuses_that_player_and_opens_at_the_next_try()
    {
        await using var directory = await new SqliteDirectoryHarness().StartAsync(new FakeTimeProvider(OnlineTestSettings.Start), 1);
        using var rig = new FleetRig(directory);
        var logger = new CapturingLogger();
        int opened = 0;
        var server = await rig.StartServerAsync(directory.Node, world =>
            Interlocked.Increment(ref opened) == 1 ? throw new InvalidOperationException("the game's session setup failed") : world, logger);
        var session = await directory.Node.Sessions.CreateSessionAsync(new SessionOptions("derby", 4), Cancel);
        long userId = (await directory.Node.Authentication.RegisterAsync("bob", "correct horse battery", Cancel)).UserId;
        var join = await directory.Node.Sessions.JoinSessionAsync(session.Id, userId, Cancel);

        // Before any heartbeat: bob's ticket is what opens the session, and the factory fails on it.
        var bob = rig.AddPlayer(userId);
        bob.Client.Transport.Connect(join.ConnectInfo!.ConnectToken);
        Assert.True(await rig.TickUntilAsync(() => bob.State == ClientState.Disconnected, 300), "bob was neither refused nor timed out");
        Assert.Equal(0, server.Host.Heartbeats);
        Assert.Equal(DisconnectReason.Rejected, bob.Client.Transport.LastDisconnectReason);
        var error = Assert.Single(logger.Lines, l => l.Level == LogLevel.Error);
        Assert.Contains(session.Id.ToString(), error.Message);
        Assert.Empty(server.Host.Sessions);

        // His next try (a fresh ticket) opens it.
        var again = await directory.Node.Sessions.JoinSessionAsync(session.Id, userId, Cancel);
        bob.Client.Transport.Connect(again.ConnectInfo!.ConnectToken);
        Assert.True(await rig.TickUntilAsync(() => bob.State == ClientState.Connected, 300), "bob did not connect at his next try");
        Assert.Equal([session.Id], server.Host.Sessions);
    }

    /// <summary>
    /// Failed before the fix: a factory that always throws logged an Error at every heartbeat that listed the session and
    /// at every connection request of its players (a log flood an operator could not tell from news); nothing counted them.
    /// </summary>
    [Fact]
    public async Task A_factory_that_always_throws_logs_one_error_per_session_and_counts_every_failure()
    {
        // The failures metric is process-wide and untagged: only the failures counted in this test's own flow (its rig's
        // ticks and the directory answers they wait for) are heard, not those of hosts other tests run or left running.
        using var recorder = MeasurementRecorder.ForThisFlow(NetMetrics.MeterName);

        await using var directory = await new SqliteDirectoryHarness().StartAsync(new FakeTimeProvider(OnlineTestSettings.Start), 1);
        using var rig = new FleetRig(directory);
        var logger = new CapturingLogger();
        var server = await rig.StartServerAsync(directory.Node, _ => throw new InvalidOperationException("the game's session setup is broken"), logger);
        var session = await directory.Node.Sessions.CreateSessionAsync(new SessionOptions("derby", 4), Cancel);
        long userId = (await directory.Node.Authentication.RegisterAsync("bob", "correct horse battery", Cancel)).UserId;

        // Several heartbeats list it, and bob tries his ticket twice: every one of them tries the factory again.
        Assert.True(await rig.TickUntilAsync(() => server.Host.SessionOpeningFailures >= 3, 3000), "the heartbeats did not try the session again");
        var bob = rig.AddPlayer(userId);
        for (int attempt = 0; attempt < 2; attempt++)
        {
            var join = await directory.Node.Sessions.JoinSessionAsync(session.Id, userId, Cancel);
            bob.Client.Transport.Connect(join.ConnectInfo!.ConnectToken);
            Assert.True(await rig.TickUntilAsync(() => bob.State == ClientState.Disconnected, 300), "bob was neither refused nor timed out");
        }

        long failures = server.Host.SessionOpeningFailures;
        Assert.True(failures >= 5, $"{failures} failures counted; three heartbeats and two tickets tried");
        var error = Assert.Single(logger.Lines, l => l.Level == LogLevel.Error);
        Assert.Contains(session.Id.ToString(), error.Message);
        Assert.Equal(failures - 1, logger.Lines.Count(l => l.Level == LogLevel.Debug && l.Message.Contains("threw once more")));
        Assert.Equal(failures, recorder.Of("traktor.sessions.opening_failures").Sum(m => m.Value));
        Assert.Empty(server.Host.Sessions);
    }
}
