using Traktor.Ecs.Net.Peers;
using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Net.Tests.Prediction;

namespace Traktor.Ecs.Net.Tests.Peers;

/// <summary>
/// A <see cref="MigratingPeer"/>'s client settings (<see cref="MigrationOptions.Client"/>) are checked when the peer is
/// made and again before a host follows another (review43). Before, only the transport checked them, when the peer became
/// a client: a host calling <see cref="MigratingPeer.FollowHost"/> had already stopped serving its players by then, so a
/// bad value left it neither host nor client.
/// </summary>
public sealed class MigrationClientOptionsValidationTests
{
    [Fact]
    public void A_bad_client_setting_is_refused_when_the_peer_is_made()
    {
        var network = new InMemoryNetwork();
        using var world = World.Create();
        var options = new MigrationOptions { ProtocolId = 7, Client = new NetClientOptions { ConnectTimeout = TimeSpan.Zero } };

        var refused = Assert.Throws<ArgumentOutOfRangeException>(() => new MigratingPeer(world, ReplicationWorld.Registry, 1,
            network.CreateTransport(), network.CreateTransport(), options, _ => [], _ => []));

        Assert.Equal(nameof(NetClientOptions.ConnectTimeout), refused.ParamName);
    }

    [Fact]
    public void A_host_whose_client_setting_went_bad_is_refused_the_follow_and_keeps_hosting()
    {
        var client = new NetClientOptions();
        using var game = new MigrationGame(2, new LinkConditions(), seed: 41, client: client);
        var (host, player) = (game.Peers[0].Peer, game.Peers[1].Peer);
        Assert.True(game.TickUntil(() => player.Role == MigrationRole.Client && player.Successors.Count == 1, 300), game.Describe());

        client.HandshakeResendInterval = TimeSpan.Zero; // the game changes the settings it gave, after the peer was made
        var refused = Assert.Throws<ArgumentOutOfRangeException>(() => host.FollowHost(player.ClientId, player.IssueToken(host.ClientId, TimeSpan.FromMinutes(1))));

        Assert.Equal(nameof(NetClientOptions.HandshakeResendInterval), refused.ParamName);
        Assert.Equal(MigrationRole.Host, host.Role);
        game.Tick(60);
        Assert.Equal(MigrationRole.Host, host.Role);
        Assert.Equal(MigrationRole.Client, player.Role); // its player still plays under it
        Assert.Equal(host.ClientId, player.HostClientId);
    }
}
