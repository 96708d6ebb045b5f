using System.Net;
using System.Numerics;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Online;
using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Net.Tests.Rpc;
using Traktor.Ecs.Net.Tests.Scripting;
using Traktor.Ecs.Net.Tests.Sessions.Directory;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// Host migration through the <see cref="Multiplayer"/> facade alone: three C# players of a player-hosted session (real
/// backend over HTTP, a real introducer, UDP on loopback); the host's game dies (it stops ticking and its link to the
/// backend is cut). The directory gives the session to the first successor, which hosts from its copy of the world, and
/// the third player reconnects to it: both hear <see cref="Multiplayer.HostLost"/> then <see cref="Multiplayer.HostMigrated"/>,
/// the world goes on (the lost host's entity gone, the others' handed back to their owners), and the old host, back on its
/// feet, learns it was replaced and stops. Before, the players were told <see cref="SessionEndReason.ConnectionLost"/> and
/// lost the world, and the old host went on serving nobody.
/// </summary>
[Collection(nameof(SeedSnippetTests))]
public sealed partial class MultiplayerHostMigrationTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task When_the_host_dies_the_directory_picks_a_successor_that_hosts_the_world_and_the_others_follow_it()
    {
        await using var rig = await Rig.StartAsync();
        var alice = rig.Alice;
        var bob = rig.Bob;
        var carol = rig.Carol;
        var session = await rig.RunAsync(alice.Multiplayer.CreateSessionAsync(new SessionOptions("coop", 4), SessionHostKind.Player, Cancel), "alice to host");
        await rig.RunAsync(bob.Multiplayer.JoinSessionAsync(session.Id, Cancel), "bob's join");
        await rig.RunAsync(carol.Multiplayer.JoinSessionAsync(session.Id, Cancel), "carol's join");
        await rig.TickUntilAsync(() => rig.Players.All(p => Values(p.World).Count == 3), "every world to hold the three players' entities");
        for (int i = 0; i < 60; i++) rig.Tick();
        rig.Moving = false;
        alice.Mover!.Moving = false;
        var before = Values(alice.World);
        var aliceEntity = Assert.Single(Values(alice.World, new QueryDescription().WithAll<Position2, LocalOwner>()));
        await rig.TickUntilAsync(() => Same(Values(bob.World), before) && Same(Values(carol.World), before), "bob and carol to converge on alice's world");
        await rig.TickUntilAsync(() => bob.Multiplayer.HasOwners && carol.Multiplayer.HasOwners, "the owners to reach the players");
        long beats = alice.Multiplayer.HostEntry!.Heartbeats;
        await rig.TickUntilAsync(() => alice.Multiplayer.HostEntry!.Heartbeats >= beats + 2, "alice to report bob and carol, her successors, to the directory");
        long aliceId = alice.Multiplayer.UserId!.Value, bobId = bob.Multiplayer.UserId!.Value, carolId = carol.Multiplayer.UserId!.Value;

        // Alice's game dies: no more ticks, and its heartbeats stop reaching the backend.
        alice.Running = false;
        alice.Link.Cut = true;
        await rig.TickUntilAsync(() => bob.Migrated is not null && carol.Migrated is not null,
            $"the migration (bob lost {bob.Lost is not null} migrated {bob.Migrated is not null} {bob.Client.Transport.State} {bob.Client.Transport.LastDisconnectReason}, carol lost {carol.Lost is not null} migrated {carol.Migrated is not null} {carol.Client.Transport.State}, ended {bob.Ended}/{carol.Ended}, migrating {bob.Multiplayer.IsMigrating}/{carol.Multiplayer.IsMigrating}, hosting {bob.Multiplayer.Host is not null})");
        Assert.Equal(session.Id, bob.Lost!.Id);
        Assert.Equal(session.Id, carol.Lost!.Id);
        Assert.Null(bob.Ended);
        Assert.Null(carol.Ended);

        // The directory chose bob, the first player alice reported: he hosts now, carol plays under him.
        Assert.True(bob.Migrated!.IsLocalHost);
        Assert.Equal((aliceId, bobId), (bob.Migrated.PreviousHostUserId, bob.Migrated.NewHostUserId));
        Assert.False(carol.Migrated!.IsLocalHost);
        Assert.Equal((aliceId, bobId), (carol.Migrated.PreviousHostUserId, carol.Migrated.NewHostUserId));
        Assert.NotNull(bob.Multiplayer.Host);
        Assert.Equal(bobId, bob.Multiplayer.CurrentSession!.HostUserId);
        Assert.Equal(bobId, carol.Multiplayer.CurrentSession!.HostUserId);
        Assert.False(bob.Multiplayer.IsMigrating || carol.Multiplayer.IsMigrating);
        var directory = (await rig.Directory.GetSessionAsync(session.Id, Cancel))!;
        Assert.Equal(SessionState.Live, directory.State);
        Assert.Equal(bobId, directory.HostUserId);

        // The world goes on from where alice left it: her entity is gone, bob's and carol's are where they were, and carol's
        // world converges on bob's.
        var kept = before.Where(v => v != aliceEntity).ToList();
        Assert.True(Same(kept, Values(bob.World)), $"{string.Join(",", kept)} vs {string.Join(",", Values(bob.World))}");
        await rig.TickUntilAsync(() => Same(Values(carol.World), kept), $"carol to converge on bob's world ({string.Join(",", Values(carol.World))} vs {string.Join(",", kept)})");

        // Each player got its entity back on the new host: bob's own is his local player's, carol's is her connection's again;
        // the game goes on moving them (it moves owned entities only).
        await rig.TickUntilAsync(() => Owned(bob.World) == 2, "carol to get her entity back on bob's host");
        Assert.Equal(1, bob.World.CountEntities(new QueryDescription().WithAll<Position2, LocalOwner>()));
        bob.Mover!.Moving = true;
        for (int i = 0; i < 30; i++) rig.Tick();
        bob.Mover.Moving = false;
        var moved = Values(bob.World);
        Assert.All(moved, v => Assert.DoesNotContain(v, kept));
        await rig.TickUntilAsync(() => Same(Values(carol.World), moved), "carol to follow bob's moves");

        // Alice comes back: her next heartbeat is refused (bob hosts), so she stops serving and is told why.
        alice.Running = true;
        alice.Link.Cut = false;
        await rig.TickUntilAsync(() => alice.Ended is not null, "alice to learn she was replaced");
        Assert.Equal(SessionEndReason.HostReplaced, alice.Ended);
        Assert.Null(alice.Multiplayer.Host);
        Assert.Null(alice.Multiplayer.CurrentSession);
        Assert.Null(bob.Ended);
        Assert.Null(carol.Ended);
    }

    [Fact]
    public async Task A_successor_whose_claim_answer_is_lost_claims_again_and_hosts()
    {
        await using var rig = await Rig.StartAsync();
        var (alice, bob, carol) = (rig.Alice, rig.Bob, rig.Carol);
        var session = await rig.AliceHostsBobAndCarolAsync();
        long bobId = bob.Multiplayer.UserId!.Value;

        // The directory gives bob the session, but its answer to his claim never reaches him. Before, bob then saw himself
        // named host, neither claimed again (the host was no longer alice) nor followed (it was himself): nobody hosted, and
        // every player's session ended after HostMigrationWait.
        bob.Link.LoseClaimAnswers = 1;
        alice.Running = false;
        alice.Link.Cut = true;
        await rig.TickUntilAsync(() => bob.Migrated is not null && carol.Migrated is not null,
            $"the migration (bob migrating {bob.Multiplayer.IsMigrating}, hosting {bob.Multiplayer.Host is not null}, claims lost {1 - bob.Link.LoseClaimAnswers}, ended {bob.Ended}/{carol.Ended})");
        Assert.Equal(0, bob.Link.LoseClaimAnswers); // the lost answer did happen
        Assert.True(bob.Migrated!.IsLocalHost);
        Assert.NotNull(bob.Multiplayer.Host);
        Assert.Equal(bobId, carol.Migrated!.NewHostUserId);
        Assert.Null(bob.Ended);
        Assert.Null(carol.Ended);
        Assert.Equal(bobId, (await rig.Directory.GetSessionAsync(session.Id, Cancel))!.HostUserId);
    }

    private static List<(float, float)> Values(World world) => Values(world, new QueryDescription().WithAll<Position2>());

    private static List<(float, float)> Values(World world, QueryDescription query)
    {
        var values = new List<(float, float)>();
        world.Query(query, (ref Position2 p) => values.Add((MathF.Round(p.Value.X, 2), MathF.Round(p.Value.Y, 2))));
        values.Sort();
        return values;
    }

    /// <summary>
    /// The same positions within the wire's quantization step (<see cref="Position2"/>: 0.01): a host's own value and the
    /// value its players receive differ by up to a step, so rounding both to two decimals can land them on either side
    /// of a step (-235.75 on the host, -235.76 on its players) and an exact comparison never converges.
    /// </summary>
    private static bool Same(List<(float X, float Y)> a, List<(float X, float Y)> b) =>
        a.Count == b.Count && a.Zip(b).All(p => MathF.Abs(p.First.X - p.Second.X) <= 0.0101f && MathF.Abs(p.First.Y - p.Second.Y) <= 0.0101f);

    private static int Owned(World world) => world.CountEntities(new QueryDescription().WithAll<Position2, NetworkOwner>());

    /// <summary>Moves every owned entity on whichever player hosts.</summary>
    private sealed class Mover(World world) : BaseSystem<World, float>(world)
    {
        private readonly QueryDescription moving = new QueryDescription().WithAll<Position2, NetworkOwner>();

        public bool Moving { get; set; } = true;

        public override void Update(in float dt)
        {
            if (!Moving) return;
            World.Query(in moving, (ref Position2 p) => p.Value += new Vector2(0.5f, -0.25f));
        }
    }
}
