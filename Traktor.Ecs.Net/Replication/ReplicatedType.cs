using Traktor.Ecs.Net.Replication.Client;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Serialization;

namespace Traktor.Ecs.Net.Replication;

/// <summary>
/// One <c>[Replicated]</c> component type as the replication layer sees it: its dense index on the
/// wire (bit <see cref="Index"/> of a record's type mask), its ECS component type, its attribute
/// settings, and factories for the typed server and client halves (no reflection per tick: the
/// generic arguments come from the generated schema's visitor).
/// </summary>
public sealed class ReplicatedType
{
    private readonly Func<ServerComponent> createServer;
    private readonly Func<ClientComponent> createClient;

    internal ReplicatedType(
        int index,
        NetworkTypeInfo info,
        ComponentType componentType,
        int maxFullBits,
        Func<ServerComponent> createServer,
        Func<ClientComponent> createClient)
    {
        Index = index;
        Info = info;
        ComponentType = componentType;
        MaxFullBits = maxFullBits;
        this.createServer = createServer;
        this.createClient = createClient;
    }

    /// <summary>The dense index of this type in its registry (its bit in type masks).</summary>
    public int Index { get; }

    /// <summary>The generated description: id, name and attribute settings.</summary>
    public NetworkTypeInfo Info { get; }

    /// <summary>The ECS component type.</summary>
    public ComponentType ComponentType { get; }

    /// <summary>An upper bound of one full value's size in bits.</summary>
    public int MaxFullBits { get; }

    /// <summary>Who receives this component.</summary>
    public Audience Audience => Info.Audience;

    /// <summary>How clients present it.</summary>
    public Smoothing Smoothing => Info.Smoothing;

    /// <inheritdoc />
    public override string ToString() => $"{Info.FullName}#{Index}";

    /// <summary>
    /// The fewest ticks between two sends of an entity that has only this type at <paramref name="tickRate"/> (1 when
    /// <see cref="NetworkTypeInfo.SendRate"/> is 0). An entity is sent at the fastest interval of its types; the server
    /// uses this to pace sends and the client to delay the presentation of entities sent less often than snapshots.
    /// </summary>
    internal int SendIntervalTicks(int tickRate) => Info.SendRate <= 0 ? 1 : Math.Max(1, tickRate / Info.SendRate);

    internal ServerComponent CreateServer() => createServer();

    internal ClientComponent CreateClient() => createClient();
}
