using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Scripting;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Peers.Nat;
using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Net.Tests.Scripting;
using Traktor.Ecs.Net.Tests.Transport;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// A seat given back in the background (a join given up) to a directory that throws an exception of a type nobody
/// expected (a bug, a custom <see cref="ISessions"/>) is still observed: logged as a warning naming the session and the
/// player, counted (<see cref="MultiplayerMetrics.SeatGiveBacksFailed"/>, <c>unexpected</c>), and never thrown at the game.
/// Before, only OnlineException, HttpRequestException and cancellations were caught: <see cref="Multiplayer.JoinSessionAsync"/>
/// cancelled threw the directory's InvalidOperationException instead of its cancellation, and Lua's given-up
/// <c>joinSession</c> faulted a task nobody observed, saying nothing.
/// </summary>
public sealed class SeatGiveBackFailureTests : DirectoryOnFakeClockTests
{
    [Fact]
    public async Task A_cancelled_join_whose_give_back_throws_unexpectedly_is_cancelled_logged_and_counted()
    {
        long hostPlayer = (await Services.Authentication.RegisterAsync("hosting-player", Password, Cancel)).UserId;
        long joinerPlayer = (await Services.Authentication.RegisterAsync("joining-player", Password, Cancel)).UserId;
        var grant = await Services.Sessions!.CreatePlayerHostedSessionAsync(new SessionOptions("coop", 4), hostPlayer, Cancel);
        var sessions = new SeatThenHangThenFailToLeave(Services.Sessions);
        using var scene = new NatScene(NatKind.PortRestricted, NatKind.PortRestricted, time: Time);
        using var world = World.Create();
        var client = new NetworkClient(world, scene.Client, ReplicationWorld.Registry, 60, Time);
        var logger = new CapturingLogger();
        using var failures = new FailureCount();
        using var multiplayer = new Multiplayer(client, Services.Authentication, sessions, new MultiplayerAccount("joining-player", Password),
            new MultiplayerOptions { JoinWait = TimeSpan.FromHours(1) }, Time, logger);

        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        var joining = multiplayer.JoinSessionAsync(grant.Session.Id, giveUp.Token);
        await sessions.Seated.Task.WaitAsync(TimeSpan.FromSeconds(30), Cancel);
        await giveUp.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => joining);
        Assert.Equal(1, sessions.Leaves);
        AssertWarned(logger, grant.Session.Id, joinerPlayer);
        Assert.Null(multiplayer.CurrentSession);
        await FailureCount.AddOutsideTheTestAsync();
        Assert.Equal(1, failures.Unexpected); // exactly this test's give-back
    }

    [Fact]
    public async Task A_given_up_lua_join_whose_give_back_throws_unexpectedly_is_logged_and_counted()
    {
        long hostPlayer = (await Services.Authentication.RegisterAsync("hosting-player", Password, Cancel)).UserId;
        long player = (await Services.Authentication.RegisterAsync("scripted-player", Password, Cancel)).UserId;
        var grant = await Services.Sessions!.CreatePlayerHostedSessionAsync(new SessionOptions("coop", 4), hostPlayer, Cancel);
        var sessions = new SeatThenHangThenFailToLeave(Services.Sessions);
        using var failures = new FailureCount();
        using var host = new ScriptHost(new ScriptServices { Sessions = sessions, PlayerId = (ulong)player });
        var script = host.Load("join.lua", $"multiplayer:joinSession(\"{grant.Session.Id}\")\n");
        host.TickUntil(() => sessions.Seated.Task.IsCompleted);

        Assert.True(host.System.Unload(script));

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!Warned(host.Logger, grant.Session.Id, player) && DateTime.UtcNow < deadline) await Task.Delay(10, Cancel);
        AssertWarned(host.Logger, grant.Session.Id, player);
        Assert.Equal(1, sessions.Leaves);
        await FailureCount.AddOutsideTheTestAsync();
        Assert.Equal(1, failures.Unexpected); // exactly this test's give-back
        Assert.Empty(script.Errors);
    }

    private static bool Warned(CapturingLogger logger, SessionId session, long player)
    {
        lock (logger.Lines)
        {
            return logger.Lines.Any(l => l.Level == LogLevel.Warning && l.Message.Contains(session.ToString(), StringComparison.Ordinal)
                && l.Message.Contains($"Player {player} ", StringComparison.Ordinal) && l.Message.Contains("unexpected", StringComparison.Ordinal));
        }
    }

    private static void AssertWarned(CapturingLogger logger, SessionId session, long player)
    {
        lock (logger.Lines)
        {
            Assert.True(Warned(logger, session, player), "a warning names the session and the player: " + string.Join(" | ", logger.Lines.Select(l => $"{l.Level}: {l.Message}")));
        }
    }

    /// <summary>Seats the player, then does not answer until cancelled; giving the seat back throws a type nobody expects.</summary>
    private sealed class SeatThenHangThenFailToLeave(ISessions inner) : JoinAlteringSessions(inner)
    {
        private int leaves;

        public TaskCompletionSource Seated { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Leaves => Volatile.Read(ref leaves);

        public override async Task<SessionJoinResult> JoinSessionAsync(SessionId id, long userId, string playerName, CancellationToken cancellationToken = default)
        {
            try
            {
                await Inner.JoinSessionAsync(id, userId, playerName, cancellationToken);
            }
            catch (OnlineException error) when (error.Error == OnlineError.Unavailable)
            {
                // Seated: the host has not published its address yet.
            }

            Seated.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new UnreachableException();
        }

        public override Task<bool> LeaveSessionAsync(SessionId id, long userId, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref leaves);
            throw new InvalidOperationException("The directory's own bug.");
        }
    }

    /// <summary>
    /// Counts <see cref="MultiplayerMetrics.SeatGiveBacksFailed"/> measurements tagged <c>unexpected</c> made by this test's
    /// own work only. The counter is the process's: any test running beside this one adds to it, so a count of every
    /// measurement could reach 1 with this test's give-back never counted. A measurement's callback runs on the thread
    /// that makes it, in its execution context, which the give-back inherits from the test (its task is started from
    /// the test's flow): a value set here in that context marks the measurements of this test's own work.
    /// </summary>
    private sealed class FailureCount : IDisposable
    {
        private static readonly AsyncLocal<FailureCount?> Scope = new();
        private readonly MeterListener listener = new();
        private long unexpected;

        public FailureCount()
        {
            Scope.Value = this; // the rest of the test's flow, and the tasks it starts, carry it
            listener.InstrumentPublished = (instrument, l) =>
            {
                // By name: the counter is published from MultiplayerMetrics' static initializer, before its field is set.
                if (instrument.Meter.Name == NetMetrics.MeterName && instrument.Name == "traktor.multiplayer.seat_give_backs.failed") l.EnableMeasurementEvents(instrument);
            };
            listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                if (Scope.Value != this) return; // another test's
                foreach (var tag in tags)
                {
                    if (tag.Key == PeerMetrics.ReasonTag && Equals(tag.Value, "unexpected")) Interlocked.Add(ref unexpected, value);
                }
            });
            listener.Start();
        }

        public long Unexpected => Interlocked.Read(ref unexpected);

        /// <summary>Counts one <c>unexpected</c> failure as another test would, outside this test's flow: it must not be counted here.</summary>
        public static async Task AddOutsideTheTestAsync()
        {
            Task other;
            using (ExecutionContext.SuppressFlow())
            {
                other = Task.Run(() => MultiplayerMetrics.SeatGiveBacksFailed.Add(1, new KeyValuePair<string, object?>(PeerMetrics.ReasonTag, "unexpected")));
            }
            await other;
        }

        public void Dispose() => listener.Dispose();
    }
}
