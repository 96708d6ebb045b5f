
namespace Traktor.Ecs.Net;

/// <summary>
/// Marks a player's input struct: sampled every client tick, stamped with that tick, sent to the
/// server (the last few repeated in every packet) and applied there at the same tick. The generator
/// emits its message serializer, as for an <c>[Rpc]</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Struct, Inherited = false)]
public sealed class NetInputAttribute : Attribute
{
}
