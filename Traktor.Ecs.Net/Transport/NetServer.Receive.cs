using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Transport.Packets;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

// The server's receiving: reading the socket, routing each datagram to its connection or the handshake, and the per-update budgets.
public sealed partial class NetServer
{
    /// <summary>
    /// Unexpected errors while handling a datagram: each is a bug, but whoever found the input that causes it can send it
    /// as often as they like, so its Error line (with a stack trace) is rate-limited like every line a sender can cause.
    /// </summary>
    private readonly RateLimitedLog _internalErrorLog;

    private double ReceiveDatagrams()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Interlocked.Increment(ref _statsVersion);
        double now = _peer.Now;
        _peer.Events.BeginUpdate(now);
        _notices.Expire(now);
        _handshake.FlushDenialLog(); // the refusals the last second held back, though no refusal came to carry them
        FlushInternalErrorLog(all: false);
        // Only the connections that take part in this update begin and end it: those whose budgets held messages back in
        // their last one (delivered first) and those a datagram arrives for. Beginning and ending all of them would be a
        // pass over each connection's budget and both reliable channels (three objects, cold) for the many that have
        // nothing new: about 2 % of a 2,000-client tick (docs/benchmarks.md). A skipped update is one
        // without a violation, which the budget accounts for when the connection next takes part.
        _update++;
        _inUpdate.Clear();
        foreach (var connection in _heldBack)
        {
            if (IsCurrent(connection)) TakePart(connection);
        }
        _heldBack.Clear();
        var buffer = _peer.Receive.AsSpan();
        (_peer.Transport as IPolledTransport)?.BeginPoll();
        for (int i = 0; i < _options.MaxDatagramsPerUpdate && _peer.Transport.TryReceive(buffer, out int length, out var source); i++)
        {
            HandleDatagram(buffer[..length], source, now);
        }
        foreach (var connection in _inUpdate)
        {
            if (!IsCurrent(connection)) continue; // replaced or reclaimed during the update
            connection.EndUpdate();
            if (connection.Budget.HeldBack) _heldBack.Add(connection);
        }
        _inUpdate.Clear();
        return now;
    }

    /// <summary>Begins this update for <paramref name="connection"/> if it has not yet: fresh budgets, held-back messages first.</summary>
    private void TakePart(Connection connection)
    {
        if (connection.UpdateStamp == _update) return;
        _schedule.Wake(connection); // what arrived may owe an ack, deliver, or close it
        long skipped = connection.UpdateStamp == 0 ? 0 : _update - connection.UpdateStamp - 1;
        connection.UpdateStamp = _update;
        _inUpdate.Add(connection);
        connection.BeginUpdate(skipped);
    }

    private void HandleDatagram(ReadOnlySpan<byte> datagram, in NetAddress source, double now)
    {
        Counters.DatagramsReceived++;
        NetMetrics.PacketsReceived.Add(1);
        NetMetrics.BytesReceived.Add(datagram.Length);
        try
        {
            if (_byAddress.TryGetValue(source, out var connection))
            {
                if (IsHandshake(datagram))
                {
                    // The client on that socket started a new connection: it gave the old one up, perhaps without a word
                    // that arrived (a peer following a host after its attempt timed out). The handshake decides; one it
                    // completes for the same client id replaces the old connection (ServerHandshake.Admit).
                    _peer.Capture?.Write(datagram, source, _peer.Transport.LocalAddress);
                    _handshake.Handle(datagram, source, now, connected: true);
                    return;
                }
                TakePart(connection);
                if (connection.Receive(datagram, now) != ReceiveOutcome.Accepted)
                {
                    Counters.RejectedFromConnected++;
                    NetMetrics.PacketsDropped.Add(1);
                }
                return;
            }
            // A client still sending on a connection closed with a repeated notice never heard it: it is told again.
            if (_notices.Count > 0 && !IsHandshake(datagram) && _notices.TryAnswer(source, datagram, now)) return;
            _peer.Capture?.Write(datagram, source, _peer.Transport.LocalAddress); // handshake packets as they arrive
            _handshake.Handle(datagram, source, now);
        }
        catch (Exception e)
        {
            // Every input is validated before use, so this is a bug; the loop must survive it all the same.
            Counters.InternalErrors++;
            if (_internalErrorLog.TryLog(out long earlier))
            {
                _peer.Logger.LogError(e, "Unexpected error handling a datagram from {Source} ({Earlier} more since the last such line; logged at most once a second, NetServer.Counters.InternalErrors counts every one).",
                    source, earlier);
            }
        }
    }

    /// <summary>Logs the unexpected errors held back: once a second has passed since the last line, or all of them (disposal).</summary>
    private void FlushInternalErrorLog(bool all)
    {
        if (all ? _internalErrorLog.TryFlushAll(out long count) : _internalErrorLog.TryFlush(out count))
        {
            _peer.Logger.LogError("Unexpected errors handling {Count} more datagrams since the last such line (logged at most once a second, NetServer.Counters.InternalErrors counts every one).", count);
        }
    }

    /// <summary>A connection request or challenge response (secure or insecure): never a connection's own packet.</summary>
    private static bool IsHandshake(ReadOnlySpan<byte> datagram) =>
        !datagram.IsEmpty && (PacketType)(datagram[0] & PacketLayout.TypeMask) is PacketType.ConnectionRequest or PacketType.ChallengeResponse
            or PacketType.InsecureRequest or PacketType.InsecureResponse;
}
