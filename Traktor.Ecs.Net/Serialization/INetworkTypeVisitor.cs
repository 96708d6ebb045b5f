namespace Traktor.Ecs.Net.Serialization;

/// <summary>
/// Receives every type of a schema with its generic arguments, so the replication layer can build
/// typed per-component handlers once at startup without reflection.
/// </summary>
public interface INetworkTypeVisitor
{
    /// <summary>Called for each <c>[Replicated]</c> component.</summary>
    /// <typeparam name="TComponent">The component.</typeparam>
    /// <typeparam name="TSnapshot">Its generated snapshot.</typeparam>
    /// <typeparam name="TSerializer">Its generated serializer.</typeparam>
    /// <param name="info">Id and settings.</param>
    void VisitComponent<TComponent, TSnapshot, TSerializer>(NetworkTypeInfo info)
        where TComponent : struct
        where TSnapshot : struct
        where TSerializer : struct, IComponentSerializer<TComponent, TSnapshot>;

    /// <summary>Called for each <c>[Rpc]</c> event.</summary>
    /// <typeparam name="TMessage">The event.</typeparam>
    /// <typeparam name="TSnapshot">Its generated snapshot.</typeparam>
    /// <typeparam name="TSerializer">Its generated serializer.</typeparam>
    /// <param name="info">Id and settings.</param>
    void VisitRpc<TMessage, TSnapshot, TSerializer>(NetworkTypeInfo info)
        where TMessage : struct
        where TSnapshot : struct
        where TSerializer : struct, IComponentSerializer<TMessage, TSnapshot>, IMessageSerializer<TMessage>;
}
