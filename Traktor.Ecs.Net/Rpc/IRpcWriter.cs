namespace Traktor.Ecs.Net.Rpc;

/// <summary>Writes one RPC of a known type as its generated serializer does (a host's local player sends through it).</summary>
/// <typeparam name="TMessage">An <c>[Rpc]</c> struct.</typeparam>
internal interface IRpcWriter<TMessage>
    where TMessage : struct
{
    /// <summary>Writes <paramref name="message"/>'s payload.</summary>
    /// <returns>The bytes written, or -1 when it does not fit <paramref name="destination"/>.</returns>
    int Write(in TMessage message, Span<byte> destination);
}
