using Traktor.Ecs.Net.Replication.Client;
using Traktor.Ecs.Net.Replication.Timing;

namespace Traktor.Ecs.Net.Tests.Replication;

/// <summary>
/// The tick rate given to a loop, a clock or a client's replication is bounded as the server's is (1 to
/// <see cref="ServerReplicationOptions.TickRateLimit"/>), and so is a catch-up count (options3). Before, only the
/// lower end was checked (and not at all by <see cref="ClientReplication"/>): a <see cref="NetworkLoop"/> at 20,000,000
/// Hz was made with a tick length of zero, which its first <see cref="NetworkLoop.Update"/> divided by.
/// </summary>
public sealed class TickRateBoundsTests
{
    [Theory]
    [InlineData(ServerReplicationOptions.TickRateLimit + 1)]
    [InlineData(20_000_000)]
    [InlineData(int.MaxValue)]
    public void A_tick_rate_past_the_servers_limit_is_refused_everywhere(int tickRate)
    {
        Assert.Equal("tickRate", Assert.Throws<ArgumentOutOfRangeException>(() => new NetworkLoop(tickRate)).ParamName);
        Assert.Equal("tickRate", Assert.Throws<ArgumentOutOfRangeException>(() => new TickClock(tickRate)).ParamName);
        Assert.Equal("tickRate", Assert.Throws<ArgumentOutOfRangeException>(() => new ServerTickEstimator(tickRate)).ParamName);
        using var world = World.Create();
        Assert.Equal("tickRate", Assert.Throws<ArgumentOutOfRangeException>(() => new ClientReplication(world, ReplicationWorld.Registry, tickRate)).ParamName);
    }

    [Fact]
    public void A_catch_up_past_the_limit_is_refused()
    {
        Assert.Equal("maxCatchUpTicks", Assert.Throws<ArgumentOutOfRangeException>(() => new NetworkLoop(60, maxCatchUpTicks: ServerReplicationOptions.TickRateLimit + 1)).ParamName);
        Assert.Equal("maxCatchUpTicks", Assert.Throws<ArgumentOutOfRangeException>(() => new TickClock(60, maxCatchUpTicks: int.MaxValue)).ParamName);
    }

    /// <summary>The limit itself is taken, and a loop at it runs one tick a millisecond.</summary>
    [Fact]
    public void The_limit_itself_is_taken_and_ticks_once_a_millisecond()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var loop = new NetworkLoop(ServerReplicationOptions.TickRateLimit, time, maxCatchUpTicks: ServerReplicationOptions.TickRateLimit);
        time.Advance(TimeSpan.FromMilliseconds(10));
        Assert.Equal(10, loop.Update());

        _ = new TickClock(ServerReplicationOptions.TickRateLimit, ServerReplicationOptions.TickRateLimit);
        using var world = World.Create();
        _ = new ClientReplication(world, ReplicationWorld.Registry, ServerReplicationOptions.TickRateLimit);
    }
}
