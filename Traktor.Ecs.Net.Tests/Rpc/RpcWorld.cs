using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Rpc;
using Traktor.Ecs.Net.Tests.Transport;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Tests.Rpc;

/// <summary>
/// A server world and client worlds with the network plugin and the RPC layer, over the in-memory network
/// with link simulators, on one fake clock ticked at 60 Hz. Gameplay systems go after the plugin in each group.
/// </summary>
internal sealed class RpcWorld : IDisposable
{
    public static readonly ReplicationRegistry Replicated =
        ReplicationRegistry.FromSchemas([Traktor.Ecs.Net.Tests.GeneratedNetworkSchema.Instance]);

    public static readonly RpcRegistry Rpcs =
        RpcRegistry.FromSchemas([Traktor.Ecs.Net.Tests.GeneratedNetworkSchema.Instance]);

    public RpcWorld(LinkConditions conditions, RpcOptions? options = null, Action<NetServerOptions>? configure = null, int seed = 1, ReplicationRegistry? replicated = null, bool withLogger = true, ServerReplicationOptions? replication = null)
    {
        replicatedTypes = replicated ?? Replicated;
        Conditions = conditions;
        Options = options ?? new RpcOptions();
        Harness = new TransportHarness(conditions, configure, seed);
        ServerWorld = World.Create();
        Server = new NetworkServer(ServerWorld, Harness.Server, replicatedTypes, replication ?? new ServerReplicationOptions(), withLogger ? ServerLog : null, Harness.Time);
        ServerRpcs = new RpcServer(Server, Rpcs, Options, Harness.Time, withLogger ? ServerLog : null);
        ServerGroup = new Group<float>("server", Server);
        Server.ClientConnected += (connection, clientId) => connectionIds[connection] = clientId;
    }

    public LinkConditions Conditions { get; }

    public RpcOptions Options { get; }

    public TransportHarness Harness { get; }

    public CapturingLogger ServerLog { get; } = new();

    public World ServerWorld { get; }

    public NetworkServer Server { get; }

    public RpcServer ServerRpcs { get; }

    public Group<float> ServerGroup { get; }

    public List<Peer> Clients { get; } = new();

    /// <summary>Adds a client and starts connecting it with a token for <paramref name="clientId"/>.</summary>
    public Peer AddClient(ulong clientId, int seed, bool connect = true)
    {
        var transport = Harness.AddClient(Conditions, seed: seed);
        var world = World.Create();
        var client = new NetworkClient(world, transport, replicatedTypes, 60, Harness.Time);
        var peer = new Peer(clientId, world, client, new RpcClient(client, Rpcs, Options), new Group<float>("client", client));
        Clients.Add(peer);
        if (connect)
        {
            transport.Connect(Harness.IssueToken(clientId));
        }

        return peer;
    }

    /// <summary>Adds and connects a client, returning once the server has seen it.</summary>
    public Peer Connect(ulong clientId, int seed)
    {
        var peer = AddClient(clientId, seed);
        Assert.True(TickUntil(() => peer.Client.Transport.State == ClientState.Connected && Server.Connections.Count >= Clients.Count(c => c.Client.Transport.State == ClientState.Connected), 600), $"client {clientId} did not connect");
        Tick();
        return peer;
    }

    /// <summary>The server-side connection of a connected client.</summary>
    public ConnectionId ConnectionOf(ulong clientId) =>
        Server.Connections.Single(connection => connectionIds.GetValueOrDefault(connection) == clientId);

    public void Tick(int count = 1)
    {
        for (int i = 0; i < count; i++)
        {
            Harness.Time.Advance(TimeSpan.FromTicks(TimeSpan.TicksPerSecond / 60));
            float dt = 1f / 60f;
            foreach (var peer in Clients)
            {
                peer.Group.Tick(in dt);
            }

            ServerGroup.Tick(in dt);
        }
    }

    public bool TickUntil(Func<bool> condition, int maxTicks)
    {
        for (int i = 0; i < maxTicks && !condition(); i++)
        {
            Tick();
        }

        return condition();
    }

    public void Dispose()
    {
        foreach (var peer in Clients)
        {
            peer.World.Dispose();
        }

        ServerWorld.Dispose();
        Harness.Dispose();
    }

    private readonly Dictionary<ConnectionId, ulong> connectionIds = new();
    private readonly ReplicationRegistry replicatedTypes;

    internal sealed record Peer(ulong ClientId, World World, NetworkClient Client, RpcClient Rpcs, Group<float> Group);
}
