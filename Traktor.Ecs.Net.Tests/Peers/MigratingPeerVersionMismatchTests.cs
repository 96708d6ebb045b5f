using Traktor.Ecs.Net.Tests.Prediction;

namespace Traktor.Ecs.Net.Tests.Peers;

/// <summary>
/// A host of another protocol version answers a peer's connection request with VersionMismatch (docs/PROTOCOL.md §3.7):
/// the peer is <see cref="MigrationRole.Out"/> with <see cref="MigrationOutReason.ProtocolVersionMismatch"/> at once, a
/// final outcome the game shows as "update the game", with no election. Before, a join so answered read as any host's
/// disconnect (<see cref="MigrationOutReason.DisconnectedByHost"/>) and a follow of the recorded host as an unreachable host
/// (<see cref="MigrationOutReason.RecordedHostUnreachable"/>, whose remedy, joining again, only draws the same answer).
/// </summary>
public class MigratingPeerVersionMismatchTests
{
    /// <summary>A build whose protocol version is not this one's (the players' clients speak it; the host this build's).</summary>
    private static readonly byte[] OtherVersion = "TRKNET99"u8.ToArray();

    [Fact]
    public void A_join_answered_with_another_protocol_version_is_out_with_that_reason_and_elects_nobody()
    {
        using var game = new MigrationGame(2, new LinkConditions(), seed: 31, client: new NetClientOptions { ProtocolVersion = OtherVersion });
        var player = game.Peers[1].Peer;

        Assert.True(game.TickUntil(() => player.Role == MigrationRole.Out, 60), game.Describe()); // answered at once, no 5 s connect timeout
        Assert.Equal(MigrationOutReason.ProtocolVersionMismatch, player.OutReason);

        game.Tick(60 * 3); // longer than the host silence: still out, nobody elected
        Assert.Equal(MigrationRole.Out, player.Role);
        Assert.Equal(MigrationOutReason.ProtocolVersionMismatch, player.OutReason);
        Assert.Equal(0, player.Migrations);
        Assert.Equal(MigrationRole.Host, game.Peers[0].Peer.Role);
    }

    [Fact]
    public void A_follow_of_a_recorded_host_of_another_protocol_version_is_out_with_that_reason_not_unreachable()
    {
        using var game = new MigrationGame(2, new LinkConditions(), seed: 32, client: new NetClientOptions { ProtocolVersion = OtherVersion });
        var (host, player) = (game.Peers[0].Peer, game.Peers[1].Peer);
        Assert.True(game.TickUntil(() => player.Role == MigrationRole.Out, 60), game.Describe());

        player.FollowHost(host.ClientId, host.IssueToken(player.ClientId, TimeSpan.FromMinutes(1)));
        Assert.Equal(MigrationRole.Reconnecting, player.Role);
        Assert.True(game.TickUntil(() => player.Role == MigrationRole.Out, 60), game.Describe()); // well within the reconnect timeout

        Assert.Equal(MigrationOutReason.ProtocolVersionMismatch, player.OutReason);
        Assert.Equal(0, player.Migrations);
    }
}
