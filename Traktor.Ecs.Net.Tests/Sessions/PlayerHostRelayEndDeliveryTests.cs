using System.Numerics;
using Microsoft.Extensions.Logging.Abstractions;
using Traktor.Ecs.Net.Peers;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Net.Tests.Transport;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// A player host (the one a <see cref="Multiplayer"/> or a Lua game runs) that ended its session and delivers the final
/// world: its world is its player's end screen, so no owners for a migration go out, the game hears no player leave it,
/// and a newcomer with a valid token is denied with <see cref="DisconnectReason.SessionEnded"/>.
/// </summary>
public sealed class PlayerHostRelayEndDeliveryTests
{
    /// <summary>
    /// Failed before: the owners changed after the end went out as a plan (1 plan after the end), the player let go raised
    /// ClientDisconnected on the host (1), and the newcomer was admitted (Connected) to the ended session.
    /// </summary>
    [Fact]
    public void An_ended_player_host_sends_no_plan_raises_no_disconnect_and_denies_a_newcomer_with_session_ended()
    {
        using var rig = new PlayerHostRig();
        int plans = 0, disconnects = 0;
        rig.Player.RegisterHandler(MigrationPlan.PlanMessage, _ => plans++);
        rig.Host.Server.ClientDisconnected += (_, _) => disconnects++;

        rig.Player.Transport.Connect(rig.Harness.IssueToken(7));
        ConnectionId? playerConnection = null;
        for (int i = 0; i < 300 && (plans == 0 || playerConnection is null); i++)
        {
            rig.Tick(1);
            playerConnection = rig.Host.Server.Connections.Where(c => !rig.Host.Server.IsLocal(c)).Cast<ConnectionId?>().FirstOrDefault();
        }

        Assert.True(plans > 0, "the player got the owners while the session ran");
        var ship = rig.World.Create(new Position2 { Value = new Vector2(1, 0) }, new NetworkOwner(playerConnection!.Value));
        rig.Tick(20);
        Assert.True(rig.Shown().Count == 1, "the player shows its ship");
        var newcomerToken = rig.Harness.IssueToken(8);

        // The end; the player's link loses everything for a while, so the delivery lasts more than one owners' check. The
        // game hands the ship to its own player meanwhile (an owner change, which a running session sends as a plan).
        plans = 0;
        rig.World.Set(ship, new Position2 { Value = new Vector2(42, 0) }); // the game's final move: the player must get it
        rig.Harness.ServerLink.Conditions.LossPercent = 100;
        rig.Relay.End();
        rig.World.Set(ship, new NetworkOwner(rig.Host.LocalConnection));
        rig.Tick(20);
        rig.Harness.ServerLink.Conditions.LossPercent = 0;
        var newcomer = rig.Harness.AddClient();
        newcomer.Connect(newcomerToken);
        for (int i = 0; i < 120 && (rig.Player.Transport.State != ClientState.Disconnected || newcomer.State != ClientState.Disconnected); i++)
        {
            newcomer.Update();
            rig.Tick(1);
        }

        Assert.True(rig.Player.Transport.LastDisconnectReason == DisconnectReason.SessionEnded,
            $"player {rig.Player.Transport.State} {rig.Player.Transport.LastDisconnectReason}, newcomer {newcomer.State} {newcomer.LastDisconnectReason}, server connections {rig.Harness.Server.ConnectionCount}");
        Assert.True(rig.Shown() is [var shown] && Vector2.Distance(shown, new Vector2(42, 0)) < 0.01f, "the player shows the final move");
        Assert.Equal(ClientState.Disconnected, newcomer.State);
        Assert.Equal(DisconnectReason.SessionEnded, newcomer.LastDisconnectReason);
        Assert.Equal(0, plans);
        Assert.Equal(0, disconnects);
        Assert.True(rig.World.IsAlive(ship));
    }

    /// <summary>
    /// The game of an ended player host hears each remote player leave its end screen, though its
    /// <see cref="NetworkServer.ClientDisconnected"/> is held back: <see cref="NetworkServer.PlayerReleasedAfterEnd"/> says
    /// who, why and whether it held the final world. Failed before: nothing public was raised at all.
    /// </summary>
    [Fact]
    public void An_ended_player_host_raises_player_released_after_end_for_a_player_that_holds_the_final_world()
    {
        using var rig = new PlayerHostRig();
        var released = new List<PlayerReleasedAfterEndEvent>();
        int disconnects = 0;
        rig.Host.Server.PlayerReleasedAfterEnd += released.Add;
        rig.Host.Server.ClientDisconnected += (_, _) => disconnects++;
        rig.Player.Transport.Connect(rig.Harness.IssueToken(7));
        rig.World.Create(new Position2 { Value = new Vector2(3, 0) });
        for (int i = 0; i < 300 && rig.Shown().Count == 0; i++) rig.Tick(1);
        Assert.True(rig.Shown().Count == 1, "the player shows the host's entity");
        var connection = Assert.Single(rig.Host.Server.Connections, c => !rig.Host.Server.IsLocal(c));

        rig.Relay.End();
        for (int i = 0; i < 120 && released.Count == 0; i++) rig.Tick(1);

        var release = Assert.Single(released);
        Assert.Equal(new PlayerReleasedAfterEndEvent(connection, 7, DisconnectReason.SessionEnded, HeldFinalWorld: true), release);
        Assert.Equal(0, disconnects);
        Assert.Equal(DisconnectReason.SessionEnded, rig.Player.Transport.LastDisconnectReason);
    }

    /// <summary>
    /// A player whose link is dead from the end on is let go at the delivery's deadline: its release says it did not hold
    /// the final world, so a game can tell "saw the result" from "was cut before it could".
    /// </summary>
    [Fact]
    public void A_player_let_go_at_the_deadline_is_released_without_the_final_world()
    {
        using var rig = new PlayerHostRig();
        var released = new List<PlayerReleasedAfterEndEvent>();
        rig.Host.Server.PlayerReleasedAfterEnd += released.Add;
        rig.Player.Transport.Connect(rig.Harness.IssueToken(7));
        var score = rig.World.Create(new Position2 { Value = new Vector2(3, 0) });
        for (int i = 0; i < 300 && rig.Shown().Count == 0; i++) rig.Tick(1);
        Assert.True(rig.Shown().Count == 1, "the player shows the host's entity");

        rig.Harness.ServerLink.Conditions.LossPercent = 100;
        rig.World.Set(score, new Position2 { Value = new Vector2(42, 0) }); // the final world: the player never gets it
        rig.Relay.End();
        for (int i = 0; i < 600 && released.Count == 0; i++) rig.Tick(1);

        var release = Assert.Single(released);
        Assert.Equal(7UL, release.ClientId);
        Assert.False(release.HeldFinalWorld);
        Assert.True(rig.Shown() is [var shown] && Vector2.Distance(shown, new Vector2(3, 0)) < 0.1f, "the player never got the final world");
    }
}
