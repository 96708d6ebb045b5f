using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Peers;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

/// <summary>
/// Whose silence it is: the host's (it sent nothing for <see cref="MigrationOptions.HostSilence"/>: migrate) or this peer's
/// own (its game froze and read nothing: what waited in the socket decides). Kept apart from the roles because every tick
/// of a client judges it, and because the rule for a stall is shared with the <see cref="Multiplayer"/> facade and Lua's
/// hosting (<see cref="StallWatch"/>): one rule, not three copies.
/// </summary>
public sealed partial class MigratingPeer
{
    /// <summary>When this peer last read its socket as a client, and what the link and the host's ticks were then.</summary>
    private readonly StallWatch stalls;

    /// <summary>When a packet of the host's last arrived (a timestamp of the clock).</summary>
    private long lastHeardAt;

    /// <summary>The link's count of packets received at the last read: a change means the host was heard.</summary>
    private long lastPackets;

    /// <summary>
    /// True when the host has been silent for <see cref="MigrationOptions.HostSilence"/>, measured up to this peer's last
    /// read of its socket, not up to now: a peer that froze itself (a hitch of a few seconds) has not read what its host
    /// sent meanwhile, and would take its own stall for the host's: it would elect a successor, or promote itself, beside
    /// a live host. So it reads first, and the packets waiting (snapshots, or the host's cut) decide. Only once connected: a
    /// join's handshake is the connection's to judge.
    /// </summary>
    private bool HostSilent() =>
        netClient!.State == ClientState.Connected && time.GetElapsedTime(lastHeardAt, stalls.ListenedAt) >= options.HostSilence;

    /// <summary>
    /// This tick's read is in, and this peer had stalled for its link's whole timeout before it: when the host played on
    /// into the stall (half the host silence beyond what was in flight, <see cref="StallWatch.HostOutlived"/>) it has cut
    /// this peer (<see cref="OutAfterStall"/>).
    /// </summary>
    private void JudgeStall(long now)
    {
        if (stalls.HostOutlived(Client!.Replication.NewestTick, options.TickRate, options.HostSilence / 2)) OutAfterStall(now);
    }

    /// <summary>
    /// This peer read its socket as a client at <paramref name="now"/>: remembers when, and while connected what the link is
    /// (its loss, which a follow of the lost plan expects of the successors' links, <see cref="SuccessorSilence"/>; its
    /// timeout and round trip, the host's newest tick) and whether the host was heard.
    /// </summary>
    private void Listened(long now)
    {
        if (netClient!.State != ClientState.Connected)
        {
            stalls.Listened(now);
            return;
        }

        var stats = netClient.GetStats();
        linkLoss = stats.PacketLossPercent / 100;
        stalls.Listened(now, stats, Client!.Replication.NewestTick);
        long packets = stats.PacketsReceived;
        if (packets != lastPackets)
        {
            lastPackets = packets;
            lastHeardAt = now;
        }
    }

    /// <summary>
    /// This player's own game stalled (it read nothing) for the link's whole timeout, its host played on into the stall
    /// (<see cref="JudgeStall"/>), and the packets that waited did not end the link: the host cut it with
    /// <see cref="DisconnectReason.TimedOut"/>, and the Disconnect saying so was dropped (a socket's queue holds a few hundred
    /// datagrams; seconds of snapshots fill it first) or lost. Electing on the silence that follows split the session when
    /// this player was a successor (it hosted beside the live host, or after trying the others). It is out as if the
    /// Disconnect had come; the game joins again for a token and follows (<see cref="FollowHost"/>). A host that died after it
    /// outlived half the host silence of the stall is taken for alive too: the player is out and rejoins where it could have migrated.
    /// </summary>
    private void OutAfterStall(long now)
    {
        hostLost = false; // its own timeout of the link, read on waking, says nothing of the host
        hostGaveWay = false;
        logger.LogWarning("Peer {Peer} stalled for {Seconds:F1} s, past its link's timeout ({Timeout} s): its host has cut it; no migration.",
            ClientId, time.GetElapsedTime(stalls.ListenedAt, now).TotalSeconds, stalls.LinkTimeout.TotalSeconds);
        Out(MigrationOutReason.DisconnectedByHost);
    }
}
