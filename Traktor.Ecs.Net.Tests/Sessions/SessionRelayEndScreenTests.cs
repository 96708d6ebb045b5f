using System.Numerics;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Transport;
using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Net.Tests.Rpc;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// The end screen of a session on a game server (<see cref="SessionRelay"/>): each player is let go only once it holds
/// the world of the tick the session ended in, however the link treated that tick's snapshot.
/// </summary>
public class SessionRelayEndScreenTests
{
    [Fact]
    public async Task A_player_whose_snapshot_of_the_end_tick_was_lost_still_ends_with_the_value_set_in_that_tick()
    {
        SessionRelay? relay = null;
        using var setup = new RpcWorld(
            new LinkConditions { LatencyMs = 20 },
            configure: options => options.ApproveConnection = (clientId, userData, address) => relay!.Approve(clientId, userData, address));
        (var sessions, var session, relay) = await SessionRelayTests.OpenAsync(setup, "final", 2);
        var score = setup.ServerWorld.Create(new Position2 { Value = new Vector2(1, 0) });
        setup.ServerGroup.Add(new FinalScore(relay, setup.ServerWorld, score));
        var (carol, _, _, _) = await SessionRelayTests.JoinAsync(setup, sessions, session.Id, 3, "carol");
        carol.Client.KeepEntitiesOnDisconnect = true; // as the Multiplayer facade and Lua keep the world for the end screen
        Assert.True(setup.TickUntil(() => ScoreOf(carol.World) == 1, 300));

        // The session ends; the game sets the final score in the tick that sees it, whose packet the link loses. Before, the
        // player was let go once its reliable messages were acknowledged (none were pending): the notice left with that
        // packet and was lost with it, the lost change was never resent, and the player timed out with 1 on its end screen.
        relay.End(SessionEndReason.Ended);
        setup.Harness.ServerLink.Conditions.LossPercent = 100;
        Assert.True(setup.TickUntil(() => relay.EndReason == SessionEndReason.Ended, 5));
        setup.Harness.ServerLink.Conditions.LossPercent = 0;

        Assert.True(setup.TickUntil(() => carol.Client.Transport.State == ClientState.Disconnected, 900)); // past the client's timeout
        Assert.Equal(42, ScoreOf(carol.World));
        Assert.Equal(DisconnectReason.SessionEnded, carol.Client.Transport.LastDisconnectReason);
    }

    /// <summary>
    /// A world larger than one snapshot's budget: the end tick changes every entity, and the player is let go only once it
    /// acknowledged all of them. Failed before: the player was let go once it acknowledged one snapshot of the end tick,
    /// which carried a few of the changes, and its end screen kept the old value on the rest.
    /// </summary>
    [Fact]
    public async Task A_player_is_let_go_only_once_it_holds_every_entity_of_a_final_world_larger_than_one_snapshot()
    {
        const int Entities = 80;
        SessionRelay? relay = null;
        using var setup = new RpcWorld(
            new LinkConditions { LatencyMs = 30 },
            configure: options => options.ApproveConnection = (clientId, userData, address) => relay!.Approve(clientId, userData, address),
            replication: new ServerReplicationOptions { MaxSnapshotBytes = 90, BytesPerSecond = 90 * 60 });
        (var sessions, var session, relay) = await SessionRelayTests.OpenAsync(setup, "large", 2);
        var scores = new Entity[Entities];
        for (int i = 0; i < Entities; i++)
        {
            scores[i] = setup.ServerWorld.Create(new Position2 { Value = new Vector2(1, i) });
        }

        setup.ServerGroup.Add(new FinalScore(relay, setup.ServerWorld, scores));
        var (carol, _, _, _) = await SessionRelayTests.JoinAsync(setup, sessions, session.Id, 3, "carol");
        carol.Client.KeepEntitiesOnDisconnect = true;
        Assert.True(setup.TickUntil(() => Scores(carol.World).Count(x => x == 1) == Entities, 1200));

        relay.End(SessionEndReason.Ended);
        Assert.True(setup.TickUntil(() => carol.Client.Transport.State == ClientState.Disconnected, 120));
        Assert.Equal(DisconnectReason.SessionEnded, carol.Client.Transport.LastDisconnectReason);
        Assert.All(Scores(carol.World), x => Assert.Equal(42, x));
    }

    /// <summary>
    /// The relay's own clock (of departures) stands still while the server's runs: a player whose link lost everything since
    /// the end is let go at <see cref="SessionRelay.EndDeliveryWait"/> on the server's clock. Failed before: the wait was
    /// timed on the relay's clock, which never reached it, and the server held the silent player until its link timed out.
    /// </summary>
    [Fact]
    public async Task The_end_delivery_wait_runs_on_the_servers_clock_not_the_relays()
    {
        SessionRelay? relay = null;
        using var setup = new RpcWorld(
            new LinkConditions { LatencyMs = 20 },
            configure: options => options.ApproveConnection = (clientId, userData, address) => relay!.Approve(clientId, userData, address));
        var sessions = new InProcessSessions(
            new SessionTokenOptions { ServerKey = setup.Harness.ServerKey, ProtocolId = TransportHarness.ProtocolId },
            [setup.Harness.ServerAddress.ToEndPoint()],
            setup.Harness.Time);
        var session = await sessions.CreateSessionAsync(new SessionOptions("clocks", 2), TestContext.Current.CancellationToken);
        var standing = new FakeTimeProvider(setup.Harness.Time.GetUtcNow()); // the relay's clock: never advanced
        relay = new SessionRelay(setup.ServerRpcs, session.Id, 2, sessions, standing);
        sessions.Attach(relay);
        var score = setup.ServerWorld.Create(new Position2 { Value = new Vector2(1, 0) });
        setup.ServerGroup.Add(new FinalScore(relay, setup.ServerWorld, score)); // a final change the player never acknowledges
        var (carol, _, _, _) = await SessionRelayTests.JoinAsync(setup, sessions, session.Id, 3, "carol");
        Assert.True(setup.TickUntil(() => ScoreOf(carol.World) == 1, 300));
        DisconnectReason? closed = null;
        DateTimeOffset closedAt = default;
        setup.Server.ClientDisconnected += (_, reason) => (closed, closedAt) = (reason, setup.Harness.Time.GetUtcNow());

        setup.Harness.ServerLink.Conditions.LossPercent = 100;
        relay.End(SessionEndReason.Ended);
        var endedAt = setup.Harness.Time.GetUtcNow();
        Assert.True(setup.TickUntil(() => closed is not null, 60 * 20));
        Assert.Equal(DisconnectReason.SessionEnded, closed);
        Assert.InRange(closedAt - endedAt, SessionRelay.EndDeliveryWait, SessionRelay.EndDeliveryWait + TimeSpan.FromMilliseconds(100));
    }

    /// <summary>
    /// A game server hosts sessions one after another (docs/sessions.md: one relay per session, the last one disposed
    /// before the next is made): the next session's player sees the world as it is, not the ended one's end screen.
    /// Failed before: the first session's end froze the server's replication for good, and the new player got the frozen
    /// world (the entity made for the second session never reached it).
    /// </summary>
    [Fact]
    public async Task A_session_that_follows_an_ended_one_on_the_same_server_replicates_its_own_world()
    {
        SessionRelay? relay = null;
        using var setup = new RpcWorld(
            new LinkConditions { LatencyMs = 20 },
            configure: options => options.ApproveConnection = (clientId, userData, address) => relay!.Approve(clientId, userData, address));
        (var sessions, var first, relay) = await SessionRelayTests.OpenAsync(setup, "first", 2);
        var score = setup.ServerWorld.Create(new Position2 { Value = new Vector2(1, 0) });
        var (carol, _, _, _) = await SessionRelayTests.JoinAsync(setup, sessions, first.Id, 3, "carol");
        Assert.True(setup.TickUntil(() => ScoreOf(carol.World) == 1, 300));
        relay.End(SessionEndReason.Ended);
        Assert.True(setup.TickUntil(() => carol.Client.Transport.State == ClientState.Disconnected, 300));

        relay.Dispose();
        var second = await sessions.CreateSessionAsync(new SessionOptions("second", 2), TestContext.Current.CancellationToken);
        relay = new SessionRelay(setup.ServerRpcs, second.Id, 2, sessions, setup.Harness.Time);
        sessions.Attach(relay);
        setup.ServerWorld.Destroy(score);
        setup.ServerWorld.Create(new Position2 { Value = new Vector2(7, 0) });
        var (dave, _, _, _) = await SessionRelayTests.JoinAsync(setup, sessions, second.Id, 4, "dave");

        Assert.True(setup.TickUntil(() => Scores(dave.World) is [7], 300), $"dave sees {string.Join(", ", Scores(dave.World))}");
        relay.Dispose();
    }

    private static List<float> Scores(World world)
    {
        var values = new List<float>();
        world.Query(new QueryDescription().WithAll<Position2>(), (ref Position2 p) => values.Add(MathF.Round(p.Value.X, 2)));
        return values;
    }

    private static float ScoreOf(World world)
    {
        float value = float.NaN;
        world.Query(new QueryDescription().WithAll<Position2>(), (ref Position2 p) => value = p.Value.X);
        return MathF.Round(value, 2);
    }

    /// <summary>The game's end of the match: in the tick the session's end reaches the world, the final score.</summary>
    private sealed class FinalScore(SessionRelay relay, World world, params Entity[] scores) : ISystem<float>
    {
        private bool set;

        public void Initialize()
        {
        }

        public void BeforeUpdate(in float state)
        {
        }

        public void Update(in float state)
        {
            if (!set && relay.EndReason != SessionEndReason.None)
            {
                set = true;
                foreach (var score in scores)
                {
                    world.Set(score, new Position2 { Value = new Vector2(42, world.Get<Position2>(score).Value.Y) });
                }
            }
        }

        public void AfterUpdate(in float state)
        {
        }

        public void Dispose()
        {
        }
    }
}
