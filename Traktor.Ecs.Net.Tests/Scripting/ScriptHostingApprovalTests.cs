using Microsoft.Extensions.Logging.Abstractions;
using Traktor.Ecs.Net.Scripting.Api;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Net.Tests.Rpc;
using Traktor.Ecs.Net.Tests.Transport;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// The approval a Lua game's host relay adds to its <see cref="NetServer"/> goes with the relay: after the scripts let go of
/// one host and attach to another on the same server (a new session hosted on the same socket), the new session's players
/// are admitted. Before, the first relay's approval stayed on the server for its life and refused every ticket of the
/// session that followed.
/// </summary>
public sealed class ScriptHostingApprovalTests
{
    [Fact]
    public void After_detach_the_relay_of_the_next_host_on_the_same_server_admits_its_players()
    {
        using var harness = new TransportHarness();
        using var firstWorld = World.Create();
        using var secondWorld = World.Create();
        var network = new ScriptNetwork(firstWorld, harness.Time, NullLogger.Instance);

        var first = Session("first", harness);
        var firstHost = Host(firstWorld, harness);
        network.Hosting.Attach(firstHost, first, takeover: null, entry: null);
        Assert.Equal(1, harness.Server.AddedApprovals);
        Assert.Equal(DisconnectReason.Rejected, Attempt(harness, 7, Ticket(Session("another", harness), harness)).LastDisconnectReason);

        network.Hosting.Detach();
        Assert.Equal(0, harness.Server.AddedApprovals);

        var second = Session("second", harness);
        network.Hosting.Attach(Host(secondWorld, harness), second, takeover: null, entry: null);
        Assert.Equal(1, harness.Server.AddedApprovals);

        var player = Attempt(harness, 8, Ticket(second, harness));
        Assert.Equal(ClientState.Connected, player.State);

        // The second relay decides alone: a ticket of the first session is refused now.
        Assert.Equal(DisconnectReason.Rejected, Attempt(harness, 9, Ticket(first, harness)).LastDisconnectReason);
    }

    private static NetworkHost Host(World world, TransportHarness harness)
    {
        var host = new NetworkHost(world, harness.Server, ReplicationWorld.Registry, new ServerReplicationOptions(), localClientId: 1);
        _ = new RpcServer(host.Server, RpcWorld.Rpcs, new RpcOptions(), harness.Time);
        return host;
    }

    private static SessionInfo Session(string name, TransportHarness harness) =>
        new(SessionId.New(), name, 4, SessionVisibility.Public, new Dictionary<string, string>(), [], harness.Time.GetUtcNow())
        {
            HostKind = SessionHostKind.Player,
        };

    private static byte[] Ticket(SessionInfo session, TransportHarness harness)
    {
        var bytes = new byte[SessionTicket.MaxSize];
        int length = new SessionTicket(session.Id, harness.Time.GetUtcNow(), session.MaxPlayers, "pilot").Write(bytes);
        return bytes[..length];
    }

    private static NetClient Attempt(TransportHarness harness, ulong player, byte[] ticket)
    {
        var client = harness.AddClient(seed: (int)player);
        client.Connect(harness.IssueToken(player, ticket));
        harness.RunUntil(() => client.State is ClientState.Connected or ClientState.Disconnected, maxSteps: 600);
        return client;
    }
}
