using System.Numerics;
using Microsoft.Extensions.Logging.Abstractions;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Net.Tests.Transport;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// A player host without an RPC layer (so without a session relay) that ends its session and ticks on, as a Lua game's
/// host does: each player gets the final world until it holds it, then <see cref="DisconnectReason.SessionEnded"/>.
/// </summary>
public sealed class PlayerHostRelayEndTests
{
    [Fact]
    public void A_host_without_a_session_relay_repeats_the_final_world_until_its_player_holds_it()
    {
        using var rig = new PlayerHostRig();
        var (harness, world, relay, player) = (rig.Harness, rig.World, rig.Relay, rig.Player);
        Assert.Null(relay.Relay); // no RpcServer, no client: no session relay
        var score = world.Create(new Position2 { Value = new Vector2(1, 0) });
        void Tick(int n) => rig.Tick(n);
        float Shown() => rig.Shown() is [var shown] ? MathF.Round(shown.X, 2) : float.NaN; // interpolated while the player plays

        player.Transport.Connect(harness.IssueToken(7));
        for (int i = 0; i < 300 && Shown() != 1; i++) Tick(1);
        Assert.Equal(1, Shown());

        // The game's final change, then the end; what the host sends in the next ticks is lost. Before, the host sent one
        // last snapshot and the notice at once, both lost: the player kept 1 and timed out.
        world.Set(score, new Position2 { Value = new Vector2(42, 0) });
        harness.ServerLink.Conditions.LossPercent = 100;
        relay.End();
        Tick(3);
        harness.ServerLink.Conditions.LossPercent = 0;
        for (int i = 0; i < 120 && player.Transport.State != ClientState.Disconnected; i++) Tick(1);

        Assert.Equal(ClientState.Disconnected, player.Transport.State);
        Assert.Equal(DisconnectReason.SessionEnded, player.Transport.LastDisconnectReason);
        Assert.Equal(42, Shown());
    }
}
