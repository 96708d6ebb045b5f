using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Traktor.Ecs.Net.Peers;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net;

/// <summary>
/// One player of a listen-server game that survives its host (docs/P2P.md, "Host migration (listen server)"). The peer
/// is either the host (a <see cref="NetworkHost"/> over its standby socket) or a client of the host (a
/// <see cref="NetworkClient"/>), and runs the game's systems of that role, built by the factories it was given. While
/// the host lives it sends every peer a migration plan: the successors in join order, with their standby addresses and
/// a fresh connect token per successor, and the owner of every owned entity. When the host dies (silent for
/// <see cref="MigrationOptions.HostSilence"/>, timed out, or shut down) every peer elects the same successor, the first
/// candidate of the plan that is not the departed host: that peer promotes itself and continues from its replicated
/// copy of the world (same network ids, ticks going on), the others connect to it with their tokens. The departed
/// host's entities are destroyed; every other owned entity is handed back to its owner when it reconnects.
/// Add it to each player's group in place of the host or client plugin; not thread-safe.
/// </summary>
public sealed partial class MigratingPeer : ISystem<float>
{
    private readonly World world;
    private readonly ReplicationRegistry registry;
    private readonly MigrationOptions options;
    private readonly IDatagramTransport clientSocket;
    private readonly IDatagramTransport standbySocket;
    private readonly byte[] standbyKey;
    private readonly Func<NetworkHost, IEnumerable<ISystem<float>>> hostSystems;
    private readonly Func<NetworkClient, IEnumerable<ISystem<float>>> clientSystems;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private Group<float>? active;
    private NetClient? netClient;
    private MigrationPlan? plan;
    private long planReceivedAt;
    private long lostAt;
    private bool hostLost;
    private bool hostGaveWay;
    private bool attemptFailed;

    /// <summary>The attempt under way was answered by a host of another protocol version (<see cref="DisconnectReason.ProtocolVersionMismatch"/>).</summary>
    private bool attemptOtherVersion;
    private double linkLoss;

    /// <summary>Creates a peer; start it with <see cref="StartHost"/> or <see cref="Join"/>.</summary>
    /// <param name="world">The player's world: the authoritative world while it hosts, the replica while it is a client.</param>
    /// <param name="registry">The replicated types.</param>
    /// <param name="clientId">This player's id: the client id of its tokens, and its place in the succession.</param>
    /// <param name="clientSocket">The socket its client connects from.</param>
    /// <param name="standbySocket">The socket it hosts on, now or after a migration; bound to the address the other peers reach it at.</param>
    /// <param name="options">Settings, the same on every peer.</param>
    /// <param name="hostSystems">Builds the game's systems of the host role (ServerInputs, gameplay) around the host; called whenever this peer becomes the host.</param>
    /// <param name="clientSystems">Builds the game's systems of the client role (prediction, presentation) around the client.</param>
    /// <param name="standbyKey">The 32-byte key its host accepts tokens of (a fresh one when null).</param>
    /// <param name="time">The clock (a fake one in tests).</param>
    /// <param name="logger">Diagnostics.</param>
    public MigratingPeer(
        World world,
        ReplicationRegistry registry,
        ulong clientId,
        IDatagramTransport clientSocket,
        IDatagramTransport standbySocket,
        MigrationOptions options,
        Func<NetworkHost, IEnumerable<ISystem<float>>> hostSystems,
        Func<NetworkClient, IEnumerable<ISystem<float>>> clientSystems,
        byte[]? standbyKey = null,
        TimeProvider? time = null,
        ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(world);
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(clientSocket);
        ArgumentNullException.ThrowIfNull(standbySocket);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(hostSystems);
        ArgumentNullException.ThrowIfNull(clientSystems);
        options.Validate();
        if (standbyKey is not null && standbyKey.Length != 32) throw new ArgumentException("A standby key has 32 bytes.", nameof(standbyKey));
        this.world = world;
        this.registry = registry;
        this.options = options;
        this.clientSocket = clientSocket;
        this.standbySocket = standbySocket;
        this.standbyKey = standbyKey?.ToArray() ?? ConnectTokenIssuer.GenerateServerKey();
        this.hostSystems = hostSystems;
        this.clientSystems = clientSystems;
        this.time = time ?? TimeProvider.System;
        this.logger = logger ?? NullLogger.Instance;
        planOwners = new PlanOwners(this.logger);
        unnumberedReplicable = new QueryDescription().WithAny(registry.ComponentTypes).WithNone<NetworkId>();
        stalls = new StallWatch(this.time);
        ClientId = clientId;
    }

    /// <summary>This player's id.</summary>
    public ulong ClientId { get; }

    /// <summary>What this peer is now.</summary>
    public MigrationRole Role { get; private set; } = MigrationRole.Idle;

    /// <summary>True while this peer hosts.</summary>
    public bool IsHost => Role == MigrationRole.Host;

    /// <summary>The host's client id as this peer knows it (itself while it hosts; the successor it reached after a migration).</summary>
    public ulong HostClientId { get; private set; }

    /// <summary>
    /// The host's generation: 1 for the first host, one more with every migration. A client takes it from its host's plans;
    /// after a follow (<see cref="FollowHost"/>) it is the followed host's once that host's first plan came.
    /// </summary>
    public uint Epoch { get; private set; }

    /// <summary>The address this peer hosts on (its standby socket's).</summary>
    public NetAddress StandbyAddress => standbySocket.LocalAddress;

    /// <summary>The host plugin while this peer hosts.</summary>
    public NetworkHost? Host { get; private set; }

    /// <summary>The client plugin while this peer is a client.</summary>
    public NetworkClient? Client { get; private set; }

    /// <summary>
    /// The successors in order: of the plan this peer holds (empty before the first plan), or on the host of the plan it
    /// sends. A host reports its connected players to the directory in this order (<see cref="Sessions.PlayerSessionHost.Report"/>),
    /// since only they may take a player-hosted session over, the first one first.
    /// </summary>
    public IReadOnlyList<ulong> Successors => IsHost ? outgoing.Candidates.ConvertAll(c => c.ClientId) : plan is null ? [] : plan.Candidates.ConvertAll(c => c.ClientId);

    /// <summary>The plan this peer holds (the host's last), or null.</summary>
    internal MigrationPlan? HeldPlan => plan;

    /// <summary>Plans received from the host and kept (newer than the one held).</summary>
    public long PlansReceived { get; private set; }

    /// <summary>Messages of the migration kinds refused: malformed, or a second standby announcement on one connection (which also closes it with <see cref="DisconnectReason.ProtocolViolation"/>).</summary>
    public long Refused { get; private set; }

    /// <summary>Host migrations this peer went through (as the successor or as a peer that reconnected).</summary>
    public int Migrations { get; private set; }

    /// <summary>How long the last migration took on this peer's clock, from the moment it gave the host up to hosting or being connected to the successor.</summary>
    public TimeSpan? LastMigrationDuration { get; private set; }

    /// <summary>
    /// Raised when this peer has a new host after a migration (its client id; this peer's own when it was elected), or once
    /// it reached the recorded host it was told to follow (<see cref="TryFollowHost"/>). <see cref="LostHostClientId"/> names
    /// the host it lost, and <see cref="LastHostChange"/> why the host changed: only a host lost
    /// (<see cref="HostChangeCause.HostLost"/>) is reported to the session directory, never one followed.
    /// </summary>
    public event Action<ulong>? HostChanged;

    /// <summary>
    /// Why the last <see cref="HostChanged"/> was raised (read it in the handler): the host was lost and elected anew, the
    /// game followed a host, or the host gave way to the recorded one; <see cref="HostChangeCause.None"/> before any in this session.
    /// </summary>
    public HostChangeCause LastHostChange { get; private set; }

    /// <inheritdoc />
    public void Initialize()
    {
    }

    /// <summary>Joins a host as a client with a connect token for it; what an earlier session left in the world goes (<see cref="Dispose"/>).</summary>
    /// <param name="connectToken">A token naming the host, issued with its standby key (<see cref="IssueToken"/> on the host, or the game's backend).</param>
    /// <param name="hostClientId">The host's client id.</param>
    public void Join(ReadOnlySpan<byte> connectToken, ulong hostClientId)
    {
        if (Role != MigrationRole.Idle) throw new InvalidOperationException("This peer has started already.");
        ForgetLostPlan(); // a plan of the session before a Dispose leads nowhere in this one
        plan = null;      // nor does the plan it held: of a later epoch, it made this session's plans (epoch 1) look older
        StartClean();     // the host's snapshots bring this session's world; the last one's end is not this one's
        BecomeClient();
        HostClientId = hostClientId;
        Epoch = 1;
        netClient!.Connect(connectToken);
    }

    /// <summary>Issues a token with which <paramref name="clientId"/> connects to this peer when it hosts (the first host's joiners need one).</summary>
    /// <param name="clientId">The joining player's id.</param>
    /// <param name="lifetime">How long the token is valid.</param>
    /// <returns>The token.</returns>
    public byte[] IssueToken(ulong clientId, TimeSpan lifetime) =>
        NewIssuer(standbyKey).Issue(clientId, [], lifetime, [StandbyAddress], options.TimeoutSeconds);

    /// <summary>Decides on migration from what the last tick saw, then runs this tick's receive of the current role.</summary>
    /// <param name="state">The frame's delta time.</param>
    public void BeforeUpdate(in float state)
    {
        long now = time.GetTimestamp();
        bool stalled = Role == MigrationRole.Client && stalls.Stalled(now); // judged once this tick's read is in (JudgeStall)
        if (Role == MigrationRole.Client && hostGaveWay)
        {
            FollowLostPlan(now);
        }
        else if (Role == MigrationRole.Client && (hostLost || HostSilent()))
        {
            BeginMigration(now);
        }
        else if (Role == MigrationRole.Reconnecting && (attemptFailed || AttemptTimedOut(now)))
        {
            if (followingRecorded)
            {
                FollowFailed();
            }
            else
            {
                failed.Add(electing.ClientId);
                Elect(now);
            }
        }
        else if (Role == MigrationRole.Host)
        {
            ExpirePending(now);
        }

        if (endingHost is not null) ReceiveEnding(in state); // the session this peer ended, until its players are let go
        RepeatGaveWay(); // the host role this peer gave up, while its players may still need telling
        Running?.BeforeUpdate(in state);
        if (stalled && Role == MigrationRole.Client) JudgeStall(now);
        if (Role == MigrationRole.Client) Listened(now);
    }

    /// <inheritdoc />
    public void Update(in float state) => Running?.Update(in state);

    /// <inheritdoc />
    public void AfterUpdate(in float state)
    {
        Running?.AfterUpdate(in state);
        SendEnding(in state);
    }

    /// <summary>
    /// What runs this tick: the current role's group, or, while this peer is <see cref="MigrationRole.Out"/>, only its client
    /// plugin (which drains the closed connection's events): the game's client systems rest, frozen with the state it
    /// kept (<see cref="KeepLastState"/>). Run on over that state, a dead session's, a prediction or an extrapolation would
    /// move the end screen's entities away from the host's final world. They run again once a follow
    /// (<see cref="FollowHost"/>, <see cref="TryFollowHost"/>) makes this peer a client again.
    /// </summary>
    private ISystem<float>? Running => Role != MigrationRole.Out ? active : active is null ? null : Client; // a host that ended its session has neither

    /// <summary>
    /// Stops the current role. A host shuts its server down, which its peers take as the signal to migrate: to end the session
    /// for everyone instead, call <see cref="EndSession"/> first. The world keeps the session's entities (an end screen may
    /// show them) until this peer starts again: <see cref="Join"/> and <see cref="StartHost"/> then destroy every entity
    /// with a <see cref="NetworkId"/> that was there at this call, and, when this peer hosted last, every entity with a
    /// replicated component it had not numbered yet; the game's entities without a replicated component stay.
    /// The peer is <see cref="MigrationRole.Idle"/> again and holds nothing of the session: <see cref="Client"/> and
    /// <see cref="Host"/> are null (their transports disposed), the plan is forgotten (<see cref="Successors"/> is empty), a
    /// tick does nothing, <see cref="FollowHost"/>, <see cref="TryFollowHost"/> and <see cref="EndSession"/> throw
    /// <see cref="InvalidOperationException"/>, and <see cref="Join"/> or <see cref="StartHost"/> start the next session.
    /// Disposing again does nothing.
    /// </summary>
    public void Dispose()
    {
        if (Role != MigrationRole.Idle) NoteLeftovers();
        FinishEnding(cut: true);
        FinishGivingWay();
        active?.Dispose();
        active = null;
        netClient?.Dispose();
        netClient = null; // kept, a disposed client answered the next session's calls (a follow threw ObjectDisposedException from inside)
        Client = null;
        server?.Dispose();
        ForgetPeers();
        ForgetLoss();
        ForgetLostPlan();
        plan = null; // a plan of this session leads nowhere in the next: a host of the next session followed with its tokens
        Role = MigrationRole.Idle;
    }

    /// <summary>
    /// A loss this peer noticed in its last tick, or a follow under way, belongs to the session it leaves. Kept, the next
    /// session's first tick acted on it: a lost host made the peer Out (<see cref="MigrationOutReason.NoPlan"/>, the plan was
    /// forgotten), a host that gave way sent it after a lost plan <see cref="Join"/> had forgotten (NullReferenceException), and
    /// a follow of a recorded host ended a later migration's first failed attempt as a failed follow.
    /// </summary>
    private void ForgetLoss()
    {
        hostLost = false;
        hostGaveWay = false;
        attemptFailed = false;
        attemptOtherVersion = false;
        followingRecorded = false;
        followingLostPlan = false;
        followStartsSession = false;
        leftovers.UnionWith(stale); // the world this peer hosted before it gave way is the session's: it goes when the peer starts again
        stale.Clear();
    }

    private void BecomeClient()
    {
        var clientOptions = options.Client?.Snapshot() ?? new NetClientOptions();
        clientOptions.ProtocolId = options.ProtocolId;
        clientOptions.SchemaHash = registry.ProtocolHash;
        netClient = new NetClient(clientSocket, clientOptions, time, logger) { AnnouncesFailuresWithoutLogger = false }; // its events say it
        var client = new NetworkClient(world, netClient, registry, options.TickRate, time, logger) { KeepEntitiesOnDisconnect = true };
        client.RegisterHandler(MigrationPlan.PlanMessage, ReceivePlan);
        client.Connected += OnConnected;
        client.ConnectionEnded += OnDisconnected;
        Client = client;
        active = new Group<float>("client", [client, .. clientSystems(client)]);
        active.Initialize();
        Role = MigrationRole.Client;
        long now = time.GetTimestamp();
        lastHeardAt = now;
        stalls.Restart(now); // the link's timeout is known once connected
    }

    private void OnConnected()
    {
        long now = time.GetTimestamp();
        lastHeardAt = now;
        stalls.Listened(now);
        lastPackets = netClient!.GetStats().PacketsReceived;
        if (Role == MigrationRole.Reconnecting)
        {
            // The successor answered: what this peer showed meanwhile gives way to the successor's snapshots.
            Client!.Replication.Reset();
            if (!followingRecorded && !followingLostPlan) lostPlanReached = electing.ClientId; // the lost plan leads on only from here
            LastHostChange = followingRecorded ? HostChangeCause.Followed : followingLostPlan ? HostChangeCause.HostGaveWay : HostChangeCause.HostLost;
            // A followed host's epoch comes with its first plan (ReceivePlan); an elected successor's is one past the lost host's.
            if (!followingRecorded) Epoch = (plan?.Epoch ?? Epoch) + 1;
            if (followingRecorded) Followed();
            followingLostPlan = false;
            Role = MigrationRole.Client;
            HostClientId = electing.ClientId;
            var took = time.GetElapsedTime(lostAt, now);
            if (!followStartsSession) LastMigrationDuration = took;
            followStartsSession = false;
            logger.LogInformation("Peer {Peer} reached the new host {Host} after {Ms:F0} ms.", ClientId, HostClientId, took.TotalMilliseconds);
            HostChanged?.Invoke(HostClientId);
        }

        Span<byte> standby = stackalloc byte[MigrationPlan.StandbyBytes];
        MigrationPlan.WriteStandby(standby, standbyKey, StandbyAddress);
        netClient.Send(ChannelKind.ReliableOrdered, standby);
    }

    private void OnDisconnected(DisconnectedEvent ended)
    {
        var reason = ended.Reason;
        if (Role == MigrationRole.Reconnecting)
        {
            // Either the end of the old connection (the attempt goes on) or the attempt itself failed.
            attemptFailed |= netClient!.State == ClientState.Disconnected;
            attemptOtherVersion |= ended.ByServer && reason == DisconnectReason.ProtocolVersionMismatch;
            return;
        }

        if (Role != MigrationRole.Client) return;
        // Only silence means a lost host: a Disconnect the host sent (even TimedOut: it heard nothing from this player, whose
        // own packets are lost) proves it alive, and electing then split the session (HostLoss).
        bool byHost = ended.ByServer; // this end's, not the transport's latest (a second end queued before the drain replaced that)
        if (byHost && reason == DisconnectReason.ProtocolVersionMismatch)
        {
            // The host joined runs another build: final (no plan came, and joining again gets the same answer).
            logger.LogWarning("Peer {Peer}: its host runs another protocol version; it leaves the game.", ClientId);
            Out(MigrationOutReason.ProtocolVersionMismatch);
            return;
        }

        if (HostLoss.IsLost(reason, byHost))
        {
            hostLost = true; // migrate at the start of the next tick, from this tick's world
            return;
        }

        if (byHost && reason == DisconnectReason.HostGaveWay && CanFollowLostPlan(time.GetTimestamp()))
        {
            hostGaveWay = true; // follow the lost host's successors at the start of the next tick
            return;
        }

        if (!byHost && reason is DisconnectReason.ConnectTimedOut or DisconnectReason.TokenExpired)
        {
            // A join whose host never answered: lost before it sent a plan. (Decided by the connect's own timeout, not the
            // 1 s host silence, which would give up while the handshake still goes on: a join over a slow link would be out
            // before it could connect.)
            logger.LogWarning("Peer {Peer} could not reach its host ({Reason}); it leaves the game.", ClientId, reason);
            Out(MigrationOutReason.NoPlan);
            return;
        }

        logger.LogInformation("Peer {Peer} was disconnected by its host ({Reason}); no migration.", ClientId, reason);
        Out(reason switch
        {
            DisconnectReason.HostGaveWay => MigrationOutReason.HostGaveWay, // the session goes on under the recorded host
            DisconnectReason.SessionEnded => MigrationOutReason.SessionEnded, // the session is over: nobody to follow
            _ => MigrationOutReason.DisconnectedByHost,
        });
    }

    private void ReceivePlan(ReadOnlySpan<byte> message)
    {
        var received = MigrationPlan.TryRead(message);
        if (received is null)
        {
            Refused++;
            return;
        }

        // Only the connected host's plans count: one still queued from a connection this peer gave up (a follow started from
        // an event handler inside the tick) would replace the plan the next host sends.
        if (Role != MigrationRole.Client) return;
        if (plan is not null && (received.Epoch < plan.Epoch || (received.Epoch == plan.Epoch && received.Version <= plan.Version))) return;
        plan = received;
        Epoch = received.Epoch; // the host's own word (a followed host's generation is known only from it)
        planReceivedAt = time.GetTimestamp();
        PlansReceived++;
    }
}
