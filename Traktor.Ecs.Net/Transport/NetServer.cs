using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Transport.Security;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

/// <summary>
/// The server side of the transport. Drive it from the game loop: <see cref="Update"/> once per tick (receive,
/// handshake, deliver, resend, send), then <see cref="TryPollEvent"/> until false. It never blocks or sleeps.
/// Not thread-safe: call it from one thread (the game loop's).
/// </summary>
public sealed partial class NetServer : IServerEndpoint, IDisposable, INetStatsSource
{
    private readonly PeerContext _peer;
    private readonly NetServerOptions _options;
    private readonly ServerHandshake _handshake;
    private readonly Dictionary<NetAddress, Connection> _byAddress = new();
    private readonly Dictionary<ulong, Connection> _byClientId = new();
    private readonly Connection?[] _slots;
    private readonly int[] _generations;
    private readonly List<Connection> _active = new();
    // The update's receiving touches only the connections that take part in it (see ReceiveDatagrams).
    private readonly List<Connection> _inUpdate = new();
    private readonly List<Connection> _heldBack = new();
    // The tick's dead-connection check and flush visit only the connections with something to do (see ConnectionSchedule).
    private readonly ConnectionSchedule _schedule = new();
    private long _update;
    private readonly AdmissionLimits _limits;
    private readonly bool _ownsTransport;
    private readonly ServerApprovals _approvals;
    private NetAddress[] _publicAddresses;
    private bool _disposed;


    /// <summary>
    /// Creates a server on <paramref name="transport"/> (UDP, in-memory, or a link simulator). With
    /// <paramref name="ownsTransport"/> the server's <see cref="Dispose"/> also disposes the transport (for a socket made
    /// for this server alone, as in <c>new NetServer(UdpTransport.Bind(40000), options, ownsTransport: true)</c>);
    /// otherwise the caller disposes it.
    /// </summary>
    public NetServer(IDatagramTransport transport, NetServerOptions options, TimeProvider? time = null, ILogger? logger = null, bool ownsTransport = false)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(options);
        // A deep copy, then validated: the caller changing its object later (a limit, the key's bytes, the address list)
        // can neither undo the checks nor change a running server.
        var callers = options;
        options = options.Snapshot();
        options.ValidateServer();
        if (!options.Insecure && options.PrivateKey is not { Length: PacketCipher.KeySize })
            throw new ArgumentException("A secure server needs a 32-byte PrivateKey (or Insecure = true for LAN/dev).", nameof(options));
        _options = options;
        _approvals = new ServerApprovals(options.ApproveConnection);
        _publicAddresses = [.. options.PublicAddresses]; // its own array: AdvertiseAt replaces it, the options' copy stays
        _ownsTransport = ownsTransport;
        _peer = new PeerContext(transport, options, callers, time ?? TimeProvider.System, logger ?? NullLogger.Instance);
        _handshake = new ServerHandshake(_peer, options, Counters, this);
        _slots = new Connection?[options.MaxClients];
        _generations = new int[options.MaxClients];
        _notices = new RepeatedNotices(options.MaxClients); // as many closed connections as it can hold open ones
        _internalErrorLog = new RateLimitedLog(_peer.Time);
        _limits = new AdmissionLimits(options.MaxConnectionsPerAddress, options.MaxConnectionsPerSubnet);
        if (options.Insecure)
            _peer.Logger.LogWarning("NetServer on {Address} runs in INSECURE mode: no connect tokens, no encryption. Use it on a LAN or in development only.", transport.LocalAddress);
        else
            _peer.Logger.LogInformation("NetServer on {Address} started (cipher suites {Suites}, protocol {ProtocolId:X16}).", transport.LocalAddress, options.CipherSuites & PacketCipher.LocallySupported, options.ProtocolId);
        NetMetrics.Register(this);
    }

    /// <summary>
    /// Adds a connection approval to this server's own: a connection is admitted only when the options'
    /// <see cref="NetServerOptions.ApproveConnection"/> and every added approval admit it. Disposing the returned handle
    /// removes it, so a session relay that ended or was replaced stops deciding who connects. A <see cref="Sessions.SessionRouter"/>
    /// adds its own, and so does every <see cref="Sessions.SessionRelay"/> made over this server (removed when the relay is
    /// disposed). The options object is left as the caller
    /// made it: another server built from it does not ask this one's approvals. Add it before the connections it concerns
    /// arrive; adding and removing are thread-safe and the handshake asks without allocating.
    /// </summary>
    /// <param name="approve">The added approval, asked with the client id, the connect token's user data and the client's address.</param>
    /// <returns>The handle whose <see cref="IDisposable.Dispose"/> removes it (again does nothing).</returns>
    public IDisposable AddApproval(ConnectionApproval approve) => _approvals.Add(approve);

    /// <summary>Adds an approval that says why it refuses (a session relay's), as <see cref="AddApproval"/> does.</summary>
    internal IDisposable AddRefusal(ConnectionRefusal refuse) => _approvals.AddRefusal(refuse);

    /// <summary>
    /// Null when the options' approval and every one <see cref="AddApproval"/> added admit the connection (the handshake
    /// asks); otherwise the reason its Denied packet gives.
    /// </summary>
    internal DisconnectReason? Refusal(ulong clientId, ReadOnlySpan<byte> userData, NetAddress address) => _approvals.Refusal(clientId, userData, address);

    /// <summary>
    /// When set, every handshake is denied with this reason (the Denied packet's, docs/PROTOCOL.md) before capacity and
    /// approvals are asked, a valid connect token or not, a reconnect of a connected client too: a player host whose
    /// session ended sets <see cref="DisconnectReason.SessionEnded"/> while it lets its players go, so a newcomer learns at
    /// once that there is no session to join, rather than being admitted to an end screen and let go at its deadline.
    /// Null (the default): handshakes are judged as usual. Tick thread.
    /// </summary>
    internal DisconnectReason? RefusesEveryone { get; set; }

    /// <summary>Approvals <see cref="AddApproval"/> added and not removed (for tests of their removal).</summary>
    internal int AddedApprovals => _approvals.Count;

    private long _statsVersion;

    long INetStatsSource.StatsVersion => Volatile.Read(ref _statsVersion);

    void INetStatsSource.CollectStats(List<(ulong ClientId, string Role, NetStats Stats)> into)
    {
        lock (_active)
        {
            foreach (var connection in _active) into.Add((connection.ClientId, "server", connection.GetStats()));
        }
    }

    /// <summary>Counters of received, dropped and refused datagrams.</summary>
    public NetServerCounters Counters => _peer.Counters;

    /// <summary>Connected clients.</summary>
    public int ConnectionCount => _active.Count;

    /// <summary>
    /// The largest message that travels in a single packet (MTU − 41, 1,159 bytes by default); larger ones are
    /// fragmented. Replication can size snapshots to it.
    /// </summary>
    public int MaxUnfragmentedMessageSize => _peer.FragmentSize;

    /// <summary>Bytes held by the event queue's arrays (for tests of its bound and of its return to the steady size).</summary>
    internal long EventQueueCapacityBytes => _peer.Events.CapacityBytes;

    /// <summary>The server's clock in seconds (its <see cref="TimeProvider"/>'s timestamp).</summary>
    internal double Now => _peer.Now;

    /// <summary>Events waiting to be polled (for tests of the queue's bound when the caller does not poll).</summary>
    internal int PendingEvents => _peer.Events.Pending;

    /// <summary>The transport's local address.</summary>
    public NetAddress LocalAddress => _peer.Transport.LocalAddress;

    /// <inheritdoc />
    public TimeProvider Clock => _peer.Time;

    /// <summary>
    /// The addresses a connect token must name to be accepted here (empty accepts any): the options'
    /// <see cref="NetServerOptions.PublicAddresses"/> as they were when the server was made, or, when those were empty, the
    /// addresses a <see cref="Sessions.GameServerHost"/> registered this server under. The options object is never changed,
    /// so two servers built from one options object each keep their own.
    /// </summary>
    public IReadOnlyList<NetAddress> PublicAddresses => _publicAddresses;

    /// <summary>Names this server's own addresses (the fleet host's, when the options named none); before the tick thread runs.</summary>
    /// <param name="addresses">The addresses tokens must name.</param>
    internal void AdvertiseAt(IReadOnlyList<NetAddress> addresses) => _publicAddresses = addresses.ToArray();

    /// <summary>
    /// Receives and handles pending datagrams (at most <see cref="NetPeerOptions.MaxDatagramsPerUpdate"/>, and per
    /// connection within its budgets), closes dead and offending connections, then sends what is due.
    /// </summary>
    public void Update()
    {
        double now = ReceiveDatagrams();
        Flush(now);
    }

    /// <summary>
    /// Receives and handles pending datagrams like <see cref="Update"/> and closes dead and offending connections,
    /// but sends nothing (acks and replies wait): call <see cref="Flush()"/> once the tick's messages are queued, so
    /// they all leave together, one packet per connection and tick where they fit.
    /// </summary>
    public void Receive()
    {
        double now = ReceiveDatagrams();
        CloseDead(now);
    }

    /// <summary>Whether <paramref name="connection"/> is still one of the server's (not removed since it was listed).</summary>
    private bool IsCurrent(Connection connection) => ReferenceEquals(_slots[connection.Id.Slot], connection);

    /// <summary>Returns the next event from the last <see cref="Update"/>; message data is valid until the next one.</summary>
    public bool TryPollEvent(out NetEvent netEvent) => _peer.Events.TryPoll(out netEvent);

    /// <summary>Queues a message for one client.</summary>
    public SendResult Send(ConnectionId connection, ChannelKind channel, ReadOnlySpan<byte> message) =>
        TryGetToWork(connection, out var c) ? c.Send(channel, message) : SendResult.NotConnected;

    /// <summary>
    /// Queues an unreliable message that must fit one packet (<see cref="MaxUnfragmentedMessageSize"/>); a
    /// <see cref="NetEventType.Delivered"/> or <see cref="NetEventType.Lost"/> event with <paramref name="receipt"/> follows
    /// once the peer acknowledged the packet carrying it, or it was lost. The replication layer's snapshot acks ride on this.
    /// </summary>
    public SendResult SendTracked(ConnectionId connection, ReadOnlySpan<byte> message, uint receipt) =>
        TryGetToWork(connection, out var c) ? c.SendTracked(message, receipt) : SendResult.NotConnected;

    /// <summary>Queues a message for every connected client.</summary>
    public void Broadcast(ChannelKind channel, ReadOnlySpan<byte> message)
    {
        foreach (var connection in _active)
        {
            _schedule.Wake(connection);
            connection.Send(channel, message);
        }
    }

    /// <summary>
    /// Statistics of one connection. Unlike the rest of the server it may be called from any thread (a dashboard's): it only
    /// reads, but a result read off the tick thread may mix two updates (docs/TRANSPORT.md, "Reading statistics from another
    /// thread").
    /// </summary>
    public bool TryGetStats(ConnectionId connection, out NetStats stats)
    {
        stats = TryGet(connection, out var c) ? c.GetStats() : default;
        return c is not null;
    }

    /// <summary>The address a client connects from.</summary>
    public bool TryGetAddress(ConnectionId connection, out NetAddress address)
    {
        address = TryGet(connection, out var c) ? c.Address : default;
        return c is not null;
    }

    /// <summary><see cref="TryGet"/> for a call that gives the connection work: it is visited from the next flush on.</summary>
    private bool TryGetToWork(ConnectionId id, out Connection connection)
    {
        if (!TryGet(id, out connection)) return false;
        _schedule.Wake(connection);
        return true;
    }

    private bool TryGet(ConnectionId id, out Connection connection)
    {
        connection = null!;
        // The connection's own id, not _generations: TryGetStats may run on another thread, and a connection's id is set
        // before it is published in its slot, whereas the two arrays' writes carry no order a reader can rely on.
        if ((uint)id.Slot >= (uint)_slots.Length || Volatile.Read(ref _slots[id.Slot]) is not { } c || c.Id != id) return false;
        connection = c;
        return true;
    }

    /// <summary>Whether <see cref="Dispose"/> ran: the server has no connections and sends nothing any more.</summary>
    internal bool IsDisposed => _disposed;

    /// <summary>
    /// Tells every client the server is shutting down, then releases the connections; disposes the transport too when the
    /// server was created owning it (a socket left open stays bound, so the port cannot be bound again, until the garbage
    /// collector finalizes it).
    /// </summary>
    public void Dispose()
    {
        if (_disposed) return;
        DisconnectAll(DisconnectReason.ServerShutdown);
        _notices.Clear();
        _handshake.Dispose();
        FlushInternalErrorLog(all: true);
        NetMetrics.Unregister(this);
        _disposed = true;
        if (_ownsTransport) _peer.Transport.Dispose(); // after the shutdown notices above have been sent through it
    }
}
