using System.Buffers;

namespace Traktor.Ecs.Net;

/// <summary>
/// A home router's NAT in front of one inside host, for tests: the host sends from a private address, the NAT rewrites
/// the source to a public address and port of an <see cref="InMemoryNetwork"/> (one port for every destination, or one
/// per destination for <see cref="NatKind.Symmetric"/>), and it lets in only what its <see cref="NatKind"/> filtering
/// allows, to the mapping the datagram arrived on, judged by the permissions in force when it arrived (before the
/// inside host's next send). Mappings the host has not sent on for <see cref="MappingTimeout"/>
/// are removed, as a router's are. Time comes from a <see cref="TimeProvider"/>, so tests run on virtual time. Stack it
/// under a <see cref="LinkSimulator"/> to add latency and loss. Not thread-safe; not for production use.
/// </summary>
public sealed class NatSimulator : IDatagramTransport
{
    private readonly InMemoryNetwork _outside;
    private readonly NetAddress _publicIp;
    private readonly TimeProvider _time;
    private readonly List<Mapping> _mappings = new();
    private readonly Queue<(byte[] Buffer, int Length, NetAddress Source)> _admitted = new();
    private readonly byte[] _scratch = new byte[65536];
    private ushort _nextPort;
    private int _pollFrom;

    private sealed class Mapping(InMemoryTransport socket, NetAddress key)
    {
        public InMemoryTransport Socket { get; } = socket;
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
    {
        _outside = outside ?? throw new ArgumentNullException(nameof(outside));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        if (!Enum.IsDefined(kind)) throw new ArgumentOutOfRangeException(nameof(kind));
        Kind = kind;
        _publicIp = publicAddress.WithPort(0);
        _nextPort = publicAddress.Port == 0 ? (ushort)50000 : publicAddress.Port;
        LocalAddress = privateAddress ?? NetAddress.Parse("192.168.1.2:40000");
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
            ArrayPool<byte>.Shared.Return(item.Buffer);
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
                var copy = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
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
        for (int attempt = 0; attempt < 1000; attempt++)
        {
            var address = _publicIp.WithPort(_nextPort);
            _nextPort = _nextPort == ushort.MaxValue ? (ushort)1024 : (ushort)(_nextPort + 1);
            try
            {
                var mapping = new Mapping(_outside.CreateTransport(address), key);
                _mappings.Add(mapping);
                MappingsCreated++;
                return mapping;
            }
            catch (InvalidOperationException)
            {
                // The port is taken (another NAT on the same public IP): try the next one, as a router would.
            }
        }
        return null;
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
        while (_admitted.TryDequeue(out var item)) ArrayPool<byte>.Shared.Return(item.Buffer);
    }
}
