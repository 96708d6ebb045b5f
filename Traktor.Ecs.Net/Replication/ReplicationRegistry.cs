using Traktor.Ecs.Net.Replication.Client;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Serialization;
using Traktor.Ecs.Net.Replication;

namespace Traktor.Ecs.Net;

/// <summary>
/// Every replicated component type of a game, built once at startup from the generated schemas
/// (<see cref="NetworkSchemas.All"/>). Server and client must build it from the same schemas: the
/// <see cref="ProtocolHash"/> is checked when a client connects.
/// </summary>
public sealed class ReplicationRegistry
{
    private readonly ReplicatedType[] types;
    private readonly int[] indexByComponentId;

    private ReplicationRegistry(ReplicatedType[] types, ulong protocolHash, int schemaContexts)
    {
        this.types = types;
        ProtocolHash = protocolHash;
        SchemaContexts = schemaContexts;
        int maxId = types.Length == 0 ? -1 : types.Max(t => t.ComponentType.Id);
        indexByComponentId = new int[maxId + 1];
        Array.Fill(indexByComponentId, -1);
        foreach (var type in types)
        {
            indexByComponentId[type.ComponentType.Id] = type.Index;
        }

        ComponentTypes = types.Select(t => t.ComponentType).ToArray();
    }

    /// <summary>The replicated types, by index.</summary>
    public IReadOnlyList<ReplicatedType> Types => types;

    /// <summary>The ECS component types of <see cref="Types"/>, in the same order.</summary>
    public ComponentType[] ComponentTypes { get; }

    /// <summary>A hash of every schema: equal on both ends or the connection is refused.</summary>
    public ulong ProtocolHash { get; }

    /// <summary>Adaptive-coder contexts the generated serializers use.</summary>
    internal int SchemaContexts { get; }

    /// <summary>All adaptive-coder contexts of a snapshot: the schema's plus the header's.</summary>
    internal int ContextCount => SchemaContexts + SnapshotFormat.HeaderContexts(types.Length);

    /// <summary>
    /// Builds the registry from the schema of every loaded assembly (running the module initializers of those whose code
    /// has not run yet, such as a game's shared component assembly). An assembly is loaded once code that names one of
    /// its types is compiled; a program that names none of them before building the registry passes them:
    /// <c>FromSchemas([MyGame.GeneratedNetworkSchema.Instance])</c>.
    /// </summary>
    public static ReplicationRegistry FromLoadedSchemas() => FromSchemas(NetworkSchemas.Loaded());

    /// <summary>Builds the registry from the given schemas, in order.</summary>
    /// <param name="schemas">Generated schemas.</param>
    /// <exception cref="InvalidOperationException">More than 64 replicated component types.</exception>
    public static ReplicationRegistry FromSchemas(IEnumerable<INetworkSchema> schemas)
    {
        var collector = new Collector();
        ulong hash = 14695981039346656037UL;
        foreach (var schema in schemas)
        {
            hash = (hash ^ schema.ProtocolHash) * 1099511628211UL;
            schema.Accept(collector);
        }

        if (collector.Types.Count > SnapshotFormat.MaxTypes)
        {
            throw new InvalidOperationException($"{collector.Types.Count} replicated component types; at most {SnapshotFormat.MaxTypes} are supported.");
        }

        return new ReplicationRegistry(collector.Types.ToArray(), hash, collector.Contexts);
    }

    /// <summary>The replicated type of an ECS component id, or null when it is not replicated.</summary>
    /// <param name="componentId">An ECS component id.</param>
    public ReplicatedType? Find(int componentId) =>
        (uint)componentId < (uint)indexByComponentId.Length && indexByComponentId[componentId] >= 0
            ? types[indexByComponentId[componentId]]
            : null;

    /// <summary>The type mask (bit per replicated type) of an archetype's components.</summary>
    /// <param name="archetype">An archetype.</param>
    internal ulong MaskOf(Archetype archetype)
    {
        ulong mask = 0;
        foreach (var componentType in archetype.Types)
        {
            if (Find(componentType.Id) is { } type)
            {
                mask |= 1UL << type.Index;
            }
        }

        return mask;
    }

    private sealed class Collector : INetworkTypeVisitor
    {
        public List<ReplicatedType> Types { get; } = new();

        public int Contexts { get; private set; }

        public void VisitComponent<TComponent, TSnapshot, TSerializer>(NetworkTypeInfo info)
            where TComponent : struct
            where TSnapshot : struct
            where TSerializer : struct, IComponentSerializer<TComponent, TSnapshot>
        {
            Contexts = Math.Max(Contexts, TSerializer.ContextOffset + TSerializer.ContextCount);
            int index = Types.Count;
            ReplicatedType? self = null;
            self = new ReplicatedType(
                index,
                info,
                Component<TComponent>.ComponentType,
                TSerializer.MaxFullBits,
                () => new ServerComponent<TComponent, TSnapshot, TSerializer>(self!),
                () => new ClientComponent<TComponent, TSnapshot, TSerializer>(self!));
            Types.Add(self);
        }

        public void VisitRpc<TMessage, TSnapshot, TSerializer>(NetworkTypeInfo info)
            where TMessage : struct
            where TSnapshot : struct
            where TSerializer : struct, IComponentSerializer<TMessage, TSnapshot>, IMessageSerializer<TMessage>
        {
            // RPCs travel as messages, not snapshot state; the RPC layer registers them itself.
        }
    }
}
