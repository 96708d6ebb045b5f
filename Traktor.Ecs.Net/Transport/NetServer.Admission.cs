using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Transport.Security;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

// The server's admission: capacity and per-address limits, reclaiming idle connections, adding and replacing a connection.
public sealed partial class NetServer
{
    /// <summary>The connection of <paramref name="clientId"/>, or null when it is not connected.</summary>
    internal Connection? ConnectionOf(ulong clientId) => _byClientId.GetValueOrDefault(clientId);

    /// <summary>
    /// Closes <paramref name="connection"/> because its client completed a new handshake from the same address (see
    /// <see cref="ServerHandshake"/>'s admission): the client gave it up, and the new connection takes its place. No
    /// disconnect notice is sent: it would be sealed with the old connection's keys, which the client on that socket no
    /// longer holds (it would get three such notices, each dropped as a packet it cannot open).
    /// </summary>
    internal void Replace(Connection connection)
    {
        Counters.Replaced++;
        _peer.Logger.LogInformation("Client {ClientId} connected again from {Address}; its connection {Connection} is replaced.", connection.ClientId, connection.Address, connection.Id);
        Remove(connection, DisconnectReason.ClientDisconnected, notify: false);
    }

    /// <summary>
    /// Whether one more connection from <paramref name="source"/> fits the slots and the per-address and per-subnet
    /// limits: null when it does, possibly after closing <paramref name="reclaim"/> (an idle connection in the
    /// narrowest scope that is full; the caller closes it only once it admits the newcomer), else the refusal.
    /// </summary>
    internal DisconnectReason? CheckCapacity(in NetAddress source, double now, out Connection? reclaim)
    {
        reclaim = null;
        var scope = _limits.Exceeded(source) ?? (_active.Count >= _slots.Length ? AdmissionScope.Server : null);
        if (scope is not { } full) return null;
        reclaim = FindIdle(full, source, now);
        if (reclaim is not null) return null;
        if (full == AdmissionScope.Server) return DisconnectReason.ServerFull;
        Counters.AddressLimited++;
        return DisconnectReason.AddressLimit;
    }

    /// <summary>The connection in <paramref name="scope"/> that has sent no message for longest, if long enough to reclaim.</summary>
    private Connection? FindIdle(AdmissionScope scope, in NetAddress source, double now)
    {
        if (_options.ReclaimIdleAfter == Timeout.InfiniteTimeSpan) return null;
        double idleSince = now - _options.ReclaimIdleAfter.TotalSeconds;
        Connection? idlest = null;
        foreach (var connection in _active)
        {
            if (connection.PendingClose is null && connection.LastMessageAt <= idleSince && AdmissionLimits.SameScope(scope, source, connection.Address)
                && (idlest is null || connection.LastMessageAt < idlest.LastMessageAt)) idlest = connection;
        }
        return idlest;
    }

    /// <summary>Closes an idle connection to make room for a newcomer (see <see cref="CheckCapacity"/>).</summary>
    internal void Reclaim(Connection connection)
    {
        Counters.IdleReclaimed++;
        Remove(connection, DisconnectReason.Idle);
    }

    internal void Add(ulong clientId, NetAddress address, PacketCipher? sendCipher, PacketCipher? receiveCipher, double timeoutSeconds, double now, bool compression)
    {
        int slot = Array.IndexOf(_slots, null);
        var id = new ConnectionId(slot, ++_generations[slot]);
        var connection = new Connection(_peer, id, clientId, address, sendCipher, receiveCipher, timeoutSeconds, now, compression,
            Connection.KeepAlivePhase((ulong)slot)); // connections made together must not keep sending their keep-alives together
        Volatile.Write(ref _slots[slot], connection);
        TakePart(connection); // also makes it due: its first flush is below, its next ones with the others'
        _notices.Forget(address); // a new connection from there: the closed one's client gave it up
        _byAddress.Add(address, connection);
        _byClientId.Add(clientId, connection);
        _limits.Add(address);
        lock (_active) _active.Add(connection);
        (_peer.Transport as IPeerAwareTransport)?.OnPeerConnected(address);
        NetMetrics.Connections.Add(1);
        _peer.Events.AddConnected(id, clientId);
        _peer.Logger.LogInformation("Client {ClientId} connected from {Address} as {Connection}.", clientId, address, id);
        connection.Flush(now); // the first payload packet tells the client it is connected
    }
}
