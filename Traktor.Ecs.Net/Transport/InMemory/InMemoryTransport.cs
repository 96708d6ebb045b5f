using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

/// <summary>One endpoint of an <see cref="InMemoryNetwork"/>; datagrams are copied into buffers this endpoint reuses.</summary>
public sealed class InMemoryTransport : IDatagramTransport
{
    private readonly InMemoryNetwork _network;
    private readonly Queue<(byte[] Buffer, int Length, NetAddress Source)> _queue = new();
    private readonly int _capacity;
    private readonly Lock _lock = new();
    private readonly DatagramBufferPool _buffers = new(); // under _lock: senders and the receiver may be different threads
    private bool _disposed;

    internal InMemoryTransport(InMemoryNetwork network, NetAddress address, int capacity)
    {
        _network = network;
        LocalAddress = address;
        _capacity = capacity;
    }

    /// <inheritdoc />
    public NetAddress LocalAddress { get; }

    /// <summary>Datagrams dropped because this endpoint's queue was full.</summary>
    public long DroppedQueueFull { get; private set; }

    /// <summary>Bytes of free datagram buffers kept for reuse (for tests of the cap).</summary>
    internal int RetainedBufferBytes
    {
        get
        {
            lock (_lock) return _buffers.RetainedBytes;
        }
    }

    /// <inheritdoc />
    public bool TrySend(ReadOnlySpan<byte> datagram, in NetAddress destination) =>
        !_disposed && _network.Inject(datagram, LocalAddress, destination);

    /// <inheritdoc />
    public bool TryReceive(Span<byte> buffer, out int length, out NetAddress source)
    {
        while (true)
        {
            (byte[] Buffer, int Length, NetAddress Source) item;
            lock (_lock)
            {
                if (!_queue.TryDequeue(out item))
                {
                    length = 0;
                    source = default;
                    return false;
                }
            }
            bool fits = item.Length <= buffer.Length;
            if (fits) item.Buffer.AsSpan(0, item.Length).CopyTo(buffer);
            lock (_lock)
            {
                if (!_disposed) _buffers.Return(item.Buffer);
            }
            if (!fits) continue;
            length = item.Length;
            source = item.Source;
            return true;
        }
    }

    internal bool Enqueue(ReadOnlySpan<byte> datagram, NetAddress source)
    {
        lock (_lock)
        {
            if (_disposed || _queue.Count >= _capacity)
            {
                DroppedQueueFull++;
                return false;
            }
            var buffer = _buffers.Rent(datagram.Length);
            datagram.CopyTo(buffer);
            _queue.Enqueue((buffer, datagram.Length, source));
            return true;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            _queue.Clear();
            _buffers.Clear();
        }
        _network.Unbind(this);
    }
}
