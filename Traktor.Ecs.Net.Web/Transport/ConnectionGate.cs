using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Traktor.Ecs.Net.Transport.Security;
using Traktor.Ecs.Net.Transport.Streams;
using Traktor.Ecs.Net.Transport.WebSockets;

namespace Traktor.Ecs.Net.Web.Transport;

/// <summary>
/// Kestrel connection middleware of the WebSocket transport: counts TCP connections per remote IP address and per
/// network (/24, /64) as they are accepted, before any TLS or HTTP byte is read, and closes those beyond the limits at
/// once. Without it the per-address budget applied only at the upgrade, so one address could hold every connection
/// Kestrel allows with requests it never finished (each for the 5 s header timeout, then again) or with a finished
/// non-upgrade request kept alive (Kestrel's 130 s), and no honest player got in (measured: 1,088 such connections
/// from 127.0.0.1 refused every upgrade). The gate allows <see cref="Slack"/> connections above the upgrade limits so a
/// peer at its limit is still told why (503) rather than cut off. It also holds each address to
/// <see cref="StreamTransportOptions.ConnectionRatePerSecond"/> new connections (burst <see cref="StreamTransportOptions.ConnectionBurst"/>):
/// the limits above bound how many it holds, not how often it opens them, and every connection let through costs an
/// HTTP parse, an upgrade and a channel's buffers (measured from one address in 10 s: 4,748 upgrades without this rate, 114 with it).
/// With a total (<see cref="ConnectionGate(StreamTransportOptions, StreamTransportCounters, Func{double}, int, WebSocketPeers, RequestDeadline, ILogger)"/>) it also
/// counts every connection and, when all are taken, closes the oldest one that has gone
/// <see cref="StreamTransportOptions.PendingReclaimDelay"/> without the protocol establishing a connection on it (no
/// HTTP yet, a request still under way, or an upgrade that never handshook) to admit a newcomer its limits let in, as
/// the TCP transport does; <see cref="ReclaimUpgraded"/> does the same for the upgraded channels when every one is taken.
/// </summary>
internal sealed class ConnectionGate
{
    /// <summary>Connections an address or network may hold beyond its upgrade limit: requests on their way to a 503 or a 426.</summary>
    public const int Slack = 4;

    /// <summary>Buckets of each of the rate limiter's two tables (fixed: 256 KiB in all, whatever the number of addresses).</summary>
    private const int RateTableSize = 8192;

    private readonly Lock _lock = new();
    private readonly Lock _admission;
    private readonly AddressCounts _counts = new();
    private readonly int _perAddress;
    private readonly int _perSubnet;
    private readonly int _total;
    private readonly double _reclaimAfter;
    private readonly StreamTransportCounters _counters;
    private readonly AddressRateLimiter _rate;
    private readonly Func<double> _now;
    private readonly Dictionary<string, Entry> _live = new();
    private readonly WebSocketPeers? _peers;
    private readonly RequestDeadline? _deadline;
    private readonly ILogger _logger;
    private int _held;
    private long _decided;

    /// <summary>How long a connection has for its HTTP request (TLS handshake included), on which clock.</summary>
    public sealed record RequestDeadline(TimeSpan Timeout, TimeProvider Time);

    /// <summary>A gate with <paramref name="options"/>' limits, counting refusals into <paramref name="counters"/>; <paramref name="now"/> is the transport's clock in seconds.</summary>
    /// <param name="options">The per-address and per-network limits, the connection rate and the reclaim delay.</param>
    /// <param name="counters">Where refusals (and reclaims, as handshake timeouts) are counted.</param>
    /// <param name="now">The clock, in seconds.</param>
    /// <param name="total">Connections the gate lets in at once, reclaiming silent ones when all are taken; no limit of its own when not given.</param>
    /// <param name="peers">
    /// The channels' admissions: a connection the gate reclaims gives its channel's admission back at once, under their
    /// admission lock, which the gate takes before its own (as an upgrade's <see cref="ReclaimUpgraded"/> does), so an
    /// upgrade never finds a channel neither held nor free. Null when the gate serves no channels.
    /// </param>
    /// <param name="deadline">
    /// When given, a connection on which no request has arrived (<see cref="RequestArrived"/>) within its timeout is
    /// closed, counted (<see cref="StreamTransportCounters.RequestTimeouts"/>) and logged at Debug; Kestrel's own timeouts
    /// for that (keep-alive before the first byte, request headers after it) counted nowhere.
    /// </param>
    /// <param name="logger">Where timeouts and failures are logged (Debug).</param>
    public ConnectionGate(StreamTransportOptions options, StreamTransportCounters counters, Func<double> now, int total = int.MaxValue,
        WebSocketPeers? peers = null, RequestDeadline? deadline = null, ILogger? logger = null)
    {
        _peers = peers;
        _deadline = deadline;
        _logger = logger ?? NullLogger.Instance;
        _admission = peers?.AdmissionLock ?? new Lock();
        _rate = new AddressRateLimiter(RateTableSize, options.ConnectionRatePerSecond, options.ConnectionBurst);
        _now = now;
        _perAddress = options.MaxConnectionsPerAddress + Slack;
        _perSubnet = options.MaxConnectionsPerSubnet + Slack;
        _total = total;
        _reclaimAfter = options.PendingReclaimDelay.TotalSeconds;
        _counters = counters;
    }

    /// <summary>
    /// Connections the gate let in that have not ended yet, reclaimed ones included (Kestrel holds their slots until
    /// then): zero once every connection is over.
    /// </summary>
    public int Live
    {
        get
        {
            lock (_lock) return _live.Count;
        }
    }

    /// <summary>
    /// Connections the gate has let in or refused so far (it never decreases): Kestrel runs the gate on its own threads, so
    /// whoever orders connections by when they came (the reclaim takes the oldest) waits on it rather than on time.
    /// </summary>
    public long Decided => Interlocked.Read(ref _decided);

    /// <summary>Runs <paramref name="next"/> for <paramref name="connection"/> if its address and network have room; closes it otherwise.</summary>
    public async Task RunAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        if (connection.RemoteEndPoint is not IPEndPoint remote)
        {
            await next(connection).ConfigureAwait(false); // not a network socket (a test pipe): nothing to count
            return;
        }
        var address = NetAddress.FromEndPoint(remote, TransportKind.WebSocket);
        Entry? entry = null;
        Entry? reclaimed = null;
        bool counted = false;
        // The admission lock first, as an upgrade takes them: a channel this reclaim frees is free when either lock is let go.
        lock (_admission)
        lock (_lock)
        {
            double now = _now();
            // The per-address and per-network limits first: a newcomer they refuse must not close anyone's connection.
            if (_rate.TryTake(address, now) && _counts.TryAdd(address, _perAddress, _perSubnet))
            {
                if (_held >= _total && (reclaimed = OldestSilent(now, upgradedOnly: false)) is null) _counts.Remove(address);
                else
                {
                    if (reclaimed is not null)
                    {
                        Forget(reclaimed);
                        counted = GiveBack(reclaimed.Channel);
                    }
                    entry = new Entry(connection, address, now);
                    _live.Add(connection.ConnectionId, entry);
                    _held++;
                }
            }
        }
        if (reclaimed is not null)
        {
            if (counted) _counters.OnHandshakeTimeout();
            reclaimed.Connection.Abort();
        }
        if (entry is null)
        {
            _counters.OnRefused();
            connection.Abort(); // before a byte is read: nothing for the peer to hold on to
            Interlocked.Increment(ref _decided);
            return;
        }
        Interlocked.Increment(ref _decided);
        using var deadline = _deadline?.Time.CreateTimer(static state =>
        {
            var (gate, timed) = ((ConnectionGate, Entry))state!;
            gate.RequestTimedOut(timed);
        }, (this, entry), _deadline.Timeout, Timeout.InfiniteTimeSpan);
        try
        {
            await next(connection).ConfigureAwait(false); // until the connection ends, upgraded or not
        }
        catch (Exception exception)
        {
            // Kestrel would log it as an error and end the connection: a peer can cause it, so it is counted instead.
            _counters.OnAcceptFailure();
            _logger.LogDebug(exception, "Serving the connection of {Address} failed.", address);
        }
        finally
        {
            lock (_lock)
            {
                _live.Remove(connection.ConnectionId);
                if (!entry.Gone) Forget(entry);
            }
        }
    }

    /// <summary>Any thread: a request arrived on <paramref name="connectionId"/>; its request deadline no longer applies.</summary>
    public void RequestArrived(string connectionId)
    {
        lock (_lock)
        {
            if (_live.TryGetValue(connectionId, out var entry)) entry.RequestSeen = true;
        }
    }

    /// <summary>Timer thread: closes <paramref name="entry"/>'s connection if no request arrived on it in time.</summary>
    private void RequestTimedOut(Entry entry)
    {
        lock (_lock)
        {
            if (entry.RequestSeen || entry.Reclaimed) return; // served, or closed (and counted) to make room
            entry.Reclaimed = true; // never picked to make room now: its close is counted here
        }
        _counters.OnRequestTimeout();
        _logger.LogDebug("Closed the connection of {Address}: no request within {Timeout}.", entry.Address, _deadline!.Timeout);
        entry.Connection.Abort();
    }

    /// <summary>
    /// Any thread: reserves a channel of <paramref name="peers"/> for the upgrade request on <paramref name="connectionId"/>
    /// (reclaiming a silent one when all are taken); false when a limit refuses it, or when the gate has closed the
    /// connection meanwhile. From then until <see cref="Upgraded"/> binds its channel, the connection is on its way,
    /// not silent: it is not reclaimed.
    /// </summary>
    public bool TryAdmit(WebSocketPeers peers, string connectionId, in NetAddress address) =>
        peers.TryAdmit(address, ReclaimUpgraded, () => Admitting(connectionId));

    /// <summary>Under the admission lock: marks the connection as holding an admission; false when the gate closed it.</summary>
    private bool Admitting(string connectionId)
    {
        lock (_lock)
        {
            if (!_live.TryGetValue(connectionId, out var entry)) return true; // not counted by the gate (not a network socket)
            if (entry.Reclaimed) return false;
            entry.Admitting = true;
            return true;
        }
    }

    /// <summary>Any thread: the connection <paramref name="connectionId"/> carries <paramref name="channel"/> now (admitted; its upgrade under way or done).</summary>
    public void Upgraded(string connectionId, WebSocketChannel channel)
    {
        lock (_lock)
        {
            if (!_live.TryGetValue(connectionId, out var entry)) return; // not counted by the gate (not a network socket)
            // Reclaimed (and counted) while its upgrade was under way: the channel's end is not another close to count.
            if (entry.Reclaimed) channel.Reclaimed = true;
            else entry.Channel = channel;
        }
    }

    /// <summary>
    /// Any thread, holding the admission lock, with every channel taken: aborts the connection of the oldest channel on
    /// which no connection was established within <see cref="StreamTransportOptions.PendingReclaimDelay"/> of its TCP
    /// connection, and returns the channel (its admission is the caller's to release); null when there is none. A channel
    /// the game loop has already released (it is closing it, and counts its own cause) gives nothing back: not picked.
    /// </summary>
    public WebSocketChannel? ReclaimUpgraded()
    {
        Entry? oldest;
        lock (_lock)
        {
            oldest = OldestSilent(_now(), upgradedOnly: true);
            if (oldest is null) return null;
            oldest.Reclaimed = true; // still a connection of the gate until it ends, but never picked again
            oldest.Channel!.Reclaimed = true;
        }
        _counters.OnHandshakeTimeout();
        oldest.Connection.Abort();
        return oldest.Channel;
    }

    /// <summary>
    /// Under the admission lock: gives back the admission of a reclaimed connection's <paramref name="channel"/>; whether
    /// the gate counts the reclaim (always without a channel; not when the game loop released it first: it is closing
    /// it, and counts its own cause).
    /// </summary>
    private bool GiveBack(WebSocketChannel? channel) => channel is null || _peers is null || _peers.ReleaseReclaimed(channel);

    private Entry? OldestSilent(double now, bool upgradedOnly)
    {
        Entry? oldest = null;
        foreach (var entry in _live.Values)
        {
            if (entry.Reclaimed || now - entry.OpenedAt < _reclaimAfter || (oldest is not null && entry.OpenedAt >= oldest.OpenedAt)) continue;
            var channel = entry.Channel;
            if (channel is null ? upgradedOnly || entry.Admitting : channel.Established || (upgradedOnly && channel.AdmissionReleased)) continue;
            oldest = entry;
        }
        return oldest;
    }

    /// <summary>Stops counting <paramref name="entry"/> (reclaimed, or ended); an ended one also leaves <c>_live</c>, at its end.</summary>
    private void Forget(Entry entry)
    {
        entry.Gone = true;
        entry.Reclaimed = true;
        _held--;
        _counts.Remove(entry.Address);
    }

    /// <summary>One connection the gate let in.</summary>
    private sealed class Entry(ConnectionContext connection, NetAddress address, double openedAt)
    {
        public ConnectionContext Connection { get; } = connection;
        public NetAddress Address { get; } = address;
        public double OpenedAt { get; } = openedAt;

        /// <summary>Its WebSocket channel once admitted.</summary>
        public WebSocketChannel? Channel { get; set; }

        /// <summary>Its upgrade request holds an admission; its channel is not bound yet.</summary>
        public bool Admitting { get; set; }

        /// <summary>A request arrived on it (under the gate's lock).</summary>
        public bool RequestSeen { get; set; }

        /// <summary>Closed to make room, or for its request deadline: not picked again.</summary>
        public bool Reclaimed { get; set; }

        /// <summary>No longer counted (reclaimed by the gate, or ended).</summary>
        public bool Gone { get; set; }
    }
}
