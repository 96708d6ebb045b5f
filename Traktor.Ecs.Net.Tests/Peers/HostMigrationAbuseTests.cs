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
}
