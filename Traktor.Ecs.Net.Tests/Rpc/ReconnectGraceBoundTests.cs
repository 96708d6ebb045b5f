using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Sessions;
using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Tests.Diagnostics;
using Traktor.Ecs.Net.Tests.Transport;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Rpc;

/// <summary>
/// The reconnect grace is bounded in count and in the work of its tick (attack review 31). Before, every identity that
/// connected and left within the period was waited for, as many as came (with their entities), and each tick's
/// <see cref="ReconnectGrace.Expire"/> read the clock for every one of them.
/// </summary>
public sealed class ReconnectGraceBoundTests
{
    [Fact]
    public void One_more_leaver_than_the_bound_releases_the_one_that_left_first_at_the_end_of_the_tick()
    {
        using var world = World.Create();
        var time = new FakeTimeProvider();
        var grace = new ReconnectGrace(world, TimeSpan.FromMinutes(1), time, NullLogger.Instance);
        var expired = new List<ulong>();
        grace.Expired += expired.Add;
        using var recorder = new MeasurementRecorder(Traktor.Ecs.Net.Diagnostics.NetMetrics.MeterName);
        const int max = 4096; // ReconnectGrace.DefaultMaxWaiting
        for (int i = 1; i <= max + 2; i++)
        {
            world.Create(new NetworkOwner(new ConnectionId(i, 1)));
            grace.Hold(new ConnectionId(i, 1), (ulong)i);
            time.Advance(TimeSpan.FromMilliseconds(1));
        }

        grace.Expire();

        Assert.Equal([1ul, 2ul], expired);
        Assert.Equal(max, grace.WaitingCount);
        Assert.False(grace.IsWaitingFor(1));
        Assert.True(grace.IsWaitingFor(3));
        Assert.True(grace.IsWaitingFor((ulong)max + 2));
        Assert.Equal(max, world.CountEntities(new QueryDescription().WithAll<NetworkOwner>()));
        Assert.True(recorder.Of("traktor.sessions.reconnect_grace.evicted").Sum(m => m.Value) >= 2);

        // The rest wait out their period, in the order they left.
        time.Advance(TimeSpan.FromMinutes(1) - TimeSpan.FromMilliseconds(max + 2) + TimeSpan.FromMilliseconds(2));
        grace.Expire();
        Assert.Equal([1ul, 2ul, 3ul], expired);
        time.Advance(TimeSpan.FromMinutes(1));
        grace.Expire();
        Assert.Equal(0, grace.WaitingCount);
        Assert.Equal(max + 2, expired.Count);
    }

    [Fact]
    public void A_tick_reads_the_clock_for_the_players_whose_period_is_over_not_for_every_one_waited_for()
    {
        using var world = World.Create();
        var time = new CountingClock();
        var grace = new ReconnectGrace(world, TimeSpan.FromMinutes(1), time, NullLogger.Instance);
        for (int i = 1; i <= 1000; i++) grace.Hold(new ConnectionId(i, 1), (ulong)i);
        grace.Restore(new ConnectionId(2000, 1), 500);
        grace.Release(700);

        time.Reads = 0;
        grace.Expire();

        Assert.InRange(time.Reads, 1, 2);
        Assert.False(grace.IsWaitingFor(700));
        Assert.Equal(998, grace.WaitingCount);
    }

    [Fact]
    public void A_player_restored_after_its_release_stays_and_a_new_hold_of_the_same_player_keeps_its_own_period()
    {
        using var world = World.Create();
        var time = new FakeTimeProvider();
        var grace = new ReconnectGrace(world, TimeSpan.FromSeconds(10), time, NullLogger.Instance, maxWaiting: 2);
        var expired = new List<ulong>();
        grace.Expired += expired.Add;
        grace.Hold(new ConnectionId(1, 1), 1);
        grace.Release(1);
        Assert.True(grace.Restore(new ConnectionId(2, 1), 1));
        grace.Hold(new ConnectionId(2, 1), 1);  // left again in the same tick
        grace.Expire();
        Assert.Empty(expired);
        Assert.True(grace.IsWaitingFor(1));

        time.Advance(TimeSpan.FromSeconds(5));
        grace.Hold(new ConnectionId(3, 1), 3);
        grace.Hold(new ConnectionId(4, 1), 4); // the bound is 2: player 1 left first and goes
        grace.Expire();
        Assert.Equal([1ul], expired);
        time.Advance(TimeSpan.FromSeconds(10));
        grace.Expire();
        Assert.Equal([1ul, 3ul, 4ul], expired);
    }

    /// <summary>
    /// Failed before (attack review 32): every eviction logged its own warning, so whoever decides how often players leave
    /// (a client with many connect tokens) decided how fast the server's log grew, and an evicted player's entities were
    /// logged as if it had left its session.
    /// </summary>
    [Fact]
    public void A_full_grace_warns_at_most_once_a_second_and_logs_each_evicted_player_as_released_early()
    {
        using var world = World.Create();
        var time = new FakeTimeProvider();
        var log = new CapturingLogger();
        var grace = new ReconnectGrace(world, TimeSpan.FromMinutes(1), time, log, maxWaiting: 2);
        grace.Hold(new ConnectionId(1, 1), 1);
        grace.Hold(new ConnectionId(2, 1), 2);
        for (int i = 3; i <= 12; i++)
        {
            world.Create(new NetworkOwner(new ConnectionId(i - 2, 1)));
            grace.Hold(new ConnectionId(i, 1), (ulong)i); // releases client i - 2 early
        }
        grace.Expire();

        // One warning for ten evictions in the same instant; each evicted player a line of its own, not "left its session".
        var full = Assert.Single(Warnings(log));
        Assert.Equal(ReconnectGrace.GraceFullEvent, full.Event.Id);
        Assert.Contains("client 1,", full.Message, StringComparison.Ordinal);
        var early = log.Entries.Where(e => e.Event.Id == ReconnectGrace.ReleasedEarlyEvent).ToList();
        Assert.Equal(10, early.Count);
        Assert.All(early, e => Assert.Equal(LogLevel.Information, e.Level));
        Assert.Contains(early, e => e.Message.StartsWith("Client 10 released early", StringComparison.Ordinal) && e.Message.EndsWith("1 entities destroyed.", StringComparison.Ordinal));
        Assert.DoesNotContain(log.Entries, e => e.Event.Id == ReconnectGrace.LeftSessionEvent || e.Message.Contains("left its session", StringComparison.Ordinal));

        // Within the second nothing more is said; once it has passed, the nine not warned of are added up in one warning.
        time.Advance(ReconnectGrace.EvictionWarningInterval - TimeSpan.FromMilliseconds(1));
        grace.Expire();
        Assert.Single(Warnings(log));
        time.Advance(TimeSpan.FromMilliseconds(1));
        grace.Expire();
        grace.Expire();
        Assert.Equal(2, Warnings(log).Count);
        var summed = Warnings(log)[1];
        Assert.Equal(ReconnectGrace.EvictionsSinceWarningEvent, summed.Event.Id);
        Assert.Contains("released 9 more players early", summed.Message, StringComparison.Ordinal);

        // A second on, the next eviction is warned of at once again; a player who leaves its session is logged as that.
        time.Advance(ReconnectGrace.EvictionWarningInterval);
        grace.Hold(new ConnectionId(13, 1), 13);
        Assert.Equal(3, Warnings(log).Count);
        Assert.Equal(ReconnectGrace.GraceFullEvent, Warnings(log)[2].Event.Id);
        Assert.Contains("(0 more released early", Warnings(log)[2].Message, StringComparison.Ordinal);
        grace.Release(13);
        grace.Expire();
        Assert.Contains(log.Entries, e => e.Event.Id == ReconnectGrace.LeftSessionEvent && e.Message == "Client 13 left its session: 0 entities destroyed.");
        Assert.Equal(11, log.Entries.Count(e => e.Event.Id == ReconnectGrace.ReleasedEarlyEvent));
    }

    private static List<(LogLevel Level, EventId Event, string Message)> Warnings(CapturingLogger log) =>
        [.. log.Entries.Where(e => e.Level == LogLevel.Warning)];

    [Fact]
    public void The_bound_is_an_option_of_at_least_one()
    {
        var refused = Assert.Throws<ArgumentOutOfRangeException>(new RpcOptions { MaxReconnectWaiting = 0 }.Validate);
        Assert.Equal(nameof(RpcOptions.MaxReconnectWaiting), refused.ParamName);
        using var world = World.Create();
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReconnectGrace(world, TimeSpan.Zero, new FakeTimeProvider(), NullLogger.Instance, 0));
    }

    /// <summary>A fake clock that counts how often it is read.</summary>
    private sealed class CountingClock : FakeTimeProvider
    {
        public int Reads;

        public override long GetTimestamp()
        {
            Reads++;
            return base.GetTimestamp();
        }
    }
}
