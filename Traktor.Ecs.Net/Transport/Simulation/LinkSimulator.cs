using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

/// <summary>
/// A decorator that delays, drops, duplicates and reorders the datagrams sent through an inner transport,
/// on the time of a <see cref="TimeProvider"/> and deterministically for a seed. Held datagrams are released
/// whenever the owner sends or polls, so on virtual time nothing ever sleeps.
/// </summary>
public sealed class LinkSimulator : IPeerAwareTransport
{
    private const double MaxQueueSeconds = 1.0;
    private readonly IDatagramTransport _inner;
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly PriorityQueue<Held, (double DueAt, long Order)> _held = new();
    private readonly DatagramBufferPool _buffers = new();
    private double _linkFreeAt;
    private long _order;

    private readonly record struct Held(byte[] Buffer, int Length, NetAddress Destination);

    /// <summary>Wraps <paramref name="inner"/>; <paramref name="seed"/> fixes every random decision.</summary>
    public LinkSimulator(IDatagramTransport inner, LinkConditions conditions, TimeProvider time, int seed)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        Conditions = conditions ?? throw new ArgumentNullException(nameof(conditions));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _random = new Random(seed);
    }

    /// <summary>The conditions in force; change them at any time (for example 100% loss for a while).</summary>
    public LinkConditions Conditions { get; }

    /// <inheritdoc />
    public NetAddress LocalAddress => _inner.LocalAddress;

    /// <inheritdoc />
    public bool Carries(TransportKind kind) => _inner.Carries(kind);

    /// <summary>Datagrams dropped by simulated loss or a full link.</summary>
    public long Dropped { get; private set; }

    /// <summary>Datagrams held back and not yet delivered.</summary>
    public int InFlight => _held.Count;

    /// <summary>Bytes of free datagram buffers kept for reuse (for tests of the cap).</summary>
    internal int RetainedBufferBytes => _buffers.RetainedBytes;

    private double Now => _time.GetTimestamp() / (double)_time.TimestampFrequency;

    /// <inheritdoc />
    public bool TrySend(ReadOnlySpan<byte> datagram, in NetAddress destination)
    {
        double now = Now;
        Release(now);
        var c = Conditions;
        if (_random.NextDouble() * 100 < c.LossPercent)
        {
            Dropped++;
            return true;
        }
        double departure = now;
        if (c.BandwidthBytesPerSecond > 0)
        {
            departure = Math.Max(now, _linkFreeAt) + datagram.Length / c.BandwidthBytesPerSecond;
            if (departure - now > MaxQueueSeconds)
            {
                Dropped++;
                return true;
            }
            _linkFreeAt = departure;
        }
        int copies = _random.NextDouble() * 100 < c.DuplicatePercent ? 2 : 1;
        for (int i = 0; i < copies; i++)
        {
            double delay = c.LatencyMs + (_random.NextDouble() * 2 - 1) * c.JitterMs;
            if (_random.NextDouble() * 100 < c.ReorderPercent) delay += _random.NextDouble() * (c.LatencyMs + c.JitterMs + 20);
            var buffer = _buffers.Rent(datagram.Length);
            datagram.CopyTo(buffer);
            _held.Enqueue(new Held(buffer, datagram.Length, destination), (departure + Math.Max(0, delay) / 1000.0, _order++));
        }
        Release(now);
        return true;
    }

    /// <inheritdoc />
    public bool TryReceive(Span<byte> buffer, out int length, out NetAddress source)
    {
        Release(Now);
        return _inner.TryReceive(buffer, out length, out source);
    }

    /// <summary>Hands every datagram that is due to the inner transport.</summary>
    public void Release(double now)
    {
        while (_held.TryPeek(out var held, out var priority) && priority.DueAt <= now)
        {
            _held.Dequeue();
            _inner.TrySend(held.Buffer.AsSpan(0, held.Length), held.Destination);
            _buffers.Return(held.Buffer);
        }
    }

    /// <summary>Passes the notice on to the inner transport when it keeps per-peer state (streams linger, so held datagrams still leave).</summary>
    public void OnPeerConnected(in NetAddress peer) => (_inner as IPeerAwareTransport)?.OnPeerConnected(peer);

    /// <inheritdoc cref="IPeerAwareTransport.OnPeerDisconnected"/>
    public void OnPeerDisconnected(in NetAddress peer) => (_inner as IPeerAwareTransport)?.OnPeerDisconnected(peer);

    /// <inheritdoc cref="IPeerAwareTransport.IdleTimeoutFor"/>
    public TimeSpan IdleTimeoutFor(in NetAddress peer) => (_inner as IPeerAwareTransport)?.IdleTimeoutFor(peer) ?? System.Threading.Timeout.InfiniteTimeSpan;

    /// <inheritdoc cref="IPeerAwareTransport.DiscardUnsent"/>
    public void DiscardUnsent(in NetAddress peer) => (_inner as IPeerAwareTransport)?.DiscardUnsent(peer);

    /// <inheritdoc />
    public void Dispose()
    {
        _held.Clear();
        _buffers.Clear();
        _inner.Dispose();
    }
}
