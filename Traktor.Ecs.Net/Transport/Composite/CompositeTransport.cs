using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

/// <summary>
/// Several transports of different kinds behind one <see cref="IDatagramTransport"/>, so one <see cref="NetServer"/>
/// listens on UDP and on TCP or WebSocket at the same time, and one <see cref="NetClient"/> can try a token's UDP
/// address and fall back to its WebSocket address. Datagrams go out through the transport whose kind matches the
/// destination's <see cref="NetAddress.Kind"/>; receiving takes turns between the transports, one datagram each,
/// so a flood on one kind cannot starve the others. Allocation-free; not thread-safe (like the transports it holds).
/// </summary>
public sealed class CompositeTransport : IPeerAwareTransport, IPolledTransport
{
    private readonly IDatagramTransport[] _transports;
    private readonly IDatagramTransport?[] _byKind = new IDatagramTransport?[(int)TransportKind.WebSocket + 1];
    private int _next;

    /// <summary>
    /// Combines <paramref name="transports"/>, at most one per <see cref="TransportKind"/> (each is known by the kind of
    /// its <see cref="IDatagramTransport.LocalAddress"/>). The first one's local address is this transport's.
    /// </summary>
    public CompositeTransport(params IDatagramTransport[] transports)
    {
        ArgumentNullException.ThrowIfNull(transports);
        if (transports.Length == 0) throw new ArgumentException("A composite needs at least one transport.", nameof(transports));
        foreach (var transport in transports)
        {
            ArgumentNullException.ThrowIfNull(transport, nameof(transports));
            int kind = (int)transport.LocalAddress.Kind;
            if ((uint)kind >= (uint)_byKind.Length) throw new ArgumentException($"Unknown transport kind {transport.LocalAddress.Kind}.", nameof(transports));
            if (_byKind[kind] is not null) throw new ArgumentException($"Two {transport.LocalAddress.Kind} transports in one composite.", nameof(transports));
            _byKind[kind] = transport;
        }
        _transports = transports.ToArray();
    }

    /// <summary>The first transport's local address.</summary>
    public NetAddress LocalAddress => _transports[0].LocalAddress;

    /// <summary>The local address of each transport, in the order given.</summary>
    public IEnumerable<NetAddress> LocalAddresses => _transports.Select(t => t.LocalAddress);

    /// <summary>The transport of <paramref name="kind"/>, or null when there is none.</summary>
    public IDatagramTransport? this[TransportKind kind] => (uint)kind < (uint)_byKind.Length ? _byKind[(int)kind] : null;

    /// <inheritdoc />
    public bool Carries(TransportKind kind) => this[kind] is not null;

    /// <summary>Datagrams dropped because no transport of the destination's kind was configured.</summary>
    public long UnroutableDatagrams { get; private set; }

    /// <inheritdoc />
    public bool TrySend(ReadOnlySpan<byte> datagram, in NetAddress destination)
    {
        if (this[destination.Kind] is { } transport) return transport.TrySend(datagram, destination);
        UnroutableDatagrams++;
        return false;
    }

    /// <summary>Passes the batch on to every transport (each holds what is sent through it until <see cref="FlushSends"/>).</summary>
    public void BeginSendBatch()
    {
        foreach (var transport in _transports) transport.BeginSendBatch();
    }

    /// <inheritdoc cref="IDatagramTransport.FlushSends"/>
    public void FlushSends()
    {
        foreach (var transport in _transports) transport.FlushSends();
    }

    /// <summary>Tells each transport that marks its polls that one begins (<see cref="IPolledTransport"/>).</summary>
    void IPolledTransport.BeginPoll()
    {
        foreach (var transport in _transports) (transport as IPolledTransport)?.BeginPoll();
    }

    /// <inheritdoc />
    public bool TryReceive(Span<byte> buffer, out int length, out NetAddress source)
    {
        for (int tried = 0; tried < _transports.Length; tried++)
        {
            var transport = _transports[_next];
            _next = _next + 1 == _transports.Length ? 0 : _next + 1;
            if (transport.TryReceive(buffer, out length, out source)) return true;
        }
        length = 0;
        source = default;
        return false;
    }

    /// <inheritdoc />
    public void OnPeerConnected(in NetAddress peer) => (this[peer.Kind] as IPeerAwareTransport)?.OnPeerConnected(peer);

    /// <inheritdoc />
    public void OnPeerDisconnected(in NetAddress peer) => (this[peer.Kind] as IPeerAwareTransport)?.OnPeerDisconnected(peer);

    /// <inheritdoc />
    public void DiscardUnsent(in NetAddress peer) => (this[peer.Kind] as IPeerAwareTransport)?.DiscardUnsent(peer);

    /// <inheritdoc />
    public TimeSpan IdleTimeoutFor(in NetAddress peer) => (this[peer.Kind] as IPeerAwareTransport)?.IdleTimeoutFor(peer) ?? Timeout.InfiniteTimeSpan;

    /// <summary>Disposes every transport.</summary>
    public void Dispose()
    {
        foreach (var transport in _transports) transport.Dispose();
    }
}
