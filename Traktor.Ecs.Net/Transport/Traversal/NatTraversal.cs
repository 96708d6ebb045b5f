using System.Buffers.Binary;
using System.Security.Cryptography;
using Traktor.Ecs.Net.Transport;
using L = Traktor.Ecs.Net.Transport.Traversal.TraversalLayout;

namespace Traktor.Ecs.Net;

/// <summary>
/// A peer's socket behind a NAT (docs/P2P.md "NAT traversal"): a decorator under <see cref="NetServer"/> or
/// <see cref="NetClient"/> that registers with an <see cref="Introducer"/>, punches holes toward the peers it is
/// introduced to and, when punching fails, sends their datagrams through the introducer's relay. The connection layer
/// above is unchanged: it names a peer by the public endpoint the introducer observed (<see cref="HostAddress"/>, or
/// the source of an incoming connection) whatever the path, and runs the normal handshake over it, so the AEAD keys
/// stay between the two peers. Traversal packets (docs/PROTOCOL.md §14) are taken out here and never reach the layer
/// above. Not thread-safe: the connection layer's thread drives it.
/// </summary>
public sealed class NatTraversal : IPeerAwareTransport
{
    private const double PumpInterval = 0.005;
    private const int MaxPending = 256;
    private readonly Queue<(byte[] Buffer, int Length, NetAddress Source)> _pending = new();
    private readonly IDatagramTransport _inner;
    private readonly NatTraversalOptions _options;
    private readonly TimeProvider _time;
    private readonly Dictionary<NetAddress, Peer> _peers = new();
    private readonly Dictionary<ulong, Peer> _routes = new();
    private readonly Dictionary<NetAddress, Peer> _byDirect = new();
    private readonly byte[] _receive = new byte[65536];
    private readonly DatagramBufferPool _buffers = new(); // not the shared ArrayPool: another thread emptying it made a tick allocate
    private readonly byte[] _send = new byte[65536];
    private readonly byte[] _control = new byte[L.RegisterSize];
    private readonly byte[] _punchKey = new byte[32];
    private readonly byte[] _tag = new byte[32];
    private readonly byte[] _cookie = new byte[L.CookieSize];
    private bool _mayRegisterEarly;
    private byte _role = byte.MaxValue;
    private Guid _rendezvous;
    private double _nextRegister;
    private double _nextPump;

    private sealed class Peer(ulong route, NetAddress address, double now)
    {
        public ulong Route { get; } = route;
        public NetAddress Address { get; } = address;
        public NetAddress Direct { get; set; } = address;
        public NatPath Path { get; set; } = NatPath.Punching;
        public double StartedAt { get; } = now;
        public double NextPunch { get; set; } = now;
        public ulong Nonce { get; } = (ulong)Random.Shared.NextInt64();
    }

    /// <summary>Wraps <paramref name="inner"/>, the peer's socket (it is disposed with this).</summary>
    /// <param name="inner">The socket.</param>
    /// <param name="options">The introducer and timings.</param>
    /// <param name="time">The clock; the system clock when null.</param>
    public NatTraversal(IDatagramTransport inner, NatTraversalOptions options, TimeProvider? time = null)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        // A copy: the caller changing its object later can neither undo the checks nor move the introducer.
        _options = options?.Snapshot() ?? throw new ArgumentNullException(nameof(options));
        _options.Validate();
        _time = time ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public NetAddress LocalAddress => _inner.LocalAddress;

    /// <inheritdoc />
    public bool Carries(TransportKind kind) => _inner.Carries(kind);

    /// <summary>This peer's public endpoint as the introducer observed it (what joiners' connect tokens name); none until registered.</summary>
    public NetAddress PublicAddress { get; private set; }

    /// <summary>For a joiner: the host's public endpoint, once introduced (connect to it); none before.</summary>
    public NetAddress HostAddress { get; private set; }

    /// <summary>Punch packets sent.</summary>
    public long PunchesSent { get; private set; }

    /// <summary>Datagrams of the layer above sent straight to a peer (or to a non-introduced address).</summary>
    public long DirectSent { get; private set; }

    /// <summary>Datagrams of the layer above sent through the relay.</summary>
    public long RelayedSent { get; private set; }

    /// <summary>Datagrams of the layer above received through the relay.</summary>
    public long RelayedReceived { get; private set; }

    /// <summary>Punch and PunchAck packets for a known route refused: a wrong tag (not sealed with the session's punch key), or an answer to a nonce this peer never sent.</summary>
    public long Forged { get; private set; }

    /// <summary>Traversal packets dropped: malformed, from the wrong sender, for an unknown route or beyond <see cref="NatTraversalOptions.MaxPeers"/>.</summary>
    public long Dropped { get; private set; }

    /// <summary>Registers as the host of <paramref name="rendezvous"/> (and keeps registering): joiners presenting it are introduced.</summary>
    /// <param name="rendezvous">The rendezvous id (a secret of the session).</param>
    /// <param name="punchKey">The session's 32-byte punch key (<see cref="Sessions.PlayerHostGrant.PunchKey"/>): Punch and
    /// PunchAck packets carry a tag with it, so nobody without it (the introducer, or someone who learned a route id) can
    /// forge one. Null derives it from the rendezvous id, which the introducer sees: use the directory's key when there is one.</param>
    public void Host(Guid rendezvous, byte[]? punchKey = null) => Start(L.RoleHost, rendezvous, punchKey);

    /// <summary>Registers as a joiner of <paramref name="rendezvous"/> until introduced to its host (<see cref="HostAddress"/>, none until then, also after an earlier join).</summary>
    /// <param name="rendezvous">The rendezvous id the directory gave.</param>
    /// <param name="punchKey">The session's punch key (<see cref="Sessions.SessionConnectInfo.PunchKey"/>), the host's; null derives it from the rendezvous id.</param>
    public void Join(Guid rendezvous, byte[]? punchKey = null) => Start(L.RoleJoiner, rendezvous, punchKey);

    private void Start(byte role, Guid rendezvous, byte[]? punchKey)
    {
        if (punchKey is not null && punchKey.Length != _punchKey.Length) throw new ArgumentException("A punch key has 32 bytes.", nameof(punchKey));
        if (punchKey is not null)
        {
            punchKey.CopyTo(_punchKey, 0);
        }
        else
        {
            Span<byte> id = stackalloc byte[16];
            rendezvous.TryWriteBytes(id);
            HMACSHA256.HashData(id, "traktor/punch-key"u8, _punchKey);
        }

        _role = role;
        _rendezvous = rendezvous;
        // A new rendezvous has a host of its own: the previous one's address (a joiner's last session) would make a
        // SessionConnector see that host's settled path at once, and the joiner would not register to be introduced.
        HostAddress = default;
        Array.Clear(_cookie);
        _nextRegister = 0;
        Pump(Now);
    }

    /// <summary>How datagrams to <paramref name="peer"/> travel.</summary>
    /// <param name="peer">A peer's public endpoint as introduced.</param>
    /// <returns>The path, <see cref="NatPath.None"/> for an address nobody introduced.</returns>
    public NatPath GetPath(in NetAddress peer) => _peers.TryGetValue(peer, out var p) ? p.Path : NatPath.None;

    /// <summary>
    /// Runs the timers (registration, punches, relay fallback) and handles the traversal packets that arrived; datagrams
    /// for the layer above are kept (up to 256) for its next receive. Sending and receiving do the same, so call this
    /// while nothing above receives (a joiner before its <see cref="NetClient"/> connects).
    /// </summary>
    public void Update()
    {
        Pump(Now);
        var buffer = _send.AsSpan();
        while (_pending.Count < MaxPending && Receive(buffer, out int length, out var source))
        {
            var copy = _buffers.Rent(length);
            buffer[..length].CopyTo(copy);
            _pending.Enqueue((copy, length, source));
        }
    }

    private double Now => _time.GetTimestamp() / (double)_time.TimestampFrequency;

    /// <inheritdoc />
    public bool TrySend(ReadOnlySpan<byte> datagram, in NetAddress destination)
    {
        double now = Now;
        if (now >= _nextPump) Pump(now);
        if (!_peers.TryGetValue(destination, out var peer) || peer.Path != NatPath.Relayed)
        {
            DirectSent++;
            return _inner.TrySend(datagram, peer?.Direct ?? destination);
        }
        if (datagram.Length > _send.Length - L.RelayHeaderSize) return false;
        L.WriteHeader(_send, L.Relay);
        BinaryPrimitives.WriteUInt64LittleEndian(_send.AsSpan(L.HeaderSize), peer.Route);
        datagram.CopyTo(_send.AsSpan(L.RelayHeaderSize));
        RelayedSent++;
        return _inner.TrySend(_send.AsSpan(0, L.RelayHeaderSize + datagram.Length), _options.Introducer);
    }

    /// <inheritdoc />
    public bool TryReceive(Span<byte> buffer, out int length, out NetAddress source)
    {
        while (_pending.TryDequeue(out var item))
        {
            bool fits = item.Length <= buffer.Length;
            if (fits) item.Buffer.AsSpan(0, item.Length).CopyTo(buffer);
            _buffers.Return(item.Buffer);
            if (!fits) continue;
            length = item.Length;
            source = item.Source;
            return true;
        }
        return Receive(buffer, out length, out source);
    }

    private bool Receive(Span<byte> buffer, out int length, out NetAddress source)
    {
        double now = Now;
        if (now >= _nextPump) Pump(now);
        for (int control = 0; control < _options.MaxControlPacketsPerReceive && _inner.TryReceive(_receive, out int received, out source); control++)
        {
            var datagram = _receive.AsSpan(0, received);
            if (!L.IsTraversal(datagram))
            {
                if (received > buffer.Length) continue;
                datagram.CopyTo(buffer);
                length = received;
                if (_byDirect.TryGetValue(source, out var direct)) source = direct.Address;
                return true;
            }
            if (datagram[2] == L.Relay && source == _options.Introducer && received > L.RelayHeaderSize
                && _routes.TryGetValue(BinaryPrimitives.ReadUInt64LittleEndian(datagram[L.HeaderSize..]), out var peer))
            {
                var inner = datagram[L.RelayHeaderSize..];
                if (inner.Length > buffer.Length || L.IsTraversal(inner))
                {
                    Dropped++;
                    continue;
                }
                inner.CopyTo(buffer);
                length = inner.Length;
                source = peer.Address;
                RelayedReceived++;
                return true;
            }
            HandleControl(datagram, source, now);
        }
        length = 0;
        source = default;
        return false;
    }

    private void HandleControl(ReadOnlySpan<byte> datagram, in NetAddress source, double now)
    {
        byte kind = datagram[2];
        if (kind is L.Punch or L.PunchAck && datagram.Length == L.PunchSize
            && _routes.TryGetValue(BinaryPrimitives.ReadUInt64LittleEndian(datagram[L.HeaderSize..]), out var peer))
        {
            // Only the two peers hold the punch key: a punch without its tag, or an answer to a nonce this peer did not
            // send, is someone else's and changes nothing (it could otherwise divert the path).
            ulong nonce = BinaryPrimitives.ReadUInt64LittleEndian(datagram[(L.HeaderSize + 8)..]);
            if (!TagMatches(datagram) || (kind == L.PunchAck && nonce != peer.Nonce))
            {
                Forged++;
                return;
            }

            if (peer.Path == NatPath.Punching)
            {
                // The peer's datagrams come from where they come (a NAT may map it to another port for us than for the
                // introducer): answer there, and after an answered punch keep sending there.
                SetDirect(peer, source);
                if (kind == L.PunchAck) peer.Path = NatPath.Direct;
                else peer.NextPunch = now;
            }
            if (kind == L.Punch) SendPunch(peer.Route, L.PunchAck, nonce, source);
            return;
        }
        if (source == _options.Introducer && _role != byte.MaxValue)
        {
            if (kind == L.Registered && datagram.Length == L.RegisteredSize && new Guid(datagram.Slice(L.HeaderSize, 16)) == _rendezvous)
            {
                PublicAddress = L.ReadEndpoint(datagram[(L.HeaderSize + 16)..]);
                return;
            }
            if (kind == L.Cookie && datagram.Length == L.CookiePacketSize && new Guid(datagram.Slice(L.HeaderSize, 16)) == _rendezvous)
            {
                datagram.Slice(L.HeaderSize + 16, L.CookieSize).CopyTo(_cookie);
                // Answer at once, but once per scheduled Register: Cookies forged from the introducer's address must not
                // draw a 128-byte Register each.
                if (_mayRegisterEarly)
                {
                    _mayRegisterEarly = false;
                    SendRegister();
                }
                return;
            }
            if (kind == L.Introduce && datagram.Length == L.IntroduceSize && new Guid(datagram.Slice(L.HeaderSize, 16)) == _rendezvous)
            {
                Introduced(datagram, now);
                return;
            }
        }
        Dropped++;
    }

    private void Introduced(ReadOnlySpan<byte> datagram, double now)
    {
        ulong route = BinaryPrimitives.ReadUInt64LittleEndian(datagram[(L.HeaderSize + 16)..]);
        var other = L.ReadEndpoint(datagram[(L.HeaderSize + 24)..]);
        PublicAddress = L.ReadEndpoint(datagram[(L.HeaderSize + 24 + L.EndpointSize)..]);
        if (_role == L.RoleJoiner) HostAddress = other;
        if (_routes.ContainsKey(route)) return;
        if (_peers.Count >= _options.MaxPeers || _peers.ContainsKey(other))
        {
            // A peer introduced again under a new route (the introducer forgot the old one) keeps its path.
            Dropped++;
            return;
        }
        var peer = new Peer(route, other, now);
        _peers.Add(other, peer);
        _routes.Add(route, peer);
        Pump(now);
    }

    private void SetDirect(Peer peer, in NetAddress source)
    {
        if (peer.Direct == source) return;
        if (peer.Direct != peer.Address) _byDirect.Remove(peer.Direct);
        peer.Direct = source;
        if (source != peer.Address) _byDirect[source] = peer;
    }

    private void Pump(double now)
    {
        _nextPump = now + PumpInterval;
        if (_role != byte.MaxValue && now >= _nextRegister)
        {
            bool registered = _role == L.RoleHost ? !PublicAddress.IsNone : !HostAddress.IsNone;
            if (_role == L.RoleHost || !registered)
            {
                SendRegister();
                _mayRegisterEarly = true;
            }
            _nextRegister = now + (registered ? _options.RegisterInterval : _options.RetryInterval).TotalSeconds;
        }
        double timeout = _options.PunchTimeout.TotalSeconds;
        foreach (var peer in _routes.Values)
        {
            if (peer.Path != NatPath.Punching || now < peer.NextPunch) continue;
            if (now - peer.StartedAt >= timeout)
            {
                peer.Path = NatPath.Relayed;
                continue;
            }
            SendPunch(peer.Route, L.Punch, peer.Nonce, peer.Direct);
            peer.NextPunch = now + _options.PunchInterval.TotalSeconds;
        }
    }

    private void SendRegister()
    {
        var register = _control.AsSpan(0, L.RegisterSize);
        register.Clear();
        L.WriteHeader(register, L.Register);
        register[L.HeaderSize] = _role;
        _rendezvous.TryWriteBytes(register.Slice(L.HeaderSize + 1, 16));
        _cookie.CopyTo(register[L.RegisterCookieOffset..]);
        _inner.TrySend(register, _options.Introducer);
    }

    private void SendPunch(ulong route, byte kind, ulong nonce, in NetAddress to)
    {
        var punch = _control.AsSpan(0, L.PunchSize);
        L.WriteHeader(punch, kind);
        BinaryPrimitives.WriteUInt64LittleEndian(punch[L.HeaderSize..], route);
        BinaryPrimitives.WriteUInt64LittleEndian(punch[(L.HeaderSize + 8)..], nonce);
        HMACSHA256.HashData(_punchKey, punch[..L.PunchSignedSize], _tag);
        _tag.AsSpan(0, L.TagSize).CopyTo(punch[L.PunchSignedSize..]);
        if (kind == L.Punch) PunchesSent++;
        _inner.TrySend(punch, to);
    }

    private bool TagMatches(ReadOnlySpan<byte> punch)
    {
        HMACSHA256.HashData(_punchKey, punch[..L.PunchSignedSize], _tag);
        return CryptographicOperations.FixedTimeEquals(_tag.AsSpan(0, L.TagSize), punch[L.PunchSignedSize..]);
    }

    /// <inheritdoc />
    public void OnPeerConnected(in NetAddress peer) => (_inner as IPeerAwareTransport)?.OnPeerConnected(peer);

    /// <inheritdoc />
    public void OnPeerDisconnected(in NetAddress peer) => (_inner as IPeerAwareTransport)?.OnPeerDisconnected(peer);

    /// <inheritdoc cref="IPeerAwareTransport.IdleTimeoutFor"/>
    public TimeSpan IdleTimeoutFor(in NetAddress peer) => (_inner as IPeerAwareTransport)?.IdleTimeoutFor(peer) ?? System.Threading.Timeout.InfiniteTimeSpan;

    /// <summary>Closes the socket.</summary>
    public void Dispose()
    {
        _pending.Clear();
        _buffers.Clear();
        _inner.Dispose();
    }
}
