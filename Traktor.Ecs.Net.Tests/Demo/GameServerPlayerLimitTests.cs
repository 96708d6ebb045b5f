using Demo;
using Demo.Fleet;
using Traktor.Ecs.Net.Tests.Transport;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Demo;

/// <summary><c>--game-server --max-players N</c>: the server holds N players and refuses the next as ServerFull (docs/PROTOCOL.md §9).</summary>
public class GameServerPlayerLimitTests
{
    [Fact]
    public void The_player_after_max_players_is_refused_as_server_full()
    {
        const int MaxPlayers = 3;
        var options = DemoOptions.Parse(["--game-server", "--max-players", $"{MaxPlayers}"]);
        using var h = new TransportHarness(configure: o =>
        {
            var demo = GameServerMode.ServerOptions(options, o.PrivateKey!, NetAddress.Parse("127.0.0.1:40000"));
            o.MaxClients = demo.MaxClients;
            o.MaxConnectionsPerAddress = demo.MaxConnectionsPerAddress;
            o.MaxConnectionsPerSubnet = demo.MaxConnectionsPerSubnet;
        });
        // Every player from one address, as on the demo's loopback fleet: the per-address caps must not be what refuses.
        NetClient Join(ulong id)
        {
            var client = h.AddClient(address: NetAddress.Parse($"127.0.0.1:{50000 + id}"));
            client.Connect(h.IssueToken(id));
            Assert.True(h.RunUntil(() => client.State is ClientState.Connected or ClientState.Disconnected, maxSteps: 600), $"player {id} is {client.State}");
            return client;
        }
        var players = Enumerable.Range(1, MaxPlayers).Select(i => Join((ulong)i)).ToList();
        Assert.All(players, p => Assert.Equal(ClientState.Connected, p.State));
        for (int i = 0; i < 16 * 60; i++) // busy players: a full server may reclaim an idle slot, never a busy one
        {
            foreach (var player in players) player.Send(ChannelKind.Unreliable, [1]);
            h.Step(1000.0 / 60);
        }

        var late = Join(MaxPlayers + 1);
        Assert.Equal(DisconnectReason.ServerFull, late.LastDisconnectReason);
        Assert.All(players, p => Assert.Equal(ClientState.Connected, p.State));
        Assert.Equal(MaxPlayers, h.Server.ConnectionCount);
    }
}
