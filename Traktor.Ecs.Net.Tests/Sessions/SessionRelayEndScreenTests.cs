using System.Numerics;
using Traktor.Ecs.Net.Sessions;
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

    private static float ScoreOf(World world)
    {
        float value = float.NaN;
        world.Query(new QueryDescription().WithAll<Position2>(), (ref Position2 p) => value = p.Value.X);
        return MathF.Round(value, 2);
    }

    /// <summary>The game's end of the match: in the tick the session's end reaches the world, the final score.</summary>
    private sealed class FinalScore(SessionRelay relay, World world, Entity score) : ISystem<float>
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
                world.Set(score, new Position2 { Value = new Vector2(42, 0) });
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
