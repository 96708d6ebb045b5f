using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

/// <summary>
/// A home router's NAT in front of one inside host, for tests and demos: the host sends from a private address, the NAT
/// rewrites the source to a public address and port of an <see cref="InMemoryNetwork"/>, or of real sockets it opens (one
/// UDP socket on loopback per mapping, for a NAT between processes), one mapping for every destination, or one
/// per destination for <see cref="NatKind.Symmetric"/>, and it lets in only what its <see cref="NatKind"/> filtering
/// allows, to the mapping the datagram arrived on, judged by the permissions in force when it arrived (before the
/// inside host's next send). Mappings the host has not sent on for <see cref="MappingTimeout"/>
/// are removed, as a router's are. Time comes from a <see cref="TimeProvider"/>, so tests run on virtual time. Stack it
/// under a <see cref="LinkSimulator"/> to add latency and loss. Not thread-safe; not for production use.
/// </summary>
public sealed class NatSimulator : IDatagramTransport
{
    private readonly Func<IDatagramTransport?> _openMapping;
    private readonly TimeProvider _time;
    private readonly List<Mapping> _mappings = new();
    private readonly Queue<(byte[] Buffer, int Length, NetAddress Source)> _admitted = new();
    private readonly byte[] _scratch = new byte[65536];
    private readonly DatagramBufferPool _buffers = new(); // not the shared ArrayPool: another thread emptying it made a tick allocate
    private int _pollFrom;

    private sealed class Mapping(IDatagramTransport socket, NetAddress key)
    {
        public IDatagramTransport Socket { get; } = socket;
        public NetAddress Key { get; } = key;
        public HashSet<NetAddress> Permitted { get; } = new();
        public long LastOutbound { get; set; }
    }

    /// <summary>Creates a NAT with public IP <paramref name="publicAddress"/> on <paramref name="outside"/>.</summary>
    /// <param name="outside">The public network the NAT's mappings are bound on.</param>
    /// <param name="publicAddress">The NAT's public IP; its port is the first port the NAT hands out.</param>
    /// <param name="kind">The mapping and filtering behaviour.</param>
    /// <param name="time">The clock mappings expire on.</param>
    /// <param name="privateAddress">The inside host's address (what <see cref="LocalAddress"/> reports); 192.168.1.2:40000 by default.</param>
    public NatSimulator(InMemoryNetwork outside, NetAddress publicAddress, NatKind kind, TimeProvider time, NetAddress? privateAddress = null)
        : this(InMemoryPorts(outside ?? throw new ArgumentNullException(nameof(outside)), publicAddress), kind, time, privateAddress)
    {
    }

    /// <summary>
    /// Creates a NAT whose mappings are sockets <paramref name="openMapping"/> opens, each on a public port of its own
    /// (e.g. <c>() =&gt; new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0))</c>: a NAT in front of one process of a
    /// demo on one machine). The NAT owns them and disposes them when mappings expire.
    /// </summary>
    /// <param name="openMapping">Opens the socket of a new mapping, or returns null when no port is free.</param>
    /// <param name="kind">The mapping and filtering behaviour.</param>
    /// <param name="time">The clock mappings expire on.</param>
    /// <param name="privateAddress">The inside host's address (what <see cref="LocalAddress"/> reports); 192.168.1.2:40000 by default.</param>
    public NatSimulator(Func<IDatagramTransport?> openMapping, NatKind kind, TimeProvider time, NetAddress? privateAddress = null)
    {
        _openMapping = openMapping ?? throw new ArgumentNullException(nameof(openMapping));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        if (!Enum.IsDefined(kind)) throw new ArgumentOutOfRangeException(nameof(kind));
        Kind = kind;
        LocalAddress = privateAddress ?? NetAddress.Parse("192.168.1.2:40000");
    }

    /// <summary>Mappings on an in-memory network: the next free port of the NAT's public IP, as a router hands them out.</summary>
    private static Func<IDatagramTransport?> InMemoryPorts(InMemoryNetwork outside, NetAddress publicAddress)
    {
        var publicIp = publicAddress.WithPort(0);
        ushort nextPort = publicAddress.Port == 0 ? (ushort)50000 : publicAddress.Port;
        return () =>
        {
            for (int attempt = 0; attempt < 1000; attempt++)
            {
                var address = publicIp.WithPort(nextPort);
                nextPort = nextPort == ushort.MaxValue ? (ushort)1024 : (ushort)(nextPort + 1);
                try
                {
                    return outside.CreateTransport(address);
                }
                catch (InvalidOperationException)
                {
                    // The port is taken (another NAT on the same public IP): try the next one, as a router would.
                }
            }

            return null;
        };
    }

    /// <summary>The mapping and filtering behaviour.</summary>
    public NatKind Kind { get; }

    /// <summary>The inside host's private address.</summary>
    public NetAddress LocalAddress { get; }

    /// <summary>How long a mapping lives without outbound traffic (30 s by default, a common router timeout).</summary>
    public TimeSpan MappingTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Datagrams from outside the filtering refused (and any beyond <see cref="ReceiveQueueCapacity"/>).</summary>
    public long Filtered { get; private set; }

    /// <summary>Mappings created so far (one per destination for a symmetric NAT).</summary>
    public long MappingsCreated { get; private set; }

    /// <summary>The public addresses of the live mappings.</summary>
    public IReadOnlyList<NetAddress> PublicAddresses => _mappings.ConvertAll(m => m.Socket.LocalAddress);

    /// <inheritdoc />
    public bool TrySend(ReadOnlySpan<byte> datagram, in NetAddress destination)
    {
        long now = _time.GetTimestamp();
        Expire(now);
        // Datagrams that arrived before this send are judged by the permissions they found, as a router judges on arrival.
        Admit();
        var mapping = Find(Kind == NatKind.Symmetric ? destination : default) ?? Open(Kind == NatKind.Symmetric ? destination : default);
        if (mapping is null) return false;
        mapping.LastOutbound = now;
        mapping.Permitted.Add(Kind == NatKind.AddressRestricted ? destination.WithPort(0) : destination);
        return mapping.Socket.TrySend(datagram, destination);
    }

    /// <inheritdoc />
    public bool TryReceive(Span<byte> buffer, out int length, out NetAddress source)
    {
        Expire(_time.GetTimestamp());
        Admit();
        while (_admitted.TryDequeue(out var item))
        {
            bool fits = item.Length <= buffer.Length;
            if (fits) item.Buffer.AsSpan(0, item.Length).CopyTo(buffer);
            _buffers.Return(item.Buffer);
            if (!fits) continue;
            length = item.Length;
            source = item.Source;
            return true;
        }
        length = 0;
        source = default;
        return false;
    }

    /// <summary>The most admitted datagrams held for the inside host before more are dropped (its socket buffer).</summary>
    public int ReceiveQueueCapacity { get; set; } = 8192;

    private void Admit()
    {
        for (int n = 0; n < _mappings.Count; n++)
        {
            var mapping = _mappings[(_pollFrom + n) % _mappings.Count];
            while (mapping.Socket.TryReceive(_scratch, out int length, out var source))
            {
                if (!Allows(mapping, source) || _admitted.Count >= ReceiveQueueCapacity)
                {
                    Filtered++;
                    continue;
                }
                var copy = _buffers.Rent(length);
                _scratch.AsSpan(0, length).CopyTo(copy);
                _admitted.Enqueue((copy, length, source));
            }
        }
        if (_mappings.Count > 0) _pollFrom = (_pollFrom + 1) % _mappings.Count;
    }

    private bool Allows(Mapping mapping, in NetAddress source) => Kind switch
    {
        NatKind.FullCone => true,
        NatKind.AddressRestricted => mapping.Permitted.Contains(source.WithPort(0)),
        _ => mapping.Permitted.Contains(source),
    };

    private Mapping? Find(in NetAddress key)
    {
        foreach (var mapping in _mappings)
        {
            if (mapping.Key == key) return mapping;
        }
        return null;
    }

    private Mapping? Open(NetAddress key)
    {
        if (_openMapping() is not { } socket) return null;
        var mapping = new Mapping(socket, key);
        _mappings.Add(mapping);
        MappingsCreated++;
        return mapping;
    }

    private void Expire(long now)
    {
        long timeout = (long)(MappingTimeout.TotalSeconds * _time.TimestampFrequency);
        for (int i = _mappings.Count - 1; i >= 0; i--)
        {
            if (now - _mappings[i].LastOutbound <= timeout) continue;
            _mappings[i].Socket.Dispose();
            _mappings.RemoveAt(i);
        }
    }

    /// <summary>Removes every mapping.</summary>
    public void Dispose()
    {
        foreach (var mapping in _mappings) mapping.Socket.Dispose();
        _mappings.Clear();
        _admitted.Clear();
        _buffers.Clear();
    }
}
