using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Transport.Packets;
using Traktor.Ecs.Net.Transport.Security;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

/// <summary>
/// The server side of the transport. Drive it from the game loop: <see cref="Update"/> once per tick (receive,
/// handshake, deliver, resend, send), then <see cref="TryPollEvent"/> until false. It never blocks or sleeps.
/// Not thread-safe: call it from one thread (the game loop's).
/// </summary>
public sealed class NetServer : IServerEndpoint, IDisposable, INetStatsSource
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

    /// <summary>Closed connections whose notice is repeated to a client still sending on them (<see cref="DisconnectAll(DisconnectReason, TimeSpan)"/>).</summary>
    private readonly RepeatedNotices _notices = new();

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

    private double ReceiveDatagrams()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Interlocked.Increment(ref _statsVersion);
        double now = _peer.Now;
        _peer.Events.BeginUpdate(now);
        _notices.Expire(now);
        // Only the connections that take part in this update begin and end it: those whose budgets held messages back in
        // their last one (delivered first) and those a datagram arrives for. Beginning and ending all of them would be a
        // pass over each connection's budget and both reliable channels (three objects, cold) for the many that have
        // nothing new: about 2 % of a 2,000-client tick (docs/benchmarks.md). A skipped update is one
        // without a violation, which the budget accounts for when the connection next takes part.
        _update++;
        _inUpdate.Clear();
        foreach (var connection in _heldBack)
        {
            if (IsCurrent(connection)) TakePart(connection);
        }
        _heldBack.Clear();
        var buffer = _peer.Receive.AsSpan();
        (_peer.Transport as IPolledTransport)?.BeginPoll();
        for (int i = 0; i < _options.MaxDatagramsPerUpdate && _peer.Transport.TryReceive(buffer, out int length, out var source); i++)
        {
            HandleDatagram(buffer[..length], source, now);
        }
        foreach (var connection in _inUpdate)
        {
            if (!IsCurrent(connection)) continue; // replaced or reclaimed during the update
            connection.EndUpdate();
            if (connection.Budget.HeldBack) _heldBack.Add(connection);
        }
        _inUpdate.Clear();
        return now;
    }

    /// <summary>Begins this update for <paramref name="connection"/> if it has not yet: fresh budgets, held-back messages first.</summary>
    private void TakePart(Connection connection)
    {
        if (connection.UpdateStamp == _update) return;
        _schedule.Wake(connection); // what arrived may owe an ack, deliver, or close it
        long skipped = connection.UpdateStamp == 0 ? 0 : _update - connection.UpdateStamp - 1;
        connection.UpdateStamp = _update;
        _inUpdate.Add(connection);
        connection.BeginUpdate(skipped);
    }

    /// <summary>
    /// For a benchmark's "before": every connection is visited every tick, as before the server left idle connections
    /// alone until their keep-alive or timeout.
    /// </summary>
    internal bool VisitEveryConnection
    {
        get => _schedule.VisitEveryConnection;
        set
        {
            _schedule.VisitEveryConnection = value;
            if (value) foreach (var connection in _active) _schedule.Wake(connection);
        }
    }

    /// <summary>Connections the next tick visits (for tests: idle ones sleep until their keep-alive or timeout).</summary>
    internal int ScheduledConnections => _schedule.Due.Count;

    /// <summary>Whether <paramref name="connection"/> is still one of the server's (not removed since it was listed).</summary>
    private bool IsCurrent(Connection connection) => ReferenceEquals(_slots[connection.Id.Slot], connection);

    /// <summary>
    /// Sends what is due (reliable resends, queued messages, acks, keep-alives) without receiving, and closes dead
    /// connections. Call it after queueing a tick's messages when <see cref="Update"/> already ran this tick, so a
    /// tick reads the socket once.
    /// </summary>
    public void Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Flush(_peer.Now);
    }

    private void Flush(double now)
    {
        Interlocked.Increment(ref _statsVersion);
        // One packet per connection leaves here each tick: the transport may send them in batches (sendmmsg).
        _peer.Transport.BeginSendBatch();
        try
        {
            CloseDead(now);
            var due = _schedule.Due;
            for (int i = due.Count - 1; i >= 0; i--)
            {
                due[i].Flush(now);
                _schedule.SleepIfIdle(i, now, _active.Count);
            }
        }
        finally
        {
            _peer.Transport.FlushSends();
        }
    }

    /// <summary>
    /// Closes the due connections that are dead or offending, and drops the removed ones from the schedule. A sleeping
    /// connection can be neither before its moment: it has nothing in flight, and its timeout is one of the moments.
    /// </summary>
    private void CloseDead(double now)
    {
        _schedule.WakeDue(now);
        var due = _schedule.Due;
        for (int i = due.Count - 1; i >= 0; i--)
        {
            var connection = due[i];
            if (IsCurrent(connection))
            {
                connection.CloseIfDead(now);
                if (connection.PendingClose is not { } reason) continue;
                Remove(connection, reason);
            }
            _schedule.DropAt(i);
        }
    }

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

    /// <summary>Disconnects a client; it is told the reason (redundantly) and a Disconnected event follows.</summary>
    public void Disconnect(ConnectionId connection, DisconnectReason reason = DisconnectReason.Kicked)
    {
        if (TryGet(connection, out var c)) Remove(c, reason);
    }

    /// <inheritdoc />
    public void DisconnectWhenDelivered(ConnectionId connection, DisconnectReason reason, TimeSpan within)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(within, TimeSpan.Zero);
        if (TryGetToWork(connection, out var c)) c.CloseWhenDelivered(reason, _peer.Now + within.TotalSeconds);
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

    private void HandleDatagram(ReadOnlySpan<byte> datagram, in NetAddress source, double now)
    {
        Counters.DatagramsReceived++;
        NetMetrics.PacketsReceived.Add(1);
        NetMetrics.BytesReceived.Add(datagram.Length);
        try
        {
            if (_byAddress.TryGetValue(source, out var connection))
            {
                if (IsHandshake(datagram))
                {
                    // The client on that socket started a new connection: it gave the old one up, perhaps without a word
                    // that arrived (a peer following a host after its attempt timed out). The handshake decides; one it
                    // completes for the same client id replaces the old connection (ServerHandshake.Admit).
                    _peer.Capture?.Write(datagram, source, _peer.Transport.LocalAddress);
                    _handshake.Handle(datagram, source, now, connected: true);
                    return;
                }
                TakePart(connection);
                if (connection.Receive(datagram, now) != ReceiveOutcome.Accepted)
                {
                    Counters.RejectedFromConnected++;
                    NetMetrics.PacketsDropped.Add(1);
                }
                return;
            }
            // A client still sending on a connection closed with a repeated notice never heard it: it is told again.
            if (_notices.Count > 0 && !IsHandshake(datagram) && _notices.TryAnswer(source, datagram, now)) return;
            _peer.Capture?.Write(datagram, source, _peer.Transport.LocalAddress); // handshake packets as they arrive
            _handshake.Handle(datagram, source, now);
        }
        catch (Exception e)
        {
            // Every input is validated before use, so this is a bug; the loop must survive it all the same.
            Counters.InternalErrors++;
            _peer.Logger.LogError(e, "Unexpected error handling a datagram from {Source}.", source);
        }
    }

    /// <summary>A connection request or challenge response (secure or insecure): never a connection's own packet.</summary>
    private static bool IsHandshake(ReadOnlySpan<byte> datagram) =>
        !datagram.IsEmpty && (PacketType)(datagram[0] & PacketLayout.TypeMask) is PacketType.ConnectionRequest or PacketType.ChallengeResponse
            or PacketType.InsecureRequest or PacketType.InsecureResponse;

    /// <summary>The connection of <paramref name="clientId"/>, or null when it is not connected.</summary>
    internal Connection? ConnectionOf(ulong clientId) => _byClientId.GetValueOrDefault(clientId);

    /// <summary>
    /// Closes <paramref name="connection"/> because its client completed a new handshake from the same address (see
    /// <see cref="ServerHandshake"/>'s admission): the client gave it up, and the new connection takes its place. No
    /// disconnect notice is sent: it would be sealed with the old connection's keys, which the client on that socket no
    /// longer holds (it would get three such notices, each dropped as a packet it cannot open).
    /// </summary>
    internal void Replace(Connection connection)
    {
        Counters.Replaced++;
        _peer.Logger.LogInformation("Client {ClientId} connected again from {Address}; its connection {Connection} is replaced.", connection.ClientId, connection.Address, connection.Id);
        Remove(connection, DisconnectReason.ClientDisconnected, notify: false);
    }

    /// <summary>
    /// Whether one more connection from <paramref name="source"/> fits the slots and the per-address and per-subnet
    /// limits: null when it does, possibly after closing <paramref name="reclaim"/> (an idle connection in the
    /// narrowest scope that is full; the caller closes it only once it admits the newcomer), else the refusal.
    /// </summary>
    internal DisconnectReason? CheckCapacity(in NetAddress source, double now, out Connection? reclaim)
    {
        reclaim = null;
        var scope = _limits.Exceeded(source) ?? (_active.Count >= _slots.Length ? AdmissionScope.Server : null);
        if (scope is not { } full) return null;
        reclaim = FindIdle(full, source, now);
        if (reclaim is not null) return null;
        if (full == AdmissionScope.Server) return DisconnectReason.ServerFull;
        Counters.AddressLimited++;
        return DisconnectReason.AddressLimit;
    }

    /// <summary>The connection in <paramref name="scope"/> that has sent no message for longest, if long enough to reclaim.</summary>
    private Connection? FindIdle(AdmissionScope scope, in NetAddress source, double now)
    {
        if (_options.ReclaimIdleAfter == Timeout.InfiniteTimeSpan) return null;
        double idleSince = now - _options.ReclaimIdleAfter.TotalSeconds;
        Connection? idlest = null;
        foreach (var connection in _active)
        {
            if (connection.PendingClose is null && connection.LastMessageAt <= idleSince && AdmissionLimits.SameScope(scope, source, connection.Address)
                && (idlest is null || connection.LastMessageAt < idlest.LastMessageAt)) idlest = connection;
        }
        return idlest;
    }

    /// <summary>Closes an idle connection to make room for a newcomer (see <see cref="CheckCapacity"/>).</summary>
    internal void Reclaim(Connection connection)
    {
        Counters.IdleReclaimed++;
        Remove(connection, DisconnectReason.Idle);
    }

    internal void Add(ulong clientId, NetAddress address, PacketCipher? sendCipher, PacketCipher? receiveCipher, double timeoutSeconds, double now, bool compression)
    {
        int slot = Array.IndexOf(_slots, null);
        var id = new ConnectionId(slot, ++_generations[slot]);
        var connection = new Connection(_peer, id, clientId, address, sendCipher, receiveCipher, timeoutSeconds, now, compression,
            Connection.KeepAlivePhase((ulong)slot)); // connections made together must not keep sending their keep-alives together
        Volatile.Write(ref _slots[slot], connection);
        TakePart(connection); // also makes it due: its first flush is below, its next ones with the others'
        _notices.Forget(address); // a new connection from there: the closed one's client gave it up
        _byAddress.Add(address, connection);
        _byClientId.Add(clientId, connection);
        _limits.Add(address);
        lock (_active) _active.Add(connection);
        (_peer.Transport as IPeerAwareTransport)?.OnPeerConnected(address);
        NetMetrics.Connections.Add(1);
        _peer.Events.AddConnected(id, clientId);
        _peer.Logger.LogInformation("Client {ClientId} connected from {Address} as {Connection}.", clientId, address, id);
        connection.Flush(now); // the first payload packet tells the client it is connected
    }

    private void Remove(Connection connection, DisconnectReason reason, bool notify = true, double repeatUntil = 0)
    {
        if (reason == DisconnectReason.ProtocolViolation)
        {
            // The offender's address may not reconnect for a while (checked before any handshake work).
            Counters.ViolationDisconnects++;
            _handshake.Penalise(connection.Address, _peer.Now);
            _peer.Logger.LogWarning("Client {ClientId} ({Connection}) from {Address} violated the protocol; its address is refused for {Penalty}.",
                connection.ClientId, connection.Id, connection.Address, _options.ViolationPenalty);
        }
        bool told = notify && !connection.ClosedByPeer;
        if (told) connection.SendDisconnect(reason);
        _slots[connection.Id.Slot] = null;
        _schedule.Forget(connection); // a due one is dropped from the list by the next pass (no longer current)
        _byAddress.Remove(connection.Address);
        _byClientId.Remove(connection.ClientId);
        _limits.Remove(connection.Address);
        lock (_active) _active.Remove(connection);
        (_peer.Transport as IPeerAwareTransport)?.OnPeerDisconnected(connection.Address);
        NetMetrics.Disconnections.Add(1);
        _peer.Events.AddDisconnected(connection.Id, connection.ClientId, reason);
        _peer.Logger.LogInformation("Client {ClientId} ({Connection}) disconnected: {Reason}.", connection.ClientId, connection.Id, reason);
        if (told && repeatUntil == 0 && RepeatNoticesFor > TimeSpan.Zero) repeatUntil = _peer.Now + RepeatNoticesFor.TotalSeconds;
        if (told && repeatUntil > _peer.Now) _notices.Add(connection, reason, repeatUntil); // disposed when its repeats are over
        else connection.Dispose();
    }

    /// <summary>
    /// Disconnects every client the server holds with <paramref name="reason"/>: also those the handshake admitted whose
    /// <see cref="NetEventType.Connected"/> event nobody has polled yet, which a caller counting the connections it was told
    /// of would miss (a listen server stopping for a reason other than <see cref="DisconnectReason.ServerShutdown"/>).
    /// </summary>
    /// <param name="reason">What every client is told.</param>
    internal void DisconnectAll(DisconnectReason reason)
    {
        for (int i = _active.Count - 1; i >= 0; i--) Remove(_active[i], reason);
    }

    /// <summary>
    /// <see cref="DisconnectAll(DisconnectReason)"/>, with a notice that is repeated for <paramref name="repeatFor"/> to
    /// each client still sending on its closed connection (<see cref="RepeatedNotices"/>): three datagrams alone are lost
    /// together one time in eight at 50 % loss, and a client that acts on the reason (a player told its host gave way, which
    /// must not take the silence that follows for the host's loss) needs to hear it. Keep calling <see cref="Update"/>
    /// while <see cref="RepeatsNotices"/> is true; the repeats are sender behaviour only (docs/PROTOCOL.md §8).
    /// </summary>
    /// <param name="reason">What every client is told.</param>
    /// <param name="repeatFor">How long a client still sending is told again.</param>
    internal void DisconnectAll(DisconnectReason reason, TimeSpan repeatFor)
    {
        double until = _peer.Now + repeatFor.TotalSeconds;
        for (int i = _active.Count - 1; i >= 0; i--) Remove(_active[i], reason, repeatUntil: until);
    }

    /// <summary>
    /// When positive, every client this server disconnects with a notice (not only <see cref="DisconnectAll(DisconnectReason, TimeSpan)"/>'s)
    /// is told again for this long while it still sends on its closed connection: a player host delivering its session's
    /// end lets each player go as it holds the final world, and one that missed those three datagrams would time out
    /// instead. Zero (the default): only <see cref="DisconnectAll(DisconnectReason, TimeSpan)"/> repeats. Tick thread.
    /// </summary>
    internal TimeSpan RepeatNoticesFor { get; set; }

    /// <summary>True while a closed connection's notice may still be repeated (<see cref="DisconnectAll(DisconnectReason, TimeSpan)"/>).</summary>
    internal bool RepeatsNotices => _notices.Count > 0;

    /// <summary>Notices repeated to clients that still sent on their closed connections (each three datagrams), for tests.</summary>
    internal long NoticesRepeated => _notices.Answers;

    /// <summary>Datagrams checked against closed connections' keys while their notices are repeated (for tests).</summary>
    internal long NoticeChecks => _notices.Checks;

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
        NetMetrics.Unregister(this);
        _disposed = true;
        if (_ownsTransport) _peer.Transport.Dispose(); // after the shutdown notices above have been sent through it
    }
}
