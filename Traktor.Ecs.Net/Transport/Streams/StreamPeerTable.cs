using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Diagnostics;

namespace Traktor.Ecs.Net.Transport.Streams;

/// <summary>
/// The game loop's table of a stream transport's peers, shared by <see cref="TcpTransport"/> and the WebSocket
/// transports: peers by address, receiving in turns (one datagram per peer per turn, so a busy peer cannot starve
/// the others), the deadlines that close a peer (handshake, idle, linger after the protocol ended its connection),
/// the delay before reconnecting to a server that refused, and the counting of why peers closed.
/// A receive pass is a run of calls ending with nothing; the transport does its once-per-pass upkeep when
/// <see cref="InPass"/> is false and then calls <see cref="BeginPass"/>. A pass reads each peer until it is empty,
/// at most <see cref="MaxTurnsPerPass"/> datagrams of each, and does not read a peer again once it was found empty:
/// a peer that never runs dry can neither keep a pass (and so the upkeep: accepting, deadlines) from ending nor make
/// the pass read every other peer again for each of its datagrams. Game loop only.
/// </summary>
internal sealed class StreamPeerTable<TPeer> where TPeer : class, IStreamPeer
{
    private readonly Dictionary<NetAddress, TPeer> _byAddress = new();
    private readonly List<TPeer> _order = new();
    private readonly Dictionary<NetAddress, double> _retryAt = new();
    private readonly StreamTransportOptions _options;
    private readonly StreamTransportCounters _counters;
    private readonly ILogger _logger;
    private readonly string _kind;
    // Anyone who can open a stream can break its framing, from every address it has (new streams are budgeted per address,
    // not in all): a line per close let that write the log as fast as it could connect.
    private readonly RateLimitedLog _violationLog;
    private int _cursor;
    private int _emptyRun;
    private long _pass;
    private long _turnsLeft;

    /// <summary>
    /// Turns a receive pass has for each peer it starts with (128 × peers in all, shared; the same number as
    /// <see cref="NetPeerOptions.MaxDatagramsPerConnection"/>, which a NetServer counts per connection and update, not per
    /// pass). A turn reads one datagram of the next peer, skips an oversized one, or passes over a peer found empty, so
    /// while no peer closes during the pass each delivers at most this many; the turns of one that closes go to the others.
    /// </summary>
    public const int MaxTurnsPerPass = 128;

    /// <summary>A table counting into <paramref name="counters"/>; <paramref name="kind"/> names a peer in log lines ("TCP stream", "WebSocket").</summary>
    /// <param name="options">The transport's budgets and deadlines.</param>
    /// <param name="counters">The transport's counters.</param>
    /// <param name="logger">Where closes are logged.</param>
    /// <param name="kind">How log lines name a peer.</param>
    /// <param name="time">The transport's clock, which spaces the framing-violation lines.</param>
    public StreamPeerTable(StreamTransportOptions options, StreamTransportCounters counters, ILogger logger, string kind, TimeProvider time)
    {
        _options = options;
        _counters = counters;
        _logger = logger;
        _kind = kind;
        _violationLog = new RateLimitedLog(time);
    }

    /// <summary>
    /// Logs the framing-violation closes held back, once a second has passed since the last line (each maintenance pass), or
    /// all of them (<paramref name="all"/>, when the transport is disposed).
    /// </summary>
    /// <param name="all">The transport is going away: log what is held back however recent the last line.</param>
    public void FlushViolationLog(bool all = false)
    {
        if (all ? _violationLog.TryFlushAll(out long count) : _violationLog.TryFlush(out count))
        {
            _logger.LogInformation("Closed {Count} more {Kind} peers for framing violations since the last such line (logged at most once a second, the transport's counters count every one).", count, _kind);
        }
    }

    public int Count => _order.Count;

    /// <summary>The peers in turn order (for upkeep loops, which walk it backwards so closing is safe).</summary>
    public TPeer this[int index] => _order[index];

    /// <summary>A receive pass is under way.</summary>
    public bool InPass { get; private set; }

    public bool TryGetValue(in NetAddress address, [MaybeNullWhen(false)] out TPeer peer) => _byAddress.TryGetValue(address, out peer);

    public bool Contains(in NetAddress address) => _byAddress.ContainsKey(address);

    public void Add(TPeer peer)
    {
        _byAddress.Add(peer.Address, peer);
        _order.Add(peer);
    }

    /// <summary>False while <paramref name="destination"/> refused or failed a connection less than <see cref="StreamTransportOptions.ReconnectDelay"/> ago.</summary>
    public bool MayConnect(in NetAddress destination, double now)
    {
        if (!_retryAt.TryGetValue(destination, out double retryAt)) return true;
        if (now < retryAt) return false;
        _retryAt.Remove(destination);
        return true;
    }

    /// <summary>Counts a failed connection to <paramref name="destination"/> and holds off the next one.</summary>
    public void ConnectFailed(in NetAddress destination, double now)
    {
        _counters.OnConnectFailure();
        _retryAt[destination] = now + _options.ReconnectDelay.TotalSeconds;
    }

    public void BeginPass()
    {
        InPass = true;
        _emptyRun = 0;
        _pass++;
        _turnsLeft = (long)MaxTurnsPerPass * _order.Count;
    }

    /// <summary>
    /// The next turn of the pass: a datagram (with its peer), or a peer whose stream <see cref="PeerRead.Ended"/>
    /// (the caller closes it, then calls again), or <see cref="PeerRead.Empty"/> when every peer is drained or has had
    /// <see cref="MaxTurnsPerPass"/> turns, which ends the pass. Oversized datagrams are counted and skipped (a turn each).
    /// </summary>
    public PeerRead Next(Span<byte> buffer, double now, out int length, [NotNullWhen(true)] out TPeer? peer)
    {
        while (_emptyRun < _order.Count && _turnsLeft > 0)
        {
            if (_cursor >= _order.Count) _cursor = 0;
            peer = _order[_cursor];
            _turnsLeft--;
            if (peer.DrainedInPass == _pass)
            {
                _cursor++; // found empty earlier in this pass: not read again until the next one
                _emptyRun++;
                continue;
            }
            switch (peer.Read(buffer, now, out length))
            {
                case PeerRead.Datagram:
                    _cursor++; // one datagram per peer per turn
                    _emptyRun = 0;
                    return PeerRead.Datagram;
                case PeerRead.Oversized:
                    _counters.OnOversized();
                    _cursor++;
                    _emptyRun = 0;
                    continue;
                case PeerRead.Ended:
                    return PeerRead.Ended; // the caller closes it; the cursor then points at the next peer
                default:
                    peer.DrainedInPass = _pass;
                    _cursor++;
                    _emptyRun++;
                    break;
            }
        }
        InPass = false;
        length = 0;
        peer = null;
        return PeerRead.Empty;
    }

    /// <summary>The deadline <paramref name="peer"/> has passed, if any: linger, handshake timeout or idle.</summary>
    public PeerCloseCause? Expired(TPeer peer, double now)
    {
        if (now >= peer.CloseAt) return PeerCloseCause.Linger;
        if (peer.Accepted && !peer.Established && now - peer.OpenedAt > _options.HandshakeTimeout.TotalSeconds) return PeerCloseCause.HandshakeTimeout;
        if (now - peer.LastReceivedAt > _options.IdleTimeout.TotalSeconds) return PeerCloseCause.Idle;
        return null;
    }

    /// <summary>Takes <paramref name="peer"/> out, counting and logging why; the caller releases what it holds.</summary>
    public void Remove(TPeer peer, PeerCloseCause cause, double now)
    {
        switch (cause)
        {
            case PeerCloseCause.Broken when peer.Violation is not null: _counters.OnViolation(); break;
            case PeerCloseCause.Broken: _counters.OnClosedByPeer(); break;
            case PeerCloseCause.ConnectFailed: ConnectFailed(peer.Address, now); break;
            case PeerCloseCause.HandshakeTimeout: _counters.OnHandshakeTimeout(); break;
            case PeerCloseCause.Idle: _counters.OnIdleTimeout(); break;
        }
        if (peer.Violation is { } violation)
        {
            if (_violationLog.TryLog(out long earlier))
            {
                _logger.LogInformation("Closed {Kind} {Address} ({Earlier} more closed for framing violations since the last such line, logged at most once a second): framing violation ({Violation}).",
                    _kind, peer.Address, earlier, violation);
            }
        }
        else if (_logger.IsEnabled(LogLevel.Debug)) _logger.LogDebug("Closed {Kind} {Address}: {Cause}.", _kind, peer.Address, cause);
        int index = _order.IndexOf(peer);
        if (index >= 0)
        {
            _order.RemoveAt(index);
            if (index < _cursor) _cursor--;
        }
        _byAddress.Remove(peer.Address);
    }

    /// <summary>The protocol established a connection with <paramref name="address"/>: its stream stays open.</summary>
    public void OnPeerConnected(in NetAddress address)
    {
        if (!_byAddress.TryGetValue(address, out var peer)) return;
        peer.Established = true;
        peer.CloseAt = double.PositiveInfinity;
    }

    /// <summary>The protocol is ending its connection with <paramref name="address"/>: drop the stream's unsent backlog.</summary>
    public void DiscardUnsent(in NetAddress address)
    {
        if (_byAddress.TryGetValue(address, out var peer)) peer.DiscardUnsent();
    }

    /// <summary>The protocol ended its connection with <paramref name="address"/>: its stream closes after the linger time.</summary>
    public void OnPeerDisconnected(in NetAddress address, double now)
    {
        if (_byAddress.TryGetValue(address, out var peer) && double.IsPositiveInfinity(peer.CloseAt))
            peer.CloseAt = now + _options.CloseLinger.TotalSeconds;
    }
}
