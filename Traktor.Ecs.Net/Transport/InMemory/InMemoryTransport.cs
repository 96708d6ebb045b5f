using System.Buffers;

namespace Traktor.Ecs.Net;

/// <summary>One endpoint of an <see cref="InMemoryNetwork"/>; datagrams are copied into pooled buffers.</summary>
public sealed class InMemoryTransport : IDatagramTransport
{
    private readonly InMemoryNetwork _network;
    private readonly Queue<(byte[] Buffer, int Length, NetAddress Source)> _queue = new();
    private readonly int _capacity;
    private readonly Lock _lock = new();
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
            ArrayPool<byte>.Shared.Return(item.Buffer);
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
            var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(datagram.Length, 1));
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
            while (_queue.TryDequeue(out var item)) ArrayPool<byte>.Shared.Return(item.Buffer);
        }
        _network.Unbind(this);
    }
}
