
namespace Traktor.Ecs.Net;

/// <summary>
/// Marks an event struct as a remote procedure call: sending creates an entity carrying it on the
/// other side. The generator emits its serializer and network type id.
/// </summary>
[AttributeUsage(AttributeTargets.Struct, Inherited = false)]
public sealed class RpcAttribute : Attribute
{
    /// <summary>Delivery guarantee. Default <see cref="Traktor.Ecs.Net.Channel.ReliableOrdered"/>.</summary>
    public Channel Channel { get; set; } = Channel.ReliableOrdered;
}
