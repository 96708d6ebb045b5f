using System.Buffers.Binary;
using System.Security.Cryptography;
using Traktor.Ecs.Net.Transport.Security;
using Traktor.Ecs.Net.Transport.Traversal;
using L = Traktor.Ecs.Net.Transport.Traversal.TraversalLayout;

namespace Traktor.Ecs.Net;

/// <summary>
/// The rendezvous point and relay of peers behind NATs (docs/P2P.md "NAT traversal"), on one public UDP socket. A host
/// registers a rendezvous id (a secret the session directory hands to the host and to the players it admits); a joiner
/// registering the same id is introduced: both learn the other's public endpoint as this socket observed it, and a
/// route id, and punch holes toward each other (<see cref="NatTraversal"/>). When punching fails, the peers send their
/// sealed datagrams here inside a Relay header naming the route, and this forwards them, unchanged, to the other side.
/// It never holds a connection key: the datagrams are sealed end to end by the peers' own handshake, so it can drop or
/// delay them but can neither read nor forge them. Every input is untrusted and bounded: register rate per address,
/// rendezvous and route tables, per-side relay rate (datagrams and bytes), relayed size; no reply is larger than the
/// packet that caused it, and a Register creates state only when it echoes the cookie this sent to its source (a
/// stateless HMAC, like DTLS's HelloVerifyRequest), so a spoofed source can neither hold a table entry nor have a route
/// relay to, or a host punch, an address the attacker chose. Not thread-safe: call <see cref="Update"/> from one thread.
/// </summary>
public sealed class Introducer : IDisposable
{
    private readonly IDatagramTransport _socket;
    private readonly IntroducerOptions _options;
    private readonly TimeProvider _time;
    private readonly AddressRateLimiter _registers;
    private readonly Dictionary<Guid, Rendezvous> _rendezvous = new();
    private readonly Dictionary<ulong, Route> _routes = new();
    private readonly Dictionary<(Guid, NetAddress), ulong> _routeOfJoiner = new();
    private readonly byte[] _buffer;
    private readonly byte[] _reply = new byte[L.IntroduceSize];
    private readonly List<ulong> _expired = new();
    private readonly List<Guid> _expiredRendezvous = new();
    private readonly AddressTally _hostsOf = new();
    private readonly AddressTally _joinersOf = new();
    private readonly byte[] _cookieKey = RandomNumberGenerator.GetBytes(32);
    private readonly byte[] _mac = new byte[32];
    private double _nextSweep;

    private sealed class Rendezvous(NetAddress host, double now)
    {
        public NetAddress Host { get; } = host;
        public double LastSeen { get; set; } = now;
        public int Routes { get; set; }
    }

    private sealed class Route(Guid rendezvous, NetAddress host, NetAddress joiner, RelayBudget fromHost, RelayBudget fromJoiner, double now)
    {
        public Guid Rendezvous { get; } = rendezvous;
        public NetAddress Host { get; } = host;
        public NetAddress Joiner { get; } = joiner;
        public RelayBudget FromHost = fromHost;
        public RelayBudget FromJoiner = fromJoiner;
        public double LastUsed { get; set; } = now;
    }

    /// <summary>Serves introductions and relaying on <paramref name="socket"/> (a public UDP socket).</summary>
    /// <param name="socket">The socket peers reach; the introducer owns it.</param>
    /// <param name="options">Limits; defaults when null.</param>
    /// <param name="time">The clock for rates and timeouts; the system clock when null.</param>
    public Introducer(IDatagramTransport socket, IntroducerOptions? options = null, TimeProvider? time = null)
    {
        _socket = socket ?? throw new ArgumentNullException(nameof(socket));
        // A copy: the caller changing its object later can neither undo the checks nor resize the tables.
        _options = options?.Snapshot() ?? new IntroducerOptions();
        _options.Validate();
        _time = time ?? TimeProvider.System;
        _registers = new AddressRateLimiter(8192, _options.RegistersPerSecond, 2 * _options.RegistersPerSecond);
        _buffer = new byte[Math.Max(_options.MaxRelayDatagram, L.RegisterSize) + 1];
    }

    /// <summary>The address peers register with and relay through.</summary>
    public NetAddress LocalAddress => _socket.LocalAddress;

    /// <summary>Hosts currently registered.</summary>
    public int RendezvousCount => _rendezvous.Count;

    /// <summary>Introduced host–joiner pairs currently held (each also a relay session).</summary>
    public int RouteCount => _routes.Count;

    /// <summary>Introductions sent (a pair counts once per joiner registration).</summary>
    public long Introductions { get; private set; }

    /// <summary>Datagrams relayed from one peer to the other.</summary>
    public long Relayed { get; private set; }

    /// <summary>Bytes relayed (headers included).</summary>
    public long RelayedBytes { get; private set; }

    /// <summary>Datagrams dropped: malformed, unknown kind or route, wrong sender, over a rate or a table limit.</summary>
    public long Dropped { get; private set; }

    /// <summary>Relayed datagrams dropped because their side of the route was over its rate.</summary>
    public long RelayRateLimited { get; private set; }

    /// <summary>Registers answered with a cookie instead (no cookie, or one that is not this source's or is over a minute old); they changed nothing.</summary>
    public long CookiesSent { get; private set; }

    /// <summary>
    /// A cookie is valid in the window of this many seconds it was made in and the next one (30–60 s): long enough for
    /// a host's registrations every 2 s to reuse one, short enough that a stolen one soon stops working.
    /// </summary>
    private const double CookieWindow = 30;

    /// <summary>Handles the datagrams that arrived (at most <see cref="IntroducerOptions.MaxDatagramsPerUpdate"/>) and expires idle state.</summary>
    public void Update()
    {
        double now = Now;
        for (int i = 0; i < _options.MaxDatagramsPerUpdate && _socket.TryReceive(_buffer, out int length, out var source); i++)
        {
            Handle(_buffer.AsSpan(0, length), source, now);
        }
        if (now >= _nextSweep)
        {
            _nextSweep = now + 1;
            Sweep(now);
        }
    }

    private double Now => _time.GetTimestamp() / (double)_time.TimestampFrequency;

    private void Handle(ReadOnlySpan<byte> datagram, in NetAddress source, double now)
    {
        if (!L.IsTraversal(datagram))
        {
            Dropped++;
            return;
        }
        switch (datagram[2])
        {
            case L.Relay:
                Relay(datagram, source, now);
                break;
            case L.Register when datagram.Length == L.RegisterSize && _registers.TryTake(source, now):
                Register(datagram, source, now);
                break;
            default:
                Dropped++;
                break;
        }
    }

    private void Register(ReadOnlySpan<byte> datagram, in NetAddress source, double now)
    {
        var id = new Guid(datagram.Slice(L.HeaderSize + 1, 16));
        byte role = datagram[L.HeaderSize];
        if (role != L.RoleHost && role != L.RoleJoiner)
        {
            Dropped++;
            return;
        }
        // Return routability before any state: only a source that received this address's cookie can echo it, so a
        // spoofed Register draws one 35-byte Cookie to the spoofed address (rate-limited per address) and nothing else.
        long window = (long)Math.Floor(now / CookieWindow);
        var echoed = datagram.Slice(L.RegisterCookieOffset, L.CookieSize);
        if (!CookieMatches(echoed, window, source, id, role) && !CookieMatches(echoed, window - 1, source, id, role))
        {
            var reply = _reply.AsSpan(0, L.CookiePacketSize);
            L.WriteHeader(reply, L.Cookie);
            id.TryWriteBytes(reply.Slice(L.HeaderSize, 16));
            ComputeCookie(window, source, id, role);
            _mac.AsSpan(0, L.CookieSize).CopyTo(reply[(L.HeaderSize + 16)..]);
            _socket.TrySend(reply, source);
            CookiesSent++;
            return;
        }
        if (role == L.RoleHost) RegisterHost(id, source, now);
        else RegisterJoiner(id, source, now);
    }

    private bool CookieMatches(ReadOnlySpan<byte> echoed, long window, in NetAddress source, Guid id, byte role)
    {
        ComputeCookie(window, source, id, role);
        return CryptographicOperations.FixedTimeEquals(_mac.AsSpan(0, L.CookieSize), echoed);
    }

    private void ComputeCookie(long window, in NetAddress source, Guid id, byte role)
    {
        Span<byte> input = stackalloc byte[8 + L.EndpointSize + 16 + 1];
        BinaryPrimitives.WriteInt64LittleEndian(input, window);
        L.WriteEndpoint(input[8..], source);
        id.TryWriteBytes(input[(8 + L.EndpointSize)..]);
        input[^1] = role;
        HMACSHA256.HashData(_cookieKey, input, _mac);
    }

    private void RegisterHost(Guid id, in NetAddress source, double now)
    {
        if (_rendezvous.TryGetValue(id, out var rendezvous))
        {
            // The first host to register an id keeps it until it stops refreshing: a second address cannot take it over.
            if (rendezvous.Host != source)
            {
                Dropped++;
                return;
            }
            rendezvous.LastSeen = now;
        }
        else
        {
            // One address (IPv4, or IPv6 /64) hosts a bounded share: a few attackers cannot fill the table for everyone.
            if (_rendezvous.Count >= _options.MaxRendezvous || !_hostsOf.TryAdd(source, _options.MaxRendezvousPerAddress))
            {
                Dropped++;
                return;
            }
            _rendezvous.Add(id, new Rendezvous(source, now));
        }
        var reply = _reply.AsSpan(0, L.RegisteredSize);
        L.WriteHeader(reply, L.Registered);
        id.TryWriteBytes(reply.Slice(L.HeaderSize, 16));
        L.WriteEndpoint(reply[(L.HeaderSize + 16)..], source);
        _socket.TrySend(reply, source);
    }

    private void RegisterJoiner(Guid id, in NetAddress source, double now)
    {
        if (!_rendezvous.TryGetValue(id, out var rendezvous) || rendezvous.Host == source)
        {
            Dropped++;
            return;
        }
        if (_routeOfJoiner.TryGetValue((id, source), out ulong routeId))
        {
            _routes[routeId].LastUsed = now;
        }
        else
        {
            if (_routes.Count >= _options.MaxRoutes || rendezvous.Routes >= _options.MaxRoutesPerRendezvous
                || !_joinersOf.TryAdd(source, _options.MaxRoutesPerAddress))
            {
                Dropped++;
                return;
            }
            do routeId = BinaryPrimitives.ReadUInt64LittleEndian(RandomNumberGenerator.GetBytes(8));
            while (routeId == 0 || _routes.ContainsKey(routeId));
            var budget = new RelayBudget(_options.RelayPacketsPerSecond, _options.RelayBytesPerSecond, now);
            _routes.Add(routeId, new Route(id, rendezvous.Host, source, budget, budget, now));
            _routeOfJoiner.Add((id, source), routeId);
            rendezvous.Routes++;
        }
        // Two replies of 63 bytes to a 128-byte request: the introducer never amplifies, even toward a spoofed source.
        Introduce(id, routeId, to: source, other: rendezvous.Host);
        Introduce(id, routeId, to: rendezvous.Host, other: source);
        Introductions++;
    }

    private void Introduce(Guid id, ulong routeId, in NetAddress to, in NetAddress other)
    {
        var reply = _reply.AsSpan(0, L.IntroduceSize);
        L.WriteHeader(reply, L.Introduce);
        id.TryWriteBytes(reply.Slice(L.HeaderSize, 16));
        BinaryPrimitives.WriteUInt64LittleEndian(reply[(L.HeaderSize + 16)..], routeId);
        L.WriteEndpoint(reply[(L.HeaderSize + 24)..], other);
        L.WriteEndpoint(reply[(L.HeaderSize + 24 + L.EndpointSize)..], to);
        _socket.TrySend(reply, to);
    }

    private void Relay(ReadOnlySpan<byte> datagram, in NetAddress source, double now)
    {
        if (datagram.Length <= L.RelayHeaderSize || datagram.Length > _options.MaxRelayDatagram
            || !_routes.TryGetValue(BinaryPrimitives.ReadUInt64LittleEndian(datagram[L.HeaderSize..]), out var route))
        {
            Dropped++;
            return;
        }
        bool fromHost = route.Host == source;
        if (!fromHost && route.Joiner != source)
        {
            Dropped++;
            return;
        }
        ref var budget = ref fromHost ? ref route.FromHost : ref route.FromJoiner;
        if (!budget.TryTake(datagram.Length, _options.RelayPacketsPerSecond, _options.RelayBytesPerSecond, now))
        {
            RelayRateLimited++;
            Dropped++;
            return;
        }
        route.LastUsed = now;
        // Forwarded unchanged, one datagram for one: the relay adds nothing and cannot amplify.
        _socket.TrySend(datagram, fromHost ? route.Joiner : route.Host);
        Relayed++;
        RelayedBytes += datagram.Length;
    }

    private void Sweep(double now)
    {
        double hostTimeout = _options.HostTimeout.TotalSeconds, routeTimeout = _options.RouteIdleTimeout.TotalSeconds;
        foreach (var (id, rendezvous) in _rendezvous)
        {
            if (now - rendezvous.LastSeen > hostTimeout) _expiredRendezvous.Add(id);
        }
        foreach (var id in _expiredRendezvous)
        {
            _hostsOf.Remove(_rendezvous[id].Host);
            _rendezvous.Remove(id);
        }
        foreach (var (routeId, route) in _routes)
        {
            if (now - route.LastUsed > routeTimeout || !_rendezvous.TryGetValue(route.Rendezvous, out var owner) || owner.Host != route.Host) _expired.Add(routeId);
        }
        foreach (var routeId in _expired)
        {
            var route = _routes[routeId];
            _routes.Remove(routeId);
            _joinersOf.Remove(route.Joiner);
            _routeOfJoiner.Remove((route.Rendezvous, route.Joiner));
            if (_rendezvous.TryGetValue(route.Rendezvous, out var owner) && owner.Host == route.Host) owner.Routes--;
        }
        _expired.Clear();
        _expiredRendezvous.Clear();
    }

    /// <summary>Closes the socket.</summary>
    public void Dispose() => _socket.Dispose();
}
