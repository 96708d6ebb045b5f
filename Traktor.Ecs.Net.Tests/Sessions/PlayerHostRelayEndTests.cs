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
        using var harness = new TransportHarness();
        using var world = World.Create();
        var host = new NetworkHost(world, harness.Server, ReplicationWorld.Registry, new ServerReplicationOptions(), localClientId: 1);
        var session = new SessionInfo(SessionId.New(), "coop", 4, SessionVisibility.Public, new Dictionary<string, string>(), [], harness.Time.GetUtcNow())
        {
            HostKind = SessionHostKind.Player,
        };
        using var relay = new PlayerHostRelay(host, session, harness.Time, NullLogger.Instance);
        relay.Announce(null);
        Assert.Null(relay.Relay); // no RpcServer, no client: no session relay
        var score = world.Create(new Position2 { Value = new Vector2(1, 0) });
        var hostGroup = new Group<float>("host", host);
        hostGroup.Initialize();
        using var playerWorld = World.Create();
        var player = new NetworkClient(playerWorld, harness.AddClient(), ReplicationWorld.Registry, 60, harness.Time) { KeepEntitiesOnDisconnect = true };
        var playerGroup = new Group<float>("player", player);
        playerGroup.Initialize();
        void Tick(int n)
        {
            for (int i = 0; i < n; i++)
            {
                harness.Time.Advance(TimeSpan.FromTicks(TimeSpan.TicksPerSecond / 60));
                float dt = 1f / 60f;
                harness.Wire.Settle();
                playerGroup.Tick(in dt);
                harness.Wire.Settle();
                hostGroup.Tick(in dt);
            }
        }

        float Shown()
        {
            float value = float.NaN;
            playerWorld.Query(new QueryDescription().WithAll<Position2>(), (ref Position2 p) => value = p.Value.X);
            return MathF.Round(value, 2); // interpolated while the player plays
        }

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
