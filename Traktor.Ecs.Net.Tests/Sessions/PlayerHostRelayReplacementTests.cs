using Microsoft.Extensions.Logging.Abstractions;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Net.Tests.Rpc;
using Traktor.Ecs.Net.Tests.Transport;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// A player of a player-hosted session whose client completes a new handshake from the socket of its own, still open
/// connection (a follow attempt that timed out after the host had admitted it) gets a new connection in place of the old
/// one, which closes with <see cref="DisconnectReason.ClientDisconnected"/>: the host's relay must not read that as a leave.
/// </summary>
public sealed class PlayerHostRelayReplacementTests
{
    private const ulong Player = 7;

    [Fact]
    public void A_replaced_connection_is_not_a_leave()
    {
        PlayerHostRelay? relay = null;
        using var harness = new TransportHarness(configure: o => o.ApproveConnection = (id, data, address) => relay!.Approve(id, data, address));
        using var world = World.Create();
        var host = new NetworkHost(world, harness.Server, ReplicationWorld.Registry, new ServerReplicationOptions(), localClientId: 1);
        _ = new RpcServer(host.Server, RpcWorld.Rpcs, new RpcOptions(), harness.Time);
        var session = new SessionInfo(SessionId.New(), "coop", 4, SessionVisibility.Public, new Dictionary<string, string>(), [], harness.Time.GetUtcNow())
        {
            HostKind = SessionHostKind.Player,
        };
        relay = new PlayerHostRelay(host, session, harness.Time, NullLogger.Instance);
        relay.Announce(null);
        var departed = new List<ulong>();
        relay.Relay!.Departed += departed.Add;
        var group = new Group<float>("host", host);
        group.Initialize();
        var client = harness.AddClient();
        void Tick(int n)
        {
            for (int i = 0; i < n; i++)
            {
                harness.Time.Advance(TimeSpan.FromTicks(TimeSpan.TicksPerSecond / 60));
                float dt = 1f / 60f;
                harness.Wire.Settle();
                client.Update();
                harness.Wire.Settle();
                group.Tick(in dt);
            }
        }

        byte[] Ticket()
        {
            var bytes = new byte[SessionTicket.MaxSize];
            int length = new SessionTicket(session.Id, harness.Time.GetUtcNow(), session.MaxPlayers, "pilot").Write(bytes);
            return harness.IssueToken(Player, bytes[..length]);
        }

        client.Connect(Ticket());
        Tick(60);
        Assert.Equal(ClientState.Connected, client.State);
        Assert.Equal([(long)Player], relay.Players);
        Assert.Single(relay.Relay.PresentPlayers, p => p == Player);

        // The client gives its connection up without a notice that arrives and connects again from the same socket.
        harness.ClientLinks[0].Conditions.LossPercent = 100;
        client.Disconnect();
        Tick(1);
        harness.ClientLinks[0].Conditions.LossPercent = 0;
        client.Connect(Ticket());
        Tick(60);
        Assert.Equal(1, harness.Server.Counters.Replaced);

        // Before, the relay took the old connection's ClientDisconnected for a leave: the player departed (PlayerLeft, its
        // admitted ticket voided) and was announced joining again on its new connection.
        Assert.Equal(ClientState.Connected, client.State);
        Assert.Empty(departed);
        Assert.Equal([(long)Player], relay.Players);
        Assert.Single(relay.Relay.PresentPlayers, p => p == Player);
    }
}
