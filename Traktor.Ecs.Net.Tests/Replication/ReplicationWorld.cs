using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Tests.Transport;
using Traktor.Ecs.Net.Tests.Transport.Conformance;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Tests.Replication;

/// <summary>
/// A server world and client worlds, each with the network plugin in a system group, over the
/// in-memory network with link simulators, on one fake clock ticked at 60 Hz.
/// </summary>
internal sealed class ReplicationWorld : IDisposable
{
    public static readonly ReplicationRegistry Registry =
        ReplicationRegistry.FromSchemas([Traktor.Ecs.Net.Tests.GeneratedNetworkSchema.Instance]);

    public ReplicationWorld(LinkConditions conditions, ServerReplicationOptions options, int seed = 1, WireKind wire = WireKind.InMemory)
    {
        Conditions = conditions;
        Harness = new TransportHarness(conditions, seed: seed, wire: wire);
        ServerWorld = World.Create();
        Server = new NetworkServer(ServerWorld, Harness.Server, Registry, options);
        ServerGroup = new Group<float>("server", Server);
    }

    public LinkConditions Conditions { get; }

    public TransportHarness Harness { get; }

    public World ServerWorld { get; }

    public NetworkServer Server { get; }

    public Group<float> ServerGroup { get; }

    public List<(World World, NetworkClient Client, Group<float> Group)> Clients { get; } = new();

    public NetworkClient AddClient(ulong clientId, int seed, int timeoutSeconds = 10)
    {
        var transport = Harness.AddClient(Conditions, seed: seed);
        var world = World.Create();
        var client = new NetworkClient(world, transport, Registry, 60, Harness.Time);
        Clients.Add((world, client, new Group<float>("client", client)));
        transport.Connect(Harness.IssueToken(clientId, timeoutSeconds: timeoutSeconds));
        return client;
    }

    public void Tick(int count = 1)
    {
        for (int i = 0; i < count; i++)
        {
            Harness.Time.Advance(TimeSpan.FromTicks(TimeSpan.TicksPerSecond / 60));
            float dt = 1f / 60f;
            Harness.Wire.Settle();
            foreach (var (_, _, group) in Clients)
            {
                group.Tick(in dt);
            }

            Harness.Wire.Settle();
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
        foreach (var (world, _, _) in Clients)
        {
            world.Dispose();
        }

        ServerWorld.Dispose();
        Harness.Dispose();
    }
}
