using Traktor.Ecs.Net.Serialization;
using Traktor.Ecs.Net.Rpc;

namespace Traktor.Ecs.Net;

/// <summary>
/// Every RPC type of a game, numbered across schemas: the library's own RPCs (sessions) first, then the
/// given schemas in order. Server and client must build it from the same schemas, like the
/// replication registry (whose protocol hash covers the same schemas).
/// </summary>
public sealed class RpcRegistry
{
    private readonly RpcType[] types;
    private readonly Dictionary<Type, RpcType> byMessageType;

    private RpcRegistry(RpcType[] types)
    {
        this.types = types;
        byMessageType = types.ToDictionary(t => t.MessageType);
    }

    /// <summary>The RPC types, indexed by wire id.</summary>
    public IReadOnlyList<RpcType> Types => types;

    /// <summary>The types as a span: the send pass walks them every tick without an enumerator allocation.</summary>
    internal ReadOnlySpan<RpcType> TypeSpan => types;

    /// <summary>
    /// Builds the registry from the schema of every loaded assembly (running the module initializers of those whose code
    /// has not run yet, as <see cref="ReplicationRegistry.FromLoadedSchemas"/> does).
    /// </summary>
    /// <returns>The registry.</returns>
    public static RpcRegistry FromLoadedSchemas() => FromSchemas(NetworkSchemas.Loaded());

    /// <summary>Builds the registry from the library's schema followed by <paramref name="schemas"/> (duplicates are skipped).</summary>
    /// <param name="schemas">Generated schemas.</param>
    /// <returns>The registry.</returns>
    /// <exception cref="InvalidOperationException">More than 65,536 RPC types.</exception>
    public static RpcRegistry FromSchemas(IEnumerable<INetworkSchema> schemas)
    {
        ArgumentNullException.ThrowIfNull(schemas);
        var collector = new Collector();
        var seen = new HashSet<Type>();
        foreach (var schema in schemas.Prepend(Traktor.Ecs.Net.GeneratedNetworkSchema.Instance))
        {
            if (seen.Add(schema.GetType()))
            {
                schema.Accept(collector);
            }
        }

        return new RpcRegistry(collector.Types.ToArray());
    }

    /// <summary>The RPC type with wire id <paramref name="id"/>.</summary>
    /// <param name="id">A wire id from an untrusted message.</param>
    /// <param name="type">The type, when the id is known.</param>
    /// <returns>True when known.</returns>
    public bool TryGet(ushort id, out RpcType type)
    {
        type = id < types.Length ? types[id] : null!;
        return id < types.Length;
    }

    /// <summary>The RPC type of a struct.</summary>
    /// <typeparam name="T">An <c>[Rpc]</c> struct.</typeparam>
    /// <returns>Its type.</returns>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> is not in the registry.</exception>
    public RpcType Get<T>()
        where T : struct =>
        byMessageType.TryGetValue(typeof(T), out var type)
            ? type
            : throw new ArgumentException($"{typeof(T).FullName} is not an [Rpc] type of the registered schemas.", nameof(T));

    private sealed class Collector : INetworkTypeVisitor
    {
        public List<RpcType> Types { get; } = new();

        public void VisitComponent<TComponent, TSnapshot, TSerializer>(NetworkTypeInfo info)
            where TComponent : struct
            where TSnapshot : struct
            where TSerializer : struct, IComponentSerializer<TComponent, TSnapshot>
        {
            // Replicated state is the replication registry's business.
        }

        public void VisitRpc<TMessage, TSnapshot, TSerializer>(NetworkTypeInfo info)
            where TMessage : struct
            where TSnapshot : struct
            where TSerializer : struct, IComponentSerializer<TMessage, TSnapshot>, IMessageSerializer<TMessage>
        {
            if (Types.Count > ushort.MaxValue)
            {
                throw new InvalidOperationException("More than 65,536 RPC types.");
            }

            Types.Add(new RpcType<TMessage, TSerializer>((ushort)Types.Count));
        }
    }
}
