using Traktor.Ecs.Net.Peers;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Tests.Peers;

/// <summary>
/// A hostile but authenticated player of a listen-server game with host migration (docs/SECURITY.md, "Peer-to-peer"):
/// it joined with a valid token and sends kind 0x88 bytes of its choosing to the host.
/// </summary>
public class HostMigrationAbuseTests(ITestOutputHelper output)
{
    [Fact]
    public void A_peer_announcing_a_new_standby_every_second_is_cut_and_makes_the_host_send_no_more_plans()
    {
        // Before: every announcement with another address changed the plan, and the host sent every peer a new one (with
        // fresh tokens for each successor), once a second for as long as the peer liked: 90 plans in 30 s for 3 peers,
        // each up to 8 × 1,052 bytes of tokens plus 13 bytes per owned entity, for 52 bytes a second.
        using var game = new MigrationGame(4, new LinkConditions(), seed: 3);
        Assert.True(game.TickUntil(() => game.Peers.Skip(1).All(p => p.Peer.Role == MigrationRole.Client && p.Peer.Successors.Count == 3), 60 * 30), game.Describe());
        var host = game.Peers[0].Peer;
        var hostile = game.Peers[3];
        game.Tick(60 * 2);
        long plansBefore = host.PlansSent;

        var standby = new byte[MigrationPlan.StandbyBytes];
        for (int second = 0; second < 30; second++)
        {
            if (hostile.Peer.Client is { Transport.State: ClientState.Connected } client)
            {
                MigrationPlan.WriteStandby(standby, ConnectTokenIssuer.GenerateServerKey(), NetAddress.Parse($"127.0.0.1:{20000 + second}"));
                client.Transport.Send(ChannelKind.ReliableOrdered, standby);
            }

            game.Tick(60);
        }

        long plans = host.PlansSent - plansBefore;
        output.WriteLine($"plans sent by the host during 30 s of announcements: {plans}; refused {host.Refused}");
        Assert.Equal(1, host.Refused);                                                           // the first change, then nothing more arrived
        Assert.Equal(MigrationRole.Out, hostile.Peer.Role);                                      // cut, and it knows why
        Assert.Equal(DisconnectReason.ProtocolViolation, hostile.Peer.Client!.Transport.LastDisconnectReason);
        Assert.True(plans <= 2, $"{plans} plans: one round for the two honest peers when the attacker left");
        Assert.All(game.Peers.Skip(1).Take(2), p => Assert.Equal(2, p.Peer.Successors.Count)); // the attacker is out of the succession
        Assert.All(game.Peers.Skip(1).Take(2), p => Assert.Equal(MigrationRole.Client, p.Peer.Role));
    }

    /// <summary>
    /// A peer naming a standby address at an IP that is not its own (a victim's) would have every peer of the session send
    /// it connection requests after a migration. Failed before: the host took it (Refused 0) and every plan named the
    /// victim as the third successor.
    /// </summary>
    [Fact]
    public void A_peer_announcing_a_standby_address_at_another_ip_is_no_successor_and_keeps_playing()
    {
        var victim = NetAddress.Parse("[fd00::bad]:7777");
        using var game = new MigrationGame(4, new LinkConditions(), seed: 3, standbyAt: (p, client) => p == 4 ? victim : client.WithPort(40001));
        Assert.True(game.TickUntil(() => game.Peers.Skip(1).All(p => p.Peer.Role == MigrationRole.Client && p.Peer.Successors.Count >= 2), 60 * 30), game.Describe());
        game.Tick(60 * 2);
        var host = game.Peers[0].Peer;

        Assert.Equal(1, host.Refused);
        Assert.Equal(new ulong[] { 2, 3 }, host.Successors);
        Assert.All(game.Peers.Skip(1), p => Assert.Equal(new ulong[] { 2, 3 }, p.Peer.Successors));
        Assert.Equal(MigrationRole.Client, game.Peers[3].Peer.Role); // not cut: a NAT's address is no attack, only no standby
    }

    [Theory]
    [InlineData("[fd00::1]:40001", "[fd00::1]:40000", "[fd00::1]:40001")]   // its own IP, its own port
    [InlineData("[::]:40001", "[fd00::1]:40000", "[fd00::1]:40001")]        // bound to any address: where it was reached
    [InlineData("0.0.0.0:9000", "198.51.100.4:5000", "198.51.100.4:9000")]
    [InlineData("198.51.100.4:9000", "[::ffff:198.51.100.4]:5000", "198.51.100.4:9000")] // one IPv4 address either way
    [InlineData("[fd00::2]:40001", "[fd00::1]:40000", null)]                // another machine's
    [InlineData("203.0.113.9:9000", "198.51.100.4:5000", null)]
    [InlineData("127.0.0.1:9000", "198.51.100.4:5000", null)]               // the host's own loopback
    public void The_standby_address_is_the_connection_s_ip_with_the_announced_port(string announced, string source, string? expected)
    {
        var at = MigratingPeer.StandbyAt(NetAddress.Parse(announced), NetAddress.Parse(source));
        Assert.Equal(expected is null ? null : NetAddress.Parse(expected), at);
    }
}
