using Traktor.Ecs.Net.Peers;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>The tick a successor goes on from after a host migration, across the 32-bit tick wrap.</summary>
public sealed class MultiplayerResumeTickTests
{
    [Fact]
    public void A_successor_goes_on_from_the_newer_of_the_owners_tick_and_its_replicas_across_the_wrap()
    {
        // Before, the larger number won: a replica whose newest snapshot is past the wrap (tick 10) went back to the
        // owners' tick from before it (2^32 - 6), and the players dropped the new host's snapshots as old.
        Assert.Equal(10u, ReplicaTakeover.ResumeTick(new MigrationPlan { Tick = uint.MaxValue - 5 }, 10));
        Assert.Equal(3u, ReplicaTakeover.ResumeTick(new MigrationPlan { Tick = 3 }, uint.MaxValue - 2));

        // Without the wrap, the later one; without owners, the replica's.
        Assert.Equal(uint.MaxValue - 5, ReplicaTakeover.ResumeTick(new MigrationPlan { Tick = uint.MaxValue - 5 }, uint.MaxValue - 20));
        Assert.Equal(600u, ReplicaTakeover.ResumeTick(new MigrationPlan { Tick = 600 }, 500));
        Assert.Equal(500u, ReplicaTakeover.ResumeTick(null, 500));
    }
}
