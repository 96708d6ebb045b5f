using Traktor.Ecs.Net.Peers;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Peers;

/// <summary>
/// A live player the host cuts because it cannot keep up (review 27): its host still speaks, so it must not read the cut as
/// the host's loss. Before, the transport's reliable-acknowledgement deadline (and the despawn-backlog cut) closed such a
/// connection with <see cref="DisconnectReason.TimedOut"/>, the reason that means silence; the player took it as a lost host,
/// elected a successor and hosted a session of its own beside the one that went on: the session split.
/// </summary>
public class ServerCutPlayerTests(ITestOutputHelper output)
{
    /// <summary>Above every snapshot of the game, below a 3,000-byte message's fragments.</summary>
    private const int BigDatagram = 1_000;

    [Fact]
    public void A_live_player_cut_for_leaving_a_reliable_message_unacknowledged_goes_out_and_the_host_keeps_the_session()
    {
        // Player 2's path loses every big datagram once switched on (a path MTU black hole): the host's keep-alives and
        // snapshots reach it, a big reliable message never does, so it never acknowledges that one.
        BigDatagramBlackHole? hole = null;
        using var game = new MigrationGame(3, new LinkConditions(), seed: 27,
            clientSocket: (p, socket) => p == 2 ? hole = new BigDatagramBlackHole(socket) : socket);
        ConnectionId? player = null;
        game.Peers[0].Peer.Host!.Server.PlayerConnected += joined =>
        {
            if (joined.ClientId == 2) player = joined.Connection;
        };
        Assert.True(game.TickUntil(() => game.Peers.Skip(1).All(p => p.Peer.Role == MigrationRole.Client && p.Peer.Successors.Count == 2), 60 * 30), game.Describe());
        game.Tick(60);
        var host = game.Peers[0].Peer;
        var cut = game.Peers[1].Peer;
        hole!.Enabled = true;
        // A kind no handler takes: an honest player would drop it; it only has to be acknowledged.
        var message = new byte[3_000];
        message[0] = 0xEE;
        Assert.Equal(SendResult.Queued, host.Host!.Transport.Send(player!.Value, ChannelKind.ReliableOrdered, message));

        var roles = RolesUntilOut(game, cut, 60 * 20);

        output.WriteLine(game.Describe());
        Assert.True(hole.Dropped > 0, "the black hole dropped nothing");
        // Before: Reconnecting then Host (it elected itself: a second session beside the host's), never Out.
        Assert.DoesNotContain(MigrationRole.Reconnecting, roles);
        Assert.DoesNotContain(MigrationRole.Host, roles);
        Assert.Equal(MigrationRole.Out, cut.Role);
        Assert.Equal(MigrationOutReason.DisconnectedByHost, cut.OutReason);
        Assert.Equal(DisconnectReason.SendQueueOverflow, cut.Client!.Transport.LastDisconnectReason);

        SessionGoesOnUnderItsHost(game);
    }

    [Fact]
    public void A_player_whose_packets_stop_reaching_its_host_is_cut_and_goes_out_instead_of_migrating()
    {
        // A one-way link failure: player 2's packets stop reaching the host, the host's still reach player 2. The host cuts
        // the silent player with TimedOut (true: it heard nothing); the player, who still hears its host, must read that
        // packet as a cut, not as its host's loss, since the host that sent it is alive.
        MutedSocket? muted = null;
        using var game = new MigrationGame(3, new LinkConditions(), seed: 18,
            clientSocket: (p, socket) => p == 2 ? muted = new MutedSocket(socket) : socket);
        Assert.True(game.TickUntil(() => game.Peers.Skip(1).All(p => p.Peer.Role == MigrationRole.Client && p.Peer.Successors.Count == 2), 60 * 30), game.Describe());
        game.Tick(60);
        var cut = game.Peers[1].Peer;
        muted!.Enabled = true;

        var roles = RolesUntilOut(game, cut, 60 * 30);

        output.WriteLine(game.Describe());
        Assert.True(muted.Dropped > 0, "nothing was muted");
        // Before: the received TimedOut read as the host's loss: Reconnecting, then Host at epoch 2 beside host 1 (a split).
        Assert.DoesNotContain(MigrationRole.Reconnecting, roles);
        Assert.DoesNotContain(MigrationRole.Host, roles);
        Assert.Equal(MigrationRole.Out, cut.Role);
        Assert.Equal(MigrationOutReason.DisconnectedByHost, cut.OutReason);
        Assert.Equal(DisconnectReason.TimedOut, cut.Client!.Transport.LastDisconnectReason);
        Assert.True(cut.Client.Transport.LastDisconnectByServer, "the host's own packet ended the link");

        SessionGoesOnUnderItsHost(game);
    }

    [Fact]
    public void A_player_that_hears_nothing_from_its_host_still_migrates()
    {
        // The other half of the rule: silence (this player's own timeout of the link) is the host's loss, as before.
        using var game = new MigrationGame(3, new LinkConditions(), seed: 19);
        Assert.True(game.TickUntil(() => game.Peers.Skip(1).All(p => p.Peer.Role == MigrationRole.Client && p.Peer.Successors.Count == 2), 60 * 30), game.Describe());
        game.Tick(60);
        game.Killed.Add(game.Peers[0]);

        Assert.True(game.TickUntil(() => game.Peers[1].Peer.Role == MigrationRole.Host && game.Peers[2].Peer.Role == MigrationRole.Client
            && game.Peers[2].Peer.HostClientId == 2, 60 * 30), game.Describe());
        Assert.Equal(1, game.Peers[2].Peer.Migrations);
    }

    // Ticks until the cut player is out (or the ticks run out), noting every role it took on the way.
    private static HashSet<MigrationRole> RolesUntilOut(MigrationGame game, MigratingPeer cut, int maxTicks)
    {
        var roles = new HashSet<MigrationRole>();
        for (int tick = 0; tick < maxTicks && cut.Role != MigrationRole.Out; tick++)
        {
            game.Tick();
            roles.Add(cut.Role);
        }

        return roles;
    }

    // The session goes on under its first host, with the third peer, who never migrated.
    private static void SessionGoesOnUnderItsHost(MigrationGame game)
    {
        game.Tick(60 * 5);
        var host = game.Peers[0].Peer;
        Assert.Equal(MigrationRole.Host, host.Role);
        Assert.Equal(1u, host.Epoch);
        var other = game.Peers[2].Peer;
        Assert.Equal(MigrationRole.Client, other.Role);
        Assert.Equal(1ul, other.HostClientId);
        Assert.Equal(0, other.Migrations);
        Assert.Equal(ClientState.Connected, other.Client!.Transport.State);
    }

    /// <summary>Drops every datagram sent once enabled (what it receives still arrives).</summary>
    private sealed class MutedSocket(IDatagramTransport inner) : IDatagramTransport
    {
        public bool Enabled { get; set; }

        public int Dropped { get; private set; }

        public NetAddress LocalAddress => inner.LocalAddress;

        public bool TrySend(ReadOnlySpan<byte> datagram, in NetAddress destination)
        {
            if (!Enabled) return inner.TrySend(datagram, destination);
            Dropped++;
            return true;
        }

        public bool TryReceive(Span<byte> buffer, out int length, out NetAddress source) => inner.TryReceive(buffer, out length, out source);

        public void Dispose() => inner.Dispose();
    }

    /// <summary>Drops received datagrams over <see cref="BigDatagram"/> bytes once enabled.</summary>
    private sealed class BigDatagramBlackHole(IDatagramTransport inner) : IDatagramTransport
    {
        public bool Enabled { get; set; }

        public int Dropped { get; private set; }

        public NetAddress LocalAddress => inner.LocalAddress;

        public bool TrySend(ReadOnlySpan<byte> datagram, in NetAddress destination) => inner.TrySend(datagram, destination);

        public bool TryReceive(Span<byte> buffer, out int length, out NetAddress source)
        {
            while (inner.TryReceive(buffer, out length, out source))
            {
                if (!Enabled || length <= BigDatagram) return true;
                Dropped++;
            }

            return false;
        }

        public void Dispose() => inner.Dispose();
    }
}
