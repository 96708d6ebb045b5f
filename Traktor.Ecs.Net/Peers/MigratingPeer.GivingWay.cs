using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

/// <summary>
/// A host that gives way to the recorded one (<see cref="FollowHost"/> while hosting) tells its players so with
/// <see cref="DisconnectReason.HostGaveWay"/>, and keeps telling each one that still sends on its closed connection for a
/// while: a player that heard none of the three datagrams of the notice (one in eight at 50 % loss) would take the silence
/// that follows for the host's loss, elect from this host's plan and host a copy of the game beside the recorded host until
/// the directory refused its claim. Its packets prove it never heard, and each one is answered with the notice again
/// (<see cref="NetServer.DisconnectAll(DisconnectReason, TimeSpan)"/>); one that heard falls silent, which ends its repeats.
/// </summary>
public sealed partial class MigratingPeer
{
    /// <summary>The server of the host role this peer gave up, kept on the standby socket while it repeats the notice; null otherwise.</summary>
    private NetServer? givingWay;

    /// <summary>
    /// How long a player still sending on its closed connection is told again: it elects once its host has been silent for
    /// <see cref="MigrationOptions.HostSilence"/>, and stops sending to this host then, so twice that covers a player whose
    /// last packets from this host were late, or that read its socket late.
    /// </summary>
    private TimeSpan GiveWayRepeats => options.HostSilence * 2;

    /// <summary>
    /// Stops the host role for the recorded host: every remote player is disconnected with
    /// <see cref="DisconnectReason.HostGaveWay"/>, repeated to those that keep sending, and the host systems go; the server
    /// stays on the standby socket, refusing every handshake with that reason, until its repeats are over.
    /// </summary>
    private void StopServingForRecorded()
    {
        var stopped = server;
        if (stopped is null)
        {
            StopServing(DisconnectReason.HostGaveWay);
            return;
        }

        stopped.RefusesEveryone = DisconnectReason.HostGaveWay; // nobody joins a host that gave way (a successor tried from an old plan is passed at once)
        stopped.DisconnectAll(DisconnectReason.HostGaveWay, GiveWayRepeats); // every connection, also one admitted before this peer heard of it
        active?.Dispose();
        active = null;
        ForgetPeers();
        givingWay = stopped;
        if (!stopped.RepeatsNotices) FinishGivingWay(); // nobody to tell again: no player, or all closed their end first
    }

    /// <summary>This tick's read of the standby socket while the notice is repeated: answers the players that still send.</summary>
    private void RepeatGaveWay()
    {
        if (givingWay is null) return;
        givingWay.Update();
        while (givingWay.TryPollEvent(out _))
        {
            // Nothing to hear: the connections are closed, and every handshake is refused.
        }

        if (!givingWay.RepeatsNotices) FinishGivingWay();
    }

    /// <summary>The repeats are over, or the standby socket is needed to host again (or the peer is disposed): the server goes.</summary>
    private void FinishGivingWay()
    {
        givingWay?.Dispose();
        givingWay = null;
    }
}
