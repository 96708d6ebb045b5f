
namespace Traktor.Ecs.Net;

/// <summary>
/// An in-process datagram network: transports created here exchange datagrams through bounded queues,
/// with addresses in the fd00::/8 unique-local range that never reach a real network. Each endpoint is a host of its
/// own /64 (fd00:0:h:h::h for host number h), so per-address and per-subnet connection limits see distinct hosts.
/// </summary>
public sealed class InMemoryNetwork
{
    private readonly Dictionary<NetAddress, InMemoryTransport> _endpoints = new();
    private readonly Lock _lock = new();
    private uint _nextHost = 1;

    /// <summary>The most datagrams each endpoint queues before dropping, like a socket's receive buffer.</summary>
    public int ReceiveQueueCapacity { get; init; } = 8192;

    /// <summary>Creates an endpoint with a fresh address.</summary>
    public InMemoryTransport CreateTransport()
    {
        lock (_lock)
        {
            Span<byte> bytes = stackalloc byte[16];
            bytes[0] = 0xFD;
            uint host = _nextHost++;
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes[4..], host);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes[12..], host);
            return CreateTransportLocked(new NetAddress(bytes, 40000));
        }
    }

    /// <summary>Creates an endpoint bound to <paramref name="address"/>.</summary>
    public InMemoryTransport CreateTransport(NetAddress address)
    {
        lock (_lock) return CreateTransportLocked(address);
    }

    private InMemoryTransport CreateTransportLocked(NetAddress address)
    {
        if (_endpoints.ContainsKey(address)) throw new InvalidOperationException($"{address} is already bound.");
        var transport = new InMemoryTransport(this, address, ReceiveQueueCapacity);
        _endpoints.Add(address, transport);
        return transport;
    }

    /// <summary>
    /// Delivers a datagram claiming any source address: what an attacker spoofing addresses can do on the internet.
    /// </summary>
    public bool Inject(ReadOnlySpan<byte> datagram, in NetAddress source, in NetAddress destination)
    {
        InMemoryTransport? target;
        lock (_lock) _endpoints.TryGetValue(destination, out target);
        return target is not null && target.Enqueue(datagram, source);
    }

    internal void Unbind(InMemoryTransport transport)
    {
        lock (_lock) _endpoints.Remove(transport.LocalAddress);
    }
}
