using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

// The server's disconnects: kicking, closing when delivered, removing a connection, and repeating its notice.
public sealed partial class NetServer
{
    /// <summary>Closed connections whose notice is repeated to a client still sending on them (<see cref="DisconnectAll(DisconnectReason, TimeSpan)"/>).</summary>
    private readonly RepeatedNotices _notices;

    /// <summary>Disconnects a client; it is told the reason (redundantly) and a Disconnected event follows.</summary>
    public void Disconnect(ConnectionId connection, DisconnectReason reason = DisconnectReason.Kicked)
    {
        if (TryGet(connection, out var c)) Remove(c, reason);
    }

    /// <inheritdoc />
    public void DisconnectWhenDelivered(ConnectionId connection, DisconnectReason reason, TimeSpan within)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(within, TimeSpan.Zero);
        if (TryGetToWork(connection, out var c)) c.CloseWhenDelivered(reason, _peer.Now + within.TotalSeconds);
    }

    private void Remove(Connection connection, DisconnectReason reason, bool notify = true, double repeatUntil = 0)
    {
        if (reason == DisconnectReason.ProtocolViolation)
        {
            // The offender's address may not reconnect for a while (checked before any handshake work).
            Counters.ViolationDisconnects++;
            _handshake.Penalise(connection.Address, _peer.Now);
            _peer.Logger.LogWarning("Client {ClientId} ({Connection}) from {Address} violated the protocol; its address is refused for {Penalty}.",
                connection.ClientId, connection.Id, connection.Address, _options.ViolationPenalty);
        }
        bool told = notify && !connection.ClosedByPeer;
        if (told) connection.SendDisconnect(reason);
        _slots[connection.Id.Slot] = null;
        _schedule.Forget(connection); // a due one is dropped from the list by the next pass (no longer current)
        _byAddress.Remove(connection.Address);
        _byClientId.Remove(connection.ClientId);
        _limits.Remove(connection.Address);
        lock (_active) _active.Remove(connection);
        (_peer.Transport as IPeerAwareTransport)?.OnPeerDisconnected(connection.Address);
        NetMetrics.Disconnections.Add(1);
        _peer.Events.AddDisconnected(connection.Id, connection.ClientId, reason);
        _peer.Logger.LogInformation("Client {ClientId} ({Connection}) disconnected: {Reason}.", connection.ClientId, connection.Id, reason);
        // Not to a violator: it is refused for a while, and nothing it could do with the reason matters.
        if (told && repeatUntil == 0 && RepeatNoticesFor > TimeSpan.Zero && reason != DisconnectReason.ProtocolViolation)
            repeatUntil = _peer.Now + RepeatNoticesFor.TotalSeconds;
        if (told && repeatUntil > _peer.Now) _notices.Add(connection, reason, repeatUntil); // disposed when its repeats are over
        else connection.Dispose();
    }

    /// <summary>
    /// Disconnects every client the server holds with <paramref name="reason"/>: also those the handshake admitted whose
    /// <see cref="NetEventType.Connected"/> event nobody has polled yet, which a caller counting the connections it was told
    /// of would miss (a listen server stopping for a reason other than <see cref="DisconnectReason.ServerShutdown"/>).
    /// </summary>
    /// <param name="reason">What every client is told.</param>
    internal void DisconnectAll(DisconnectReason reason)
    {
        for (int i = _active.Count - 1; i >= 0; i--) Remove(_active[i], reason);
    }

    /// <summary>
    /// <see cref="DisconnectAll(DisconnectReason)"/>, with a notice that is repeated for <paramref name="repeatFor"/> to
    /// each client still sending on its closed connection (<see cref="RepeatedNotices"/>): three datagrams alone are lost
    /// together one time in eight at 50 % loss, and a client that acts on the reason (a player told its host gave way, which
    /// must not take the silence that follows for the host's loss) needs to hear it. Keep calling <see cref="Update"/>
    /// while <see cref="RepeatsNotices"/> is true; the repeats are sender behaviour only (docs/PROTOCOL.md §8).
    /// </summary>
    /// <param name="reason">What every client is told.</param>
    /// <param name="repeatFor">How long a client still sending is told again.</param>
    internal void DisconnectAll(DisconnectReason reason, TimeSpan repeatFor)
    {
        double until = _peer.Now + repeatFor.TotalSeconds;
        for (int i = _active.Count - 1; i >= 0; i--) Remove(_active[i], reason, repeatUntil: until);
    }

    /// <summary>
    /// When positive, every client this server disconnects with a notice (not only <see cref="DisconnectAll(DisconnectReason, TimeSpan)"/>'s)
    /// is told again for this long while it still sends on its closed connection: a player host delivering its session's
    /// end lets each player go as it holds the final world, and one that missed those three datagrams would time out
    /// instead; a game server (<see cref="Sessions.GameServerHost"/>) does so with every session it ends or closes. Never
    /// for <see cref="DisconnectReason.ProtocolViolation"/>. Zero (the default): only
    /// <see cref="DisconnectAll(DisconnectReason, TimeSpan)"/> repeats. Tick thread.
    /// </summary>
    internal TimeSpan RepeatNoticesFor { get; set; }

    /// <summary>True while a closed connection's notice may still be repeated (<see cref="DisconnectAll(DisconnectReason, TimeSpan)"/>).</summary>
    internal bool RepeatsNotices => _notices.Count > 0;

    /// <summary>Notices repeated to clients that still sent on their closed connections (each three datagrams), for tests.</summary>
    internal long NoticesRepeated => _notices.Answers;

    /// <summary>Datagrams checked against closed connections' keys while their notices are repeated (for tests).</summary>
    internal long NoticeChecks => _notices.Checks;

    /// <summary>Closed connections whose notice is still repeated (at most <see cref="NetServerOptions.MaxClients"/>), for tests.</summary>
    internal int RepeatedNoticeCount => _notices.Count;

    /// <summary>Closed connections whose repeats ended early to make room for newer ones (the table was full), for tests.</summary>
    internal long NoticesEvicted => _notices.Evicted;
}
