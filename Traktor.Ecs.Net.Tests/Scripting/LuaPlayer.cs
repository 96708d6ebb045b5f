using System.Collections.Concurrent;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Scripting;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Net.Tests.Rpc;
using Traktor.Ecs.Net.Tests.Sessions;
using Traktor.Ecs.Net.Tests.Sessions.Directory;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// A Lua game of <see cref="LuaMigrationRig"/>: a client world whose scripts use the seed's <c>multiplayer</c>, and a
/// <see cref="ScriptServices.StartHosting"/> that starts a <see cref="NetworkHost"/> on its tick thread (ticked after the
/// scripts, in the same group, so the scripts see the RPCs it receives before it sends and clears them), registers the rendezvous, and reports the players it serves to the directory.
/// </summary>
internal sealed class LuaPlayer : IDisposable
{
    private readonly LuaMigrationRig rig;
    private readonly ConcurrentQueue<Action> onTick = new();
    private readonly NatTraversal hostSocket;
    private readonly PartitionedSessions sessions;
    private readonly List<long> connected = [];
    private Group<float>? hostGroup;
    private PlayerSessionHost? entry;
    private NetAddress reported;
    private bool changed;

    public LuaPlayer(LuaMigrationRig rig, string name, LuaScriptOptions? options = null)
    {
        this.rig = rig;
        Name = name;
        World = World.Create();
        var clientSocket = rig.Socket();
        hostSocket = rig.Socket();
        Socket = new DeafenableSocket(clientSocket);
        Client = new NetworkClient(World, new NetClient(Socket, new NetClientOptions { ProtocolId = DirectoryTestSettings.ProtocolId }), ReplicationWorld.Registry);
        var backend = rig.Backend.CreateBackendClient(asServer: false);
        sessions = new PartitionedSessions(new HttpSessions(backend));
        _ = new RpcClient(Client, RpcWorld.Rpcs); // the session's PlayerJoined and PlayerLeft reach the scripts
        Scripts = new ScriptHost(new ScriptServices
        {
            Authentication = new HttpAuthentication(backend),
            Sessions = sessions,
            Rpcs = new ScriptRpcMap().Map<PlayerJoined>("onPlayerJoined").Map<PlayerLeft>("onPlayerLeft"),
            Traversal = clientSocket,
            StartHosting = HostAsync,
            Time = rig.Clock,
        }, options, World);
        Group = new Group<float>(name, Client, new HostSlot(this, early: true), Scripts.System, new HostSlot(this, early: false));
        Group.Initialize();
    }

    public string Name { get; }

    public World World { get; }

    public NetworkClient Client { get; }

    /// <summary>The client's socket (what reaches it can be lost, or cut to a bounded queue after a stall).</summary>
    public DeafenableSocket Socket { get; }

    public ScriptHost Scripts { get; }

    public Group<float> Group { get; }

    /// <summary>The game's link to the directory (cut when its game dies).</summary>
    public PartitionedSessions Link => sessions;

    /// <summary>False once the game died: it ticks no more.</summary>
    public bool Running { get; set; } = true;

    /// <summary>When set, the game ticks its listen server before its scripts (the wrong order).</summary>
    public bool HostFirst { get; set; }

    /// <summary>The directory entry of the session the game hosts, or null.</summary>
    public PlayerSessionHost? Entry => entry;

    /// <summary>When set, the game's hosting hook fails (as a game that cannot open its listen server does).</summary>
    public bool FailHosting { get; set; }

    /// <summary>How often the hosting hook failed (<see cref="FailHosting"/>).</summary>
    public int HostingRefusals { get; private set; }

    /// <summary>The listen server the game started through <see cref="ScriptServices.StartHosting"/>, or null (again once the scripts gave it up).</summary>
    public NetworkHost? Host { get; private set; }

    /// <summary>How often the scripts called the hosting hook.</summary>
    public int HostingCalls => Volatile.Read(ref hostingCalls);

    private int hostingCalls;

    /// <summary>How often the scripts gave up a hosting the hook had started (its token cancelled after the start).</summary>
    public int HostingsGivenUp => Volatile.Read(ref hostingsGivenUp);

    private int hostingsGivenUp;

    /// <summary>When set, the hook's start waits for it (the game opens its listen server later, as a slow game does).</summary>
    public TaskCompletionSource? HostingGate { get; set; }

    /// <summary>Runs on the tick thread right after the hook's listen server came up (its task completed), before the scripts tick.</summary>
    public Action? AfterHostingStarted { get; set; }

    /// <summary>What the scripts logged, for a failure's message.</summary>
    public string Log
    {
        get
        {
            lock (Scripts.Logger.Lines)
            {
                return string.Join(" / ", Scripts.Logger.Lines.Select(l => l.Message).TakeLast(12));
            }
        }
    }

    public void Tick(float dt)
    {
        if (!Running) return;
        while (onTick.TryDequeue(out var action)) action();
        Group.Tick(in dt); // the listen server, once started, ticks in it after the scripts (before them with HostFirst)
        var address = hostSocket.PublicAddress;
        if (entry is { } hosting && !address.IsNone && (changed || address != reported))
        {
            (reported, changed) = (address, false);
            hosting.Report([address.ToEndPoint()], connected.ToArray());
        }
    }

    public void Dispose()
    {
        hostGroup?.Dispose();
        _ = entry?.DisposeAsync().AsTask();
        Scripts.Dispose();
        World.Dispose();
    }

    /// <summary>The listen server's place in the game's group: after the scripts, or before them when <see cref="HostFirst"/>.</summary>
    private sealed class HostSlot(LuaPlayer player, bool early) : ISystem<float>
    {
        private Group<float>? Host => player.HostFirst == early ? player.hostGroup : null;

        public void Initialize()
        {
        }

        public void BeforeUpdate(in float state) => Host?.BeforeUpdate(in state);

        public void Update(in float state) => Host?.Update(in state);

        public void AfterUpdate(in float state) => Host?.AfterUpdate(in state);

        public void Dispose()
        {
        }
    }

    /// <summary>
    /// The game's hosting hook: the listen server starts on the tick thread; the hook completes once it serves. As
    /// <see cref="ScriptServices.StartHosting"/> asks, it stops everything it started once the token is cancelled, even after
    /// its task completed: the heartbeats at once, the listen server on its next tick.
    /// </summary>
    private Task<PlayerSessionHost?> HostAsync(PlayerHostGrant grant, CancellationToken token)
    {
        Interlocked.Increment(ref hostingCalls);
        if (FailHosting)
        {
            HostingRefusals++;
            return Task.FromException<PlayerSessionHost?>(new InvalidOperationException("the game could not open its listen server"));
        }

        var started = new TaskCompletionSource<PlayerSessionHost?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = HostingGate?.Task ?? Task.CompletedTask;
        gate.ContinueWith(opened => onTick.Enqueue(() =>
        {
            if (token.IsCancellationRequested)
            {
                started.TrySetCanceled(token); // given up before the game got to it: nothing starts
                return;
            }

            var protocol = Client.Transport.Options;
            var server = new NetServer(hostSocket, new NetServerOptions { ProtocolId = protocol.ProtocolId, SchemaHash = protocol.SchemaHash, PrivateKey = grant.SessionKey });
            long me = grant.Session.HostUserId!.Value;
            var host = new NetworkHost(World, server, ReplicationWorld.Registry, localClientId: (ulong)me);
            host.Server.ClientConnected += (connection, id) =>
            {
                if (host.Server.IsLocal(connection)) return;
                connected.Remove((long)id);
                connected.Add((long)id);
                changed = true;
            };
            hostGroup = new Group<float>("host", [host, .. rig.HostSystems(host)]);
            hostGroup.Initialize();
            hostSocket.Host(grant.Rendezvous, grant.PunchKey);
            entry = PlayerSessionHost.Start(sessions, grant, me);
            Host = host;
            var (startedGroup, startedEntry) = (hostGroup, entry);
            token.Register(() =>
            {
                Interlocked.Increment(ref hostingsGivenUp);
                _ = startedEntry.DisposeAsync(); // no heartbeat from now on (it completes at once)
                Interlocked.CompareExchange(ref entry, null, startedEntry); // nor a report that would send one
                onTick.Enqueue(() =>
                {
                    startedGroup.Dispose();
                    if (ReferenceEquals(hostGroup, startedGroup)) (hostGroup, Host) = (null, null);
                });
            });
            started.SetResult(startedEntry); // the scripts feed its departures to the session's relay
            AfterHostingStarted?.Invoke();
        }), TaskScheduler.Default);
        return started.Task;
    }
}
